"""Instructions per request, counted by Valgrind: a load-independent twin
of ``bench_asgi.py``.

Timings on a shared or busy machine move by tens of percent from run to
run; the number of instructions the CPU executes for one request does not.
This runs each app of a ``bench_asgi.py`` workload under ``valgrind
--tool=callgrind`` twice, with a short and a long request loop, and
reports the difference divided by the extra requests: the per-request
instructions of the framework (and the event loop turning once between
requests, as under a server). Only the request loop is counted
(``callgrind_control`` turns counting on and off around it), so start-up,
imports and warm-up are left out and run fast. Use it to decide whether a
change makes a request cheaper; use ``bench_asgi.py`` on a quiet machine
for the time it takes.

    .venv/bin/python benchmarks/bench_instructions.py --workload hello

Needs ``valgrind`` (a Debian package, with ``callgrind_control``). Each
measurement takes about 20 seconds per app and workload.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import bench_asgi

HERE = Path(__file__).resolve().parent
SHORT, LONG = 300, 1300
_COLLECTED = re.compile(r"Collected : (\d+)")


async def _drive(app_name: str, workload_name: str, requests: int) -> None:
    """Send ``requests`` requests of the workload to the app, checking each
    answer, with the loop turning once between them."""
    workload = bench_asgi.WORKLOADS[workload_name]()
    app = workload.build(app_name)
    lifespan = bench_asgi.Lifespan(app)
    await lifespan.startup()
    cases = await workload.cases_for(app_name, app)
    for case in cases:  # warm-up: first-request work is not counted
        case.verify(await bench_asgi.call_app(app, case))
    _instrument("on")
    for index in range(requests):
        case = cases[index % len(cases)]
        exchange = bench_asgi.Exchange(case.body)
        await app(case.scope(), exchange.receive, exchange.send)
        await asyncio.sleep(0)
    _instrument("off")
    case.verify(exchange.response())
    await lifespan.shutdown()


def _instrument(state: str) -> None:
    """Turn Valgrind's counting on or off for this process: only the
    request loop is counted, so imports and start-up (most of a run under
    Valgrind) go at native speed."""
    subprocess.run(
        ["callgrind_control", "--instr=" + state, str(os.getpid())],
        capture_output=True,
        timeout=60,
        check=True,
    )


def _instructions(app_name: str, workload_name: str, requests: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        app_name,
        workload_name,
        str(requests),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=900, check=True
    )
    match = _COLLECTED.search(done.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count from valgrind:\n{done.stderr}")
    return int(match.group(1))


def per_request(app_name: str, workload_name: str) -> float:
    """Instructions per request: the long run minus the short one."""
    short = _instructions(app_name, workload_name, SHORT)
    long = _instructions(app_name, workload_name, LONG)
    return (long - short) / (LONG - SHORT)


def main() -> None:
    parser = bench_asgi.counting_parser(__doc__, "hello")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        app_name, workload_name, requests = args.child
        asyncio.run(_drive(app_name, workload_name, int(requests)))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    apps = args.apps.split(",")
    print(f"instructions per request (valgrind callgrind, {LONG - SHORT} requests)")
    for workload_name in args.workload or ["hello"]:
        counts = {app: per_request(app, workload_name) for app in apps}
        cells = "  ".join(
            f"{app} {count / 1000:8.1f}k" for app, count in counts.items()
        )
        ratio = ""
        if "quart" in counts and "starlette" in counts:
            ratio = f"  quart/starlette {counts['quart'] / counts['starlette']:.2f}x"
        print(f"{workload_name:12s}  {cells}{ratio}", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
