"""URL routing on werkzeug's ``Map`` and ``Rule``.

Werkzeug rules already know about websockets (``Rule(websocket=True)``); the
subclasses add what the app needs on top, such as automatic ``OPTIONS``.
:class:`URLMatcher` is the app's side of routing: binding the map to a
request (adapters cached per host, scheme and root path) and matching, with
successful matches remembered while the app serves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from werkzeug.routing import Map
from werkzeug.routing import MapAdapter
from werkzeug.routing import Rule

from ._cache import remember

if TYPE_CHECKING:
    from .config import Config
    from .wrappers.base import BaseRequestWebsocket

__all__ = ["MapAdapter", "QuartMap", "QuartRule", "URLMatcher"]


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


class URLMatcher:
    """URL binding and matching for the app (:class:`~quart.Quart` inherits
    it): what it reads is the app's."""

    config: Config
    url_map: QuartMap
    subdomain_matching: bool
    #: Adapters by (server name, subdomain, root path, scheme).
    _url_adapters: dict[tuple[Any, ...], MapAdapter]
    #: Adapters by what a request's adapter depends on (see
    #: :meth:`create_url_adapter`).
    _request_adapters: dict[tuple[Any, ...], MapAdapter]
    #: Successful matches, once serving, if every converter is a werkzeug
    #: built-in (a custom one may look things up: not cached); ``None``
    #: otherwise, and emptied by a setup change.
    _match_cache: dict[tuple[Any, ...], tuple[QuartRule, Any]] | None
    #: Once serving, the adapter every request's URL is matched with when
    #: the match cannot depend on the request's host (see
    #: :meth:`_host_free_adapter`); ``None`` otherwise.
    _shared_adapter: MapAdapter | None = None

    def _host_free_adapter(self) -> MapAdapter | None:
        """An adapter that matches any request's URL as the request's own
        adapter would, or ``None`` if the match may depend on the host.

        Without host or subdomain matching, werkzeug matches a path against
        the bound subdomain only, which is the same for every request; the
        host, scheme and root path of a request's adapter then only go into
        the URLs it builds and the redirects it raises. So requests are
        matched with this one adapter, and each binds its own only if it
        builds a URL or is redirected. (The app does not use it when
        ``create_url_adapter`` is replaced: that may decide anything.)
        """
        if self.url_map.host_matching or self.subdomain_matching:
            return None
        return self.url_map.bind(
            "localhost", subdomain=self.url_map.default_subdomain or ""
        )

    def create_url_adapter(
        self, request: BaseRequestWebsocket | None
    ) -> MapAdapter | None:
        """The URL adapter for a request, or for the app alone when
        ``SERVER_NAME`` is set. Adapters are cached per host, scheme and
        root path, so matching does not rebind the map per request; unless
        ``TRUSTED_HOSTS`` is set, a request's is found from its ``Host``
        header without computing :attr:`~Request.host`."""
        config = self.config
        if request is not None:
            # What the adapter depends on, read without computing the host.
            key = None
            if (trusted_hosts := config["TRUSTED_HOSTS"]) is not None:
                request.trusted_hosts = trusted_hosts  # checked on every request
            else:
                key = (
                    request._host_key(),
                    request.server,
                    request.scheme,
                    request.root_path,
                    config["SERVER_NAME"],
                )
                cached = self._request_adapters.get(key)
                if cached is not None:
                    return cached
            adapter = self._request_adapter(request, config)
            if key is not None:  # the Host header is client data: bounded
                remember(self._request_adapters, key, adapter, 256)
            return adapter
        if config["SERVER_NAME"] is not None:
            return self._bind(
                config["SERVER_NAME"],
                self.url_map.default_subdomain or None,
                config["APPLICATION_ROOT"],
                config["PREFERRED_URL_SCHEME"],
            )
        return None

    def _request_adapter(
        self, request: BaseRequestWebsocket, config: Config
    ) -> MapAdapter:
        # As werkzeug's bind_to_environ (which Flask uses) binds, with a
        # subdomain only if subdomain matching is on.
        host = request.host
        subdomain: str | None
        if self.url_map.host_matching:
            server_name, subdomain = host, None
        else:
            scheme = request.scheme
            server_name = normalise_host(scheme, config["SERVER_NAME"] or host)
            if not self.subdomain_matching:
                subdomain = self.url_map.default_subdomain or ""
            else:
                subdomain = subdomain_of(normalise_host(scheme, host), server_name)
        return self._bind(server_name, subdomain, request.root_path, request.scheme)

    def _bind(
        self, server_name: str, subdomain: str | None, root_path: str, scheme: str
    ) -> MapAdapter:
        key = (server_name, subdomain, root_path, scheme)
        adapter = self._url_adapters.get(key)
        if adapter is None:
            adapter = self.url_map.bind(
                server_name,
                script_name=root_path or "/",
                subdomain=subdomain,
                url_scheme=scheme,
            )
            # the Host header is client data: bounded
            remember(self._url_adapters, key, adapter, 256)
        return adapter

    def match_url(
        self,
        adapter: MapAdapter,
        path: str,
        method: str | None,
        query_string: bytes,
        websocket: bool = False,
    ) -> tuple[QuartRule, dict[str, Any]]:
        """Match ``path`` with werkzeug (raising its 404/405/redirect), and
        remember successful matches once the app serves: built-in converters
        are pure, and a rule added later forgets them all (see
        :meth:`_thaw`), so the answer cannot change. Each caller gets its
        own copy of the URL values."""
        cache = self._match_cache
        key = (adapter, path, method, websocket)
        if cache is not None:
            hit = cache.get(key)
            if hit is not None:
                return hit[0], dict(hit[1])
        matched: Any = adapter.match(
            path,
            method,
            return_rule=True,
            query_args=query_string.decode("latin-1"),
            websocket=websocket,
        )
        rule, values = matched
        if cache is not None:  # paths are client data: bounded
            remember(cache, key, (rule, values), 4096)
            values = dict(values)
        return rule, values
