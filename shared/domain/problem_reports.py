"""'Report a problem' on a station or one connector, in the ``reviews`` container (partition ``/stationId``).

``ProblemReport`` ``prb_<station hex>_<hex>``: the station is read back from the id (a point read). An open
problem naming a connector marks it ``suspect`` on the station document (``shared.services.problems``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from shared.domain.model import ApiModel, InputModel
from shared.domain.reviews import Outbox, PlainText

__all__ = [
    "ProblemKind",
    "ProblemReport",
    "ProblemReportCreate",
    "ProblemResolve",
    "ProblemView",
    "problem_id_for",
    "station_of_problem",
]

ProblemKind = Literal["broken", "blocked", "damaged_cable", "other"]


def problem_id_for(station_id: str, suffix: str) -> str:
    return f"prb_{station_id.removeprefix('stn_')}_{suffix}"


def station_of_problem(problem_id: str) -> str | None:
    parts = problem_id.split("_")
    if len(parts) != 3 or parts[0] != "prb" or not parts[1] or not parts[2]:
        return None
    return f"stn_{parts[1]}"


class ProblemReportCreate(InputModel):
    connector_key: str | None = Field(default=None, min_length=3, max_length=64, description="<chargerId>/<n>")
    kind: ProblemKind
    text: PlainText = ""

    @model_validator(mode="after")
    def _other_says_what(self) -> ProblemReportCreate:
        if self.kind == "other" and not self.text:
            raise ValueError("say what is wrong when the kind is other")
        return self


class ProblemResolve(InputModel):
    note: PlainText = ""


class ProblemReport(Outbox):
    id: str
    type: Literal["problem"] = "problem"
    station_id: str
    provider_id: str
    station_name: str
    connector_key: str | None = None
    kind: ProblemKind
    text: str = ""
    user_id: str
    status: Literal["open", "resolved"] = "open"
    resolution: Literal["provider", "session_succeeded"] | None = None
    resolved_by: str | None = Field(default=None, description="the provider's member, or the session that succeeded")
    resolved_at: datetime | None = None
    resolution_note: str = ""
    created_at: datetime
    created_key: str = ""  # created_at, sortable as text
    updated_at: datetime
    etag: str | None = Field(default=None, alias="_etag", exclude=True)


class ProblemView(ApiModel):
    id: str
    station_id: str
    provider_id: str
    station_name: str
    connector_key: str | None
    kind: ProblemKind
    text: str = Field(description="plain text: escape it when rendering")
    user_id: str
    status: Literal["open", "resolved"]
    resolution: Literal["provider", "session_succeeded"] | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_note: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, problem: ProblemReport) -> ProblemView:
        internal = {"pending_messages", "has_pending_messages", "type", "created_key"}
        return cls.model_validate(problem.model_dump(exclude=internal))
