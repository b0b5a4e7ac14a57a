"""The first-party quart-prometheus plugin, loaded through its entry point."""

from __future__ import annotations

import pytest

from quart import Quart
from quart.plugins import discover_entry_points

prometheus = pytest.importorskip("quart_prometheus")


@pytest.fixture
def autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUART_DISABLE_PLUGIN_AUTOLOAD", raising=False)


def test_found_through_its_entry_point(autoload: None) -> None:
    entries = {e.name: e for e in discover_entry_points()}
    assert entries["prometheus"].distribution == "quart-prometheus"
    app = Quart(__name__)
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


async def test_counts_and_times_requests_by_endpoint(autoload: None) -> None:
    app = Quart(__name__)

    @app.get("/items/<int:item_id>")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

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


async def test_apps_have_separate_registries(autoload: None) -> None:
    first, second = Quart("first"), Quart("second")

    @first.get("/")
    async def index() -> str:
        return "ok"

    await first.test_client().get("/")
    text = await (await second.test_client().get("/metrics")).get_data(as_text=True)
    assert "quart_requests_total{" not in text


def test_can_be_blocked(autoload: None) -> None:
    app = Quart(__name__, disable_plugins=["prometheus"])
    assert app.plugins.get_plugin("prometheus") is None
    assert "prometheus_metrics" not in app.view_functions


def test_not_loaded_without_autoload() -> None:
    app = Quart(__name__)
    assert app.plugins.get_plugin("prometheus") is None


def test_metrics_path_is_configurable(autoload: None) -> None:
    class Configure:
        from quart import hookimpl

        @hookimpl(tryfirst=True)
        def quart_app_created(self, app: Quart) -> None:
            app.config["PROMETHEUS_METRICS_PATH"] = "/internal/metrics"

    app = Quart(__name__, plugins=[Configure()])
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert "/internal/metrics" in rules
