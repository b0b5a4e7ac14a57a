"""app.broadcast over a real Redis server (plugins/quart-redis-backend):
apps made here stand for worker processes (each has its own connections
and reader); tests/scale/test_two_workers.py runs real ones."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import quart_redis_backend
from quart_redis_backend import RedisBackend
from quart_redis_backend.broadcast import READER_NAME
from redis.asyncio import Redis
from redis_server import RedisServer
from redis_server import redis_server_binary
from servers import TIMEOUT
from subscriptions import nothing_waiting
from subscriptions import take

from quart import Quart
from quart.broadcast import GAP_EXPIRED
from quart.broadcast import GAP_LOST
from quart.broadcast import GAP_OVERFLOW
from quart.broadcast import Broadcast
from quart.broadcast import BroadcastUnavailable
from quart.broadcast import MemoryBackend
from quart.broadcast import parse_event_id

MakeApp = Callable[..., Quart]


@pytest.fixture
async def make_app(redis_server: RedisServer) -> AsyncIterator[MakeApp]:
    """Apps with the Redis plugin on the test's server; shut down after."""
    made: list[Quart] = []

    def factory(**config: Any) -> Quart:
        app = Quart(__name__, plugins=[quart_redis_backend])
        app.config["REDIS_URL"] = redis_server.url
        app.config.update(config)
        made.append(app)
        return app

    yield factory
    for app in made:
        await app.shutdown()


#: How long "no message" is waited for: a Redis round trip is slower than
#: the in-process backend's.
QUIET = 0.2


async def test_the_plugin_answers_with_redis(make_app: MakeApp) -> None:
    app = make_app()
    assert isinstance(app.broadcast.backend, RedisBackend)
    assert await app.broadcast.ping() is True
    assert "redis redis://127.0.0.1:" in repr(app.broadcast)


async def test_a_message_reaches_subscribers_in_every_app(make_app: MakeApp) -> None:
    worker_a, worker_b = make_app(), make_app()
    async with (
        worker_a.broadcast.subscribe("room") as on_a,
        worker_b.broadcast.subscribe("room") as on_b,
        worker_b.broadcast.subscribe("other") as other,
    ):
        first = await worker_a.broadcast.publish("room", "hello")
        second = await worker_b.broadcast.publish("room", b"\x00bytes")
        for subscription in (on_a, on_b):
            messages = await take(subscription, 2)
            assert [(m.id, m.channel, m.data) for m in messages] == [
                (first, "room", "hello"),
                (second, "room", b"\x00bytes"),
            ]
        assert await nothing_waiting(other, QUIET)
    assert parse_event_id(second) > parse_event_id(first)


async def test_order_per_publisher_and_at_most_once(make_app: MakeApp) -> None:
    worker_a, worker_b = make_app(), make_app()
    await worker_a.broadcast.publish("c", "before subscribing")

    async def publisher(app: Quart, name: str) -> None:
        for n in range(30):
            await app.broadcast.publish("c", f"{name}:{n}")

    async with worker_b.broadcast.subscribe("c") as subscription:
        await asyncio.gather(publisher(worker_a, "a"), publisher(worker_b, "b"))
        messages = await take(subscription, 60)
        assert await nothing_waiting(subscription, QUIET)
    for name in "ab":
        mine = [m.text for m in messages if m.text.startswith(name)]
        assert mine == [f"{name}:{n}" for n in range(30)]
    keys = [parse_event_id(m.id) for m in messages]
    assert keys == sorted(keys)


async def test_json_round_trip(make_app: MakeApp) -> None:
    app = make_app()
    async with app.broadcast.subscribe("c") as subscription:
        await app.broadcast.publish_json("c", {"n": 1, "list": ["a"]})
        (message,) = await take(subscription, 1)
    assert message.json() == {"n": 1, "list": ["a"]}


async def test_since_replays_in_another_app(make_app: MakeApp) -> None:
    worker_a, worker_b = make_app(), make_app()
    ids = [await worker_a.broadcast.publish("c", f"m{n}") for n in range(5)]
    async with worker_b.broadcast.subscribe("c", since=ids[1]) as subscription:
        await worker_a.broadcast.publish("c", "live")
        messages = await take(subscription, 4)
        assert [m.data for m in messages] == ["m2", "m3", "m4", "live"]
        assert [m.id for m in messages[:3]] == ids[2:]
        assert await nothing_waiting(subscription, QUIET)
    async with worker_b.broadcast.subscribe("c", since=messages[-1].id) as again:
        assert await nothing_waiting(again, QUIET)


