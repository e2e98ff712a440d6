"""A charging site for session tests: a provider, an active station with a priced charger, a driver.

Frames are fed through the real OCPP router as the charger ``CP-1`` on a known
connection; commands the platform sends land in ``deps.link`` (a RecordingLink)
and are answered with ``Site.answer`` as the charger would.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.adapters.embedded.local_bus import LocalBus
from shared.bootstrap import Deps
from shared.domain.messages import Message
from shared.ocpp.router import handle_frame
from shared.services.app_tags import app_id_tag
from shared.services.charger_state import update_ocpp_state
from shared.services.ocpp_handlers import OcppContext, ocpp_time, router
from tests.fakes import RecordingLink
from tests.providers_fixture import Member, ProviderTeam, charger_body, create_provider, driver, station_body

__all__ = ["CONNECTION", "TARIFF", "Site", "app_session", "build_site", "bus_messages", "priced_station"]

CONNECTION = "conn-cp-1"
PROBE = "test-probe"  # a subscription on session-events that the tests read
# 0.40 EUR/kWh, 19 % VAT; parking 6.00 EUR/h; no time fee: easy to check by hand
TARIFF = {
    "name": "Simple",
    "currency": "EUR",
    "elements": [
        {"priceComponents": [{"type": "ENERGY", "price": "0.40", "vat": "19"}]},
        {"priceComponents": [{"type": "PARKING_TIME", "price": "6.00", "vat": "19"}]},
    ],
}


@dataclass
class Site:
    deps: Deps
    functions: Any
    team: ProviderTeam
    station_id: str
    charger_id: str
    driver: Member
    tariff_id: str
    seq: list[int] = field(default_factory=lambda: [0])

    @property
    def link(self) -> RecordingLink:
        link = self.deps.link
        assert isinstance(link, RecordingLink)
        return link

    @property
    def tok(self) -> str:
        """The driver's access token, issued now (the FakeClock may have moved past an older one's expiry)."""
        return self.driver.renewed(self.deps).token

    def key(self, connector_id: int = 1) -> str:
        return f"{self.charger_id}/{connector_id}"

    async def frame(self, action: str, payload: dict[str, Any], *, charger_id: str | None = None) -> Any:
        """Send one CALL as the charger; the decoded reply frame."""
        self.seq[0] += 1
        text = json.dumps([2, f"m{self.seq[0]}", action, payload])
        reply = await handle_frame(router, text, OcppContext(charger_id or self.charger_id, CONNECTION, self.deps))
        return None if reply is None else json.loads(reply)

    async def result(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        reply = await self.frame(action, payload)
        assert reply[0] == 3, reply
        answer: dict[str, Any] = reply[2]
        return answer

    async def status(
        self, status: str, connector_id: int = 1, at: datetime | None = None, error: str = "NoError"
    ) -> None:
        await self.result(
            "StatusNotification",
            {"connectorId": connector_id, "status": status, "errorCode": error,
             "timestamp": ocpp_time(at or self.deps.clock.now())},
        )  # fmt: skip

    async def answer(self, action: str, payload: dict[str, Any]) -> None:
        """Reply, as the charger, to the last command of ``action`` the platform sent."""
        call = self.link.calls(action)[-1]
        reply = json.dumps([3, call[1], payload])
        assert await handle_frame(router, reply, OcppContext(self.charger_id, CONNECTION, self.deps)) is None

    async def start(
        self, id_tag: str, meter_start: int = 1000, connector_id: int = 1, at: datetime | None = None
    ) -> int:
        answer = await self.result(
            "StartTransaction",
            {"connectorId": connector_id, "idTag": id_tag, "meterStart": meter_start,
             "timestamp": ocpp_time(at or self.deps.clock.now())},
        )  # fmt: skip
        transaction_id: int = answer["transactionId"]
        return transaction_id

    async def meter(
        self, transaction_id: int, register_wh: float, *, power_w: float = 11000, at: datetime | None = None,
        unit: str = "Wh", soc: float | None = None, connector_id: int = 1,
    ) -> dict[str, Any]:  # fmt: skip
        sampled: list[dict[str, Any]] = [
            {"value": str(register_wh), "measurand": "Energy.Active.Import.Register", "unit": unit},
            {"value": str(power_w), "measurand": "Power.Active.Import", "unit": "W"},
        ]
        if soc is not None:
            sampled.append({"value": str(soc), "measurand": "SoC", "unit": "Percent"})
        return await self.result(
            "MeterValues",
            {"connectorId": connector_id, "transactionId": transaction_id,
             "meterValue": [{"timestamp": ocpp_time(at or self.deps.clock.now()), "sampledValue": sampled}]},
        )  # fmt: skip

    async def stop(
        self, transaction_id: int, meter_stop: int, reason: str = "Local", at: datetime | None = None
    ) -> dict[str, Any]:
        return await self.result(
            "StopTransaction",
            {"transactionId": transaction_id, "meterStop": meter_stop, "reason": reason,
             "timestamp": ocpp_time(at or self.deps.clock.now())},
        )  # fmt: skip

    async def start_from_app(
        self, connector_id: int = 1, caps: dict[str, Any] | None = None, token: str | None = None
    ) -> Any:
        return await self.functions(
            "start_session", "POST", token=token or self.tok,
            body={"stationId": self.station_id, "connectorKey": self.key(connector_id), "caps": caps or {}},
        )  # fmt: skip

    async def events(self, *types: str) -> list[Message]:
        """The session events published since the last call (optionally only some types), oldest first."""
        found = await bus_messages(self.deps, self.deps.settings.session_events_topic, PROBE)
        return [m for m in found if not types or m.type in types]

    async def session(self, session_id: str, token: str | None = None) -> Any:
        return await self.functions("get_session", token=token or self.tok, route={"sessionId": session_id})


async def bus_messages(deps: Deps, destination: str, subscription: str | None = None) -> list[Message]:
    """Take every message waiting on a queue, or on a test's subscription of a topic, oldest first (bounded)."""
    bus = deps.bus
    assert isinstance(bus, LocalBus)
    found: list[Message] = []
    for _ in range(100):  # bounded: 100 x 500 messages
        batch = await bus.receive(destination, subscription, max_messages=500)
        if not batch:
            break
        for delivery in batch:
            found.append(Message.from_json(delivery.body))
            await bus.complete(delivery)
    return found


