"""``quart run`` and ``app.run()`` in real subprocesses: serve on a free
port, answer over TCP, stop on a signal with the shutdown hooks run."""

from __future__ import annotations

import os
import shutil
import signal
import ssl
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers import free_port

import quart

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="POSIX signals drive these tests"
)

TIMEOUT = 10

APP_SOURCE = """
import asyncio
import os
from pathlib import Path

from quart import Quart

app = Quart(__name__)
OUT = Path(os.environ["TEST_OUT"])


@app.get("/")
async def index():
    return "VERSION-ONE"


@app.get("/background")
async def background():
    async def work():
        await asyncio.sleep(0.5)
        (OUT / "background.txt").write_text("finished")

    app.add_background_task(work)
    return "started"


@app.after_serving
async def after():
    (OUT / "after_serving.txt").write_text("ran")
"""


class Server:
    """A subprocess serving an app, with its output in a log file."""

    def __init__(self, args: list[str], cwd: Path, port: int, scheme: str = "http"):
        self.cwd = cwd
        self.out = cwd / "out"
        self.out.mkdir(exist_ok=True)
        self.log = cwd / "server.log"
        self.base_url = f"{scheme}://127.0.0.1:{port}"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("QUART_", "PYTEST_"))
        }
        env.update(
            TEST_OUT=str(self.out),
            PYTHONDONTWRITEBYTECODE="1",
            QUART_DISABLE_PLUGIN_AUTOLOAD="1",
        )
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text()

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.base_url + path, timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]

    def wait_until(self, predicate: Callable[[], bool]) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.output()}")
            try:
                if predicate():
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"timed out:\n{self.output()}")

    def wait_ready(self, **kwargs: object) -> None:
        self.wait_until(lambda: self.get("/", **kwargs).status_code == 200)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        return self.process.wait(TIMEOUT)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "served.py").write_text(APP_SOURCE)
    yield tmp_path


@pytest.fixture
def start(project: Path) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(*args: str, port: int, scheme: str = "http") -> Server:
        server = Server(list(args), project, port, scheme)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.kill()


def quart_run(port: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "quart",
        "--app",
        "served",
        "run",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *extra,
    ]


def test_run_serves_and_sigterm_shuts_down_gracefully(
    start: Callable[..., Server],
) -> None:
    port = free_port()
    server = start(*quart_run(port), port=port)
    server.wait_ready()
    assert server.get("/").text == "VERSION-ONE"
    assert server.get("/background").text == "started"
    assert server.stop(signal.SIGTERM) == 0
    # The lifespan shutdown ran, after the background task had its grace
    # period to finish.
    assert (server.out / "after_serving.txt").read_text() == "ran"
    assert (server.out / "background.txt").read_text() == "finished"
    output = server.output()
    assert " * Serving Quart app 'served'" in output
    assert f"Running on http://127.0.0.1:{port}" in output


def test_run_sigint(start: Callable[..., Server]) -> None:
    port = free_port()
    server = start(*quart_run(port), port=port)
    server.wait_ready()
    assert server.stop(signal.SIGINT) == 0
    assert (server.out / "after_serving.txt").read_text() == "ran"


def test_run_reload_restarts_on_change(start: Callable[..., Server]) -> None:
    port = free_port()
    server = start(*quart_run(port, "--reload"), port=port)
    server.wait_ready()
    assert server.get("/").text == "VERSION-ONE"
    module = server.cwd / "served.py"
    time.sleep(0.05)  # a newer modification time than the import saw
    module.write_text(APP_SOURCE.replace("VERSION-ONE", "VERSION-TWO-CHANGED"))
    server.wait_until(lambda: server.get("/").text == "VERSION-TWO-CHANGED")
    assert "Detected change in" in server.output()
    # The old child shut down gracefully before the new one started.
    assert (server.out / "after_serving.txt").read_text() == "ran"
    (server.out / "after_serving.txt").unlink()
    assert server.stop(signal.SIGTERM) == 0
    assert (server.out / "after_serving.txt").read_text() == "ran"


def test_app_run_from_a_script(start: Callable[..., Server], project: Path) -> None:
    port = free_port()
    (project / "script.py").write_text(
        textwrap.dedent(
            f"""
            from served import app

            if __name__ == "__main__":
                app.run(port={port}, debug=False)
            """
        )
    )
    server = start(sys.executable, "script.py", port=port)
    server.wait_ready()
    assert server.stop(signal.SIGTERM) == 0
    assert (server.out / "after_serving.txt").read_text() == "ran"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
@pytest.mark.parametrize(
    "names", [("--certfile", "--keyfile"), ("--cert", "--key")], ids=["quart", "flask"]
)
def test_run_with_tls(
    start: Callable[..., Server], project: Path, names: tuple[str, str]
) -> None:
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        cwd=project,
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = start(
        *quart_run(port, names[0], "cert.pem", names[1], "key.pem"),
        port=port,
        scheme="https",
    )
    server.wait_ready(verify=False)
    assert server.get("/", verify=False).text == "VERSION-ONE"
    assert server.stop() == 0


def test_run_with_an_adhoc_certificate(start: Callable[..., Server]) -> None:
    pytest.importorskip("cryptography")
    port = free_port()
    server = start(*quart_run(port, "--cert", "adhoc"), port=port, scheme="https")
    server.wait_ready(verify=False)
    assert server.get("/", verify=False).text == "VERSION-ONE"
    assert server.stop() == 0


def test_adhoc_certificate_files(tmp_path: Path) -> None:
    x509 = pytest.importorskip("cryptography.x509")
    from quart.serving import generate_adhoc_certificate

    certfile, keyfile = generate_adhoc_certificate(str(tmp_path), "192.0.2.7")
    assert stat.S_IMODE(os.stat(keyfile).st_mode) == 0o600
    certificate = x509.load_pem_x509_certificate(Path(certfile).read_bytes())
    names = certificate.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} == {
        "127.0.0.1",
        "::1",
        "192.0.2.7",
    }
    # The pair is usable as a server certificate.
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)


def test_reload_extra_files_and_exclude_patterns(
    start: Callable[..., Server], project: Path
) -> None:
    watched = project / "settings.toml"
    ignored = project / "scratch.tmp"
    watched.write_text("a = 1")
    ignored.write_text("x")
    port = free_port()
    files = os.pathsep.join([str(watched), str(ignored)])
    # Also ignore the libraries, Quart included: edits there while this
    # test runs must not count.
    quart_folder = Path(quart.__file__).parent
    patterns = os.pathsep.join(["*.tmp", f"{quart_folder}/*", "*/site-packages/*"])
    server = start(
        *quart_run(
            port, "--reload", "--extra-files", files, "--exclude-patterns", patterns
        ),
        port=port,
    )
    server.wait_ready()
    time.sleep(0.05)  # a newer modification time than the first check saw
    ignored.write_text("changed")
    time.sleep(2.5)  # more than two of the reloader's 1 s checks
    assert "Detected change" not in server.output()
    watched.write_text("a = 2")
    server.wait_until(lambda: "Detected change in" in server.output())
    assert repr(str(watched)) in server.output()
    server.wait_ready()
    assert server.stop(signal.SIGTERM) == 0


def test_console_script_and_module_entry_points(project: Path) -> None:
    script = Path(sys.executable).parent / "quart"
    commands = [[sys.executable, "-m", "quart", "--version"]]
    if script.exists():
        commands.append([str(script), "--version"])
    for command in commands:
        result = subprocess.run(
            command, cwd=project, capture_output=True, text=True, timeout=TIMEOUT
        )
        assert result.returncode == 0, result.stderr
        assert "Quart " in result.stdout
