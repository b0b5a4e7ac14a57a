"""End-to-end benchmark: real servers on 127.0.0.1, load from wrk.

Each server (Hypercorn, Uvicorn, Granian) runs one worker process serving
either our app or the same routes written in Starlette; ``wrk`` loads it
from another core and reports requests per second and the latency
distribution. Both apps run on the same server, with the same settings, in
the same run, so the ratio between them is what to read.

Workloads:

- ``hello``: ``GET /`` -> ``Hello, World!`` (text);
- ``json``: ``GET /users/<int:user_id>?q=abc`` -> ``{"id": user_id, "q": "abc"}``
  (path converter, query argument, JSON response);
- ``io``: ``GET /io`` -> ``await asyncio.sleep(0.01)`` then ``Hello, World!``
  (many requests in flight at once; more connections).

Run ``.venv/bin/python benchmarks/bench_server.py --help`` for the options
and see ``benchmarks/README.md`` for how to read the figures. Needs ``wrk``
(Debian: ``apt-get install wrk``). Starlette is a benchmark-only dependency;
our app never imports it.

This module is also the servers' target, ``bench_server:app``: the
``BENCH_SERVER_APP`` environment variable (``quart`` or ``starlette``) says
which app it builds, so a server process imports only that framework, and
``BENCH_SERVER_EXTRA_US`` (set by ``--starlette-extra-us``) adds busy work
to each of its requests.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
APPS = ("starlette", "quart")
SERVERS = ("hypercorn", "uvicorn", "granian")
HELLO = "Hello, World!"
TARGET_RPS_RATIO = 0.85
"""Issue #16: ours at least this share of Starlette's requests/s."""
TARGET_IO_P99_RATIO = 1.5
"""Issue #16: under io load, our p99 latency within this factor of Starlette's."""


@dataclass(frozen=True)
class Workload:
    name: str
    path: str
    connections: int
    check: Any  # (body bytes, content type) -> bool


WORKLOADS = {
    "hello": Workload("hello", "/", 32, lambda body, ctype: body == HELLO.encode()),
    "json": Workload(
        "json",
        "/users/42?q=abc",
        32,
        lambda body, ctype: (
            ctype.startswith("application/json")
            and json.loads(body) == {"id": 42, "q": "abc"}
        ),
    ),
    "io": Workload("io", "/io", 100, lambda body, ctype: body == HELLO.encode()),
}


# --------------------------------------------------------------------------
# The apps (built in the server process, on first access)
# --------------------------------------------------------------------------
def _build_quart_app() -> Any:
    from quart import Quart
    from quart import request

    app = Quart(__name__)

    @app.get("/")
    async def hello() -> str:
        return HELLO

    @app.get("/users/<int:user_id>")
    async def user(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "q": request.args.get("q")}

    @app.get("/io")
    async def io() -> str:
        await asyncio.sleep(0.01)
        return HELLO

    return app


def _build_starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse(HELLO)

    async def user(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "id": request.path_params["user_id"],
                "q": request.query_params.get("q"),
            }
        )

    async def io(request: Request) -> PlainTextResponse:
        await asyncio.sleep(0.01)
        return PlainTextResponse(HELLO)

    return Starlette(
        routes=[
            Route("/", hello),
            Route("/users/{user_id:int}", user),
            Route("/io", io),
        ]
    )


def _with_extra_work(inner: Any, microseconds: float) -> Any:
    """``inner`` doing ``microseconds`` of busy work before each HTTP
    request: the calibration of ``--starlette-extra-us``."""
    seconds = microseconds / 1e6

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                pass
        await inner(scope, receive, send)

    return app


_BUILDERS = {"quart": _build_quart_app, "starlette": _build_starlette_app}
APP_ENV = "BENCH_SERVER_APP"
EXTRA_ENV = "BENCH_SERVER_EXTRA_US"

if os.environ.get(APP_ENV) in _BUILDERS:  # imported by a server: serve that app
    app = _BUILDERS[os.environ[APP_ENV]]()
    _extra_us = float(os.environ.get(EXTRA_ENV) or 0)
    if _extra_us > 0:
        app = _with_extra_work(app, _extra_us)


