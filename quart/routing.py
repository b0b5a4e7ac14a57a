"""URL routing on werkzeug's ``Map`` and ``Rule``.

Werkzeug rules already know about websockets (``Rule(websocket=True)``); the
subclasses add what the app needs on top, such as automatic ``OPTIONS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from werkzeug.routing import Map
from werkzeug.routing import MapAdapter
from werkzeug.routing import Rule

if TYPE_CHECKING:
    from .wrappers.base import BaseRequestWebsocket

__all__ = ["MapAdapter", "QuartMap", "QuartRule"]


class QuartRule(Rule):
    """A URL rule; ``provide_automatic_options`` makes the app answer
    ``OPTIONS`` itself for this rule."""

    def __init__(
        self,
        string: str,
        *,
        provide_automatic_options: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(string, **kwargs)
        self.provide_automatic_options = provide_automatic_options


class QuartMap(Map):
    """The app's URL map."""

    def bind_to_request(
        self,
        request: BaseRequestWebsocket,
        subdomain: str | None,
        server_name: str | None,
    ) -> MapAdapter:
        """A :class:`MapAdapter` for ``request`` (an HTTP request or a
        websocket), as werkzeug's :meth:`~werkzeug.routing.Map.bind_to_environ`
        binds one to a WSGI environ: for ``server_name`` (default: the
        request's host), the request's root path, scheme, method, path and
        query string.

        When ``subdomain`` is ``None`` (and the map does not match hosts) it
        is the part of the host before ``server_name``, or ``"<invalid>"``
        (which matches no rule) if the host is not under ``server_name``.
        """
        scheme = request.scheme
        host = normalise_host(scheme, request.host)
        if server_name is None:
            server_name = host
        else:
            server_name = normalise_host(scheme, server_name)
        if subdomain is None and not self.host_matching:
            subdomain = subdomain_of(host, server_name)
        return self.bind(
            server_name,
            script_name=request.root_path or "/",
            subdomain=subdomain,
            url_scheme=scheme,
            default_method=request.method,
            path_info=request.path,
            query_args=request.query_string.decode("latin-1"),
        )


_DEFAULT_PORTS = {"http": ":80", "ws": ":80", "https": ":443", "wss": ":443"}


def normalise_host(scheme: str, host: str) -> str:
    """``host`` in lower case, without the scheme's default port (as
    werkzeug's ``get_host`` gives it)."""
    host = host.lower()
    port = _DEFAULT_PORTS.get(scheme)
    if port is not None and host.endswith(port):
        host = host[: -len(port)]
    return host


def subdomain_of(host: str, server_name: str) -> str:
    """The subdomain part of ``host`` under ``server_name`` (both
    normalised): ``""`` for the server name itself, ``"<invalid>"`` (which
    matches no rule) for a host outside it."""
    if host == server_name:
        return ""
    if host.endswith("." + server_name):
        return host[: -len(server_name) - 1]
    return "<invalid>"
