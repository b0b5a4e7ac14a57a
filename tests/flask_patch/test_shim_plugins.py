"""Flask extensions as plugins: named in config, passed to the app, or
published through an entry point; ``init_app`` runs through the plugin
lifecycle and ``quart plugins`` lists them."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest
from flask_cors import CORS
from flask_login import LoginManager

import quart.plugins
from quart import Quart
from quart.cli import ScriptInfo
from quart.cli import cli as quart_cli
from quart_flask_patch import FlaskExtension
from quart_flask_patch import init_extensions
from quart_flask_patch.flask_cli import flask_command_entry_points


def _names(app: Quart) -> dict[str, object]:
    return {info.name: info for info in app.plugins.list_plugins()}


def test_shim_plugin_is_on_every_app() -> None:
    app = Quart(__name__)
    info = _names(app)["quart_flask_patch"]
    assert info.source == "builtin"  # type: ignore[attr-defined]
    assert app.plugins.hooks_of("quart_flask_patch") == ["quart_app_created"]
    # Flask-Limiter publishes its command in the flask.commands group
    assert "limiter" in app.cli.list_commands(None)  # type: ignore[arg-type]


def test_blocking_the_shim_plugin() -> None:
    class App(Quart):
        default_config = {
            **Quart.default_config,
            "QUART_FLASK_EXTENSIONS": ["flask_login:LoginManager"],
        }

    app = App(__name__, disable_plugins=["quart_flask_patch"])
    assert "quart_flask_patch" not in _names(app)
    assert not hasattr(app, "login_manager")
    assert "limiter" not in app.cli.list_commands(None)  # type: ignore[arg-type]


async def test_extensions_named_in_config() -> None:
    app = Quart(__name__)
    app.config.update(
        SECRET_KEY="s",
        QUART_FLASK_EXTENSIONS=["flask_login:LoginManager", "flask_cors:CORS"],
    )
    names = init_extensions(app)
    assert names == ["flask_login:LoginManager", "flask_cors:CORS"]
    assert isinstance(app.login_manager, LoginManager)  # type: ignore[attr-defined]
    info = _names(app)["flask_login:LoginManager"]
    assert info.distribution == "Flask-Login"  # type: ignore[attr-defined]
    assert info.version == "0.6.3"  # type: ignore[attr-defined]
    assert init_extensions(app) == names  # idempotent
    plugin = app.plugins.get_plugin("flask_cors:CORS")
    assert isinstance(plugin, FlaskExtension)
    assert isinstance(plugin.extension, CORS)

    @app.route("/")
    async def index() -> str:
        return "ok"

    response = await app.test_client().get("/", headers={"Origin": "https://a.test"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://a.test"


def test_config_at_creation_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    class App(Quart):
        default_config = {
            **Quart.default_config,
            "QUART_FLASK_EXTENSIONS": ["flask_login:LoginManager"],
        }

    assert isinstance(App(__name__).login_manager, LoginManager)  # type: ignore[attr-defined]
    monkeypatch.setenv("QUART_FLASK_EXTENSIONS", "flask_login:LoginManager")
    app = Quart(__name__)
    assert "flask_login:LoginManager" in _names(app)


def test_extension_objects_as_plugins() -> None:
    manager = LoginManager()
    app = Quart(__name__, plugins=[FlaskExtension(manager, name="login")])
    assert app.login_manager is manager  # type: ignore[attr-defined]
    later = Quart(__name__)
    later.plugins.register(FlaskExtension(CORS, origins="https://b.test"))
    assert "flask_cors.extension:CORS" in _names(later)


def test_entry_point_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fake_login_plugin.py").write_text(
        "from quart_flask_patch import FlaskExtension\n"
        "login = FlaskExtension('flask_login:LoginManager')\n"
    )
    dist = tmp_path / "fake_login_plugin-1.2.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fake-login-plugin\nVersion: 1.2\n"
    )
    (dist / "entry_points.txt").write_text(
        "[quart.plugins]\nlogin = fake_login_plugin:login\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("QUART_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.setenv("QUART_PLUGINS", "login")
    importlib.invalidate_caches()
    quart.plugins.discover_entry_points.cache_clear()
    try:
        app = Quart(__name__, plugins=["login"])  # installed plugins are opt-in
        assert isinstance(app.login_manager, LoginManager)  # type: ignore[attr-defined]
        info = _names(app)["login"]
        assert info.source == "entrypoint"  # type: ignore[attr-defined]
        assert info.distribution == "fake-login-plugin"  # type: ignore[attr-defined]

        result = app.test_cli_runner().invoke(
            quart_cli, ["plugins", "--json"], obj=ScriptInfo(create_app=lambda: app)
        )
        assert result.exit_code == 0, result.output
        rows = {row["name"]: row for row in json.loads(result.output)}
        assert rows["login"]["hooks"] == ["quart_app_created"]
        assert rows["quart_flask_patch"]["source"] == "builtin"
    finally:
        quart.plugins.discover_entry_points.cache_clear()
        sys.modules.pop("fake_login_plugin", None)


def test_flask_commands_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fake_flask_commands.py").write_text(
        "import click\n"
        "from flask import current_app, g\n"
        "from flask.cli import with_appcontext\n"
        "@click.group()\n"
        "@with_appcontext\n"
        "def tools():\n"
        "    g.prefix = 'app:'\n"
        "@tools.command()\n"
        "@with_appcontext\n"
        "def name():\n"
        "    click.echo(g.prefix + current_app.name)\n"
    )
    dist = tmp_path / "fake_flask_commands-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fake-flask-commands\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(
        "[flask.commands]\ntools = fake_flask_commands:tools\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    flask_command_entry_points.cache_clear()
    try:
        app = Quart("cmd_app")
        assert "tools" in app.cli.list_commands(None)  # type: ignore[arg-type]
        result = app.test_cli_runner().invoke(args=["tools", "name"])
        assert result.exit_code == 0, result.output
        # the group and its subcommand share one app context, as in Flask
        assert result.output == "app:cmd_app\n"
    finally:
        flask_command_entry_points.cache_clear()
        sys.modules.pop("fake_flask_commands", None)
