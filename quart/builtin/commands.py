"""Built-in plugin: the ``run``, ``routes``, ``shell`` and ``plugins``
commands of the ``quart`` command line."""

from __future__ import annotations

import ast
import asyncio
import code
import contextvars
import inspect
import json
import os
import sys
import types
from operator import itemgetter
from typing import TYPE_CHECKING
from typing import Any

import click

from ..cli import ScriptInfo
from ..cli import _without_running_loop
from ..cli import pass_script_info
from ..cli import with_appcontext
from ..globals import current_app
from ..hookspecs import hookimpl
from ..serving import ADHOC
from ..serving import DEFAULT_SERVER
from ..serving import ServeOptions
from ..serving import UnknownServerError
from ..serving import _wait_for_fix
from ..serving import is_running_from_reloader
from ..serving import serve
from ..serving import server_names

if TYPE_CHECKING:
    from ..app import Quart
    from ..plugins import PluginManager


class _CertParamType(click.Path):
    """``--cert``: an existing certificate file, or ``adhoc``."""

    def __init__(self) -> None:
        super().__init__(exists=True, dir_okay=False, resolve_path=True)

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            if str(value).lower() != "adhoc":
                raise
        try:
            import cryptography  # noqa: F401
        except ImportError:
            raise click.BadParameter(
                "Using ad-hoc certificates requires the cryptography library"
                " (pip install cryptography).",
                ctx,
                param,
            ) from None
        return ADHOC


