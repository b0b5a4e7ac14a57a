"""The benchmarks still run and still check every answer: each workload's
responses are verified around its timed run (a wrong one exits with status
1), so this catches a benchmark that rotted or an app that answers a
workload wrongly. Our app and the raw ASGI floor only: Starlette is a
benchmark-only dependency. Timings are not looked at."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

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
