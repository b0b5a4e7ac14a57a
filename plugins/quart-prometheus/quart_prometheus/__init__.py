"""Prometheus metrics for Quart, as a plugin.

Hooks used: ``quart_app_created`` (metrics and the ``/metrics`` route),
``quart_request_started`` / ``quart_request_finished`` (timing and counts)
and ``quart_cli_commands`` (``quart metrics``).
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
    metrics = app.extensions.get(EXTENSION_KEY)
    started = getattr(request, "prometheus_started", None)
    if metrics is None or started is None:
        return
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
        metrics = current_app.extensions.get(EXTENSION_KEY)
        if metrics is None:
            raise click.UsageError("The prometheus plugin is not enabled for this app.")
        click.echo(metrics.exposition().decode(), nl=False)
