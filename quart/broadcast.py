"""Publish/subscribe across an app: ``app.broadcast``.

A message published on a channel reaches every subscriber of that channel,
in views, websocket handlers, background tasks and server-sent-event
streams alike::

    from quart import broadcast

    @app.post("/say")
    async def say() -> dict[str, str]:
        event_id = await broadcast.publish("room", (await request.get_json())["text"])
        return {"id": event_id}

    @app.websocket("/room")
    async def room() -> None:
        async with broadcast.subscribe("room") as subscription:
            async for message in subscription:
                await websocket.send(message.data)

This module is also the ``quart.broadcast`` proxy: its functions
(:func:`publish`, :func:`subscribe`, ...) act on the current app's
:class:`Broadcast`.

Guarantees (for every backend):

* :meth:`Broadcast.publish` returns the message's **event id**, ``"<ms>-<seq>"``
  (the format of Redis stream ids); ids increase within a channel.
* Each subscriber gets a publisher's messages in the order they were
  published (for a publisher that awaits each ``publish``), each at most
  once.
* ``subscribe(channel, since=event_id)`` first replays the messages after
  ``event_id`` that the backend still holds (its *replay window*,
  ``BROADCAST_HISTORY`` messages and ``BROADCAST_HISTORY_SECONDS`` seconds
  per channel). When it cannot (the window moved past ``event_id``, the
  backend lost messages, or the id is unknown), the subscriber receives a
  **gap** marker (:attr:`Message.gap`) instead of silently missing
  messages.
* A subscriber that does not keep up has a bounded queue
  (``BROADCAST_MAX_QUEUE`` messages): when it overflows, the subscriber
  gets the messages queued so far, then a gap marker with reason
  ``"overflow"``, and its subscription ends (:data:`OVERLOAD_CLOSE_CODE`
  for websockets). It can subscribe again with ``since=`` the gap's id.
* Payloads are ``str`` or ``bytes`` (JSON through :meth:`Broadcast.publish_json`
  and :meth:`Message.json`), never pickled.

The backend comes from the ``quart_broadcast_backend`` plugin hook. The
built-in answer is :class:`MemoryBackend` (one process, nothing to
install); ``plugins/quart-redis-backend`` shares channels between worker
processes and hosts through Redis.
"""

from __future__ import annotations

import asyncio
import json as _json
import logging
import re
import time
from abc import ABC
from abc import abstractmethod
from collections import deque
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from blinker import Namespace
from werkzeug.exceptions import ServiceUnavailable

from .globals import _cv_app
from .globals import _cv_request
from .globals import _cv_websocket
from .globals import _no_app_msg
from .signals import send_signal

if TYPE_CHECKING:
    from .app import Quart
    from .wrappers import Response
    from .wrappers import Websocket

__all__ = [
    "DEFAULT_HISTORY",
    "DEFAULT_HISTORY_SECONDS",
    "DEFAULT_MAX_QUEUE",
    "GAP_EXPIRED",
    "GAP_LOST",
    "GAP_OVERFLOW",
    "OVERLOAD_CLOSE_CODE",
    "Broadcast",
    "BroadcastBackend",
    "BroadcastUnavailable",
    "MemoryBackend",
    "Message",
    "Subscription",
    "broadcast_gap",
    "current",
    "format_event_id",
    "format_sse",
    "parse_event_id",
    "ping",
    "publish",
    "publish_json",
    "sse_response",
    "sse_stream",
    "stream_to_websocket",
    "subscribe",
]

#: ``BROADCAST_MAX_QUEUE``: messages a subscriber may have waiting.
DEFAULT_MAX_QUEUE = 1000
#: ``BROADCAST_HISTORY``: messages per channel kept for replay (0: none).
DEFAULT_HISTORY = 1000
#: ``BROADCAST_HISTORY_SECONDS``: how long a message is kept for replay
#: (``None``: no age limit, only ``BROADCAST_HISTORY``).
DEFAULT_HISTORY_SECONDS: float | None = 3600.0

