"""The interactive commands of ``python -m simulator -i``: one line, one action on one charger."""

from __future__ import annotations

import shlex

from simulator.charger import SimulatedCharger
from simulator.errors import SimulatorError
from simulator.fleet import Fleet

__all__ = ["COMMANDS", "Console", "describe"]

COMMANDS = """interactive commands (<charger> is its id or its number in the list, from 1):
  swipe <charger> <connector> <idTag>      present an RFID card: Authorize, then start (the same card again stops)
  stop <charger> <connector> [reason]      stop the session here (reason Local unless given)
  unplug <charger> <connector>             the driver unplugs: the session stops (EVDisconnected), then Available
  fault <charger> <connector> [errorCode]  the connector fails (GroundFailure unless given)
  clear <charger> <connector>              clear the connector's fault
  drop <charger>                           lose the connection: transaction messages queue up
  reconnect <charger>                      come back: the queue is sent in order
  status [<charger>]                       connectors, sessions and queued messages
  help | quit"""


class Console:
    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet

    async def execute(self, line: str) -> str:
        """Run one command; what to print (errors included: the console never raises for a bad command)."""
        try:
            words = shlex.split(line)
        except ValueError as exc:
            return f"error: {exc}"
        if not words:
            return ""
        verb, args = words[0].lower(), words[1:]
        try:
            return await self._run(verb, args)
        except (KeyError, ValueError, SimulatorError, TimeoutError) as exc:
            return f"error: {exc.args[0] if isinstance(exc, KeyError) else exc}"

    async def _run(self, verb: str, args: list[str]) -> str:
        if verb == "help":
            return COMMANDS
        if verb == "status":
            chargers = [self.fleet.find(args[0])] if args else self.fleet.chargers
            return "\n".join(describe(cp) for cp in chargers)
        if verb in ("drop", "reconnect") and len(args) == 1:
            cp = self.fleet.find(args[0])
            await (cp.drop() if verb == "drop" else cp.reconnect())
            return f"{cp.charger_id} {'offline' if verb == 'drop' else 'online'}"
        needs = {"swipe": 3, "stop": 2, "unplug": 2, "fault": 2, "clear": 2}
        if verb not in needs:
            raise ValueError(f"unknown command {verb!r} (try: help)")
        if not needs[verb] <= len(args) <= needs[verb] + (verb in ("stop", "fault")):
            raise ValueError(f"usage: {next(x.strip() for x in COMMANDS.splitlines() if x.strip().startswith(verb))}")
        cp, connector = self.fleet.find(args[0]), int(args[1])
        if verb == "swipe":
            return f"{cp.charger_id} card {args[2]}: {await cp.swipe(connector, args[2])}"
        if verb == "stop":
            await cp.stop(connector, args[2] if len(args) > 2 else "Local")
        elif verb == "unplug":
            await cp.unplug(connector)
        elif verb == "fault":
            await cp.fault(connector, args[2] if len(args) > 2 else "GroundFailure")
        else:
            await cp.clear_fault(connector)
        return describe(cp)


def describe(cp: SimulatedCharger) -> str:
    state = "online" if cp.online else "offline"
    parts = [f"{cp.charger_id} ({state}, {cp.registration or 'not booted'}, {len(cp.outbox)} queued)"]
    for c in cp.connectors.values():
        tx = c.transaction
        session = ""
        if tx is not None:
            soc = f", SoC {tx.battery.soc:.0f} %"
            session = f" tx {tx.server_id or '?'} {tx.id_tag} {(c.register_wh - tx.meter_start) / 1000:.2f} kWh{soc}"
        parts.append(f"  {c.connector_id}: {c.status}{session}{' ' + c.fault if c.fault else ''}")
    return "\n".join(parts)
