"""What can go wrong between a simulated charger and its central system, as one exception tree.

SimulatorError
 ├── ChargerRefused       the central system refused the WebSocket handshake (unknown charger, wrong password)
 ├── ChargerUnreachable   nothing answered at the URL, or the handshake timed out
 ├── Offline              the charger has no open connection right now
 ├── CallFailed           the central system answered a CALL with a CALLERROR
 └── ConnectorError       an unknown connector, or one in the wrong state for the request
"""

from __future__ import annotations

__all__ = ["CallFailed", "ChargerRefused", "ChargerUnreachable", "ConnectorError", "Offline", "SimulatorError"]


class SimulatorError(Exception):
    """Base of every error the simulator raises on purpose."""


class ChargerRefused(SimulatorError):
    def __init__(self, charger_id: str, url: str, status: int, reason: str = "") -> None:
        self.charger_id, self.url, self.status, self.reason = charger_id, url, status, reason
        hint = " (check the charger id and its password)" if status == 401 else ""
        detail = f": {reason}" if reason else ""
        super().__init__(f"charger {charger_id}: {url} refused the connection with HTTP {status}{detail}{hint}")


class ChargerUnreachable(SimulatorError):
    def __init__(self, charger_id: str, url: str, cause: str) -> None:
        self.charger_id, self.url = charger_id, url
        super().__init__(f"charger {charger_id}: cannot connect to {url}: {cause}")


class Offline(SimulatorError):
    def __init__(self, charger_id: str, action: str = "") -> None:
        self.charger_id = charger_id
        super().__init__(f"charger {charger_id} is offline" + (f": {action} not sent" if action else ""))


class CallFailed(SimulatorError):
    def __init__(self, action: str, code: str, description: str = "") -> None:
        self.action, self.code, self.description = action, code, description
        super().__init__(f"{action} answered with CALLERROR {code}" + (f": {description}" if description else ""))


class ConnectorError(SimulatorError):
    """An unknown connector, or one that cannot do what was asked in its current state."""
