"""Prometheus metrics for Quart, as a plugin.

Installing it changes no app: an app turns it on with
``Quart(__name__, plugins=["prometheus"])`` or
``app.plugins.enable("prometheus")`` (after setting the config below).

Hooks used: ``quart_app_created`` (metrics and the ``/metrics`` route),
``quart_request_started`` / ``quart_request_finished`` (timing and counts),
all three called only for apps that enabled the plugin, and
``quart_cli_commands`` (``quart metrics``), there whenever it is installed.
"""

from __future__ import annotations

import time
from typing import Any

import click
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Histogram
from prometheus_client import generate_latest

from quart import Quart
from quart import current_app
from quart import hookimpl
from quart.cli import with_appcontext

#: The plugin's entry-point name, which apps enable it by.
PLUGIN_NAME = "prometheus"
EXTENSION_KEY = "prometheus"
DEFAULT_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """One app's metrics, in a registry of its own (apps do not share)."""

    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "quart_requests",
            "HTTP requests handled.",
            ["method", "endpoint", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "quart_request_duration_seconds",
            "Time from request start to response, in seconds.",
            ["method", "endpoint"],
            buckets=buckets,
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        """The metrics in the Prometheus text format."""
        return generate_latest(self.registry)


def metrics_for(app: Quart) -> Metrics:
    """The :class:`Metrics` of ``app``."""
    metrics: Metrics = app.extensions[EXTENSION_KEY]
    return metrics


@hookimpl
def quart_app_created(app: Quart) -> None:
    # Quart calls this only for apps that enabled the plugin; a route that
    # clashes with one of the app's is refused by Quart (PluginError).
    app.config.setdefault("PROMETHEUS_METRICS_PATH", "/metrics")
    app.config.setdefault("PROMETHEUS_BUCKETS", DEFAULT_BUCKETS)
    metrics = Metrics(tuple(app.config["PROMETHEUS_BUCKETS"]))
    app.extensions[EXTENSION_KEY] = metrics
    path = app.config["PROMETHEUS_METRICS_PATH"]
    if path:

        async def prometheus_metrics() -> Any:
            return metrics.exposition(), 200, {"Content-Type": CONTENT_TYPE_LATEST}

        app.add_url_rule(path, "prometheus_metrics", prometheus_metrics)


@hookimpl
def quart_request_started(request: Any) -> None:
    request.prometheus_started = time.perf_counter()


@hookimpl
def quart_request_finished(app: Quart, request: Any, response: Any) -> None:
    metrics = app.extensions[EXTENSION_KEY]
    started = getattr(request, "prometheus_started", None)
    if started is None:
        return  # another plugin answered quart_request_started first
    endpoint = request.endpoint or "<unmatched>"
    if endpoint == "prometheus_metrics":
        return  # scraping is not traffic
    metrics.latency.labels(request.method, endpoint).observe(
        time.perf_counter() - started
    )
    metrics.requests.labels(request.method, endpoint, str(response.status_code)).inc()


@hookimpl
def quart_cli_commands(cli: click.Group) -> None:
    @cli.command("metrics")
    @with_appcontext
    def metrics_command() -> None:
        """Print the app's Prometheus metrics (those of this process)."""
        if not current_app.plugins.is_enabled(PLUGIN_NAME):
            raise click.UsageError(
                "The prometheus plugin is not enabled for this app: create it"
                ' with Quart(__name__, plugins=["prometheus"]).'
            )
        click.echo(metrics_for(current_app).exposition().decode(), nl=False)
