"""Serving an app: options, signals, the reloader, and the hand-over to a
server through the ``quart_serve`` plugin hook (Hypercorn by default, from
:mod:`quart.builtin.serving`). ``quart run`` and :meth:`Quart.run
<quart.Quart.run>` both come here."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING
from typing import Any

import click

from .environment import load_dotenv
from .helpers import get_debug_flag
from .helpers import get_load_dotenv
from .utils import RELOADER_ENV as RELOADER_ENV
from .utils import RESTART_CODE as RESTART_CODE
from .utils import MustReloadError
from .utils import _FileWatcher
from .utils import cancel_tasks
from .utils import is_running_from_reloader as is_running_from_reloader
from .utils import observe_changes
from .utils import restart
from .utils import run_reloader

if TYPE_CHECKING:
    from .app import Quart

DEFAULT_SERVER = "hypercorn"
#: ``certfile`` value asking for a throw-away self-signed certificate.
ADHOC = "adhoc"


# -- serving ----------------------------------------------------------------------
@dataclass
class ServeOptions:
    """How to serve an app: what ``quart run`` and ``app.run()`` pass to the
    server backend."""

    host: str = "127.0.0.1"
    port: int = 5000
    debug: bool = False
    #: Restart the process when a source file changes (:func:`serve` only).
    use_reloader: bool = False
    #: A PEM certificate file to serve HTTPS with, or :data:`ADHOC` for a
    #: self-signed one made at start-up (needs the ``cryptography`` package).
    certfile: str | None = None
    #: The PEM private key for ``certfile``, unless that file holds it.
    keyfile: str | None = None
    #: The server's name (see the ``quart_server_names`` hook).
    server: str = DEFAULT_SERVER
    #: Serve until this completes. :func:`serve_async` always gives the
    #: backend one; when none is set it waits for SIGINT/SIGTERM.
    shutdown_trigger: Callable[[], Awaitable[Any]] | None = None
    #: More files for the reloader to watch, besides imported modules.
    extra_files: Sequence[str] = ()
    #: :mod:`fnmatch` patterns of paths whose changes the reloader ignores.
    exclude_patterns: Sequence[str] = ()
    #: Seconds between the reloader's checks.
    reloader_interval: float = 1.0
    #: Backend-specific settings (for Hypercorn: attributes of
    #: :class:`hypercorn.config.Config`, such as ``graceful_timeout``).
    server_options: dict[str, Any] = field(default_factory=dict)


def server_names(app: Quart) -> list[str]:
    """The server names the app's plugins offer (``quart_server_names``)."""
    names: set[str] = set()
    for answer in app.plugins.hook.quart_server_names():
        names.update(answer or ())
    return sorted(names)


class UnknownServerError(click.UsageError):
    """No backend answers to the requested server name."""


async def _call_server(app: Quart, options: ServeOptions) -> None:
    """Serve through the ``quart_serve`` hook: the first plugin that knows
    ``options.server`` serves (the built-in one knows Hypercorn)."""
    served = await app.plugins.first_result("quart_serve", app, options)
    if not served:
        raise UnknownServerError(
            f"Unknown server {options.server!r}; available: "
            + ", ".join(server_names(app))
            + "."
        )


def _do_nothing() -> None:
    pass


def _install_signal_handlers(
    loop: asyncio.AbstractEventLoop, callback: Callable[[], None]
) -> Callable[[], None]:
    """Call ``callback`` on SIGINT/SIGTERM (main thread only); returns a
    function restoring the previous handlers."""
    if threading.current_thread() is not threading.main_thread():
        return _do_nothing
    added: list[int] = []
    previous: dict[int, Any] = {}
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        number = getattr(signal, name, None)
        if number is None:
            continue
        try:
            loop.add_signal_handler(number, callback)
            added.append(number)
        except (NotImplementedError, RuntimeError):  # e.g. Windows
            previous[number] = signal.signal(
                number, lambda *_: loop.call_soon_threadsafe(callback)
            )

    def restore() -> None:
        for number in added:
            loop.remove_signal_handler(number)
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


def generate_adhoc_certificate(folder: str, host: str = "127.0.0.1") -> tuple[str, str]:
    """Write a new self-signed certificate and its private key, valid for a
    year for ``localhost``, ``127.0.0.1``, ``::1`` and ``host``, into
    ``folder``; return their paths ``(certfile, keyfile)``. Browsers warn
    about it: it is for development only. Needs the ``cryptography``
    package."""
    try:
        from cryptography import x509  # type: ignore[import-not-found, unused-ignore]
        from cryptography.hazmat.primitives import hashes  # type: ignore[import-not-found, unused-ignore]
        from cryptography.hazmat.primitives import serialization  # type: ignore[import-not-found, unused-ignore]
        from cryptography.hazmat.primitives.asymmetric import rsa  # type: ignore[import-not-found, unused-ignore]
        from cryptography.x509.oid import NameOID  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise RuntimeError(
            "Using ad-hoc certificates requires the cryptography library"
            " (pip install cryptography)."
        ) from None

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Quart ad-hoc certificate"),
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        ]
    )
    names: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if host and host != "localhost":
            names.append(x509.DNSName(host))
    else:
        if not address.is_unspecified and address not in (
            ipaddress.ip_address("127.0.0.1"),
            ipaddress.ip_address("::1"),
        ):
            names.append(x509.IPAddress(address))
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    certfile = os.path.join(folder, "adhoc-cert.pem")
    keyfile = os.path.join(folder, "adhoc-key.pem")
    with open(certfile, "wb") as file:
        file.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(
        os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb"
    ) as file:
        file.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return certfile, keyfile