# --------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------
def server_command(server: str, app: str, port: int) -> list[str]:
    """One worker, access logs off, uvloop for every server; HTTP/1.1."""
    target = "bench_server:app"
    python = sys.executable
    if server == "hypercorn":
        return [
            python, "-m", "hypercorn", target, "--bind", f"127.0.0.1:{port}",
            "--workers", "1", "--worker-class", "uvloop", "--log-level", "warning",
        ]  # fmt: skip
    if server == "uvicorn":
        return [
            python, "-m", "uvicorn", target, "--host", "127.0.0.1",
            "--port", str(port), "--workers", "1", "--loop", "uvloop",
            "--http", "auto", "--lifespan", "on", "--no-access-log",
            "--log-level", "warning",
        ]  # fmt: skip
    if server == "granian":
        return [
            python, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1",
            "--port", str(port), "--workers", "1", "--loop", "uvloop",
            "--no-access-log", "--log-level", "warning", target,
        ]  # fmt: skip
    raise ValueError(server)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pin(core: str | None, command: list[str]) -> list[str]:
    return ["taskset", "-c", core, *command] if core is not None else command


class Server:
    def __init__(
        self, server: str, app: str, core: str | None, extra_us: float = 0
    ) -> None:
        self.server, self.app = server, app
        self.port = free_port()
        # This directory first (the servers import bench_server from it),
        # then any PYTHONPATH given: set it to another checkout to serve
        # that checkout's Quart (an A/B run).
        path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
        env = dict(os.environ, PYTHONPATH=path)
        env.update({APP_ENV: app, "QUART_DISABLE_PLUGIN_AUTOLOAD": "1"})
        env[EXTRA_ENV] = str(extra_us)
        self.process = subprocess.Popen(
            pin(core, server_command(server, app, self.port)),
            cwd=HERE,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url("/"), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    errors = (
                        self.process.stderr.read().decode()
                        if self.process.stderr
                        else ""
                    )
                    sys.exit(f"{self.server} ({self.app}) did not start:\n{errors}")
                time.sleep(0.1)

    def check(self, workload: Workload) -> None:
        """The server answers the workload's request correctly."""
        with urllib.request.urlopen(self.url(workload.path), timeout=5) as response:
            body, ctype = response.read(), response.headers.get("content-type", "")
            if response.status != 200 or not workload.check(body, ctype):
                sys.exit(
                    f"CHECK FAILED: {self.app}@{self.server} {workload.path}:"
                    f" {response.status} {ctype} {body[:200]!r}"
                )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass
class Result:
    server: str
    app: str
    workload: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def run_wrk(
    url: str, connections: int, seconds: int, threads: int, core: str | None
) -> tuple[float, float, float, int]:
    """Requests/s, p50 and p99 in ms, and failed/non-2xx responses."""
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
        "--latency", "--timeout", "5s", url,
    ]  # fmt: skip
    output = subprocess.run(
        pin(core, command), capture_output=True, text=True, check=True,
        timeout=seconds + 30,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(n) for n in match.groups())
    return rps, p50, p99, errors


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------
def _k(rps: float) -> str:
    return f"{rps / 1000:.1f}k"


