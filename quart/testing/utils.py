"""Building ASGI scopes and request bodies for tests.

The test client, ``test_request_context`` and ``test_websocket_context`` all
build their requests here, in three steps an extension can reuse one by one:
:func:`make_test_headers_path_and_query_string` (headers, path, query),
:func:`make_test_body_with_headers` (the encoded body and the headers that
describe it) and :func:`make_test_scope` (the ASGI scope).
"""

from __future__ import annotations

import json as _json
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import quote
from urllib.parse import unquote
from urllib.parse import urlencode

from werkzeug.datastructures import Authorization
from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import Headers
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder
from werkzeug.urls import iri_to_uri

from ..asgi import scope_path
from ..scaffold import _sentinel
from ..wrappers import Body
from ..wrappers.headers import decode_headers

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import Scope
    from ..wrappers import Request

__all__ = [
    "make_test_body_with_headers",
    "make_test_headers_path_and_query_string",
    "make_test_request",
    "make_test_scope",
    "no_op_push",
    "sentinel",
]

#: The default of every ``json=`` argument: "no JSON body" (``None`` is
#: a JSON body, ``null``). Extensions compare against this very object,
#: the package's one "no argument given" marker.
sentinel: Any = _sentinel

#: The scope key that asks the app to keep the request context for the
#: test client after the response (``async with app.test_client():``).
PRESERVE_CONTEXT_KEY = "_quart._preserve_context"


def make_test_headers_path_and_query_string(
    app: Quart,
    path: str,
    headers: dict[str, Any] | Headers | None = None,
    query_string: dict[str, Any] | str | bytes | None = None,
    auth: Authorization | tuple[str, str] | None = None,
    subdomain: str | None = None,
) -> tuple[Headers, str, bytes]:
    """The request headers, the (percent-decoded) path and the encoded
    query string for a test request to ``path``.

    ``Host`` defaults to the app's ``SERVER_NAME`` (or ``localhost``), with
    ``subdomain`` in front; ``auth`` becomes an ``Authorization`` header (a
    ``(username, password)`` tuple is basic auth). The query string comes
    from ``path`` (``"/a?b=1"``) or from ``query_string`` (a mapping, a
    :class:`~werkzeug.datastructures.MultiDict`, ``str`` or ``bytes``),
    not both.
    """
    headers = Headers(headers)
    if "Host" not in headers:
        server_name = app.config["SERVER_NAME"] or "localhost"
        if subdomain:
            server_name = f"{subdomain}.{server_name}"
        headers["Host"] = server_name
    headers.setdefault("User-Agent", "Quart")
    if auth is not None:
        if isinstance(auth, tuple):
            username, password = auth
            auth = Authorization("basic", {"username": username, "password": password})
        headers["Authorization"] = auth.to_header()
    path, has_query, query = iri_to_uri(path).partition("?")
    if has_query:
        if query_string is not None:
            raise ValueError("Query string is defined in the path and as an argument")
        query_bytes = query.encode("ascii")
    elif query_string is None:
        query_bytes = b""
    elif isinstance(query_string, bytes):
        query_bytes = query_string
    elif isinstance(query_string, str):
        query_bytes = iri_to_uri(query_string).encode("ascii")
    else:
        pairs = MultiDict(query_string).items(multi=True)
        query_bytes = urlencode(list(pairs)).encode("ascii")
    return headers, unquote(path), query_bytes


def make_test_body_with_headers(
    *,
    data: str | bytes | None = None,
    form: dict[str, Any] | None = None,
    files: dict[str, FileStorage] | None = None,
    json: Any = sentinel,
    app: Quart | None = None,
) -> tuple[bytes, Headers]:
    """The encoded body of a test request and the ``Content-Type`` and
    ``Content-Length`` headers that describe it.

    Give at most one of ``data`` (raw ``bytes``, or ``str`` sent as UTF-8),
    ``form`` (urlencoded, or multipart with ``files``) and ``json``
    (encoded with the app's JSON provider when ``app`` is given). A file
    is a :class:`~quart.datastructures.FileStorage` or a ``(stream,
    filename[, content_type])`` tuple; a list under one name sends several.
    """
    if sum(x is not None for x in (data, form)) + (json is not sentinel) > 1:
        raise ValueError("Quart test args 'json', 'form', and 'data' are exclusive")
    headers = Headers()
    if json is not sentinel:
        text = app.json.dumps(json) if app is not None else _json.dumps(json)
        body = text.encode("utf-8")
        headers["Content-Type"] = "application/json"
    elif form is not None or files is not None:
        fields: MultiDict[str, Any] = MultiDict(form or {})
        if files:
            pairs = files.items() if isinstance(files, Mapping) else files
            for key, value in pairs:
                # a list is several files; a tuple is one (stream, name, ...)
                for item in value if isinstance(value, list) else [value]:
                    fields.add(key, item)
        body, content_type = _encode_with_werkzeug(fields)
        headers["Content-Type"] = content_type
    elif data is None:
        return b"", headers
    elif isinstance(data, str):
        body = data.encode("utf-8")
    elif isinstance(data, (bytes, bytearray, memoryview)):
        body = bytes(data)
    else:  # a dict (form fields) or a file-like object, as in Flask
        body, content_type = _encode_with_werkzeug(data)
        if content_type:
            headers["Content-Type"] = content_type
    headers["Content-Length"] = str(len(body))
    return body, headers