async def serve_async(app: Quart, options: ServeOptions) -> bool:
    """Serve ``app`` in the running event loop until
    ``options.shutdown_trigger`` completes or, without one, until
    SIGINT/SIGTERM; shutdown is graceful. In a reloader child, also stop
    when a source file changes. Returns ``True`` if it stopped for a code
    change (the caller should then :func:`~quart.utils.restart`).

    With ``certfile`` :data:`ADHOC`, a self-signed certificate is made for
    this run (:func:`generate_adhoc_certificate`) and deleted after it."""
    if options.certfile == ADHOC:
        with tempfile.TemporaryDirectory(prefix="quart-adhoc-") as folder:
            certfile, keyfile = await asyncio.to_thread(
                generate_adhoc_certificate, folder, options.host
            )
            return await serve_async(
                app, replace(options, certfile=certfile, keyfile=keyfile)
            )
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    restore: Callable[[], None] = _do_nothing
    helpers: list[asyncio.Task[None]] = []
    user_trigger = options.shutdown_trigger
    if user_trigger is None:
        restore = _install_signal_handlers(loop, stop.set)
    else:

        async def wait_for_user_trigger() -> None:
            try:
                await user_trigger()
            finally:
                stop.set()

        helpers.append(loop.create_task(wait_for_user_trigger()))
    changed: list[str] = []
    if options.use_reloader and is_running_from_reloader():

        async def watch() -> None:
            try:
                await observe_changes(
                    asyncio.sleep,
                    stop,
                    extra_files=options.extra_files,
                    exclude_patterns=options.exclude_patterns,
                    interval=options.reloader_interval,
                )
            except MustReloadError as error:
                click.echo(
                    f" * Detected change in {error.args[0]!r}, reloading", err=True
                )
                changed.append(error.args[0])
                stop.set()

        helpers.append(loop.create_task(watch()))
    try:
        await _call_server(app, replace(options, shutdown_trigger=stop.wait))
    finally:
        restore()
        await cancel_tasks(set(helpers))
    return bool(changed)


def _show_banner(app: Quart, options: ServeOptions) -> None:
    click.echo(f" * Serving Quart app '{app.name}'", err=True)
    click.echo(f" * Debug mode: {'on' if options.debug else 'off'}", err=True)
    if options.use_reloader:
        click.echo(" * Restarting on code changes", err=True)


def serve(app: Quart, options: ServeOptions) -> None:
    """Serve ``app`` until SIGINT/SIGTERM, blocking (``quart run`` and
    ``app.run()``). With ``options.use_reloader`` this process only
    supervises a child that serves and is restarted on code changes."""
    if not is_running_from_reloader():
        _show_banner(app, options)
        if options.use_reloader:
            run_reloader()
    if asyncio.run(serve_async(app, options)):
        restart()


def _wait_for_fix(
    error: BaseException,
    extra_files: Sequence[str],
    exclude_patterns: Sequence[str] = (),
) -> None:
    """In a reloader child whose app failed to load: show the error, wait
    until a file changes (including those in the traceback), then restart."""
    traceback.print_exc()
    files = list(extra_files)
    for frame, _ in traceback.walk_tb(error.__traceback__):
        files.append(frame.f_code.co_filename)
    if isinstance(error, SyntaxError) and error.filename:
        files.append(error.filename)
    click.echo(" * Waiting for a code change to reload", err=True)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_quietly)
    try:
        changed = _FileWatcher(files, exclude_patterns).wait()
    except KeyboardInterrupt:
        sys.exit(0)
    click.echo(f" * Detected change in {changed!r}, reloading", err=True)
    restart()


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


def _run_app(
    app: Quart,
    host: str | None,
    port: int | None,
    debug: bool | None,
    use_reloader: bool | None,
    certfile: str | None,
    keyfile: str | None,
    server: str | None,
    load_dotenv_files: bool,
    server_options: dict[str, Any],
) -> None:
    """The body of :meth:`Quart.run <quart.Quart.run>`."""
    if os.environ.get("QUART_RUN_FROM_CLI") == "true":
        if not is_running_from_reloader():
            click.secho(
                " * Ignoring a call to 'app.run()' that would block the current"
                " 'quart' command.\n   Only call 'app.run()' in an"
                " 'if __name__ == \"__main__\"' guard.",
                fg="red",
                err=True,
            )
        return
    if get_load_dotenv(load_dotenv_files):
        load_dotenv()
        if "QUART_DEBUG" in os.environ:
            app.debug = get_debug_flag()
    if debug is not None:
        app.debug = bool(debug)
    server_name = app.config.get("SERVER_NAME")
    name_host = name_port = None
    if server_name:
        name_host, _, name_port = server_name.partition(":")
    host = host or name_host or "127.0.0.1"
    if port is None:
        port = int(name_port) if name_port else 5000
    serve(
        app,
        ServeOptions(
            host=host,
            port=int(port),
            debug=bool(app.debug),
            use_reloader=bool(app.debug) if use_reloader is None else use_reloader,
            certfile=certfile,
            keyfile=keyfile,
            server=server or DEFAULT_SERVER,
            server_options=server_options,
        ),
    )
