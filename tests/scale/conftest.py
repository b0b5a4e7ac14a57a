"""Fixtures for the scale-out tests: a real Redis server per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis_server import RedisServer
from redis_server import redis_server_binary


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A ``redis-server`` of its own on a free port (fails, rather than
    skips, when the binary is missing: see tests/redis_server.py)."""
    server = RedisServer(redis_server_binary(), tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()
