"""Route an incoming OCPP-J 1.6 frame to the handler for its action and build the reply frame.

`handle_frame` never raises: a charger that sends garbage gets a CALLERROR, a bug of ours goes out
as a generic InternalError (the exception goes to the log, never to the wire).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from shared import telemetry
from shared.ocpp.actions import KNOWN_16_ACTIONS, Action
from shared.ocpp.frames import (
    CALLERROR,
    CALLRESULT,
    UNKNOWN_MESSAGE_ID,
    Call,
    CallError,
    CallResult,
    FrameError,
    InternalError,
    NotSupported,
    OcppError,
    call_result_frame,
    error_frame,
    parse_frame,
)
from shared.ocpp.validation import action_named, validate_request, validate_response

__all__ = ["Router", "Handler", "ReplyHook", "handle_frame"]

logger = logging.getLogger(__name__)
UNREADABLE = "unknown"  # the metric's action for a frame whose action is not an OCPP 1.6 one (bounded cardinality)

CtxT = TypeVar("CtxT")
Handler = Callable[[CtxT, dict[str, Any]], Awaitable[dict[str, Any]]]
ReplyHook = Callable[[CtxT, CallResult | CallError], Awaitable[None]]
HandlerT = TypeVar("HandlerT", bound=Callable[..., Awaitable[dict[str, Any]]])


class Router(Generic[CtxT]):
    """A table from action to handler. `on_reply` receives the charger's answers to our own calls."""

    def __init__(self, on_reply: ReplyHook[CtxT] | None = None) -> None:
        self._handlers: dict[Action, Handler[CtxT]] = {}
        self.on_reply = on_reply

    def on(self, action: Action | str) -> Callable[[HandlerT], HandlerT]:
        routed = Action(action)  # an unknown name fails here, at import time, not on the first frame

        def register(handler: HandlerT) -> HandlerT:
            if routed in self._handlers:
                raise ValueError(f"{routed.value} already has a handler")
            self._handlers[routed] = handler
            return handler

        return register

    def handler_for(self, action: Action) -> Handler[CtxT]:
        try:
            return self._handlers[action]
        except KeyError:
            raise NotSupported(f"{action.value} is not handled here") from None


async def handle_frame(router: Router[CtxT], raw: str, ctx: CtxT) -> str | None:
    """The reply frame for one incoming frame, or None when nothing must be sent back."""
    try:
        frame = parse_frame(raw)
    except FrameError as error:
        if error.message_type_id in (CALLRESULT, CALLERROR):
            # Never answer an answer: a CALLERROR for a bad CALLERROR could ping-pong forever.
            logger.warning("dropping malformed reply frame: %s", error.description)
            return None
        logger.info("refusing malformed frame: %s", error.description)
        telemetry.ocpp_frame(UNREADABLE, error.code)
        return error_frame(error.message_id, error)
    except Exception:  # a bug in the parser must still not take the connection down
        logger.exception("unexpected failure parsing a frame")
        telemetry.ocpp_frame(UNREADABLE, InternalError.code)
        return error_frame(UNKNOWN_MESSAGE_ID, InternalError())
    if isinstance(frame, Call):
        try:
            return await _answer(router, frame, ctx)
        except Exception:  # e.g. an OcppError from a handler whose details do not serialise
            logger.exception("%s %s: could not build the reply", frame.action, frame.message_id)
            telemetry.ocpp_frame(_action_label(frame.action), InternalError.code)
            return error_frame(frame.message_id, InternalError())
    await _deliver_reply(router, frame, ctx)
    return None


async def _answer(router: Router[CtxT], call: Call, ctx: CtxT) -> str:
    try:
        action = action_named(call.action)
        handler = router.handler_for(action)
        validate_request(action, call.payload)
        result = await handler(ctx, call.payload)
        validate_response(action, result)
        reply = call_result_frame(call.message_id, result)
    except InternalError as error:
        logger.error("%s %s: internal error", call.action, call.message_id, exc_info=error)
        return _refusal(call, InternalError())
    except OcppError as error:
        logger.info("%s %s refused: %s %s", call.action, call.message_id, error.code, error.description)
        return _refusal(call, error)
    except Exception:
        logger.exception("%s %s: handler failed", call.action, call.message_id)
        return _refusal(call, InternalError())
    telemetry.ocpp_frame(action.value, "ok")
    return reply


def _refusal(call: Call, error: OcppError) -> str:
    frame = error_frame(call.message_id, error)  # may raise (details that do not serialise): then not counted here
    telemetry.ocpp_frame(_action_label(call.action), error.code)
    return frame


def _action_label(name: str) -> str:
    return name if name in KNOWN_16_ACTIONS else UNREADABLE


async def _deliver_reply(router: Router[CtxT], frame: CallResult | CallError, ctx: CtxT) -> None:
    if router.on_reply is None:
        logger.info("no reply hook; dropping reply to %s", frame.message_id)
        return
    try:
        await router.on_reply(ctx, frame)
    except Exception:
        logger.exception("reply hook failed for %s", frame.message_id)
