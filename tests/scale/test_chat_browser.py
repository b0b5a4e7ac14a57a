"""examples/chat/ in a real browser: headless Chromium driven by Selenium
against real servers, the chat's own commands.

Two Hypercorn processes on two ports share a real redis-server (the
``redis`` plugin): a user on each worker sees the other's messages, over a
websocket or over server-sent events, and a browser whose worker restarts
resumes without losing what was said meanwhile. One ``quart run`` process
without Redis (the in-process backend) serves two users as well.

Chromium and its driver come from scripts/install-test-services (Debian's
``chromium`` and ``chromium-driver``), Selenium from the ``test`` extra.
Without them these tests fail, unless ``QUART_ALLOW_SKIP_BROWSER=1`` lets
them skip (a machine without root); CI must run them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis_server import RedisServer
from servers import free_port

ROOT = Path(__file__).resolve().parents[2]
#: Seconds a browser may take for one step (a page load, a message).
BROWSER_TIMEOUT = 15
#: Seconds a server process may take to start listening or to stop.
PROCESS_TIMEOUT = 30
SECRET_KEY = "the same key in every worker"


def _missing(message: str) -> None:
    if os.environ.get("QUART_ALLOW_SKIP_BROWSER") == "1":
        pytest.skip(message)
    pytest.fail(
        message + " (scripts/install-test-services installs Chromium;"
        " QUART_ALLOW_SKIP_BROWSER=1 skips these tests instead)"
    )


@pytest.fixture(scope="module")
def chromium() -> tuple[str, str]:
    """The Chromium binary and its driver (fails, or skips if allowed,
    without them or without Selenium)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        _missing("selenium is not installed (the project's test extra)")
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if binary is None or not os.access(driver, os.X_OK):
        _missing("chromium and chromedriver are not installed")
    assert binary is not None
    return binary, driver