def report(
    results: list[Result], servers: list[str], workloads: list[str]
) -> list[str]:
    best: dict[tuple[str, str, str], Result] = {}
    for result in results:
        key = (result.server, result.app, result.workload)
        if key not in best or result.rps > best[key].rps:
            best[key] = result
    header = (
        f"{'workload':<8} {'server':<10} {'starlette rps':>13} {'ours rps':>9}"
        f" {'ratio':>7}  {'starlette p50/p99 ms':>20}  {'ours p50/p99 ms':>16}"
        f" {'p99 ratio':>9}"
    )
    lines = [header, "-" * len(header)]
    misses: list[str] = []
    for workload in workloads:
        for server in servers:
            theirs = best.get((server, "starlette", workload))
            ours = best.get((server, "quart", workload))
            if theirs is None or ours is None:
                continue
            ratio = ours.rps / theirs.rps
            p99_ratio = ours.p99_ms / theirs.p99_ms
            mark = "!" if ratio < TARGET_RPS_RATIO else " "
            p99_mark = (
                "!" if workload == "io" and p99_ratio > TARGET_IO_P99_RATIO else " "
            )
            if mark == "!":
                misses.append(
                    f"{workload}@{server}: {ratio:.2f}x of Starlette's requests/s"
                )
            if p99_mark == "!":
                misses.append(f"{workload}@{server}: p99 {p99_ratio:.2f}x Starlette's")
            lines.append(
                f"{workload:<8} {server:<10} {_k(theirs.rps):>13} {_k(ours.rps):>9}"
                f" {ratio:>6.2f}x{mark} {theirs.p50_ms:>9.2f} / {theirs.p99_ms:<8.2f}"
                f" {ours.p50_ms:>7.2f} / {ours.p99_ms:<6.2f}"
                f" {p99_ratio:>8.2f}x{p99_mark}"
            )
    errors = [r for r in best.values() if r.errors]
    for result in errors:
        lines.append(
            f"note: {result.app}@{result.server} {result.workload}:"
            f" {result.errors} failed or non-2xx responses"
        )
    if misses:
        lines.append(
            f"! under target (>= {TARGET_RPS_RATIO}x requests/s; io p99 <="
            f" {TARGET_IO_P99_RATIO}x): " + "; ".join(misses)
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--server",
        action="append",
        choices=SERVERS,
        help="repeat for more (default: all)",
    )
    parser.add_argument(
        "--workload", action="append", choices=list(WORKLOADS), help="repeat for more"
    )
    parser.add_argument(
        "--app",
        action="append",
        choices=APPS,
        help="repeat for more (default: both; ratios need both)",
    )
    parser.add_argument("-d", "--duration", type=int, default=5, help="seconds per run")
    parser.add_argument(
        "--warmup", type=int, default=1, help="seconds of untimed load first"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per case; best kept"
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--no-pin", action="store_true", help="do not use taskset")
    parser.add_argument("--json", action="store_true", help="print a JSON report")
    parser.add_argument(
        "--starlette-extra-us",
        type=float,
        default=0,
        metavar="US",
        help=(
            "busy-wait this many microseconds in every Starlette request"
            " (calibration: what a few microseconds more per request cost"
            " end to end on this machine and server)"
        ),
    )
    args = parser.parse_args(argv)

    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk (Debian/Ubuntu)")
    servers = [s for s in SERVERS if s in (args.server or SERVERS)]
    for name in servers:
        if importlib.util.find_spec(name) is None:
            sys.exit(f"{name} is not installed")
    workloads = [w for w in WORKLOADS if w in (args.workload or WORKLOADS)]
    apps = [a for a in APPS if a in (args.app or APPS)]
    pinned = not args.no_pin and shutil.which("taskset") and (os.cpu_count() or 1) >= 2
    server_core, load_core = ("0", "1") if pinned else (None, None)

    results: list[Result] = []
    for _ in range(args.repeat):
        for server_name in servers:
            for app in apps:  # interleaved, so drift on the machine hits both alike
                extra = args.starlette_extra_us if app == "starlette" else 0
                server = Server(server_name, app, server_core, extra)
                try:
                    server.wait_ready()
                    for name in workloads:
                        workload = WORKLOADS[name]
                        server.check(workload)
                        url = server.url(workload.path)
                        if args.warmup > 0:
                            run_wrk(
                                url,
                                workload.connections,
                                args.warmup,
                                args.threads,
                                load_core,
                            )
                        rps, p50, p99, errors = run_wrk(
                            url,
                            workload.connections,
                            args.duration,
                            args.threads,
                            load_core,
                        )
                        server.check(workload)
                        results.append(
                            Result(server_name, app, name, rps, p50, p99, errors)
                        )
                        if not args.json:
                            print(
                                f"  {app}@{server_name} {name}: {rps:,.0f} req/s,"
                                f" p50 {p50:.2f} ms, p99 {p99:.2f} ms",
                                file=sys.stderr,
                            )
                finally:
                    server.stop()

    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, "
        + (
            f"server on core {server_core}, wrk on core {load_core}"
            if pinned
            else "not pinned"
        )
    )
    if args.json:
        print(
            json.dumps(
                {
                    "machine": machine,
                    "starlette_extra_us": args.starlette_extra_us,
                    "results": [asdict(r) for r in results],
                },
                indent=2,
            )
        )
    else:
        print(
            f"# {machine}; wrk -t{args.threads}, {args.duration:g} s per run,"
            f" best of {args.repeat}"
            + (
                f"; Starlette with {args.starlette_extra_us:g} us of busy work"
                " per request"
                if args.starlette_extra_us
                else ""
            )
        )
        print("\n".join(report(results, servers, workloads)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
