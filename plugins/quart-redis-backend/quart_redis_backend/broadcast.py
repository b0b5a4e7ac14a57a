"""``app.broadcast`` over Redis Streams, shared by every worker and host.

Each channel is a stream (``<prefix>broadcast:<channel>``). A publish is one
atomic script: ``XADD`` bounded by ``MAXLEN`` (``BROADCAST_HISTORY``),
trimmed by age with ``XTRIM MINID`` (``BROADCAST_HISTORY_SECONDS``), the key
expiring after ``idle_seconds`` without a publish. Every entry also records
the id generated just before it in its stream (its *predecessor*, empty for
the first entry of a new stream), so a reader can tell, entry by entry,
whether anything between what it had and what it got is gone: that is how
gaps are found, exactly, on live reads, on replays and after reconnects. A
stream that expired (idle) or that Redis lost starts a new chain: a reader
that had seen the old one gets a gap, whether or not it missed anything.

One reader task per process (per backend) multiplexes every subscribed
channel with ``XREAD BLOCK``, and is the only code that hands messages to
subscribers, so each subscriber gets them in stream order. A new channel
wakes it with ``CLIENT UNBLOCK``. When Redis goes away the reader retries
with jittered exponential backoff (at most ``backoff_max`` seconds apart),
then resumes every channel from the last id it delivered; whatever cannot
be resumed is a gap marker for the subscribers and a report to the app.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from quart.broadcast import DEFAULT_HISTORY
from quart.broadcast import DEFAULT_HISTORY_SECONDS
from quart.broadcast import GAP_EXPIRED
from quart.broadcast import GAP_LOST
from quart.broadcast import BroadcastBackend
from quart.broadcast import BroadcastUnavailable
from quart.broadcast import Message
from quart.broadcast import Subscription
from quart.broadcast import parse_event_id

#: ``REDIS_STREAM_IDLE_SECONDS``: a channel's stream expires after a day
#: without a publish.
DEFAULT_IDLE_SECONDS = 86400.0
#: The ``CLIENT SETNAME`` of each process's reader connection.
READER_NAME = "quart-broadcast-reader"
#: Errors that mean "Redis cannot be reached right now".
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# KEYS[1] the stream; ARGV: maxlen, payload field ("s" text, "b" bytes),
# payload, max age in ms ("" for none), idle expiry in ms ("" for none).
# The predecessor "p" is the stream's last generated id, or "" when the
# stream is new (never existed, or expired, or lost by Redis).
PUBLISH_SCRIPT = """
local key = KEYS[1]
local previous = ''
if redis.call('EXISTS', key) == 1 then
    local info = redis.call('XINFO', 'STREAM', key)
    for i = 1, #info, 2 do
        if info[i] == 'last-generated-id' then
            previous = info[i + 1]
            break
        end
    end
end
local id = redis.call(
    'XADD', key, 'MAXLEN', '=', ARGV[1], '*', 'p', previous, ARGV[2], ARGV[3])
if ARGV[4] ~= '' then
    local ms = tonumber(string.match(id, '^(%d+)'))
    redis.call('XTRIM', key, 'MINID', '=', tostring(ms - tonumber(ARGV[4])) .. '-0')
end
if ARGV[5] ~= '' then
    redis.call('PEXPIRE', key, ARGV[5])
end
return id
"""


def redacted(url: str) -> str:
    """``url`` without its password (for logs and status lines)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def connect(url: str) -> Redis:
    """A pooled command client for ``url``, with one retry on a broken
    connection: after Redis restarts, each pooled connection fails once
    before a fresh one is made."""
    return Redis.from_url(
        url,
        socket_connect_timeout=2,
        socket_timeout=5,
        retry=Retry(NoBackoff(), 1),
        retry_on_error=[RedisConnectionError],
    )


async def command(client: Redis, *args: Any) -> Any:
    """``client.execute_command(*args)``, typed (redis-py's is not)."""
    return await client.execute_command(*args)  # type: ignore[no-untyped-call]


def gap_before(previous: str, position: tuple[int, int]) -> tuple[str, str] | None:
    """The gap (reason, resume id) before an entry whose predecessor is
    ``previous``, read by a reader at ``position``; ``None`` if the entry
    follows directly. Entries between them were trimmed (expired), or the
    entry is the first of a new stream (``previous == ""``), so a reader that
    had seen an older stream cannot know what it lost."""
    if not previous:
        return None if position == (0, 0) else (GAP_LOST, "0-0")
    if parse_event_id(previous) > position:
        return (GAP_EXPIRED, previous)
    return None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(eq=False)
