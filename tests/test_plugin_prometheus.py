"""The first-party quart-prometheus plugin, loaded through its entry point.

Installed (as in the dev set-up) it is loaded into every app but changes
none until the app enables it.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from example_apps import load_example

from quart import Quart
from quart.cli import QuartGroup
from quart.plugins import PluginError
from quart.plugins import discover_entry_points

prometheus = pytest.importorskip("quart_prometheus")


@pytest.fixture(autouse=True)
def _from_entry_points(autoload: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUART_PLUGINS", raising=False)


def _rules(app: Quart) -> set[str]:
    return {rule.rule for rule in app.url_map.iter_rules()}


def test_found_through_its_entry_point(app: Quart) -> None:
    entries = {e.name: e for e in discover_entry_points()}
    assert entries["prometheus"].distribution == "quart-prometheus"
    info = {i.name: i for i in app.plugins.list_plugins()}["prometheus"]
    assert info.source == "entrypoint"
    assert info.distribution == "quart-prometheus"
    assert info.version == "0.1.0"
    assert app.plugins.hooks_of("prometheus") == [
        "quart_app_created",
        "quart_cli_commands",
        "quart_request_finished",
        "quart_request_started",
    ]


async def test_the_quickstart_hello_app_has_no_metrics_route() -> None:
    hello = load_example("hello").app

    assert hello.plugins.get_plugin("prometheus") is not None  # installed ...
    assert not hello.plugins.is_enabled("prometheus")  # ... not turned on
    assert "/metrics" not in _rules(hello)
    assert "prometheus" not in hello.extensions
    response = await hello.test_client().get("/metrics")
    assert response.status_code == 404
    assert hello._steps_for(None).before_view is None  # no per-request cost either


def test_quart_routes_of_the_hello_app_lists_no_metrics() -> None:
    hello = load_example("hello").app
    group = QuartGroup(create_app=lambda: hello)
    result = CliRunner().invoke(group, ["routes"])
    assert result.exit_code == 0, result.output
    assert "/metrics" not in result.output


async def test_counts_and_times_requests_by_endpoint() -> None:
    app = Quart(__name__, plugins=["prometheus"])

    @app.get("/items/<int:item_id>")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    assert "/metrics" in _rules(app)
    client = app.test_client()
    for item_id in range(3):
        assert (await client.get(f"/items/{item_id}")).status_code == 200
    assert (await client.get("/missing")).status_code == 404

    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = await response.get_data(as_text=True)
    assert 'quart_requests_total{endpoint="item",method="GET",status="200"} 3.0' in text
    assert (
        'quart_requests_total{endpoint="<unmatched>",method="GET",status="404"} 1.0'
        in text
    )
    assert (
        'quart_request_duration_seconds_count{endpoint="item",method="GET"} 3.0' in text
    )
    assert "prometheus_metrics" not in text  # scrapes are not counted


async def test_apps_have_separate_registries() -> None:
    first = Quart("first", plugins=["prometheus"])
    second = Quart("second", plugins=["prometheus"])

    @first.get("/")
    async def index() -> str:
        return "ok"

    await first.test_client().get("/")
    text = await (await second.test_client().get("/metrics")).get_data(as_text=True)
    assert "quart_requests_total{" not in text


async def test_enabled_after_configuring(app: Quart) -> None:
    app.config["PROMETHEUS_METRICS_PATH"] = "/internal/metrics"
    assert app.plugins.enable("prometheus") == ["prometheus"]
    assert "/internal/metrics" in _rules(app)
    assert "/metrics" not in _rules(app)
    response = await app.test_client().get("/internal/metrics")
    assert response.status_code == 200


def test_no_route_when_the_path_is_none(app: Quart) -> None:
    app.config["PROMETHEUS_METRICS_PATH"] = None
    app.plugins.enable("prometheus")
    assert "prometheus_metrics" not in app.view_functions
    assert prometheus.metrics_for(app) is app.extensions["prometheus"]


async def test_app_metrics_view_defined_later_is_a_clear_error() -> None:
    app = Quart(__name__, plugins=["prometheus"])

    @app.get("/metrics")
    async def metrics() -> str:
        return "mine"

    with pytest.raises(PluginError, match=r"prometheus.*'/metrics'.*the app's route"):
        await app.test_client().get("/metrics")


def test_app_metrics_view_defined_first_is_a_clear_error(app: Quart) -> None:
    @app.get("/metrics")
    async def metrics() -> str:
        return "mine"

    with pytest.raises(PluginError, match="clashes with the app's route '/metrics'"):
        app.plugins.enable("prometheus")


async def test_app_metrics_view_is_untouched_without_the_opt_in(app: Quart) -> None:
    @app.get("/metrics")
    async def metrics() -> str:
        return "mine"

    response = await app.test_client().get("/metrics")
    assert await response.get_data(as_text=True) == "mine"


def test_can_be_blocked() -> None:
    app = Quart(__name__, disable_plugins=["prometheus"])
    assert app.plugins.get_plugin("prometheus") is None
    with pytest.raises(PluginError, match="blocked"):
        Quart(__name__, disable_plugins=["prometheus"], plugins=["prometheus"])


def test_not_loaded_without_autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUART_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert Quart(__name__).plugins.get_plugin("prometheus") is None
    # Naming it still works: that is the app asking for it.
    assert Quart(__name__, plugins=["prometheus"]).plugins.is_enabled("prometheus")


def test_metrics_command() -> None:
    app = Quart(__name__, plugins=["prometheus"])
    result = CliRunner().invoke(QuartGroup(create_app=lambda: app), ["metrics"])
    assert result.exit_code == 0, result.output
    assert "# TYPE quart_requests_total counter" in result.output


def test_metrics_command_says_when_the_app_did_not_enable_it(app: Quart) -> None:
    result = CliRunner().invoke(QuartGroup(create_app=lambda: app), ["metrics"])
    assert result.exit_code == 2
    assert "not enabled for this app" in result.output
    assert 'plugins=["prometheus"]' in result.output
