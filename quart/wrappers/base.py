"""What HTTP requests and websocket connections share: a werkzeug sans-IO
request plus the routing results the app fills in."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.datastructures import Headers
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import ClientDisconnected
from werkzeug.sansio.request import Request as SansIORequest
from werkzeug.utils import cached_property

from .. import json
from .._lazy import lazy_attribute
from .headers import decode_headers

if TYPE_CHECKING:
    from werkzeug.exceptions import HTTPException

    from ..routing import QuartRule
    from ..typing import Scope


class ClientDisconnectedError(ClientDisconnected):
    """The client went away before the request body (or the next websocket
    message) arrived.

    Raised by :class:`~quart.wrappers.Body` reads and by
    :class:`~quart.wrappers.websocket.Buffer`. It is werkzeug's
    :class:`~werkzeug.exceptions.ClientDisconnected` (a 400), so left
    uncaught it ends the request without an application error.
    """


class BaseRequestWebsocket(SansIORequest):
    """Built from plain values (method, scheme, path, ...); everything else
    is derived lazily by werkzeug.

    :param headers: the request headers; ``None`` (as the ASGI layer
        passes) takes ``scope["headers"]``, decoded when first read.
    :param scope: the ASGI scope, kept for extensions that need server
        specifics (``scope["extensions"]``, ``scope["state"]``).
    """

    json_module: Any = json

    if not TYPE_CHECKING:  # typed as werkzeug's attributes

        @lazy_attribute
        def headers(self) -> Headers:
            """``scope["headers"]`` decoded, for a request made without
            headers (as the ASGI layer makes them): a request whose headers
            nobody reads never decodes them."""
            return decode_headers(self.scope["headers"])

        # werkzeug's two other sans-IO attributes, from the scope when first
        # read: most requests never read them.
        @lazy_attribute
        def server(self) -> tuple[str, int | None] | None:
            """The server's ``(host, port)``, if the server gave it."""
            server = self.scope.get("server")
            return tuple(server) if server else None

        @lazy_attribute
        def remote_addr(self) -> str | None:
            """The client's address, if the server gave it."""
            client = self.scope.get("client")
            return client[0] if client else None

    #: Whether :attr:`headers` are (or will be) ``scope["headers"]``.
    #: Reading the instance's ``__dict__`` to tell would turn its attributes
    #: into a real dict, which makes every attribute read slower.
    _headers_from_scope = True

    #: The matched rule, set by the app before dispatch.
    url_rule: QuartRule | None = None
    #: The matched URL variables.
    view_args: dict[str, Any] | None = None
    #: The routing error (404, 405, redirect) if matching failed.
    routing_exception: HTTPException | None = None

    def __init__(
        self,
        method: str,
        scheme: str,
        path: str,
        query_string: bytes,
        headers: Headers | None,
        root_path: str,
        http_version: str,
        scope: Scope,
    ) -> None:
        # werkzeug's sans-IO attributes, set here as its __init__ sets them
        # (tests/test_request.py checks they stay the same) without the
        # extra call on every request; server, remote_addr and headers are
        # read from the scope when first used.
        self.method = method.upper()
        self.scheme = scheme
        self.root_path = root_path.rstrip("/")
        self.path = "/" + path.lstrip("/")
        self.query_string = query_string
        if headers is not None:
            self.headers = headers
            self._headers_from_scope = False
        self.http_version = http_version
        self.scope = scope

    def _host_key(self) -> bytes | str | None:
        """The first ``Host`` header as it came, to tell hosts apart by
        (routing caches URL adapters by it): for headers from the scope the
        raw bytes, read without decoding any header."""
        if not self._headers_from_scope:
            return self.headers.get("host")
        for raw_name, raw_value in self.scope["headers"]:
            if raw_name.lower() == b"host":
                return raw_value  # type: ignore[no-any-return]
        return None

    @lazy_attribute
    def args(self) -> MultiDict[str, str]:
        """The parsed query string, as werkzeug parses it; one that is not
        UTF-8 is a 400, not a 500 (werkzeug decodes it strictly). Parsed on
        first read, then a plain attribute (werkzeug's ``cached_property``
        is a Python call on every read)."""
        try:
            query = self.query_string.decode()
        except UnicodeDecodeError:
            raise BadRequest("The query string is not valid UTF-8.") from None
        if "%" in query or "+" in query:
            pairs = parse_qsl(
                query, keep_blank_values=True, errors="werkzeug.url_quote"
            )
        else:
            # Nothing to unquote: parse_qsl's pairs are then the string's
            # split, done in C in under a third of parse_qsl's time.
            pairs = [pair.partition("=")[::2] for pair in query.split("&") if pair]
        return self.parameter_storage_class(pairs)

    @property
    def endpoint(self) -> str | None:
        """The endpoint that matched, or ``None`` if routing failed."""
        if self.url_rule is not None:
            endpoint: str = self.url_rule.endpoint
            return endpoint
        return None

    @property
    def blueprint(self) -> str | None:
        """The full dotted name of the blueprint the endpoint belongs to."""
        rule = self.url_rule
        if rule is not None and "." in rule.endpoint:
            return rule.endpoint.rpartition(".")[0]  # type: ignore[no-any-return]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The current blueprint and its parents, innermost first."""
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]

    @property
    def script_root(self) -> str:
        """Alias of :attr:`root_path`, as Flask names it."""
        return self.root_path

    @property
    def url_root(self) -> str:
        """Alias of :attr:`root_url`, as Flask names it."""
        return self.root_url


# werkzeug's cached properties (cookies, host, url, accept_mimetypes, ...)
# as lazy attributes: computed on first read, then plain attribute reads.
# werkzeug's ``cached_property`` is a Python call on every read, and storing
# through the instance's ``__dict__`` makes its other attributes slower too.
for _name, _attribute in vars(SansIORequest).items():
    if (
        isinstance(_attribute, cached_property)
        and _attribute.fget is not None
        and _name not in vars(BaseRequestWebsocket)
    ):
        setattr(BaseRequestWebsocket, _name, lazy_attribute(_attribute.fget))
del _name, _attribute
