"""The benchmarks still run and still check every answer: each workload's
responses are verified around its timed run (a wrong one exits with status
1), so this catches a benchmark that rotted or an app that answers a
workload wrongly. Our app and the raw ASGI floor only: Starlette is a
benchmark-only dependency. The apps' timings are not looked at."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.parametrize(
    ("script", "workloads"),
    [
        (
            "bench_asgi.py",
            ["hello", "hello-plugin", "json", "form", "template", "hooks", "session"],
        ),
        ("bench_websocket.py", ["pingpong", "pipelined", "connect"]),
    ],
)
def test_benchmark_runs_and_checks_every_workload(
    script: str, workloads: list[str]
) -> None:
    command = [sys.executable, str(BENCHMARKS / script), "--apps", "quart,raw"]
    result = subprocess.run(
        [*command, "-n", "50", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=BENCHMARKS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for workload in workloads:
        assert workload in result.stdout


def test_bytecode_count_runs_and_checks_every_workload() -> None:
    """bench_bytecodes traces one checked request of each workload; our app
    executes more bytecodes than the raw floor in each."""
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_bytecodes.py"), "--apps", "quart,raw"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=BENCHMARKS,
    )
    if result.returncode == 2 and "no opcode events" in result.stderr:
        pytest.skip(result.stderr.strip())  # CPython 3.12.1
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    assert [row[0] for row in rows] == [
        "hello",
        "hello-plugin",
        "json",
        "form",
        "template",
        "hooks",
        "session",
    ]
    for _, _, ours, _, raw in rows:
        assert int(ours) > int(raw) > 0


def test_server_benchmark_serves_every_workload_on_every_server() -> None:
    """bench_server starts our app under each server on 127.0.0.1, checks
    its answer to each workload before and after a second of load from
    wrk, and reports the load's figures: none of its requests failed."""
    if shutil.which("wrk") is None:
        message = "wrk is not installed (scripts/install-test-services installs it)"
        if os.environ.get("QUART_ALLOW_SKIP_WRK") == "1":
            pytest.skip(message)
        pytest.fail(message + "; QUART_ALLOW_SKIP_WRK=1 skips this test instead")
    result = subprocess.run(
        [
            *(sys.executable, str(BENCHMARKS / "bench_server.py"), "--app", "quart"),
            *("-d", "1", "--warmup", "0", "--repeat", "1", "--no-pin", "--json"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=BENCHMARKS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    results = json.loads(result.stdout)["results"]
    assert sorted((r["server"], r["workload"]) for r in results) == sorted(
        (server, workload)
        for server in ("hypercorn", "uvicorn", "granian")
        for workload in ("hello", "json", "io")
    )
    for row in results:
        assert row["app"] == "quart"
        assert row["rps"] > 0 and row["errors"] == 0, row
        assert 0 < row["p50_ms"] <= row["p99_ms"], row


def test_server_benchmark_calibration_busy_waits_before_each_http_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``--starlette-extra-us`` wraps the app a server serves: every HTTP
    request first spends that many microseconds of CPU, then reaches the
    app unchanged; other scopes (lifespan) are not delayed."""
    spec = importlib.util.spec_from_file_location(
        "bench_server_under_test", BENCHMARKS / "bench_server.py"
    )
    assert spec is not None and spec.loader is not None
    bench_server = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench_server)  # for its dataclasses
    spec.loader.exec_module(bench_server)
    seen: list[tuple[str, float]] = []

    async def inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append((scope["type"], time.perf_counter()))

    app = bench_server._with_extra_work(inner, 20_000)  # 20 ms

    async def serve(scope_type: str) -> float:
        start = time.perf_counter()
        await app({"type": scope_type}, None, None)
        return seen[-1][1] - start

    assert asyncio.run(serve("http")) >= 0.02
    assert asyncio.run(serve("lifespan")) < 0.02
    assert [kind for kind, _ in seen] == ["http", "lifespan"]