async def test_gap_after_the_window(make_app: MakeApp) -> None:
    worker_a = make_app(BROADCAST_HISTORY=3)
    worker_b = make_app(BROADCAST_HISTORY=3)
    ids = [await worker_a.broadcast.publish("c", f"m{n}") for n in range(6)]
    async with worker_b.broadcast.subscribe("c", since=ids[0]) as subscription:
        gap, *rest = await take(subscription, 4)
    assert gap.gap and gap.reason == GAP_EXPIRED
    assert gap.id == ids[2]  # delivery continues right after it
    assert [m.data for m in rest] == ["m3", "m4", "m5"]
    # the newest trimmed id is a resumable point: nothing after it is gone
    async with worker_b.broadcast.subscribe("c", since=ids[2]) as subscription:
        assert [m.data for m in await take(subscription, 3)] == ["m3", "m4", "m5"]
        assert await nothing_waiting(subscription, QUIET)


async def test_gap_after_the_age_window(make_app: MakeApp) -> None:
    app = make_app(BROADCAST_HISTORY_SECONDS=0.2)
    first = await app.broadcast.publish("c", "old")
    await app.broadcast.publish("c", "old too")
    await asyncio.sleep(0.3)
    await app.broadcast.publish("c", "fresh")
    async with app.broadcast.subscribe("c", since=first) as subscription:
        gap, fresh = await take(subscription, 2)
    assert gap.gap and gap.reason == GAP_EXPIRED
    assert fresh.data == "fresh"
    # from the newest aged-out id nothing is missing: no gap
    async with app.broadcast.subscribe("c", since=gap.id) as subscription:
        assert [m.data for m in await take(subscription, 1)] == ["fresh"]


async def test_an_expired_stream_is_a_gap_for_who_had_seen_it(
    make_app: MakeApp,
) -> None:
    """An unused channel's stream expires (REDIS_STREAM_IDLE_SECONDS): the
    next one starts a new chain, and a subscriber that knew the old one
    cannot be told it missed nothing."""
    app = make_app(REDIS_STREAM_IDLE_SECONDS=0.2)
    first = await app.broadcast.publish("c", "old")
    async with app.broadcast.subscribe("c") as live:
        await app.broadcast.publish("c", "seen")
        assert [m.data for m in await take(live, 1)] == ["seen"]
        await asyncio.sleep(0.4)
        await app.broadcast.publish("c", "new chain")
        gap, message = await take(live, 2)
    assert (gap.gap, gap.reason, message.data) == (True, GAP_LOST, "new chain")
    async with app.broadcast.subscribe("c", since=first) as resumed:
        gap, message = await take(resumed, 2)
    assert (gap.gap, gap.reason, message.data) == (True, GAP_LOST, "new chain")
    # a subscriber that started while there was no stream misses nothing
    async with app.broadcast.subscribe("fresh") as fresh:
        await app.broadcast.publish("fresh", "first ever")
        assert [m.gap for m in await take(fresh, 1)] == [False]


@pytest.mark.parametrize("since", ["99999999999999-0", "garbage"])
async def test_an_unknown_id_is_a_lost_gap(make_app: MakeApp, since: str) -> None:
    app = make_app()
    await app.broadcast.publish("c", "x")
    async with app.broadcast.subscribe("c", since=since) as subscription:
        (gap,) = await take(subscription, 1)
        assert gap.gap and gap.reason == GAP_LOST
        await app.broadcast.publish("c", "next")
        assert [m.data for m in await take(subscription, 1)] == ["next"]


async def test_overflow_drops_a_slow_subscriber(make_app: MakeApp) -> None:
    app = make_app(BROADCAST_MAX_QUEUE=2)
    async with app.broadcast.subscribe("c") as slow:
        ids = [await app.broadcast.publish("c", f"m{n}") for n in range(5)]
        async with asyncio.timeout(TIMEOUT):
            messages = [m async for m in slow]
    assert [m.data for m in messages[:2]] == ["m0", "m1"]
    assert messages[2].gap and messages[2].reason == GAP_OVERFLOW
    assert messages[2].id == ids[1]
    async with app.broadcast.subscribe("c", since=messages[2].id) as again:
        assert [m.data for m in await take(again, 3)] == ["m2", "m3", "m4"]