#: Gap reason: this subscriber's queue overflowed; its subscription ended.
GAP_OVERFLOW = "overflow"
#: Gap reason: the messages after ``since`` left the replay window.
GAP_EXPIRED = "expired"
#: Gap reason: the backend lost messages (it restarted without them, or
#: was unreachable for too long) or does not know the id asked for.
GAP_LOST = "lost"

#: The websocket close code for a subscriber dropped by a gap: 1013, "Try
#: Again Later" (RFC 6455): reconnect, and resynchronise.
OVERLOAD_CLOSE_CODE = 1013

_signals = Namespace()
#: Sent (from the app) when subscribers miss messages: with ``channel``,
#: ``reason`` (:data:`GAP_OVERFLOW`, :data:`GAP_EXPIRED`, :data:`GAP_LOST`),
#: ``subscribers`` (how many got the marker) and ``resume_id``. Receivers
#: may be sync or async. A log line on ``app.logger`` goes with it.
broadcast_gap = _signals.signal("broadcast-gap")

_EVENT_ID = re.compile(r"([0-9]{1,20})(?:-([0-9]{1,20}))?\Z")
_SSE_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def parse_event_id(value: str) -> tuple[int, int]:
    """``"<ms>-<seq>"`` as a comparable pair (a bare ``"<ms>"`` is
    ``(ms, 0)``, as in Redis). Raises :class:`ValueError` if malformed."""
    match = _EVENT_ID.match(value)
    if match is None:
        raise ValueError(f"Not a broadcast event id: {value!r}")
    return int(match[1]), int(match[2] or 0)


def format_event_id(key: tuple[int, int]) -> str:
    """The event id of a pair from :func:`parse_event_id`."""
    return f"{key[0]}-{key[1]}"


class BroadcastUnavailable(ServiceUnavailable):
    """The broadcast backend cannot be reached (Redis is down): raised by
    :meth:`Broadcast.publish`. It is an HTTP ``503 Service Unavailable``,
    so a view that publishes answers 503 rather than 500 while it lasts."""

    description = "Real-time messaging is unavailable; try again shortly."


@dataclass(frozen=True, slots=True)
class Message:
    """One message a subscriber receives: a published message, or a gap
    marker (``gap`` true) saying that messages were missed."""

    #: The event id: for a message, the one :meth:`Broadcast.publish`
    #: returned; for a gap, the id to resume from (pass it as ``since=``;
    #: what follows the marker continues from there).
    id: str
    channel: str
    #: The payload as published (``""`` for a gap).
    data: str | bytes
    #: ``True`` for a gap marker.
    gap: bool = False
    #: Why the gap: :data:`GAP_OVERFLOW`, :data:`GAP_EXPIRED` or
    #: :data:`GAP_LOST` (``None`` for a message).
    reason: str | None = None

    @property
    def text(self) -> str:
        """The payload as text (bytes are decoded as UTF-8)."""
        data = self.data
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else data

    def json(self) -> Any:
        """The payload decoded as JSON (see :meth:`Broadcast.publish_json`)."""
        if self.gap:
            raise ValueError("A gap marker carries no data.")
        return _json.loads(self.data)


def format_sse(message: Message) -> str:
    """One server-sent event for ``message``: ``id:`` and ``data:`` lines (a
    gap is an ``event: gap`` whose data is the reason)."""
    lines = ["event: gap"] if message.gap else []
    lines.append(f"id: {message.id}")
    text = (message.reason or "") if message.gap else message.text
    lines.extend(f"data: {line}" for line in _SSE_LINE_BREAK.split(text))
    return "\n".join(lines) + "\n\n"


