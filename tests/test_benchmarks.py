"""The in-process benchmarks still run and still check every answer: each
workload's responses are verified after its timed run (a wrong one exits
with status 1), so this catches a benchmark that rotted or an app that
answers a workload wrongly. Our app and the raw ASGI floor only: Starlette
is a benchmark-only dependency. Timings are not looked at."""

from __future__ import annotations

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
