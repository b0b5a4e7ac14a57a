"""The ``quart`` command line through click's test runner: app discovery,
dotenv files, debug flag, ``app.cli`` commands, ``routes``, ``shell`` and
the serving seam (``quart run`` itself is driven in test_cli_run.py)."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner
from servers import free_port

from quart import Blueprint
from quart import Quart
from quart import current_app
from quart import g
from quart import has_app_context
from quart.builtin.commands import routes_command
from quart.cli import AppGroup
from quart.cli import NoAppException
from quart.cli import QuartGroup
from quart.cli import ScriptInfo
from quart.cli import cli
from quart.cli import find_best_app
from quart.cli import load_dotenv
from quart.cli import prepare_import
from quart.cli import with_appcontext
from quart.helpers import get_debug_flag
from quart.hookspecs import hookimpl
from quart.serving import ServeOptions
from quart.serving import serve_async
from quart.testing import QuartCliRunner


@pytest.fixture(autouse=True)
def _isolate_imports(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Discovery imports modules and edits sys.path: undo both (only for
    the test's own modules; library modules imported meanwhile stay)."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    base = str(tmp_path_factory.getbasetemp().resolve())
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        filename = getattr(sys.modules[name], "__file__", None) or ""
        if os.path.realpath(filename).startswith(base):
            del sys.modules[name]


_counter = iter(range(10_000))


def write_module(folder: Path, source: str, name: str | None = None) -> str:
    """Write a module with a unique name into ``folder``; return the name."""
    if name is None:
        name = f"cli_app_{next(_counter)}"
    (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return name


def load(folder: Path, import_path: str) -> Quart:
    prepare_import(str(folder / "x.py"))  # put the folder on sys.path
    return ScriptInfo(app_import_path=import_path).load_app()


# -- discovery ------------------------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        "from quart import Quart\napp = Quart('found')\n",
        "from quart import Quart\napplication = Quart('found')\n",
        "from quart import Quart\nmy_service = Quart('found')\n",
        "from quart import Quart\ndef create_app():\n    return Quart('found')\n",
        "from quart import Quart\ndef make_app():\n    return Quart('found')\n",
        "from quart import Quart\nasync def create_app():\n    return Quart('found')\n",
    ],
    ids=["app", "application", "single", "create_app", "make_app", "async_factory"],
)
def test_find_best_app(tmp_path: Path, source: str) -> None:
    name = write_module(tmp_path, source)
    assert load(tmp_path, name).import_name == "found"


def test_app_preferred_over_other_instances(tmp_path: Path) -> None:
    name = write_module(
        tmp_path,
        "from quart import Quart\nother = Quart('other')\napp = Quart('main')\n",
    )
    assert load(tmp_path, name).import_name == "main"


def test_module_colon_name(tmp_path: Path) -> None:
    name = write_module(
        tmp_path,
        "from quart import Quart\nfirst = Quart('first')\nsecond = Quart('second')\n",
    )
    assert load(tmp_path, f"{name}:second").import_name == "second"


def test_factory_with_literal_arguments(tmp_path: Path) -> None:
    name = write_module(
        tmp_path,
        """
        from quart import Quart

        def build(env, *, flag=False):
            app = Quart(env)
            app.config["FLAG"] = flag
            return app
        """,
    )
    app = load(tmp_path, f"{name}:build('staging', flag=True)")
    assert app.import_name == "staging"
    assert app.config["FLAG"] is True
    assert load(tmp_path, f"{name}:build('dev')").config["FLAG"] is False


def test_file_path_and_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "pkg_cli_test"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "web.py").write_text(
        "from quart import Quart\napp = Quart('in_package')\n"
    )
    monkeypatch.chdir(tmp_path)
    info = ScriptInfo(app_import_path="pkg_cli_test/sub/web.py")
    app = info.load_app()
    assert app.import_name == "in_package"
    assert "pkg_cli_test.sub.web" in sys.modules  # imported as a package module
    assert sys.path[0] == str(tmp_path.resolve())
    assert info.load_app() is app  # loaded once


def test_file_path_with_name(tmp_path: Path) -> None:
    write_module(
        tmp_path, "from quart import Quart\nweb = Quart('by_path')\n", "by_path_mod"
    )
    info = ScriptInfo(app_import_path=f"{tmp_path / 'by_path_mod.py'}:web")
    assert info.load_app().import_name == "by_path"


@pytest.mark.parametrize(
    ("source", "import_suffix", "message"),
    [
        (
            "from quart import Quart\na = Quart('a')\nb = Quart('b')\n",
            "",
            "several Quart applications in module",
        ),
        ("x = 1\n", "", "Tried the attributes 'app' and 'application'"),
        (
            "from quart import Quart\ndef create_app(env):\n    return Quart(env)\n",
            "",
            "cannot be called without arguments",
        ),
        ("def create_app():\n    return 1\n", "", "returned 'int'"),
        ("x = 1\n", ":missing", "Failed to find the attribute 'missing'"),
        ("x = 1\n", ":x", "is a 'int', not a Quart application"),
        ("x = 1\n", ":x(", "Failed to parse"),
        ("x = 1\n", ":a.b()", "must be a simple name"),
        ("def f(v):\n    pass\n", ":f(os.sep)", "must be Python literals"),
        (
            "from quart import Quart\ndef f():\n    return Quart('f')\n",
            ":f(1, 2)",
            "could not be called with the given arguments",
        ),
        ("import not_a_real_module_xyz\n", "", "an ImportError was raised"),
    ],
)
def test_discovery_errors(
    tmp_path: Path, source: str, import_suffix: str, message: str
) -> None:
    name = write_module(tmp_path, source)
    with pytest.raises(NoAppException) as info:
        load(tmp_path, name + import_suffix)
    assert message in info.value.format_message()
    assert name in info.value.format_message()


def test_missing_module_error_names_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(NoAppException, match="Could not import 'no_such_mod_q'"):
        load(tmp_path, "no_such_mod_q")


def test_type_error_inside_factory_is_not_hidden(tmp_path: Path) -> None:
    name = write_module(tmp_path, "def create_app():\n    return len(1)\n")
    with pytest.raises(TypeError, match="has no len"):
        load(tmp_path, name)


def test_find_best_app_module_object() -> None:
    module = type(sys)("synthetic")
    module.app = Quart("synthetic")  # type: ignore[attr-defined]
    assert find_best_app(module) is module.app  # type: ignore[attr-defined]


def test_default_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NoAppException) as info:
        ScriptInfo().load_app()
    message = info.value.format_message()
    assert "'--app'" in message
    assert "QUART_APP" in message
    assert "'asgi.py' and 'app.py'" in message
    # app.py in the working directory is found; a stale "app" module is not
    # used instead of it.
    (tmp_path / "app.py").write_text("from quart import Quart\napp = Quart('cwd')\n")
    monkeypatch.delitem(sys.modules, "app", raising=False)
    assert ScriptInfo().load_app().import_name == "cwd"


def test_create_app_callable_and_debug_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    app = Quart("made")
    monkeypatch.setenv("QUART_DEBUG", "1")
    assert ScriptInfo(create_app=lambda: app).load_app() is app
    assert app.debug is True
    monkeypatch.setenv("QUART_DEBUG", "no")
    ScriptInfo(create_app=lambda: app).load_app()
    assert app.debug is False
    app.debug = True
    ScriptInfo(create_app=lambda: app, set_debug_flag=False).load_app()
    assert app.debug is True


def test_get_debug_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUART_DEBUG", raising=False)
    assert get_debug_flag() is False
    for value, expected in [
        ("1", True),
        ("true", True),
        ("0", False),
        ("False", False),
    ]:
        monkeypatch.setenv("QUART_DEBUG", value)
        assert get_debug_flag() is expected


# -- the quart group: --app, QUART_APP, dotenv, --debug, --version -----------
ROUTES_APP = """
from quart import Quart
app = Quart(__name__, static_folder=None)

