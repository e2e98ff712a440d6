"""The charger's side of one OCPP connection: ``ocpp.v16.ChargePoint`` with a handler per central-system command.

Each handler answers at once from a ``Decision`` of the charger (``Commands``);
what the decision sets in motion (Preparing, StartTransaction, ...) runs only
after the answer went out (the package's ``@after`` hook), as a task the charger
owns. Running it inside the handler would deadlock: the package reads the next
frame, our own call's answer among them, only when the handler has returned.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from simulator.wire import ChargePoint, after, on, reply

__all__ = ["Commands", "Decision", "FollowUp", "Peer"]

FollowUp = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Decision:
    """The answer's status, what follows once it is sent, and what undoes a claim if it never is."""

    status: str
    then: FollowUp | None = None
    undo: Callable[[], None] | None = None


class Commands(Protocol):
    """What the charger decides for each command of the central system."""

    def remote_start(self, id_tag: str, connector_id: int | None) -> Decision: ...
    def remote_stop(self, transaction_id: int) -> Decision: ...
    def reserve_now(self, connector_id: int, expiry_date: str, id_tag: str, reservation_id: int,
                    parent_id_tag: str | None) -> Decision: ...  # fmt: skip
    def cancel_reservation(self, reservation_id: int) -> Decision: ...
    def change_configuration(self, key: str, value: str) -> Decision: ...
    def configuration(self, keys: list[str] | None) -> tuple[list[dict[str, Any]], list[str]]: ...
    def trigger_message(self, requested_message: str, connector_id: int | None) -> Decision: ...
    def unlock_connector(self, connector_id: int) -> Decision: ...
    def reset(self, kind: str) -> Decision: ...
    def follow(self, work: Awaitable[Any]) -> object: ...


class Peer(ChargePoint):
    def __init__(
        self, charger_id: str, connection: Any, commands: Commands, response_timeout: float, logger: logging.Logger
    ) -> None:
        super().__init__(charger_id, connection, response_timeout=response_timeout, logger=logger)
        self._commands = commands
        self._follow_ups: dict[str, Decision] = {}

    def abandon(self) -> None:
        """The connection is gone: undo what was decided for answers that never went out."""
        pending, self._follow_ups = list(self._follow_ups.values()), {}
        for decision in pending:
            if decision.undo is not None:
                decision.undo()

    def _answer(self, action: str, call_unique_id: str, decision: Decision) -> Any:
        if decision.then is not None:
            self._follow_ups[call_unique_id] = decision
        return reply(action, status=decision.status)

    def _follow(self, call_unique_id: str) -> None:
        decision = self._follow_ups.pop(call_unique_id, None)
        if decision is not None and decision.then is not None:
            self._commands.follow(decision.then())

    @on("RemoteStartTransaction")
    def on_remote_start(self, call_unique_id: str, id_tag: str, connector_id: int | None = None, **_: Any) -> Any:
        return self._answer("RemoteStartTransaction", call_unique_id, self._commands.remote_start(id_tag, connector_id))

    @on("RemoteStopTransaction")
    def on_remote_stop(self, call_unique_id: str, transaction_id: int, **_: Any) -> Any:
        return self._answer("RemoteStopTransaction", call_unique_id, self._commands.remote_stop(transaction_id))

    @on("ReserveNow")
    def on_reserve_now(
        self, call_unique_id: str, connector_id: int, expiry_date: str, id_tag: str, reservation_id: int,
        parent_id_tag: str | None = None, **_: Any,
    ) -> Any:  # fmt: skip
        decision = self._commands.reserve_now(connector_id, expiry_date, id_tag, reservation_id, parent_id_tag)
        return self._answer("ReserveNow", call_unique_id, decision)

    @on("CancelReservation")
    def on_cancel_reservation(self, call_unique_id: str, reservation_id: int, **_: Any) -> Any:
        return self._answer("CancelReservation", call_unique_id, self._commands.cancel_reservation(reservation_id))

    @on("ChangeConfiguration")
    def on_change_configuration(self, call_unique_id: str, key: str, value: str, **_: Any) -> Any:
        return self._answer("ChangeConfiguration", call_unique_id, self._commands.change_configuration(key, value))

    @on("GetConfiguration")
    def on_get_configuration(self, key: list[str] | None = None, **_: Any) -> Any:
        known, unknown = self._commands.configuration(key)
        return reply("GetConfiguration", configuration_key=known, unknown_key=unknown or None)

    @on("TriggerMessage")
    def on_trigger_message(self, call_unique_id: str, requested_message: str, connector_id: int | None = None,
                           **_: Any) -> Any:  # fmt: skip
        decision = self._commands.trigger_message(requested_message, connector_id)
        return self._answer("TriggerMessage", call_unique_id, decision)

    @on("UnlockConnector")
    def on_unlock_connector(self, call_unique_id: str, connector_id: int, **_: Any) -> Any:
        return self._answer("UnlockConnector", call_unique_id, self._commands.unlock_connector(connector_id))

    @on("Reset")
    def on_reset(self, call_unique_id: str, type: str, **_: Any) -> Any:
        return self._answer("Reset", call_unique_id, self._commands.reset(type))

    @after("RemoteStartTransaction")
    def after_remote_start(self, call_unique_id: str, **_: Any) -> None:
        self._follow(call_unique_id)

    @after("RemoteStopTransaction")
    def after_remote_stop(self, call_unique_id: str, **_: Any) -> None:
        self._follow(call_unique_id)

    @after("ReserveNow")
    def after_reserve_now(self, call_unique_id: str, **_: Any) -> None:
        self._follow(call_unique_id)

    @after("CancelReservation")
    def after_cancel_reservation(self, call_unique_id: str, **_: Any) -> None:
        self._follow(call_unique_id)

    @after("ChangeConfiguration")
    def after_change_configuration(self, call_unique_id: str, **_: Any) -> None:
        self._follow(call_unique_id)

    @after("TriggerMessage")
    def after_trigger_message(self, call_unique_id: str, **_: Any) -> None:
        self._follow(call_unique_id)

    @after("UnlockConnector")
    def after_unlock_connector(self, call_unique_id: str, **_: Any) -> None:
        self._follow(call_unique_id)

    @after("Reset")
    def after_reset(self, call_unique_id: str, **_: Any) -> None:
        self._follow(call_unique_id)