async def test_one_reader_connection_for_all_channels(
    make_app: MakeApp, redis_server: RedisServer
) -> None:
    app = make_app()
    async with Redis.from_url(redis_server.url) as admin:
        subscriptions = [app.broadcast.subscribe(f"room-{n}") for n in range(20)]
        for subscription in subscriptions:
            await subscription.__aenter__()
        for n in range(20):
            await app.broadcast.publish(f"room-{n}", str(n))
        for n, subscription in enumerate(subscriptions):
            assert [m.data for m in await take(subscription, 1)] == [str(n)]
        clients = await admin.client_list()
        readers = [c for c in clients if c["name"] == READER_NAME]
        assert len(readers) == 1
        for subscription in subscriptions:
            subscription.close()


async def test_a_reader_that_fell_behind_the_window_reports_a_gap(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Its connection drops; while it waits to reconnect, more than the
    window is published: the first entry it reads does not follow what it
    had, and it says so."""
    app = Quart(__name__)
    slow = Broadcast(
        app,
        RedisBackend(redis_server.url, history=3, backoff_min=0.8, backoff_max=0.8),
    )
    publisher = Broadcast(app, RedisBackend(redis_server.url, history=3))
    try:
        async with (
            slow.subscribe("c") as subscription,
            Redis.from_url(redis_server.url) as admin,
        ):
            first = await publisher.publish("c", "m0")
            assert [m.data for m in await take(subscription, 1)] == ["m0"]
            (reader,) = [
                c for c in await admin.client_list() if c["name"] == READER_NAME
            ]
            await admin.client_kill_filter(_id=reader["id"])
            ids = [await publisher.publish("c", f"m{n}") for n in range(1, 7)]
            gap, *rest = await take(subscription, 4)
        assert gap.gap and gap.reason == GAP_EXPIRED
        assert gap.id == ids[2] and gap.id != first
        assert [m.data for m in rest] == ["m4", "m5", "m6"]
        assert "Broadcast gap on channel 'c' (expired)" in caplog.text
    finally:
        await slow.aclose()
        await publisher.aclose()


async def test_redis_restart_subscribers_resume_and_publishing_fails_meanwhile(
    make_app: MakeApp, redis_server: RedisServer
) -> None:
    worker_a, worker_b = make_app(), make_app()
    async with (
        worker_a.broadcast.subscribe("c") as on_a,
        worker_b.broadcast.subscribe("c") as on_b,
    ):
        await worker_a.broadcast.publish("c", "before")
        assert [m.data for m in await take(on_a, 1)] == ["before"]
        assert [m.data for m in await take(on_b, 1)] == ["before"]
        redis_server.save()
        redis_server.stop()
        with pytest.raises(BroadcastUnavailable):
            await worker_a.broadcast.publish("c", "during")
        assert await worker_b.broadcast.ping() is False
        await asyncio.sleep(0.5)
        redis_server.start()
        # a publish right away, before the readers are back: not lost
        async with asyncio.timeout(TIMEOUT):
            while True:
                try:
                    await worker_a.broadcast.publish("c", "after")
                    break
                except BroadcastUnavailable:
                    await asyncio.sleep(0.05)
        for subscription in (on_a, on_b):
            assert [(m.gap, m.data) for m in await take(subscription, 1)] == [
                (False, "after")
            ]
        assert await worker_b.broadcast.ping() is True


async def test_redis_losing_data_is_a_gap_within_a_second(
    make_app: MakeApp, redis_server: RedisServer
) -> None:
    """Redis crashes and comes back from an older snapshot: a subscriber
    that had seen entries the stream no longer has cannot be resumed, and
    gets a gap marker within a second of Redis being back."""
    publisher, worker = make_app(), make_app()
    async with worker.broadcast.subscribe("c") as subscription:
        await publisher.broadcast.publish("c", "saved")
        redis_server.save()
        await publisher.broadcast.publish("c", "lost in the crash")
        assert [m.data for m in await take(subscription, 2)] == [
            "saved",
            "lost in the crash",
        ]
        redis_server.kill()
        await asyncio.sleep(1)
        redis_server.start()
        back = time.monotonic()
        async with asyncio.timeout(TIMEOUT):
            gap = await anext(subscription)
        assert time.monotonic() - back < 1
        assert gap.gap and gap.reason == GAP_LOST
        await publisher.broadcast.publish("c", "new")
        assert [m.data for m in await take(subscription, 1)] == ["new"]


async def test_shutdown_closes_the_reader(make_app: MakeApp) -> None:
    app = make_app()
    async with app.test_app():
        async with app.broadcast.subscribe("c") as subscription:
            await app.broadcast.publish("c", "x")
            await take(subscription, 1)
        held = app.broadcast.subscribe("c")
        await held.__aenter__()
    assert [m async for m in held] == []  # ended by the shutdown
    readers = [
        t
        for t in asyncio.all_tasks()
        if t.get_name() == "quart-redis-backend reader" and not t.done()
    ]
    assert readers == []


# -- enabling ------------------------------------------------------------------------
async def test_enabled_by_entry_point_name(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUART_REDIS_URL", redis_server.url)
    app = Quart(__name__, plugins=["redis"])
    try:
        assert isinstance(app.broadcast.backend, RedisBackend)
        assert app.broadcast.backend.url == redis_server.url
    finally:
        await app.shutdown()


def test_installed_but_not_enabled_changes_nothing(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUART_REDIS_URL", redis_server.url)
    monkeypatch.delenv("QUART_DISABLE_PLUGIN_AUTOLOAD")
    app = Quart(__name__)
    assert app.plugins.get_plugin("redis") is not None  # loaded...
    assert isinstance(app.broadcast.backend, MemoryBackend)  # ...not enabled
    assert type(app.session_interface).__name__ == "SecureCookieSessionInterface"


def test_enabled_without_a_url_stays_inactive_and_says_so(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUART_REDIS_URL", raising=False)
    app = Quart(__name__, plugins=["redis"])
    with caplog.at_level(logging.WARNING):
        assert isinstance(app.broadcast.backend, MemoryBackend)
        assert type(app.session_interface).__name__ == "SecureCookieSessionInterface"
    assert caplog.text.count("The redis plugin is enabled but") == 1  # said once


def _plugins_output(app: Quart, *args: str) -> str:
    from click.testing import CliRunner

    from quart.cli import QuartGroup

    result = CliRunner().invoke(QuartGroup(create_app=lambda: app), ["plugins", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_quart_plugins_shows_the_state(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUART_DISABLE_PLUGIN_AUTOLOAD")
    monkeypatch.delenv("QUART_REDIS_URL", raising=False)
    listed = _plugins_output(Quart(__name__))
    assert "redis (entrypoint: quart-redis-backend 0.1.0): inactive: not enabled" in (
        listed
    )
    assert "quart.sessions (builtin)\n" in listed  # no status, no change
    enabled = Quart(__name__, plugins=["redis"])
    listed = _plugins_output(enabled)
    assert ": inactive: set REDIS_URL or QUART_REDIS_URL" in listed
    enabled.config["REDIS_URL"] = "redis://:secret@127.0.0.1:1/0"
    enabled.config["REDIS_SESSIONS"] = False
    listed = _plugins_output(enabled)
    assert ": active: broadcast on redis://:***@127.0.0.1:1/0" in listed
    assert "secret" not in listed
    import json

    rows = {row["name"]: row for row in json.loads(_plugins_output(enabled, "--json"))}
    assert rows["redis"]["status"].startswith("active: broadcast")
    assert "status" not in rows["quart.serving"]


# -- the test server itself ------------------------------------------------------------
def test_a_missing_redis_server_fails_unless_skipping_is_allowed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """CI must run the Redis tests: without the binary they fail; only
    QUART_ALLOW_SKIP_REDIS=1 turns that into a skip."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("QUART_ALLOW_SKIP_REDIS", raising=False)
    with pytest.raises(pytest.fail.Exception, match="install-test-services"):
        redis_server_binary()
    monkeypatch.setenv("QUART_ALLOW_SKIP_REDIS", "1")
    with pytest.raises(pytest.skip.Exception):
        redis_server_binary()