class _Channel:
    name: str
    key: str
    #: The id after which the reader delivers: the last entry it handed
    #: out, or the stream's last id when the channel started (``None``
    #: until the reader has seen Redis).
    position: str | None = None
    live: set[Subscription] = field(default_factory=set)
    #: Subscriptions waiting for the reader: (subscription, since, ready).
    pending: list[tuple[Subscription, str | None, asyncio.Future[None]]] = field(
        default_factory=list
    )


class RedisBackend(BroadcastBackend):
    """The Redis Streams backend (see the module's description).

    :param url: ``redis://[:password@]host:port/db`` (or ``rediss://``).
    :param prefix: prefix of every key.
    :param history: entries kept per channel for ``since=`` replay (at
        least 1: the reader needs the newest entry to be there).
    :param history_seconds: age limit of kept entries (``None``: none).
    :param idle_seconds: a channel's stream expires after this long
        without a publish (``None``: never); keep it well above the time
        subscribers stay idle, as an expired stream is a gap for them.
    :param block_ms: the longest single ``XREAD BLOCK``.
    :param backoff_min: first reconnection delay, doubled each attempt...
    :param backoff_max: ...up to this many seconds (each delay jittered).
    :param logger: where connection changes are logged.
    """

    name = "redis"

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "quart:",
        history: int = DEFAULT_HISTORY,
        history_seconds: float | None = DEFAULT_HISTORY_SECONDS,
        idle_seconds: float | None = DEFAULT_IDLE_SECONDS,
        block_ms: int = 5000,
        backoff_min: float = 0.05,
        backoff_max: float = 0.5,
        logger: logging.Logger | None = None,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.history = max(1, history)
        self.history_seconds = history_seconds
        self.idle_seconds = idle_seconds
        self.block_ms = block_ms
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.logger = logger or logging.getLogger("quart_redis_backend")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._commands: Redis | None = None
        self._script: Any = None
        self._reader: Redis | None = None
        self._reader_id: int | None = None
        self._reader_task: asyncio.Task[None] | None = None
        #: "connecting", "up" or "down" (the last attempt failed).
        self.state = "connecting"
        self._in_xread = False
        self._wakeup: asyncio.Event | None = None
        self._channels: dict[str, _Channel] = {}
        self._by_key: dict[bytes, _Channel] = {}
        self._closed = False

    def status(self) -> str:
        return f"redis {redacted(self.url)} ({self.state})"

    def stream_key(self, channel: str) -> str:
        """The Redis key of ``channel``'s stream."""
        return f"{self.prefix}broadcast:{channel}"

    # -- connections ---------------------------------------------------------------
    def _bind_loop(self) -> asyncio.AbstractEventLoop:
        """Connections belong to one event loop: start afresh in a new one
        (an app served again, or tests each with their loop)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._commands = None
            self._reader = None
            self._reader_task = None
            self._wakeup = asyncio.Event()
            self.state = "connecting"
            for channel in self._channels.values():
                channel.position = None
        return loop

    def _client(self) -> Redis:
        self._bind_loop()
        if self._commands is None:
            self._commands = connect(self.url)
            self._script = self._commands.register_script(PUBLISH_SCRIPT)
        return self._commands

    async def _connect_reader(self) -> Redis:
        reader = Redis.from_url(
            self.url,
            client_name=READER_NAME,
            single_connection_client=True,
            socket_connect_timeout=2,
            socket_timeout=self.block_ms / 1000 + 5,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            self._reader_id = int(await command(reader, "CLIENT", "ID"))
        except BaseException:
            await reader.aclose()
            raise
        self._reader = reader
        return reader

    async def _drop_reader(self) -> None:
        reader, self._reader, self._reader_id = self._reader, None, None
        if reader is not None:
            try:
                await reader.aclose()
            except Exception:
                pass

    # -- publishing ----------------------------------------------------------------
    async def publish(self, channel: str, data: str | bytes) -> str:
        if self._closed:
            raise RuntimeError("The broadcast backend is closed.")
        self._client()
        age, idle = self.history_seconds, self.idle_seconds
        try:
            event_id = await self._script(
                keys=[self.stream_key(channel)],
                args=[
                    self.history,
                    "b" if isinstance(data, bytes) else "s",
                    data,
                    "" if age is None else int(age * 1000),
                    "" if idle is None else max(1, int(idle * 1000)),
                ],
            )
        except UNREACHABLE as error:
            raise BroadcastUnavailable() from error
        return _text(event_id)

    async def ping(self) -> bool:
        try:
            return bool(await command(self._client(), "PING"))
        except UNREACHABLE:
            return False

    # -- subscribing ---------------------------------------------------------------
    async def attach(self, subscription: Subscription, since: str | None) -> None:
        if self._closed:
            raise RuntimeError("The broadcast backend is closed.")
        loop = self._bind_loop()
        channel = self._channels.get(subscription.channel)
        if channel is None:
            key = self.stream_key(subscription.channel)
            channel = _Channel(subscription.channel, key)
            self._channels[subscription.channel] = channel
            self._by_key[key.encode()] = channel
        if since is None and channel.position is not None and self.state == "up":
            # The reader delivers everything after its position to the live
            # set: joining it now misses nothing published from now on.
            channel.live.add(subscription)
            subscription.start(channel.position)
            return
        ready: asyncio.Future[None] = loop.create_future()
        channel.pending.append((subscription, since, ready))
        self._start_reader()
        await self._until_ready(ready)

    async def _until_ready(self, ready: asyncio.Future[None]) -> None:
        """Wait until the reader took the subscription in (or is down:
        then it does so when Redis is back), waking it if it is blocked."""
        delay = 0.005
        while not ready.done() and self.state != "down" and not self._closed:
            if self._wakeup is not None:
                self._wakeup.set()
            if self._in_xread and self._reader_id is not None:
                try:
                    await command(self._client(), "CLIENT", "UNBLOCK", self._reader_id)
                except UNREACHABLE:
                    pass
            try:
                async with asyncio.timeout(delay):
                    await asyncio.shield(ready)
            except TimeoutError:
                delay = min(delay * 2, 0.2)

    def detach(self, subscription: Subscription) -> None:
        channel = self._channels.get(subscription.channel)
        if channel is None:
            return
        channel.live.discard(subscription)
        for entry in channel.pending:
            if entry[0] is subscription:
                channel.pending.remove(entry)
                if not entry[2].done():
                    entry[2].set_result(None)
                break
        if not channel.live and not channel.pending:
            del self._channels[channel.name]
            self._by_key.pop(channel.key.encode(), None)

    # -- the reader ----------------------------------------------------------------
    def _start_reader(self) -> None:
        self._bind_loop()
        task = self._reader_task
        if task is None or task.done():
            self.state = "connecting"
            self._reader_task = asyncio.get_running_loop().create_task(
                self._read_forever(), name="quart-redis-backend reader"
            )

    async def _read_forever(self) -> None:
        delay = self.backoff_min
        reported_down = False
        while not self._closed:  # idle, it waits for a channel: ends at close()
            try:
                if self._reader is None:
                    await self._connect_reader()
                    await self._resync()
                    self.state = "up"
                    delay = self.backoff_min
                    if reported_down:
                        self.logger.warning(
                            "Redis is back (%s): broadcast subscribers resumed.",
                            redacted(self.url),
                        )
                        reported_down = False
                await self._take_pending()
                await self._read_once()
            except UNREACHABLE as error:
                await self._drop_reader()
                self.state = "down"
                self._release_waiters()
                if not reported_down:
                    self.logger.warning(
                        "Redis unreachable (%s): %s; broadcast subscribers wait"
                        " and resume when it is back.",
                        redacted(self.url),
                        error,
                    )
                    reported_down = True
                await asyncio.sleep(random.uniform(delay / 2, delay))
                delay = min(delay * 2, self.backoff_max)
            except asyncio.CancelledError:
                await self._drop_reader()
                raise
            except Exception:
                self.logger.exception("The Redis broadcast reader failed; retrying.")
                await self._drop_reader()
                await asyncio.sleep(self.backoff_max)
        await self._drop_reader()

    def _release_waiters(self) -> None:
        for channel in self._channels.values():
            for _, _, ready in channel.pending:
                if not ready.done():
                    ready.set_result(None)

    async def _tip(self, key: str) -> str:
        """The stream's last generated id (``0-0`` if there is no stream)."""
        reader = self._reader
        assert reader is not None
        try:
            info = await command(reader, "XINFO", "STREAM", key)
        except ResponseError:  # no such key
            return "0-0"
        return _text(info[b"last-generated-id"])

    async def _resync(self) -> None:
        """After (re)connecting: a stream whose last id is now below the
        position delivered lost entries (Redis restarted without them):
        report a gap; other losses show as broken predecessor links on the
        next read."""
        for channel in list(self._channels.values()):
            if channel.position is None:
                continue
            tip = await self._tip(channel.key)
            if parse_event_id(tip) < parse_event_id(channel.position):
                self._gap(channel, GAP_LOST, tip)
                channel.position = tip

    async def _take_pending(self) -> None:
        """Start the waiting subscriptions: replay what they asked for,
        then add them to the live set (the reader is the only deliverer,
        so nothing interleaves)."""
        for channel in list(self._channels.values()):
            if not channel.pending:
                continue
            if channel.position is None:
                channel.position = await self._tip(channel.key)
            while channel.pending:
                subscription, since, ready = channel.pending[0]
                gap: tuple[str, str] | None = None
                replay: list[Message] = []
                if since is not None:
                    gap, replay = await self._replay(channel, since)
                channel.pending.pop(0)
                channel.live.add(subscription)
                subscription.start(channel.position, replay, gap)
                if gap is not None:
                    subscription.broadcast.report_gap(
                        channel.name, gap[0], 1, gap[1], live=False
                    )
                if not ready.done():
                    ready.set_result(None)

    async def _replay(
        self, channel: _Channel, since: str
    ) -> tuple[tuple[str, str] | None, list[Message]]:
        """The entries after ``since`` up to the channel's position, and the
        gap before them if the one right after ``since`` is gone."""
        position = channel.position
        assert position is not None and self._reader is not None
        try:
            after = parse_event_id(since)
        except ValueError:
            return (GAP_LOST, position), []
        if after == parse_event_id(position):
            return None, []
        if after > parse_event_id(position):
            return (GAP_LOST, position), []  # an id this stream never had
        entries = await command(self._reader, "XRANGE", channel.key, since, position)
        messages: list[Message] = []
        gap: tuple[str, str] | None = None
        for entry_id, fields in entries or ():
            event_id = _text(entry_id)
            if parse_event_id(event_id) == after:
                continue  # ``since`` itself is still there
            if not messages:
                gap = gap_before(_text(fields.get(b"p", b"")), after)
            messages.append(self._message(channel.name, event_id, fields))
        if not messages:
            # entries up to the position existed after ``since``, and are gone
            gap = (GAP_EXPIRED, position)
        return gap, messages

    async def _read_once(self) -> None:
        channels = [
            c for c in self._channels.values() if c.live and c.position is not None
        ]
        if not channels:
            wakeup = self._wakeup
            assert wakeup is not None
            wakeup.clear()
            if not any(c.pending for c in self._channels.values()):
                try:
                    async with asyncio.timeout(self.block_ms / 1000):
                        await wakeup.wait()
                except TimeoutError:
                    pass
            return
        reader = self._reader
        assert reader is not None
        keys = [c.key for c in channels]
        ids = [c.position for c in channels]
        self._in_xread = True
        try:
            response = await command(
                reader,
                "XREAD",
                "COUNT",
                512,
                "BLOCK",
                self.block_ms,
                "STREAMS",
                *keys,
                *ids,
            )
        finally:
            self._in_xread = False
        for key, entries in response or ():
            channel = self._by_key.get(key)
            if channel is None or channel.position is None:
                continue  # detached meanwhile
            self._dispatch(channel, entries)

    def _dispatch(self, channel: _Channel, entries: Iterable[Any]) -> None:
        assert channel.position is not None
        position = parse_event_id(channel.position)
        for entry_id, fields in entries:
            event_id = _text(entry_id)
            key = parse_event_id(event_id)
            if key <= position:
                continue
            # Entries between what we had and this one were trimmed before
            # this reader saw them (it was away or too slow), or the stream
            # is a new one.
            gap = gap_before(_text(fields.get(b"p", b"")), position)
            if gap is not None:
                self._gap(channel, *gap)
            message = self._message(channel.name, event_id, fields)
            for subscription in list(channel.live):
                subscription.deliver(message)
            channel.position, position = event_id, key

    def _message(
        self, channel: str, event_id: str, fields: dict[bytes, bytes]
    ) -> Message:
        data: str | bytes
        if b"s" in fields:
            data = fields[b"s"].decode("utf-8", "replace")
        else:
            data = fields.get(b"b", b"")
        return Message(event_id, channel, data)

    def _gap(self, channel: _Channel, reason: str, resume_id: str) -> None:
        subscriptions = list(channel.live)
        for subscription in subscriptions:
            subscription.deliver_gap(reason, resume_id)
        if subscriptions:
            subscriptions[0].broadcast.report_gap(
                channel.name, reason, len(subscriptions), resume_id
            )

    # -- lifetime ------------------------------------------------------------------
    async def close(self) -> None:
        self._closed = True
        task, self._reader_task = self._reader_task, None
        same_loop = self._loop is asyncio.get_running_loop()
        if task is not None and same_loop and not task.done():
            task.cancel()
            # redis-py may absorb a cancellation that lands while a command
            # starts; then the reader sees ``_closed`` once its XREAD
            # returns, which CLIENT UNBLOCK makes immediate.
            while not task.done():
                if self._reader_id is not None and self._in_xread:
                    try:
                        await command(
                            self._client(), "CLIENT", "UNBLOCK", self._reader_id
                        )
                    except Exception:
                        pass
                await asyncio.wait({task}, timeout=0.05)
        for channel in self._channels.values():
            for subscription in list(channel.live):
                subscription.end()
            for subscription, _, ready in channel.pending:
                subscription.end()
                if not ready.done():
                    ready.set_result(None)
        self._channels.clear()
        self._by_key.clear()
        if same_loop:
            await self._drop_reader()
            commands, self._commands = self._commands, None
            if commands is not None:
                await commands.aclose()
