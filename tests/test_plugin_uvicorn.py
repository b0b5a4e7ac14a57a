"""The first-party quart-uvicorn plugin: serving through the quart_serve hook."""

from __future__ import annotations

import asyncio
import signal
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from servers import free_port
from servers import get_when_up
from servers import started_with_plugins
from servers import wait_up

from quart import Quart

pytest.importorskip("quart_uvicorn")
pytest.importorskip("uvicorn")


def test_offers_the_uvicorn_server(autoload: None, app: Quart) -> None:
    from quart.serving import server_names

    assert {"hypercorn", "uvicorn"} <= set(server_names(app))  # and other plugins'
    without = server_names(Quart(__name__, disable_plugins=["uvicorn"]))
    assert "hypercorn" in without
    assert "uvicorn" not in without


async def test_run_task_serves_with_uvicorn(autoload: None, app: Quart) -> None:
    events: list[str] = []

    @app.get("/")
    async def index() -> str:
        return "served by uvicorn"

    @app.after_serving
    async def after() -> None:
        events.append("after_serving")

    port = free_port()
    stop = asyncio.Event()
    task = asyncio.ensure_future(
        app.run_task(
            port=port, server="uvicorn", shutdown_trigger=stop.wait, log_level="error"
        )
    )
    try:
        async with httpx.AsyncClient() as client:
            response = await get_when_up(client, f"http://127.0.0.1:{port}/")
        assert response.text == "served by uvicorn"
        assert response.headers["server"] == "uvicorn"
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert events == ["after_serving"]


def test_quart_run_server_uvicorn_and_sigterm(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """
            from pathlib import Path
            from quart import Quart

            app = Quart(__name__)

            @app.get("/")
            async def index():
                return "hello"

            @app.after_serving
            async def after():
                Path("stopped.txt").write_text("yes")
            """
        )
    )
    port = free_port()
    with started_with_plugins(
        [sys.executable, "-m", "quart", "run", "--server", "uvicorn", "-p", str(port)],
        tmp_path,
    ) as process:
        response = wait_up(process, f"http://127.0.0.1:{port}/", timeout=15)
        assert response.text == "hello"
        assert response.headers["server"] == "uvicorn"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert (tmp_path / "stopped.txt").read_text() == "yes"
