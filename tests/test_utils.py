"""``quart.utils``: paths, ASGI header lists, task helpers and the reloader
(:func:`observe_changes`, :func:`restart`, :func:`run_reloader`), the last
two in real subprocesses."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import Headers

from quart import utils
from quart.utils import MustReloadError
from quart.utils import cancel_tasks
from quart.utils import decode_headers
from quart.utils import encode_headers
from quart.utils import file_path_to_path
from quart.utils import observe_changes
from quart.utils import raise_task_exceptions

TIMEOUT = 10


# -- paths and headers ------------------------------------------------------------
def test_file_path_to_path() -> None:
    assert file_path_to_path("a", b"b", Path("c")) == Path("a/b/c")
    assert file_path_to_path(b"/tmp/caf\xc3\xa9") == Path("/tmp/café")
    assert file_path_to_path(Path("x")) == Path("x")


def test_encoded_header_pairs_are_bounded() -> None:
    """As many distinct headers as a client likes (a proxy echoing its
    headers, say): each is encoded right, and the pairs kept stay few."""
    from quart.utils import _ENCODED_PAIRS

    for number in range(1000):
        headers = Headers([(f"X-Echo-{number}", "v"), ("Content-Type", "text/x")])
        assert encode_headers(headers) == [
            (f"x-echo-{number}".encode(), b"v"),
            (b"content-type", b"text/x"),
        ]
    assert len(_ENCODED_PAIRS) <= 512


def test_long_header_values_are_encoded_but_not_kept() -> None:
    from quart.utils import _ENCODED_PAIRS

    cookie = "session=" + "x" * 200
    for _ in range(2):
        assert encode_headers(Headers([("Set-Cookie", cookie)])) == [
            (b"set-cookie", cookie.encode())
        ]
    assert ("Set-Cookie", cookie) not in _ENCODED_PAIRS


def test_a_cached_location_stays_quoted() -> None:
    headers = Headers([("Location", "/ü")])
    for _ in range(3):
        assert encode_headers(headers) == [(b"location", b"/%C3%BC")]


def test_decode_and_encode_headers() -> None:
    raw = [(b"content-type", b"text/plain"), (b"x-name", b"caf\xe9"), (b"x-a", b"1")]
    raw.append((b"x-a", b"2"))
    headers = decode_headers(iter(raw))  # any iterable of pairs
    assert isinstance(headers, Headers)
    assert headers["Content-Type"] == "text/plain"
    assert headers["X-Name"] == "café"  # latin-1, as HTTP carries it
    assert headers.getlist("X-A") == ["1", "2"]
    assert encode_headers(headers) == raw


def test_encode_headers_lowers_names_and_quotes_location() -> None:
    headers = Headers([("Location", "/café?q=ü"), ("X-Custom", "v")])
    assert encode_headers(headers) == [
        (b"location", b"/caf%C3%A9?q=%C3%BC"),
        (b"x-custom", b"v"),
    ]


# -- tasks ------------------------------------------------------------------------
async def test_cancel_tasks_waits_for_clean_up() -> None:
    cleaned: list[str] = []

    async def worker(name: str) -> None:
        try:
            await asyncio.sleep(60)
        finally:
            await asyncio.sleep(0)  # clean-up may await
            cleaned.append(name)

    tasks = {asyncio.create_task(worker(name)) for name in ("a", "b")}
    await asyncio.sleep(0)
    async with asyncio.timeout(TIMEOUT):
        await cancel_tasks(tasks)
    assert sorted(cleaned) == ["a", "b"]
    assert all(task.cancelled() for task in tasks)


async def test_cancel_tasks_raises_what_a_task_failed_with() -> None:
    async def fails() -> None:
        raise ValueError("boom")

    async def sleeps() -> None:
        await asyncio.sleep(60)

    failed = asyncio.create_task(fails())
    sleeping = asyncio.create_task(sleeps())
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="boom"):
        async with asyncio.timeout(TIMEOUT):
            await cancel_tasks({failed, sleeping})
    assert sleeping.cancelled()


async def test_raise_task_exceptions() -> None:
    async def returns() -> int:
        return 1

    async def fails() -> None:
        raise KeyError("missing")

    async def sleeps() -> None:
        await asyncio.sleep(60)

    done = asyncio.create_task(returns())
    pending = asyncio.create_task(sleeps())
    cancelled = asyncio.create_task(sleeps())
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.gather(done, cancelled, return_exceptions=True)
    raise_task_exceptions({done, pending, cancelled})  # nothing failed
    failed = asyncio.create_task(fails())
    await asyncio.gather(failed, return_exceptions=True)
    with pytest.raises(KeyError, match="missing"):
        raise_task_exceptions({done, failed, pending})
    pending.cancel()
    await asyncio.gather(pending, return_exceptions=True)


# -- watching for changes ------------------------------------------------------------
def _touch_later(path: Path) -> None:
    """Give ``path`` a modification time clearly after the current one."""
    later = path.stat().st_mtime + 5
    os.utime(path, (later, later))


async def test_observe_changes_raises_when_a_file_changes(tmp_path: Path) -> None:
    watched = tmp_path / "settings.toml"
    watched.write_text("a = 1")
    stop = asyncio.Event()
    task = asyncio.create_task(
        observe_changes(asyncio.sleep, stop, extra_files=[watched], interval=0.01)
    )
    await asyncio.sleep(0.05)
    assert not task.done()
    _touch_later(watched)
    with pytest.raises(MustReloadError) as raised:
        async with asyncio.timeout(TIMEOUT):
            await task
    assert raised.value.args[0] == str(watched)


async def test_observe_changes_ignores_excluded_files_and_stops(
    tmp_path: Path,
) -> None:
    ignored = tmp_path / "scratch.tmp"
    ignored.write_text("x")
    stop = asyncio.Event()
    task = asyncio.create_task(
        observe_changes(
            asyncio.sleep,
            stop,
            extra_files=[str(ignored).encode()],
            exclude_patterns=["*.tmp"],
            interval=0.01,
        )
    )
    await asyncio.sleep(0.02)
    _touch_later(ignored)
    await asyncio.sleep(0.1)
    assert not task.done()
    stop.set()
    async with asyncio.timeout(TIMEOUT):
        await task  # returns, without raising


def test_observe_changes_runs_on_trio(tmp_path: Path) -> None:
    trio = pytest.importorskip("trio")
    watched = tmp_path / "module.py"
    watched.write_text("")

    async def main() -> Any:
        stop = trio.Event()
        with trio.fail_after(TIMEOUT):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(
                    lambda: observe_changes(
                        trio.sleep, stop, extra_files=[watched], interval=0.01
                    )
                )
                await trio.sleep(0.05)
                _touch_later(watched)

    with pytest.raises(BaseExceptionGroup) as raised:
        trio.run(main)
    assert raised.group_contains(MustReloadError)


# -- restarting ----------------------------------------------------------------------
RESTARTING_SCRIPT = """
import os
import sys
from pathlib import Path