class Subscription:
    """One subscriber of a channel: an async context manager (which attaches
    it to the backend and detaches it) and an async iterator of
    :class:`Message`. Create it with :meth:`Broadcast.subscribe`.

    The ``deliver``/``start``/``deliver_gap``/``end`` methods are for
    backends; the backend calls them from the event loop the subscription
    lives in.
    """

    def __init__(
        self, broadcast: Broadcast, channel: str, since: str | None, max_queue: int
    ) -> None:
        self.broadcast = broadcast
        #: The channel subscribed to.
        self.channel = channel
        #: The ``since`` id it was created with.
        self.since = since
        #: The id to resume from: that of the last message (or gap) this
        #: subscriber took, or where it started (``None`` while unknown).
        self.position: str | None = since
        self.max_queue = max_queue
        self._replay: deque[Message] = deque()
        self._queue: deque[Message] = deque()
        self._last_queued: str | None = None
        self._waiter: asyncio.Future[None] | None = None
        # "new" -> "open" -> ("dropped" ->) "closed"
        self._state = "new"
        self._final: Message | None = None

    def __repr__(self) -> str:
        return f"<Subscription {self.channel!r} {self._state} at {self.position}>"

    @property
    def active(self) -> bool:
        """Whether it still receives messages (attached, not dropped)."""
        return self._state == "open"

    # -- the subscriber's side -------------------------------------------------
    async def __aenter__(self) -> Subscription:
        if self._state != "new":
            raise RuntimeError("A subscription can be entered only once.")
        self._state = "open"
        try:
            await self.broadcast._attach(self)
        except BaseException:
            self._state = "closed"
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop receiving: detach from the backend, drop what is queued and
        end the iteration."""
        if self._state in ("open", "dropped"):
            if self._state == "open":
                self.broadcast.backend.detach(self)
            self._state = "closed"
            self._final = None
            self._replay.clear()
            self._queue.clear()
            self._wake()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Message:
        if self._state == "new":
            raise RuntimeError("Use 'async with broadcast.subscribe(...)' first.")
        while True:
            if self._replay:
                message = self._replay.popleft()
            elif self._queue:
                message = self._queue.popleft()
            elif self._final is not None:
                message, self._final = self._final, None
                self._state = "closed"
            elif self._state != "open":
                raise StopAsyncIteration
            else:
                waiter = self._waiter = asyncio.get_running_loop().create_future()
                try:
                    await waiter
                finally:
                    self._waiter = None
                continue
            self.position = message.id
            return message

    def pending(self) -> int:
        """How many messages wait to be taken."""
        return len(self._replay) + len(self._queue)

    # -- the backend's side ------------------------------------------------------
    def start(
        self,
        position: str | None,
        replay: Iterable[Message] = (),
        gap: tuple[str, str] | None = None,
    ) -> None:
        """Called by the backend when attaching: the subscriber's starting
        ``position`` (the last id before what it will deliver), a gap
        ``(reason, resume_id)`` to report first, and the messages to replay
        (in order, before any delivered later; they do not count against
        the queue bound)."""
        if gap is not None:
            reason, resume_id = gap
            self._replay.append(Message(resume_id, self.channel, "", True, reason))
        self._replay.extend(replay)
        if gap is not None:
            self.position = gap[1]
        elif self.since is None:
            self.position = position
        self._wake()

    def deliver(self, message: Message) -> None:
        """Queue a live message; on overflow drop the subscriber."""
        if self._state != "open":
            return
        if len(self._queue) >= self.max_queue:
            self._overflow()
            return
        self._queue.append(message)
        self._last_queued = message.id
        self._wake()

    def deliver_gap(self, reason: str, resume_id: str) -> None:
        """Queue a gap marker (messages were missed; delivery continues
        after ``resume_id``). Report it once per event with
        :meth:`Broadcast.report_gap`."""
        self.deliver(Message(resume_id, self.channel, "", True, reason))

    def end(self) -> None:
        """The backend closed: end the iteration once the queue is taken."""
        if self._state == "open":
            self._state = "closed"
            self._wake()

    def _overflow(self) -> None:
        self._state = "dropped"
        resume_id = self._last_queued or self.position or "0-0"
        self._final = Message(resume_id, self.channel, "", True, GAP_OVERFLOW)
        self.broadcast.backend.detach(self)
        self.broadcast.report_gap(self.channel, GAP_OVERFLOW, 1, resume_id)
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class BroadcastBackend(ABC):
    """What a broadcast backend implements: the built-in
    :class:`MemoryBackend`, or the answer of a plugin's
    ``quart_broadcast_backend`` hook.

    A backend delivers each message to the subscriptions attached to its
    channel with :meth:`Subscription.deliver`, in event-id order, and
    reports what a subscriber missed with :meth:`Subscription.deliver_gap`
    (and :meth:`Broadcast.report_gap`). Replay on attach goes through
    :meth:`Subscription.start`.
    """

    #: A short name for logs and status lines.
    name = "backend"

    @abstractmethod
    async def publish(self, channel: str, data: str | bytes) -> str:
        """Store and deliver ``data``; return its event id. Raise
        :class:`BroadcastUnavailable` when the backend cannot be reached."""

    @abstractmethod
    async def attach(self, subscription: Subscription, since: str | None) -> None:
        """Start delivering to ``subscription``: messages published after
        this returns reach it (at-most-once); with ``since``, first the
        retained messages after that id, or a gap if it cannot."""

    @abstractmethod
    def detach(self, subscription: Subscription) -> None:
        """Stop delivering to ``subscription`` (sync: it may be called from
        :meth:`Subscription.deliver`)."""

    async def ping(self) -> bool:
        """Whether the backend is reachable (for readiness checks)."""
        return True

    async def close(self) -> None:
        """Release resources and end every subscription
        (:meth:`Subscription.end`)."""
        return None

    def status(self) -> str:
        """A one-line description (for ``quart plugins`` and logs)."""
        return self.name


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class _MemoryChannel:
    __slots__ = ("entries", "evicted_upto", "subscribers")

    def __init__(self, evicted_upto: tuple[int, int]) -> None:
        self.entries: deque[tuple[tuple[int, int], Message]] = deque()
        #: The newest id no longer held (replay from before it is a gap).
        self.evicted_upto = evicted_upto
        self.subscribers: set[Subscription] = set()


class MemoryBackend(BroadcastBackend):
    """The in-process backend (the built-in default): channels live in this
    process, so only its subscribers see its messages; fine for one worker,
    not for ``hypercorn --workers 2``.

    Ids are ``"<ms>-<seq>"`` from the wall clock, increasing across the
    whole backend. Each channel keeps its last ``history`` messages, none
    older than ``history_seconds``, for ``since=`` replay; an id from before
    the backend started (a browser resuming after a restart) is a gap.
    """

    name = "memory"

    def __init__(
        self,
        history: int = DEFAULT_HISTORY,
        history_seconds: float | None = DEFAULT_HISTORY_SECONDS,
    ) -> None:
        if history < 0:
            raise ValueError("history must be 0 or more")
        self.history = history
        self.history_seconds = history_seconds
        self._last = (_now_ms(), 0)
        #: Where replay knowledge starts: ids before it are a gap.
        self._floor = self._last
        self._channels: dict[str, _MemoryChannel] = {}
        self._last_sweep = time.monotonic()
        self._closed = False

    def status(self) -> str:
        return (
            f"{self.name} (in-process; replay: {self.history} messages,"
            f" {self.history_seconds} s)"
        )

    def _next_id(self) -> tuple[int, int]:
        ms = _now_ms()
        last_ms, seq = self._last
        key = (ms, 0) if ms > last_ms else (last_ms, seq + 1)
        self._last = key
        return key

    def _channel(self, name: str) -> _MemoryChannel:
        channel = self._channels.get(name)
        if channel is None:
            channel = self._channels[name] = _MemoryChannel(self._floor)
        return channel

    def _evict(self, channel: _MemoryChannel, now_ms: int) -> None:
        entries = channel.entries
        while len(entries) > self.history:
            channel.evicted_upto = entries.popleft()[0]
        if self.history_seconds is not None:
            oldest = (now_ms - int(self.history_seconds * 1000), 0)
            while entries and entries[0][0] < oldest:
                channel.evicted_upto = entries.popleft()[0]

    async def publish(self, channel: str, data: str | bytes) -> str:
        if self._closed:
            raise RuntimeError("The broadcast backend is closed.")
        key = self._next_id()
        event_id = format_event_id(key)
        message = Message(event_id, channel, data)
        state = self._channels.get(channel)
        if state is None:
            if not self.history:
                # Nobody listens and nothing is kept; a later since= before
                # this id is a gap, as the floor says.
                self._floor = key
                return event_id
            state = self._channel(channel)
        if self.history:
            state.entries.append((key, message))
            self._evict(state, key[0])
        else:
            state.evicted_upto = key
        for subscription in list(state.subscribers):
            subscription.deliver(message)
        if (
            self.history_seconds is not None
            and time.monotonic() - self._last_sweep > min(self.history_seconds, 60)
        ):
            self._sweep()
        return event_id

    def _sweep(self) -> None:
        """Drop expired messages of idle channels, and channels left with
        neither messages nor subscribers (their ids fall below the floor)."""
        self._last_sweep = time.monotonic()
        now_ms = _now_ms()
        for name, channel in list(self._channels.items()):
            self._evict(channel, now_ms)
            if not channel.entries and not channel.subscribers:
                self._floor = max(self._floor, channel.evicted_upto)
                del self._channels[name]

    async def attach(self, subscription: Subscription, since: str | None) -> None:
        if self._closed:
            raise RuntimeError("The broadcast backend is closed.")
        channel = self._channel(subscription.channel)
        tip = format_event_id(self._last)
        if since is None:
            subscription.start(tip)
        else:
            gap: tuple[str, str] | None = None
            try:
                after = parse_event_id(since)
            except ValueError:
                after, gap = self._last, (GAP_LOST, tip)
            else:
                if after > self._last:
                    after, gap = self._last, (GAP_LOST, tip)
                elif after < channel.evicted_upto:
                    after = channel.evicted_upto
                    gap = (GAP_EXPIRED, format_event_id(after))
            replay = [message for key, message in channel.entries if key > after]
            subscription.start(tip, replay, gap)
            if gap is not None:
                subscription.broadcast.report_gap(
                    subscription.channel, gap[0], 1, gap[1], live=False
                )
        channel.subscribers.add(subscription)

    def detach(self, subscription: Subscription) -> None:
        channel = self._channels.get(subscription.channel)
        if channel is None:
            return
        channel.subscribers.discard(subscription)
        if not channel.subscribers and not channel.entries:
            self._floor = max(self._floor, channel.evicted_upto)
            del self._channels[subscription.channel]

    async def close(self) -> None:
        self._closed = True
        for channel in self._channels.values():
            for subscription in list(channel.subscribers):
                subscription.end()
        self._channels.clear()


class Broadcast:
    """An app's publish/subscribe: ``app.broadcast`` (created on first use,
    with the backend the ``quart_broadcast_backend`` hook answers).

    :param app: the app (its config: ``BROADCAST_MAX_QUEUE``, read at each
        subscribe; the built-in backend reads ``BROADCAST_HISTORY`` and
        ``BROADCAST_HISTORY_SECONDS`` when it is made).
    :param backend: use this backend instead of asking the hook.
    """

    def __init__(self, app: Quart, backend: BroadcastBackend | None = None) -> None:
        self.app = app
        if backend is None:
            backend = app.plugins.required_result_sync(
                "quart_broadcast_backend",
                app,
                what="a broadcast backend",
                builtin="quart.broadcast",
            )
        self.backend: BroadcastBackend = backend
        self.closed = False
        self._signal_tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"<Broadcast {self.backend.status()}>"

    # -- publishing --------------------------------------------------------------
    async def publish(self, channel: str, message: str | bytes) -> str:
        """Publish ``message`` (``str`` or ``bytes``) on ``channel``; returns
        its event id. Raises :class:`BroadcastUnavailable` (a 503) if the
        backend cannot be reached."""
        if not isinstance(message, (str, bytes)):
            raise TypeError(
                "Broadcast messages are str or bytes (use publish_json for"
                f" other values), not {type(message).__name__}."
            )
        _check_channel(channel)
        if self.closed:
            raise RuntimeError("The app's broadcast is closed (the app shut down).")
        return await self.backend.publish(channel, message)

    async def publish_json(self, channel: str, value: Any) -> str:
        """Publish ``value`` as JSON text (with the app's JSON provider, so
        dates, UUIDs and dataclasses work as in ``jsonify``)."""
        return await self.publish(channel, self.app.json.dumps(value))

    # -- subscribing -------------------------------------------------------------
    def subscribe(self, channel: str, since: str | None = None) -> Subscription:
        """A subscription to ``channel``, to use as ``async with
        broadcast.subscribe(channel) as subscription: async for message in
        subscription: ...``. With ``since`` (an event id), the messages
        after it still in the replay window come first, or a gap marker if
        some are gone. Without it, messages published after the ``async
        with`` entered arrive (at most once)."""
        _check_channel(channel)
        max_queue = self.app.config.get("BROADCAST_MAX_QUEUE", DEFAULT_MAX_QUEUE)
        return Subscription(self, channel, since or None, int(max_queue))

    async def _attach(self, subscription: Subscription) -> None:
        if self.closed:
            raise RuntimeError("The app's broadcast is closed (the app shut down).")
        await self.backend.attach(subscription, subscription.since)

    # -- health ------------------------------------------------------------------
    async def ping(self, timeout: float = 1.0) -> bool:
        """Whether the backend answers within ``timeout`` seconds: for a
        readiness endpoint. Never raises."""
        try:
            async with asyncio.timeout(timeout):
                return await self.backend.ping()
        except Exception:
            return False

    # -- gaps --------------------------------------------------------------------
    def report_gap(
        self,
        channel: str,
        reason: str,
        subscribers: int,
        resume_id: str,
        *,
        live: bool = True,
    ) -> None:
        """Tell the app that ``subscribers`` subscribers of ``channel`` missed
        messages: a log line (a warning; info for a replay that reached
        past the window, ``live=False``, which is routine for a client
        back after a long absence) and the :data:`broadcast_gap` signal.
        Backends call it once per event, after the markers are queued."""
        level = logging.WARNING if live else logging.INFO
        self.app.logger.log(
            level,
            "Broadcast gap on channel %r (%s): %d subscriber(s) missed"
            " messages; delivery continues after %s.",
            channel,
            reason,
            subscribers,
            resume_id,
        )
        if broadcast_gap.receivers:
            task = asyncio.get_running_loop().create_task(
                send_signal(
                    broadcast_gap,
                    self.app,
                    channel=channel,
                    reason=reason,
                    subscribers=subscribers,
                    resume_id=resume_id,
                )
            )
            self._signal_tasks.add(task)
            task.add_done_callback(self._signal_tasks.discard)

    # -- server-sent events ------------------------------------------------------
    async def sse_stream(
        self,
        channel: str,
        since: str | None = None,
        *,
        keepalive: float | None = 15.0,
        retry: int | None = None,
    ) -> AsyncIterator[str]:
        """Server-sent events for ``channel``: subscribes, then yields a
        first block (``retry:`` if given, and ``id:`` with the starting
        position, so a browser that reconnects before any message still
        resumes exactly), then one event per message (:func:`format_sse`),
        and a ``: keepalive`` comment after ``keepalive`` idle seconds. A
        gap is an ``event: gap``; after an overflow the stream ends, and
        the browser reconnects with ``Last-Event-ID``."""
        async with self.subscribe(channel, since) as subscription:
            head = [f"retry: {retry}"] if retry is not None else []
            if subscription.position is not None:
                head.append(f"id: {subscription.position}")
            yield "\n".join(head) + "\n\n" if head else ": subscribed\n\n"
            while True:
                try:
                    async with asyncio.timeout(keepalive):  # None: no keepalive
                        message = await anext(subscription)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                except StopAsyncIteration:
                    return
                yield format_sse(message)

    async def sse_response(
        self,
        channel: str,
        since: str | None = None,
        *,
        keepalive: float | None = 15.0,
        retry: int | None = None,
    ) -> Response:
        """A ``text/event-stream`` response of :meth:`sse_stream`, resuming
        after the request's ``Last-Event-ID`` header when ``since`` is not
        given: ``return await broadcast.sse_response("room")`` in a view.
        It has no time limit (``response.timeout = None``) and is not
        cached or buffered by proxies."""
        if since is None:
            request_ctx = _cv_request.get(None)
            if request_ctx is not None:
                since = request_ctx.request.headers.get("Last-Event-ID") or None
        response = self.app.response_class(
            self.sse_stream(channel, since, keepalive=keepalive, retry=retry),
            mimetype="text/event-stream",
        )
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Accel-Buffering"] = "no"
        response.timeout = None
        return response

    # -- websockets --------------------------------------------------------------
    async def stream_to_websocket(
        self,
        channel: str,
        websocket: Websocket | None = None,
        *,
        since: str | None = None,
        on_gap: Callable[[Message], Awaitable[None]] | None = None,
    ) -> None:
        """Send each message of ``channel`` to ``websocket`` (the current
        one by default, accepted now if the handler did not accept it) as
        it comes, until the subscription ends. A gap
        closes the websocket with :data:`OVERLOAD_CLOSE_CODE` (1013, "try
        again later") and the reason, so the client reconnects and
        resynchronises; with ``on_gap``, gaps other than an overflow are
        passed to it instead (an overflow always closes: the subscription
        has ended)."""
        if websocket is None:
            websocket_ctx = _cv_websocket.get(None)
            if websocket_ctx is None:
                raise RuntimeError("No websocket given and none is current.")
            websocket = websocket_ctx.websocket
        try:
            await websocket.accept()
        except RuntimeError:
            pass  # the handler accepted it already (or it is closed)
        async with self.subscribe(channel, since) as subscription:
            async for message in subscription:
                if message.gap:
                    if on_gap is not None and message.reason != GAP_OVERFLOW:
                        await on_gap(message)
                        continue
                    await websocket.close(
                        OVERLOAD_CLOSE_CODE, f"broadcast gap: {message.reason}"
                    )
                    return
                await websocket.send(message.data)

    # -- lifetime ----------------------------------------------------------------
    async def aclose(self) -> None:
        """Close the backend and end every subscription (the built-in
        plugin does this when the app stops serving)."""
        if self.closed:
            return
        self.closed = True
        await self.backend.close()


def _check_channel(channel: str) -> None:
    if not isinstance(channel, str) or not channel:
        raise ValueError(f"A channel is a non-empty str, not {channel!r}.")


# -- the ``quart.broadcast`` proxy: the current app's Broadcast ------------------
def current() -> Broadcast:
    """The current app's :class:`Broadcast` (``current_app.broadcast``)."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        raise RuntimeError(_no_app_msg)
    return app_ctx.app.broadcast


async def publish(channel: str, message: str | bytes) -> str:
    """:meth:`Broadcast.publish` on the current app."""
    return await current().publish(channel, message)


async def publish_json(channel: str, value: Any) -> str:
    """:meth:`Broadcast.publish_json` on the current app."""
    return await current().publish_json(channel, value)


def subscribe(channel: str, since: str | None = None) -> Subscription:
    """:meth:`Broadcast.subscribe` on the current app."""
    return current().subscribe(channel, since)


async def ping(timeout: float = 1.0) -> bool:
    """:meth:`Broadcast.ping` on the current app."""
    return await current().ping(timeout)


def sse_stream(
    channel: str,
    since: str | None = None,
    *,
    keepalive: float | None = 15.0,
    retry: int | None = None,
) -> AsyncIterator[str]:
    """:meth:`Broadcast.sse_stream` on the current app (bound now, so the
    stream may run after the request context ended)."""
    return current().sse_stream(channel, since, keepalive=keepalive, retry=retry)


async def sse_response(
    channel: str,
    since: str | None = None,
    *,
    keepalive: float | None = 15.0,
    retry: int | None = None,
) -> Response:
    """:meth:`Broadcast.sse_response` on the current app."""
    return await current().sse_response(
        channel, since, keepalive=keepalive, retry=retry
    )


async def stream_to_websocket(
    channel: str,
    websocket: Websocket | None = None,
    *,
    since: str | None = None,
    on_gap: Callable[[Message], Awaitable[None]] | None = None,
) -> None:
    """:meth:`Broadcast.stream_to_websocket` on the current app."""
    await current().stream_to_websocket(channel, websocket, since=since, on_gap=on_gap)