def _encode_with_werkzeug(data: Any) -> tuple[bytes, str]:
    """Encode form fields and files (or read a stream) as werkzeug's test
    client does: urlencoded without files, multipart with them."""
    builder = EnvironBuilder(method="POST", data=data)
    try:
        environ = builder.get_environ()
        body: bytes = environ["wsgi.input"].read()
    finally:
        builder.close()
    return body, environ.get("CONTENT_TYPE") or ""


def make_test_scope(
    type_: str,
    path: str,
    method: str,
    headers: Headers,
    query_string: bytes,
    scheme: str,
    root_path: str,
    http_version: str,
    scope_base: dict[str, Any] | None,
    *,
    _preserve_context: bool = False,
) -> Scope:
    """An ASGI ``http`` or ``websocket`` scope for a test request.

    ``path`` goes into the scope as given: per ASGI it includes
    ``root_path`` when the app is mounted there (``root_path="/bob"`` and
    ``path="/bob/"`` reach the app's ``/`` route). A websocket scope has no
    ``method``, an empty ``subprotocols`` list and offers the websocket
    denial extension, as Hypercorn does. ``scope_base`` updates the result.
    """
    host = headers.get("Host", "localhost")
    name, has_port, port = host.rpartition(":")
    if has_port and port.isdigit():
        server: tuple[str, int | None] = (name, int(port))
    else:
        server = (host, 443 if scheme in {"https", "wss"} else 80)
    scope: dict[str, Any] = {
        "type": type_,
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": http_version,
        "scheme": scheme,
        "path": path,
        "raw_path": quote(path).encode("ascii"),
        "query_string": query_string,
        "root_path": root_path,
        "headers": [
            (key.lower().encode("latin-1"), value.encode("latin-1"))
            for key, value in headers.items()
        ],
        "client": ("127.0.0.1", 80),
        "server": server,
        "state": {},
    }
    if type_ == "websocket":
        scope["subprotocols"] = []
        scope["extensions"] = {"websocket.http.response": {}}
    else:
        scope["method"] = method.upper()
        scope["extensions"] = {}
    if _preserve_context:
        scope[PRESERVE_CONTEXT_KEY] = True
    if scope_base is not None:
        scope.update(scope_base)
    return scope


async def no_op_push(path: str, headers: Headers) -> None:
    """The server push of a request with no server behind it
    (``test_request_context``): does nothing."""


def make_scope_and_body(
    app: Quart,
    type_: str,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, Any] | Headers | None = None,
    data: str | bytes | None = None,
    form: dict[str, Any] | None = None,
    files: dict[str, FileStorage] | None = None,
    query_string: dict[str, Any] | str | bytes | None = None,
    json: Any = sentinel,
    scheme: str | None = None,
    root_path: str | None = None,
    http_version: str = "1.1",
    scope_base: dict[str, Any] | None = None,
    auth: Authorization | tuple[str, str] | None = None,
    subdomain: str | None = None,
    preserve_context: bool = False,
) -> tuple[Scope, bytes]:
    """The three steps above in order: the scope and body of one test
    request. ``scheme`` defaults to the app's ``PREFERRED_URL_SCHEME``
    (``ws``/``wss`` for a websocket) and ``root_path`` to its
    ``APPLICATION_ROOT``, as in Flask's ``test_request_context`` (the test
    client passes ``""``: per ASGI, a root path must also lead ``path``).
    Headers the caller gives win over the ones describing the body (e.g. a
    ``Content-Length`` to stream)."""
    headers, path, query_bytes = make_test_headers_path_and_query_string(
        app, path, headers, query_string, auth, subdomain
    )
    body, body_headers = make_test_body_with_headers(
        data=data, form=form, files=files, json=json, app=app
    )
    for key, value in body_headers.items():
        headers.setdefault(key, value)
    if scheme is None:
        scheme = app.config["PREFERRED_URL_SCHEME"] or "http"
        if type_ == "websocket":
            scheme = "wss" if scheme == "https" else "ws"
    if root_path is None:
        root_path = (app.config["APPLICATION_ROOT"] or "/").rstrip("/")
    scope = make_test_scope(
        type_,
        path,
        method,
        headers,
        query_bytes,
        scheme,
        root_path,
        http_version,
        scope_base,
        _preserve_context=preserve_context,
    )
    return scope, body


def make_test_request(app: Quart, path: str = "/", **kwargs: Any) -> Request:
    """A request object for ``path`` with a complete body and no server
    behind it, for :meth:`~quart.Quart.test_request_context`; takes the
    keywords of the test client's ``open``."""
    scope, body = make_scope_and_body(app, "http", path, **kwargs)
    return request_from_scope(app, scope, body)


def request_from_scope(app: Quart, scope: Scope, body: bytes) -> Request:
    """The app's request object for an HTTP ``scope`` and its complete
    ``body``, with no server behind it (server push does nothing)."""
    root_path, request_path = scope_path(scope)
    return app.request_class(
        scope["method"],
        scope["scheme"],
        request_path,
        scope["query_string"],
        decode_headers(scope["headers"]),
        root_path,
        scope["http_version"],
        scope,
        body=Body.from_data(body),
        send_push_promise=no_op_push,
    )
