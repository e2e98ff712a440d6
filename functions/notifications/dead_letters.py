"""Dead letters for platform admins: the issue's ``/api/admin/dead-letters``, served under ``platform``
because the Functions host reserves route templates starting with ``admin``."""

from __future__ import annotations

from pydantic import Field

from functions.notifications import api
from shared.domain.model import InputModel
from shared.domain.principal import Role
from shared.http.endpoint import Call
from shared.services.notification_dead_letters import DeadLetterPublic, list_dead_letters, replay_dead_letter


class DeadLetterQuery(InputModel):
    limit: int = Field(default=100, ge=1, le=500)


@api.route("platform/dead-letters", roles=[Role.ADMIN], query=DeadLetterQuery, response=list[DeadLetterPublic],
           summary="Messages consumers gave up on, across the queue and every subscription (admins)")  # fmt: skip
async def list_platform_dead_letters(call: Call) -> list[DeadLetterPublic]:
    return await list_dead_letters(call.deps, limit=call.query.limit)


@api.route("platform/dead-letters/{deadLetterId}/replay", methods=["POST"], roles=[Role.ADMIN], status=204,
           errors=(404,), summary="Put one dead letter back on its queue or subscription (admins)")  # fmt: skip
async def replay_platform_dead_letter(call: Call) -> None:
    await replay_dead_letter(call.deps, call.route["deadLetterId"])