class ChatPage:
    """One browser session (its own cookies) on the chat."""

    def __init__(self, driver: Any, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def wait(self, condition: Callable[[Any], Any], what: str) -> Any:
        """Wait at most ``BROWSER_TIMEOUT`` seconds for ``condition``; on a
        timeout, fail with what the page shows."""
        from selenium.common.exceptions import NoSuchElementException
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        # A page being replaced by the next one: look again.
        ignored = (NoSuchElementException, StaleElementReferenceException)
        waiting = WebDriverWait(
            self.driver, BROWSER_TIMEOUT, ignored_exceptions=ignored
        )
        try:
            return waiting.until(condition)
        except TimeoutException:
            pass
        shown = self.driver.find_elements("css selector", "#messages li, #status")
        pytest.fail(
            f"{self.base_url}: no {what} within {BROWSER_TIMEOUT} s; at"
            f" {self.driver.current_url} the page shows {[e.text for e in shown]}"
        )

    def login(self, name: str, transport: str = "websocket") -> None:
        """Log in through the form and open the lobby, connected with
        ``transport`` (``"websocket"`` or ``"sse"``)."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        self.driver.get(f"{self.base_url}/")
        self.wait(lambda d: d.current_url.endswith("/login"), "the login page")
        self.driver.find_element(By.NAME, "name").send_keys(name, Keys.ENTER)
        self.wait(
            lambda d: (
                d.current_url.endswith("/room/lobby")
                and d.find_elements(By.ID, "user")
                and d.find_element(By.ID, "user").text == name
            ),
            f"room page for {name}",
        )
        if transport == "sse":
            self.driver.get(f"{self.base_url}/room/lobby?transport=sse")
        self.wait_live(transport)

    def wait_live(self, transport: str) -> None:
        from selenium.webdriver.common.by import By

        label = {"websocket": "websocket", "sse": "server-sent events"}[transport]
        self.wait(
            lambda d: d.find_element(By.ID, "status").text == f"Live ({label})",
            f"connected over {label}",
        )

    def say(self, text: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        self.driver.find_element(By.ID, "text").send_keys(text, Keys.ENTER)

    def messages(self) -> list[str]:
        from selenium.webdriver.common.by import By

        return [
            item.text
            for item in self.driver.find_elements(By.CSS_SELECTOR, "#messages li")
        ]

    def wait_for_messages(self, expected: list[str]) -> None:
        self.wait(lambda d: self.messages() == expected, f"the messages {expected}")

    def screenshot(self, path: Path) -> None:
        assert self.driver.save_screenshot(str(path))
        assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.fixture(scope="module")
def drivers(
    chromium: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Any]]:
    """Two headless Chromium sessions, each with its own profile (so its
    own cookies), shared by the tests of this module: starting a browser
    takes seconds."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium
    folder = tmp_path_factory.mktemp("chromium")
    drivers: list[Any] = []
    try:
        for n in range(2):
            options = webdriver.ChromeOptions()
            options.binary_location = binary
            options.add_argument("--headless=new")
            if os.geteuid() == 0:
                options.add_argument("--no-sandbox")  # Chromium refuses root else
            options.add_argument("--disable-dev-shm-usage")
            options.add_argument("--window-size=900,700")
            options.add_argument(f"--user-data-dir={folder / f'profile-{n}'}")
            service = Service(driver_path, log_output=str(folder / f"driver-{n}.log"))
            driver = webdriver.Chrome(options=options, service=service)
            driver.set_page_load_timeout(BROWSER_TIMEOUT)
            driver.set_script_timeout(BROWSER_TIMEOUT)
            drivers.append(driver)
        yield drivers
    finally:
        for driver in drivers:
            driver.quit()


@pytest.fixture
def open_browser(drivers: list[Any]) -> Iterator[Callable[[str], ChatPage]]:
    """``open_browser(base_url)``: the next browser session, with no
    cookies; each test may open two. Their pages are closed after the test,
    so no connection holds a server up."""
    used: list[Any] = []

    def open_page(base_url: str) -> ChatPage:
        driver = drivers[len(used)]
        used.append(driver)
        driver.get(f"{base_url}/login")
        driver.delete_all_cookies()
        return ChatPage(driver, base_url)

    yield open_page
    for driver in used:
        driver.get("about:blank")


class ChatServer:
    """One server process serving examples/chat/app.py on its own port."""

    def __init__(self, command: list[str], port: int, env: dict[str, str], log: Path):
        self.command = command
        self.port = port
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the process, then :meth:`wait_listening`."""
        self.launch()
        self.wait_listening()

    def launch(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Hypercorn serves from a child process: signal the group.
                start_new_session=True,
            )

    def wait_listening(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + PROCESS_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"not listening:\n{self.log.read_text()}")
            time.sleep(0.05)

    def stop(self, how: signal.Signals = signal.SIGTERM) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, how)
        try:
            process.wait(PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(PROCESS_TIMEOUT)


@pytest.fixture
def start_servers(tmp_path: Path) -> Iterator[Callable[..., list[ChatServer]]]:
    """Starts chat servers side by side and waits until all listen:
    ``start_servers("hypercorn", 2, redis_url=...)`` or
    ``start_servers("quart run")``; stops them after the test."""
    servers: list[ChatServer] = []

    def start(
        how: str, count: int = 1, redis_url: str | None = None
    ) -> list[ChatServer]:
        started = [launch(how, redis_url) for _ in range(count)]
        for server in started:
            server.wait_listening()
        return started

    def launch(how: str, redis_url: str | None) -> ChatServer:
        port = free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"REDIS_URL", "QUART_REDIS_URL", "QUART_APP"}
        }
        # Only the plugin the chat enables by name: not every installed one.
        env.update(QUART_DISABLE_PLUGIN_AUTOLOAD="1", SECRET_KEY=SECRET_KEY)
        if redis_url is not None:
            env["REDIS_URL"] = redis_url
        if how == "hypercorn":
            command = [sys.executable, "-m", "hypercorn"]
            command += ["--bind", f"127.0.0.1:{port}", "--graceful-timeout", "1"]
            command.append("examples.chat.app:app")
        else:
            command = [sys.executable, "-m", "quart", "--app", "examples.chat.app"]
            command += ["run", "--port", str(port)]
        log = tmp_path / f"server-{len(servers)}.log"
        server = ChatServer(command, port, env, log)
        servers.append(server)
        server.launch()
        return server

    yield start
    for server in servers:
        server.stop()


def test_two_users_on_two_workers_see_each_others_messages(
    redis_server: RedisServer,
    start_servers: Callable[..., list[ChatServer]],
    open_browser: Callable[[str], ChatPage],
    tmp_path: Path,
) -> None:
    worker_a, worker_b = start_servers("hypercorn", 2, redis_url=redis_server.url)
    alice = open_browser(worker_a.url)
    bob = open_browser(worker_b.url)
    alice.login("alice")
    bob.login("bob")

    alice.say("Hello from worker A")
    alice.wait_for_messages(["alice: Hello from worker A"])
    bob.say("Hi Alice, Bob here on worker B")
    expected = ["alice: Hello from worker A", "bob: Hi Alice, Bob here on worker B"]
    for page, name in ((alice, "alice"), (bob, "bob")):
        page.wait_for_messages(expected)
        page.screenshot(tmp_path / f"{name}.png")
        body = page.driver.find_element("tag name", "body").text
        assert all(line in body for line in expected), body

    # The session lives in Redis: bob's cookie is good on worker A too,
    # and a newcomer to the room gets its history.
    bob.driver.get(f"{worker_a.url}/room/lobby")
    assert bob.driver.find_element("id", "user").text == "bob"
    bob.wait_for_messages(expected)


@pytest.mark.parametrize("transport", ["websocket", "sse"])
def test_a_browser_resumes_after_its_worker_restarts(
    redis_server: RedisServer,
    start_servers: Callable[..., list[ChatServer]],
    open_browser: Callable[[str], ChatPage],
    transport: str,
) -> None:
    """Bob, on worker B over ``transport``, sees Alice's messages from worker
    A; B stops, and what Alice says meanwhile reaches Bob once his browser
    reconnects (with ``?since=`` over a websocket, with ``Last-Event-ID``
    over server-sent events), exactly once."""
    worker_a, worker_b = start_servers("hypercorn", 2, redis_url=redis_server.url)
    alice = open_browser(worker_a.url)
    bob = open_browser(worker_b.url)
    alice.login("alice")
    bob.login("bob", transport)
    alice.say("before")
    bob.wait_for_messages(["alice: before"])

    # The worker crashes: its process group is killed, so no graceful
    # shutdown keeps the browser's websocket or event stream open.
    worker_b.stop(signal.SIGKILL)
    bob.wait(
        lambda d: d.find_element("id", "status").text == "Reconnecting…",
        "noticed that its worker stopped",
    )
    alice.say("while B was down")
    alice.say("still down")
    alice.wait_for_messages(
        ["alice: before", "alice: while B was down", "alice: still down"]
    )
    worker_b.start()
    bob.wait_live(transport)
    bob.say("back")
    expected = [
        "alice: before",
        "alice: while B was down",
        "alice: still down",
        "bob: back",
    ]
    bob.wait_for_messages(expected)
    alice.wait_for_messages(expected)


def test_one_quart_run_process_without_redis(
    start_servers: Callable[..., list[ChatServer]],
    open_browser: Callable[[str], ChatPage],
    tmp_path: Path,
) -> None:
    """``quart --app examples.chat.app run``: the in-process backend and
    cookie sessions, nothing else running."""
    (server,) = start_servers("quart run")
    alice = open_browser(server.url)
    bob = open_browser(server.url)
    alice.login("alice")
    bob.login("bob", "sse")
    alice.say("<b>not bold</b>")
    bob.say("one process")
    expected = ["alice: <b>not bold</b>", "bob: one process"]
    alice.wait_for_messages(expected)
    bob.wait_for_messages(expected)
    bob.screenshot(tmp_path / "bob.png")
    assert alice.driver.find_elements("css selector", "#messages b")[0].text == "alice"