def _validate_key(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    """``--key`` goes with a ``--cert`` file, unless that file holds the
    private key itself; never with ``--cert adhoc``."""
    cert = ctx.params.get("certfile")
    if value is not None:
        if cert == ADHOC:
            raise click.BadParameter(
                'When "--cert" is "adhoc", "--key" is not used.', ctx, param
            )
        if cert is None:
            raise click.BadParameter('"--cert" must also be specified.', ctx, param)
    elif cert is not None and cert != ADHOC and not _holds_private_key(cert):
        raise click.BadParameter(
            'Required when the "--cert" file holds no private key.', ctx, param
        )
    return value


def _holds_private_key(path: str) -> bool:
    with open(path, "rb") as file:
        return b"PRIVATE KEY-----" in file.read()


class _SeparatedPaths(click.Path):
    """Paths separated by ``os.pathsep`` in one value."""

    envvar_list_splitter = os.pathsep

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Any:
        convert = super().convert
        return [convert(item, param, ctx) for item in self.split_envvar_value(value)]


@click.command("run", short_help="Run a development server.")
@click.option("--host", "-h", default="127.0.0.1", help="The interface to bind to.")
@click.option("--port", "-p", default=5000, type=int, help="The port to bind to.")
@click.option(
    "--cert",
    "--certfile",
    "certfile",
    type=_CertParamType(),
    is_eager=True,
    help=(
        "Serve HTTPS with this certificate file (PEM), or with 'adhoc', a"
        " throw-away self-signed certificate (needs the cryptography package)."
    ),
)
@click.option(
    "--key",
    "--keyfile",
    "keyfile",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    help="The private key file (PEM) for --cert, unless the cert file holds it.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Restart when a source file changes. On by default in debug mode.",
)
@click.option(
    "--debug/--no-debug",
    default=None,
    help="Set debug mode (overrides 'quart --debug' and QUART_DEBUG).",
)
@click.option(
    "--server",
    default=DEFAULT_SERVER,
    show_default=True,
    help="The server backend to serve with.",
)
@click.option(
    "--extra-files",
    default=None,
    type=_SeparatedPaths(),
    help=(
        "More files that trigger a reload when they change, separated by"
        f" {os.pathsep!r}."
    ),
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=_SeparatedPaths(),
    help=(
        "Files matching these fnmatch patterns do not trigger a reload when they"
        f" change, separated by {os.pathsep!r}."
    ),
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    certfile: str | None,
    keyfile: str | None,
    reload: bool | None,
    debug: bool | None,
    server: str,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Serve the app with a development server (Hypercorn by default).

    SIGINT (Ctrl+C) or SIGTERM stop it gracefully: requests in flight
    finish, background tasks get their grace period and the shutdown
    functions run. For production, run an ASGI server directly (see the
    deployment documentation).
    """
    if debug is not None:
        os.environ["QUART_DEBUG"] = "1" if debug else "0"
    try:
        app = info.load_app()
    except Exception as error:
        if is_running_from_reloader():
            _wait_for_fix(error, extra_files or (), exclude_patterns or ())
        raise
    if server not in server_names(app):
        raise UnknownServerError(
            f"Unknown server {server!r}; available: {', '.join(server_names(app))}."
        )
    debug_mode = bool(app.debug)
    serve(
        app,
        ServeOptions(
            host=host,
            port=port,
            debug=debug_mode,
            use_reloader=debug_mode if reload is None else reload,
            certfile=certfile,
            keyfile=keyfile,
            server=server,
            extra_files=extra_files or (),
            exclude_patterns=exclude_patterns or (),
        ),
    )


@click.command("routes", short_help="Show the routes of the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    help=(
        "What to sort the routes by; 'match' is the order in which they were"
        " registered."
    ),
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show every route: endpoint, methods (WEBSOCKET for websocket routes)
    and rule."""
    rules = list(current_app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    ignored = set() if all_methods else {"HEAD", "OPTIONS"}
    host_matching = current_app.url_map.host_matching
    has_domain = any(rule.host if host_matching else rule.subdomain for rule in rules)
    rows: list[list[str]] = []
    for rule in rules:
        if rule.websocket:
            methods = "WEBSOCKET"
        else:
            methods = ", ".join(sorted((rule.methods or set()) - ignored))
        row = [rule.endpoint, methods]
        if has_domain:
            row.append((rule.host if host_matching else rule.subdomain) or "")
        row.append(rule.rule)
        rows.append(row)

    headers = ["Endpoint", "Methods"]
    sorts = ["endpoint", "methods"]
    if has_domain:
        headers.append("Host" if host_matching else "Subdomain")
        sorts.append("domain")
    headers.append("Rule")
    sorts.append("rule")
    if sort in sorts:
        rows.sort(key=itemgetter(sorts.index(sort)))

    rows.insert(0, headers)
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    rows.insert(1, ["-" * width for width in widths])
    for row in rows:
        line = "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        )
        click.echo(line.rstrip())


class _ShellConsole(code.InteractiveConsole):
    """An interactive console that runs every statement in the app context
    and accepts top-level ``await``."""

    def __init__(
        self,
        namespace: dict[str, Any],
        runner: asyncio.Runner,
        context: contextvars.Context,
    ) -> None:
        super().__init__(namespace)
        self.compile.compiler.flags |= ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        self.namespace = namespace
        self.runner = runner
        self.context = context

    def runcode(self, code: types.CodeType) -> None:
        try:
            function = types.FunctionType(code, self.namespace)
            if code.co_flags & inspect.CO_COROUTINE:
                self.runner.run(function(), context=self.context)
            else:
                self.context.run(function)
        except SystemExit:
            raise
        except BaseException:
            self.showtraceback()


@click.command("shell", short_help="Run a shell in the app context.")
@pass_script_info
def shell_command(info: ScriptInfo) -> None:
    """Run an interactive Python shell in the app context. The namespace
    holds ``app``, ``g`` and what the shell context processors return, and
    ``await`` works at the prompt."""
    app = info.load_app()

    def run() -> None:
        banner = (
            f"Python {sys.version} on {sys.platform}\n"
            f"App: {app.import_name}\n"
            f"Instance: {app.instance_path}\n"
            "Top-level 'await' is available."
        )
        namespace: dict[str, Any] = {}
        startup = os.environ.get("PYTHONSTARTUP")
        if startup and os.path.isfile(startup):
            with open(startup, encoding="utf-8") as file:
                exec(compile(file.read(), startup, "exec"), namespace)
        context = contextvars.copy_context()
        with asyncio.Runner() as runner:
            app_ctx = app.app_context()
            runner.run(app_ctx.push(), context=context)
            try:
                namespace.update(context.run(app.make_shell_context))
                if sys.stdin.isatty():
                    _enable_completion(namespace)
                _ShellConsole(namespace, runner, context).interact(
                    banner=banner, exitmsg=""
                )
            finally:
                runner.run(app_ctx.pop(None), context=context)

    _without_running_loop(run)


def _enable_completion(namespace: dict[str, Any]) -> None:
    try:
        import readline
        from rlcompleter import Completer
    except ImportError:
        return
    readline.set_completer(Completer(namespace).complete)
    readline.parse_and_bind("tab: complete")


@click.command("plugins", short_help="Show the loaded plugins.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@pass_script_info
def plugins_command(info: ScriptInfo, as_json: bool) -> None:
    """Show each loaded plugin: name, distribution and version, where it came
    from (builtin, entrypoint, explicit) and the hooks it implements. Uses
    the app's plugins when an app is found, else the command line's."""
    from ..cli import NoAppException
    from ..plugins import PluginManager

    app = None
    try:
        app = info.load_app()
        manager = app.plugins
    except NoAppException:
        manager = PluginManager()
    rows: list[dict[str, Any]] = [
        {
            "name": plugin.name,
            "distribution": plugin.distribution,
            "version": plugin.version,
            "source": plugin.source,
            "hooks": manager.hooks_of(plugin.name),
        }
        for plugin in manager.list_plugins()
    ]
    statuses = plugin_statuses(manager, app)
    for row in rows:
        if row["name"] in statuses:
            row["status"] = statuses[row["name"]]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        origin = row["source"]
        if row["distribution"]:
            origin = f"{origin}: {row['distribution']} {row['version']}"
        status = f": {row['status']}" if "status" in row else ""
        click.echo(f"{row['name']} ({origin}){status}")
        for hook in row["hooks"]:
            click.echo(f"    {hook}")


def plugin_statuses(manager: PluginManager, app: Quart | None) -> dict[str, str]:
    """The ``quart_plugin_status`` line of each plugin that gives one."""
    answers = manager.results_by_plugin("quart_plugin_status", app)
    return {name: str(line) for name, line in answers.items() if line}


@hookimpl(trylast=True)
def quart_cli_commands(cli: click.Group) -> None:
    """Add ``run``, ``routes``, ``shell`` and ``plugins``."""
    for command in (run_command, routes_command, shell_command, plugins_command):
        cli.add_command(command)