@app.get("/hello")
async def hello():
    return "hi"

@app.cli.command("whoami")
def whoami():
    from quart import current_app
    print(f"app={current_app.import_name} debug={current_app.debug}")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a module holding an app and a command."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUART_APP", raising=False)
    monkeypatch.delenv("QUART_DEBUG", raising=False)
    write_module(tmp_path, ROUTES_APP, "proj_app")
    return tmp_path


def test_app_option_and_env_var(project: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--app", "proj_app", "whoami"])
    assert result.exit_code == 0, result.output
    assert "app=proj_app debug=False" in result.output
    result = runner.invoke(cli, ["whoami"], env={"QUART_APP": "proj_app:app"})
    assert result.exit_code == 0, result.output
    assert "app=proj_app" in result.output


def test_debug_option_and_env(project: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--app", "proj_app", "--debug", "whoami"])
    assert "debug=True" in result.output
    result = runner.invoke(
        cli, ["--app", "proj_app", "--no-debug", "whoami"], env={"QUART_DEBUG": "1"}
    )
    assert "debug=False" in result.output
    result = runner.invoke(
        cli, ["--app", "proj_app", "whoami"], env={"QUART_DEBUG": "1"}
    )
    assert "debug=True" in result.output


def test_dotenv_files(project: Path) -> None:
    (project / ".quartenv").write_text("QUART_APP=proj_app\nFROM_QUARTENV=q\nBOTH=q\n")
    (project / ".env").write_text("BOTH=env\nFROM_ENV=e\n")
    (project / "custom.env").write_text("BOTH=custom\nPRESET=custom\n")

    @click.command()
    def show() -> None:

        for key in ("FROM_QUARTENV", "FROM_ENV", "BOTH", "PRESET"):
            click.echo(f"{key}={os.environ.get(key)}")

    group = QuartGroup(name="quart")
    group.add_command(show)
    runner = CliRunner()
    # Each run starts without the variables (CliRunner restores them after).
    clean: dict[str, str | None] = {
        key: None for key in ("QUART_APP", "FROM_QUARTENV", "FROM_ENV", "BOTH")
    }
    clean["PRESET"] = "environ"
    result = runner.invoke(group, ["show"], env=clean)
    assert result.exit_code == 0, result.output
    assert "FROM_QUARTENV=q\nFROM_ENV=e\nBOTH=env\nPRESET=environ" in result.output
    result = runner.invoke(group, ["--env-file", "custom.env", "show"], env=clean)
    assert "FROM_ENV=e\nBOTH=custom\nPRESET=environ" in result.output
    # QUART_APP from .quartenv finds the app's commands.
    result = runner.invoke(group, ["whoami"], env=clean)
    assert "app=proj_app" in result.output
    # The default files can be skipped.
    result = runner.invoke(group, ["show"], env={**clean, "QUART_SKIP_DOTENV": "1"})
    assert "FROM_ENV=None" in result.output
    result = runner.invoke(group, ["--env-file", "missing.env", "show"], env=clean)
    assert result.exit_code == 2
    assert "'missing.env' does not exist" in result.output


def test_load_dotenv_function(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONLY_HERE", raising=False)
    (project / "vars.env").write_text("ONLY_HERE=1\n")
    assert load_dotenv(project / "vars.env", load_defaults=False) is True

    assert os.environ["ONLY_HERE"] == "1"
    assert load_dotenv(project / "missing.env", load_defaults=False) is False


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("Python 3.")
    assert lines[1].startswith("Quart ")
    assert lines[2].startswith("Werkzeug ")


def test_get_version_is_the_version_option_callback() -> None:
    from quart.cli import get_version
    from quart.cli import version_lines

    option = click.Option(
        ["--v"], is_flag=True, expose_value=False, callback=get_version
    )

    @click.command(params=[option])
    def command() -> None:
        click.echo("not reached")

    result = CliRunner().invoke(command, ["--v"])
    assert result.exit_code == 0
    assert result.output.splitlines() == version_lines()
    result = CliRunner().invoke(command, [])
    assert result.output == "not reached\n"


def test_help_lists_app_commands_and_errors(project: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--app", "proj_app", "--help"])
    assert result.exit_code == 0
    for name in ("routes", "run", "shell", "whoami"):
        assert f"  {name}" in result.output
    result = runner.invoke(cli, [], env={"QUART_APP": "proj_app"})  # help too
    assert result.exit_code == 2
    assert "whoami" in result.output
    result = runner.invoke(cli, ["--help"], env={"QUART_APP": "proj_app"})
    assert "whoami" in result.output
    result = runner.invoke(cli, ["--app", "nowhere_mod", "--help"])
    assert "Could not import 'nowhere_mod'" in result.output
    assert "  routes" in result.output  # built-ins still listed


def test_unknown_command_reports_the_load_error(project: Path) -> None:
    result = CliRunner().invoke(cli, ["--app", "nowhere_mod", "whoami"])
    assert result.exit_code == 2
    assert "Could not import 'nowhere_mod'" in result.output
    assert "No such command 'whoami'" in result.output


def test_app_run_is_ignored_under_the_cli(project: Path) -> None:
    (project / "runs_on_import.py").write_text(
        "from quart import Quart\napp = Quart(__name__)\napp.run()\n"
    )
    result = CliRunner().invoke(cli, ["--app", "runs_on_import", "routes"])
    assert result.exit_code == 0, result.output
    assert "Ignoring a call to 'app.run()'" in result.output


# -- app.cli commands ---------------------------------------------------------------
def test_app_cli_is_an_app_group(app: Quart) -> None:
    assert isinstance(app.cli, AppGroup)
    assert app.cli.name == app.name


def test_sync_and_async_commands_run_in_app_context(app: Quart) -> None:
    seen: list[Any] = []

    @app.teardown_appcontext
    def teardown(exc: BaseException | None) -> None:
        seen.append(("teardown", exc))

    @app.cli.command()
    @click.argument("name")
    def greet(name: str) -> None:
        g.value = "sync"
        seen.append((current_app._get_current_object(), name, g.value))
        # A sync command may start its own event loop.
        seen.append(asyncio.run(asyncio.sleep(0, "nested")))

    @app.cli.command("agreet")
    @click.option("--times", default=1, type=int)
    async def async_greet(times: int) -> None:
        await asyncio.sleep(0)
        seen.append((current_app._get_current_object(), times))
        click.echo("done " * times)

    runner = app.test_cli_runner()
    assert isinstance(runner, QuartCliRunner)
    result = runner.invoke(args=["greet", "you"])
    assert result.exit_code == 0, result.output
    assert seen == [(app, "you", "sync"), "nested", ("teardown", None)]
    seen.clear()
    result = runner.invoke(args=["agreet", "--times", "2"])
    assert result.exit_code == 0, result.output
    assert result.output == "done done \n"
    assert seen == [(app, 2), ("teardown", None)]


def test_command_errors_reach_teardown_and_result(app: Quart) -> None:
    errors: list[BaseException | None] = []
    app.teardown_appcontext(errors.append)

    @app.cli.command()
    async def fail() -> None:
        raise ValueError("boom")

    result = app.test_cli_runner().invoke(args=["fail"])
    assert isinstance(result.exception, ValueError)
    assert len(errors) == 1
    assert isinstance(errors[0], ValueError)


def test_without_appcontext(app: Quart) -> None:
    @app.cli.command(with_appcontext=False)
    async def bare() -> None:
        await asyncio.sleep(0)
        click.echo(f"context={has_app_context()}")

    @app.cli.command(with_appcontext=False)
    def bare_sync() -> None:
        click.echo(f"context={has_app_context()}")

    runner = app.test_cli_runner()
    assert runner.invoke(args=["bare"]).output == "context=False\n"
    assert runner.invoke(args=["bare-sync"]).output == "context=False\n"


def test_bare_decorator_and_nested_groups(app: Quart) -> None:
    @app.cli.command
    def plain() -> None:
        click.echo(current_app.import_name)

    @app.cli.group()
    def db() -> None:
        """Database commands."""

    assert isinstance(db, AppGroup)

    @db.command()
    async def init() -> None:
        click.echo(f"init {current_app.import_name}")

    runner = app.test_cli_runner()
    assert runner.invoke(args=["plain"]).output == f"{app.import_name}\n"
    assert runner.invoke(args=["db", "init"]).output == f"init {app.import_name}\n"


async def test_commands_invoked_from_a_running_loop(app: Quart) -> None:
    @app.cli.command()
    async def inside() -> None:
        await asyncio.sleep(0)
        click.echo(f"{current_app.import_name} {click.get_current_context().info_name}")

    @app.cli.command()
    def sync_inside() -> None:
        click.echo(asyncio.run(asyncio.sleep(0, current_app.import_name)))

    runner = app.test_cli_runner()
    result = runner.invoke(args=["inside"])
    assert result.output == f"{app.import_name} inside\n", result.output
    result = runner.invoke(args=["sync-inside"])
    assert result.output == f"{app.import_name}\n", result.output


def test_with_appcontext_on_a_plain_click_command(app: Quart) -> None:
    @click.command()
    @with_appcontext
    def plain() -> None:
        click.echo(f"{current_app.import_name}")

    @click.command()
    @click.pass_context
    @with_appcontext
    async def outer(ctx: click.Context) -> None:
        click.echo("outer")
        ctx.invoke(plain)  # already in a context: reused

    runner = CliRunner()
    obj = ScriptInfo(create_app=lambda: app)
    assert runner.invoke(plain, obj=obj).output == f"{app.import_name}\n"
    result = runner.invoke(outer, obj=ScriptInfo(create_app=lambda: app))
    assert result.output == f"outer\n{app.import_name}\n", result.output


def test_test_cli_runner_class(app: Quart) -> None:
    class MyRunner(QuartCliRunner):
        pass

    app.test_cli_runner_class = MyRunner
    assert isinstance(app.test_cli_runner(), MyRunner)


def test_blueprint_cli_groups(app: Quart) -> None:
    grouped = Blueprint("users", __name__)
    merged = Blueprint("tools", __name__, cli_group=None)

    @grouped.cli.command("add")
    async def add_user() -> None:
        click.echo(f"add in {current_app.import_name}")

    @merged.cli.command("clean")
    def clean() -> None:
        click.echo("clean")

    app.register_blueprint(grouped)
    app.register_blueprint(merged)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "add"]).output == f"add in {app.import_name}\n"
    assert runner.invoke(args=["clean"]).output == "clean\n"


# -- routes -----------------------------------------------------------------------
def routes_output(app: Quart, *args: str) -> list[list[str]]:
    result = app.test_cli_runner().invoke(routes_command, list(args))
    assert result.exit_code == 0, result.output
    return [line.split() for line in result.output.splitlines()]


@pytest.fixture
def routed_app() -> Quart:
    app = Quart(__name__, static_folder=None)

    @app.route("/zeta", methods=["POST", "GET"])
    async def zeta() -> str:
        return ""

    @app.get("/alpha")
    async def alpha() -> str:
        return ""

    @app.websocket("/ws")
    async def socket() -> None:
        pass

    return app


def test_routes(routed_app: Quart) -> None:
    rows = routes_output(routed_app)
    assert rows[0] == ["Endpoint", "Methods", "Rule"]
    assert set(rows[1][0]) == {"-"}
    assert rows[2:] == [
        ["alpha", "GET", "/alpha"],
        ["socket", "WEBSOCKET", "/ws"],
        ["zeta", "GET,", "POST", "/zeta"],
    ]


def test_routes_sort_and_all_methods(routed_app: Quart) -> None:
    rows = routes_output(routed_app, "--sort", "rule")
    assert [row[-1] for row in rows[2:]] == ["/alpha", "/ws", "/zeta"]
    rows = routes_output(routed_app, "--sort", "match")
    assert [row[0] for row in rows[2:]] == ["zeta", "alpha", "socket"]
    rows = routes_output(routed_app, "-s", "methods")
    assert [row[0] for row in rows[2:]] == ["alpha", "zeta", "socket"]
    rows = routes_output(routed_app, "--all-methods")
    assert ["alpha", "GET,", "HEAD,", "OPTIONS", "/alpha"] in rows


def test_routes_with_subdomains_and_empty() -> None:
    app = Quart(__name__, static_folder=None, subdomain_matching=True)

    @app.get("/", subdomain="api")
    async def api() -> str:
        return ""

    rows = routes_output(app)
    assert rows[0] == ["Endpoint", "Methods", "Subdomain", "Rule"]
    assert rows[2] == ["api", "GET", "api", "/"]
    empty = Quart(__name__, static_folder=None)
    assert routes_output(empty) == [["No", "routes", "were", "registered."]]


def test_routes_through_the_quart_group(routed_app: Quart) -> None:
    group = QuartGroup(create_app=lambda: routed_app)
    result = CliRunner().invoke(group, ["routes"])
    assert result.exit_code == 0, result.output
    assert "/zeta" in result.output


# -- shell --------------------------------------------------------------------------
def test_shell(app: Quart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    startup = tmp_path / "startup.py"
    startup.write_text("FROM_STARTUP = 'yes'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))

    @app.shell_context_processor
    def extra() -> dict[str, Any]:
        return {"answer": 42, "name_in_context": current_app.import_name}

    async def fetch() -> str:
        await asyncio.sleep(0)
        return f"awaited {current_app.import_name}"

    app.extensions["fetch"] = fetch
    lines = [
        "print(app is current_app._get_current_object(), answer, FROM_STARTUP)",
        "print(name_in_context)",
        "g.x = 5",
        "print(await app.extensions['fetch']())",
        "print(g.x)",
        "1 / 0",
        "print('still running')",
    ]
    namespace_setup = "from quart import current_app\n"
    group = QuartGroup(create_app=lambda: app)
    result = CliRunner().invoke(
        group, ["shell"], input=namespace_setup + "\n".join(lines) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert f"App: {app.import_name}" in result.output
    assert "True 42 yes" in result.output
    assert f"awaited {app.import_name}" in result.output
    assert "\n5\n" in result.output.replace(">>> ", "")
    assert "ZeroDivisionError" in result.output
    assert "still running" in result.output


def test_make_shell_context(app: Quart) -> None:
    app.shell_context_processor(lambda: {"a": 1})
    namespace = app.make_shell_context()
    assert namespace["app"] is app
    assert namespace["g"] is g
    assert namespace["a"] == 1


# -- the serving seam ----------------------------------------------------------------
def test_run_command_rejects_bad_options(
    app: Quart, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = QuartGroup(create_app=lambda: app)
    runner = CliRunner()
    result = runner.invoke(group, ["run", "--server", "nope"])
    assert result.exit_code == 2
    assert "Unknown server 'nope'; available: hypercorn" in result.output
    key = tmp_path / "key.pem"
    key.write_text("x")
    result = runner.invoke(group, ["run", "--keyfile", str(key)])
    assert result.exit_code == 2
    assert '"--cert" must also be specified' in result.output


CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cert", "cert.pem"], 'Required when the "--cert" file holds no private'),
        (["--cert", "adhoc", "--key", "key.pem"], '"--key" is not used'),
        (["--key", "key.pem"], '"--cert" must also be specified'),
        (["--cert", "missing.pem"], "'missing.pem' does not exist"),
    ],
    ids=["cert-without-key", "adhoc-with-key", "key-without-cert", "no-such-file"],
)
def test_run_cert_and_key_are_checked(
    app: Quart,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    if "adhoc" in args:
        pytest.importorskip("cryptography")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cert.pem").write_text(CERT)
    (tmp_path / "key.pem").write_text(KEY)
    server = FakeServer()
    app.plugins.register(server)
    group = QuartGroup(create_app=lambda: app)
    result = CliRunner().invoke(group, ["run", "--server", "fake", *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert server.received == []


def test_run_cert_adhoc_needs_cryptography(
    app: Quart, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", None)  # as if not installed
    group = QuartGroup(create_app=lambda: app)
    result = CliRunner().invoke(group, ["run", "--cert", "adhoc"])
    assert result.exit_code == 2
    assert "requires the cryptography library" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], (None, None)),
        (["--cert", "both.pem"], ("both.pem", None)),
        (["--cert", "cert.pem", "--key", "key.pem"], ("cert.pem", "key.pem")),
        (["--certfile", "cert.pem", "--keyfile", "key.pem"], ("cert.pem", "key.pem")),
    ],
    ids=["none", "combined-file", "flask-names", "quart-names"],
)
def test_run_passes_cert_and_key_to_the_server(
    app: Quart,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    expected: tuple[str | None, str | None],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cert.pem").write_text(CERT)
    (tmp_path / "key.pem").write_text(KEY)
    (tmp_path / "both.pem").write_text(CERT + KEY)
    server = FakeServer()
    app.plugins.register(server)
    group = QuartGroup(create_app=lambda: app)
    result = CliRunner().invoke(group, ["run", "--server", "fake", *args])
    assert result.exit_code == 0, result.output
    ((_, options),) = server.received
    # Files are resolved to absolute paths, for the reloader's children.
    assert (options.certfile, options.keyfile) == tuple(
        None if name is None else str(tmp_path.resolve() / name) for name in expected
    )


def test_run_adhoc_cert_reaches_the_server_as_adhoc(app: Quart) -> None:
    pytest.importorskip("cryptography")
    server = FakeServer()
    app.plugins.register(server)
    group = QuartGroup(create_app=lambda: app)
    result = CliRunner().invoke(
        group, ["run", "--server", "fake", "--cert", "ADHOC", "--no-reload"]
    )
    assert result.exit_code == 0, result.output
    ((_, options),) = server.received
    # serve_async made a certificate for the run and passed its files on.
    assert options.certfile is not None and options.keyfile is not None
    assert os.path.basename(options.certfile) == "adhoc-cert.pem"
    assert os.path.basename(options.keyfile) == "adhoc-key.pem"
    assert not os.path.exists(options.certfile)  # deleted after the run


def test_run_extra_files_and_exclude_patterns(app: Quart, tmp_path: Path) -> None:
    server = FakeServer()
    app.plugins.register(server)
    group = QuartGroup(create_app=lambda: app)
    extra = os.pathsep.join([str(tmp_path / "a.toml"), str(tmp_path / "b.cfg")])
    result = CliRunner().invoke(
        group,
        [
            "run",
            "--server",
            "fake",
            "--extra-files",
            extra,
            "--exclude-patterns",
            os.pathsep.join(["*/node_modules/*", "*.tmp"]),
        ],
    )
    assert result.exit_code == 0, result.output
    ((_, options),) = server.received
    assert list(options.extra_files) == [
        str(tmp_path / "a.toml"),
        str(tmp_path / "b.cfg"),
    ]
    assert list(options.exclude_patterns) == ["*/node_modules/*", "*.tmp"]


def test_builtin_commands_are_importable_from_quart_cli() -> None:
    from quart import cli as cli_module
    from quart.builtin import commands

    ctx = click.Context(cli)
    for name in ("run", "routes", "shell"):
        command = getattr(cli_module, f"{name}_command")
        assert isinstance(command, click.Command)
        assert command is getattr(commands, f"{name}_command")
        assert cli.get_command(ctx, name) is command


class FakeServer:
    """A serving plugin: answers ``quart_serve`` for the server "fake"."""

    def __init__(self, wait: bool = False) -> None:
        self.received: list[tuple[Quart, ServeOptions]] = []
        self.wait = wait

    @hookimpl
    def quart_server_names(self) -> list[str]:
        return ["fake"]

    @hookimpl
    async def quart_serve(self, app: Quart, options: ServeOptions) -> bool | None:
        if options.server != "fake":
            return None
        assert options.shutdown_trigger is not None
        self.received.append((app, options))
        if self.wait:
            await options.shutdown_trigger()
        return True


def test_run_command_serves_through_the_serve_hook(app: Quart) -> None:
    server = FakeServer()
    app.plugins.register(server)
    group = QuartGroup(create_app=lambda: app)
    result = CliRunner().invoke(
        group,
        ["run", "--server", "fake", "-h", "0.0.0.0", "-p", "8123", "--no-reload"],
    )
    assert result.exit_code == 0, result.output
    assert "Serving Quart app" in result.output
    ((served_app, options),) = server.received
    assert served_app is app
    assert (options.host, options.port, options.server) == ("0.0.0.0", 8123, "fake")
    assert options.use_reloader is False
    assert options.debug is False


def test_run_command_rejects_an_unknown_server(app: Quart) -> None:
    group = QuartGroup(create_app=lambda: app)
    result = CliRunner().invoke(group, ["run", "--server", "nope", "--no-reload"])
    assert result.exit_code == 2
    assert "Unknown server 'nope'; available: hypercorn." in result.output


async def test_run_task_with_a_serving_plugin(app: Quart) -> None:
    server = FakeServer(wait=True)
    app.plugins.register(server)
    stop = asyncio.Event()
    task = asyncio.ensure_future(
        app.run_task(port=9, server="fake", shutdown_trigger=stop.wait, workers=3)
    )
    await asyncio.sleep(0.01)
    assert not task.done()
    stop.set()
    await asyncio.wait_for(task, 1)
    assert server.received[0][1].server_options == {"workers": 3}
    with pytest.raises(click.UsageError, match="Unknown server"):
        await serve_async(app, ServeOptions(server="missing"))


async def test_run_task_serves_with_hypercorn(app: Quart) -> None:
    events: list[str] = []
    app.before_serving(lambda: events.append("startup"))
    app.after_serving(lambda: events.append("shutdown"))

    @app.get("/")
    async def index() -> str:
        return "served"

    port = free_port()
    stop = asyncio.Event()
    server = asyncio.ensure_future(
        app.run_task(
            port=port, shutdown_trigger=stop.wait, accesslog=None, errorlog=None
        )
    )
    async with httpx.AsyncClient(timeout=5) as client:
        for _ in range(200):
            try:
                response = await client.get(f"http://127.0.0.1:{port}/")
                break
            except httpx.TransportError:
                assert not server.done(), server
                await asyncio.sleep(0.02)
    assert response.text == "served"
    stop.set()
    await asyncio.wait_for(server, 5)
    assert events == ["startup", "shutdown"]


async def test_run_task_with_an_adhoc_certificate(app: Quart) -> None:
    pytest.importorskip("cryptography")

    @app.get("/")
    async def index() -> str:
        return "secure"

    port = free_port()
    stop = asyncio.Event()
    server = asyncio.ensure_future(
        app.run_task(
            port=port,
            certfile="adhoc",
            shutdown_trigger=stop.wait,
            accesslog=None,
            errorlog=None,
        )
    )
    try:
        async with httpx.AsyncClient(timeout=5, verify=False) as client:
            for _ in range(250):
                try:
                    response = await client.get(f"https://127.0.0.1:{port}/")
                    break
                except httpx.TransportError:
                    assert not server.done(), server
                    await asyncio.sleep(0.02)
        assert response.text == "secure"
        assert response.url.scheme == "https"
    finally:
        stop.set()
        await asyncio.wait_for(server, 5)


async def test_unknown_hypercorn_option(app: Quart) -> None:
    with pytest.raises(TypeError, match="Unknown Hypercorn option 'not_an_option'"):
        await app.run_task(port=free_port(), not_an_option=1)


# -- what the deployment docs promise ----------------------------------------------
async def test_proxy_fix_middleware_wraps_asgi_app(app: Quart) -> None:
    from hypercorn.middleware import ProxyFixMiddleware

    from quart import request
    from quart import url_for

    app.asgi_app = ProxyFixMiddleware(  # type: ignore[method-assign]
        app.asgi_app,  # type: ignore[arg-type]
        mode="legacy",
        trusted_hops=1,
    )

    @app.get("/")
    async def index() -> dict[str, Any]:
        return {
            "addr": request.remote_addr,
            "url": url_for("index", _external=True),
        }

    response = await app.test_client().get(
        "/",
        headers={
            "X-Forwarded-For": "198.51.100.1, 203.0.113.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "example.com",
        },
    )
    # Only the value the one trusted proxy appended is believed.
    assert await response.get_json() == {
        "addr": "203.0.113.9",
        "url": "https://example.com/",
    }
