"""Bytecodes per request, counted by the interpreter: where a request's
time goes, function by function.

CPython spends most of a small request dispatching bytecodes, and each
dispatch costs about the same whatever the instruction (a mispredicted
jump, a few cache lines), so the number of bytecodes one request executes
follows its time more closely than Valgrind's instruction count does
(``bench_instructions.py``): on ``hello`` in December 2026 ours ran 1.21x
Starlette's instructions, 1.57x its bytecodes and 1.65x its time. The
count is exact and the same on every run, so it also shows small changes
that timings on a busy machine cannot.

For each app of a ``bench_asgi.py`` workload this sends warm-up requests,
then traces one more (``sys.settrace`` with ``f_trace_opcodes``) and
counts the bytecodes each function executed. Only the app call is traced;
the harness's ``receive`` and ``send`` it calls are counted too, alike for
every app.

    .venv/bin/python benchmarks/bench_bytecodes.py --workload hello --top 15
    .venv/bin/python benchmarks/bench_bytecodes.py --apps quart --workload session
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import Sequence
from types import FrameType
from typing import Any

import bench_asgi

#: Untraced requests first: first-request work (compiling the pipeline,
#: filling caches, the interpreter's specialization) is not counted.
WARMUP = 100


def _where(frame: FrameType) -> str:
    code = frame.f_code
    parts = code.co_filename.replace("\\", "/").split("/")
    return f"{'/'.join(parts[-2:])}:{code.co_name}:{code.co_firstlineno}"


async def count_bytecodes(app_name: str, workload_name: str) -> Counter[str]:
    """Bytecodes executed, by function, for one (warmed-up) request of the
    workload to the app; its answer is checked."""
    workload = bench_asgi.WORKLOADS[workload_name]()
    app = workload.build(app_name)
    lifespan = bench_asgi.Lifespan(app)
    await lifespan.startup()
    cases = await workload.cases_for(app_name, app)
    for index in range(WARMUP):
        await bench_asgi.call_app(app, cases[index % len(cases)])
    counts: Counter[str] = Counter()

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        if event == "opcode":
            counts[_where(frame)] += 1
        return trace

    case = cases[0]
    scope, exchange = case.scope(), bench_asgi.Exchange(case.body)
    sys.settrace(trace)
    try:
        await app(scope, exchange.receive, exchange.send)
    finally:
        sys.settrace(None)
    case.verify(exchange.response())
    await lifespan.shutdown()
    return counts


def opcode_tracing_works() -> bool:
    """Whether this interpreter reports opcode events to ``sys.settrace``
    (CPython 3.12.1, the 3.12 on the project's machine, reports none)."""
    seen = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal seen
        frame.f_trace_opcodes = True
        seen += event == "opcode"
        return trace

    def probe() -> int:
        return len("probe")

    sys.settrace(trace)
    try:
        probe()
    finally:
        sys.settrace(None)
    return seen > 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = bench_asgi.counting_parser(__doc__, "every workload")
    parser.add_argument(
        "--top",
        type=int,
        default=0,
        help="also list the N functions with the most bytecodes, per app",
    )
    args = parser.parse_args(argv)
    if not opcode_tracing_works():
        print(
            f"Python {sys.version.split()[0]} reports no opcode events to"
            " sys.settrace, so nothing can be counted: use another Python"
            " (3.11 and 3.13 do).",
            file=sys.stderr,
        )
        return 2
    apps = args.apps.split(",")
    print("bytecodes per request (one traced request after warm-up)")
    for workload_name in args.workload or list(bench_asgi.WORKLOADS):
        counts = {app: asyncio.run(count_bytecodes(app, workload_name)) for app in apps}
        totals = {app: sum(count.values()) for app, count in counts.items()}
        cells = "  ".join(f"{app} {total:6d}" for app, total in totals.items())
        ratio = ""
        if "quart" in totals and "starlette" in totals:
            ratio = f"  quart/starlette {totals['quart'] / totals['starlette']:.2f}x"
        print(f"{workload_name:12s}  {cells}{ratio}", flush=True)
        for app in apps if args.top else ():
            print(f"  {app}:")
            for where, number in counts[app].most_common(args.top):
                print(f"    {number:6d}  {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