from quart.utils import is_running_from_reloader, restart, run_reloader

runs = Path("runs.txt")
if os.environ.get("SUPERVISE") and not is_running_from_reloader():
    run_reloader()  # does not return
    raise AssertionError("run_reloader returned")
count = int(runs.read_text()) + 1 if runs.exists() else 1
runs.write_text(str(count))
Path(f"run-{count}.txt").write_text(
    f"{os.getpid()} {is_running_from_reloader()} {' '.join(sys.argv[1:])}"
)
if count < 3:
    restart()  # does not return
    raise AssertionError("restart returned")
sys.exit(7)
"""


def _run_script(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "script.py").write_text(textwrap.dedent(RESTARTING_SCRIPT))
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("QUART_", "PYTEST_"))
    }
    return subprocess.run(
        [sys.executable, "script.py", "--flag", "value"],
        cwd=tmp_path,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 3,
    )


def test_restart_replaces_the_process(tmp_path: Path) -> None:
    result = _run_script(tmp_path)
    assert result.returncode == 7, result.stderr
    runs = [(tmp_path / f"run-{n}.txt").read_text().split() for n in (1, 2, 3)]
    # One process (os.execv keeps the pid), run again with the same arguments.
    assert len({run[0] for run in runs}) == 1
    assert all(run[1:] == ["False", "--flag", "value"] for run in runs)


def test_run_reloader_restarts_the_child(tmp_path: Path) -> None:
    start = time.monotonic()
    result = _run_script(tmp_path, SUPERVISE="1")
    assert result.returncode == 7, result.stderr  # the last child's code
    runs = [(tmp_path / f"run-{n}.txt").read_text().split() for n in (1, 2, 3)]
    # Three children, each a new process that knows it runs under the reloader.
    assert len({run[0] for run in runs}) == 3
    assert all(run[1:] == ["True", "--flag", "value"] for run in runs)
    assert time.monotonic() - start < TIMEOUT * 3


def test_reloader_constants_are_shared_with_serving() -> None:
    from quart import serving

    assert serving.is_running_from_reloader is utils.is_running_from_reloader
    assert serving.RESTART_CODE == utils.RESTART_CODE == 3
