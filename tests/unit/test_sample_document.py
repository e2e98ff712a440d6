"""The MeterValues hot path writes samples with ``sample_document``, not pydantic's serializer: the two must agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.domain.sessions import MeterSample, sample_document

AT = datetime(2026, 11, 29, 22, 39, 1, 250000, tzinfo=UTC)


@pytest.mark.parametrize(
    "fields",
    [
        {"register_wh": 1000, "energy_wh": 10, "power_w": 50000.0, "current_a": 120.5, "soc": 42.0, "ttl": 7776000},
        {"register_wh": 1000, "energy_wh": 10},  # the energy register alone
        {"power_w": 49, "soc": 80},  # integers where floats belong: stored as floats, as pydantic does
        {"context": "Transaction.End", "ttl": None},
        {"received_at": datetime(2026, 11, 29, 22, 39, 2, tzinfo=UTC)},  # no fraction of a second
        {"at": datetime(2026, 11, 29, 23, 39, 1, tzinfo=timezone(timedelta(hours=1)))},  # not in UTC
    ],
)
def test_the_document_is_what_pydantic_would_store_and_reads_back(fields: dict[str, object]) -> None:
    values: dict[str, object] = {"id": "ses_1:x", "session_id": "ses_1", "at": AT, "received_at": AT} | fields
    validated = MeterSample.model_validate(values)
    constructed = MeterSample.model_construct(**values)  # as the hot path builds it: no validation
    doc = sample_document(constructed)
    assert doc == validated.model_dump(mode="json", exclude_none=True)
    assert list(doc) == list(validated.model_dump(mode="json", exclude_none=True))
    assert MeterSample.model_validate(doc) == validated