async def app_session(site: Site, caps: dict[str, Any] | None = None, meter_start: int = 1000) -> tuple[str, int]:
    """A session started from the app and started by the charger: (session id, transaction id)."""
    started = await site.start_from_app(caps=caps)
    assert started.status == 201, started.json
    await site.answer("RemoteStartTransaction", {"status": "Accepted"})
    return started.json["id"], await site.start(app_id_tag(site.driver.user_id), meter_start)


async def priced_station(
    functions: Any, team: ProviderTeam, charger_id: str, tariff: dict[str, Any] | None = None
) -> tuple[str, str]:
    """An active station with one charger (``charger_body``) and a tariff attached: (station id, tariff id)."""
    created = await functions(
        "create_station", "POST", token=team.admin.token, route={"providerId": team.id},
        body=station_body(lifecycle="active"),
    )  # fmt: skip
    assert created.status == 201, created.json
    station_id: str = created.json["id"]
    added = await functions(
        "create_charger", "POST", token=team.admin.token, route={"stationId": station_id}, body=charger_body(charger_id)
    )
    assert added.status == 201, added.json
    made = await functions(
        "create_tariff", "POST", token=team.admin.token, route={"providerId": team.id}, body=tariff or TARIFF
    )
    assert made.status == 201, made.json
    attached = await functions(
        "attach_tariff", "PUT", token=team.admin.token, route={"stationId": station_id},
        body={"tariffId": made.json["id"]},
    )  # fmt: skip
    assert attached.status == 200, attached.json
    return station_id, str(made.json["id"])


async def build_site(deps: Deps, functions: Any, key: str = "acme", charger_id: str = "CP-1") -> Site:
    team = await create_provider(deps, f"{key}{uuid.uuid4().hex[:4]}")
    station_id, tariff_id = await priced_station(functions, team, charger_id)
    await update_ocpp_state(deps, charger_id, lambda s: s.model_copy(update={"connection_id": CONNECTION}))
    bus = deps.bus
    assert isinstance(bus, LocalBus)
    await bus.ensure_subscription(deps.settings.session_events_topic, PROBE)
    member = await driver(deps, f"driver-{uuid.uuid4().hex[:6]}@example.com")
    site = Site(deps, functions, team, station_id, charger_id, member, tariff_id)
    await site.status("Available", 1)
    await site.status("Available", 2)
    return site
