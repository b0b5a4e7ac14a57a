"""Building ASGI scopes and request bodies for tests.

werkzeug's :class:`~werkzeug.test.EnvironBuilder` does the encoding (query
strings, urlencoded and multipart forms, files, auth); this module turns its
result into an ASGI scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import quote

from werkzeug.datastructures import Authorization
from werkzeug.datastructures import Headers
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder

from ..asgi import decode_headers
from ..asgi import scope_path
from ..wrappers import Body

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import Scope
    from ..wrappers import Request

sentinel: Any = object()


def make_test_scope_and_body(
    app: Quart,
    path: str = "/",
    *,
    method: str = "GET",
    headers: Any = None,
    query_string: Any = None,
    scheme: str | None = None,
    data: Any = None,
    form: Any = None,
    files: Any = None,
    json: Any = sentinel,
    root_path: str | None = None,
    http_version: str = "1.1",
    auth: Authorization | tuple[str, str] | None = None,
    subdomain: str | None = None,
    scope_base: dict[str, Any] | None = None,
    scope_type: str = "http",
) -> tuple[Scope, bytes]:
    """An ASGI scope and the encoded body for a test request.

    ``scheme`` and ``root_path`` default to the app's
    ``PREFERRED_URL_SCHEME`` and ``APPLICATION_ROOT``, as in Flask.
    """
    if scheme is None:
        scheme = app.config["PREFERRED_URL_SCHEME"] or "http"
    if root_path is None:
        root_path = (app.config["APPLICATION_ROOT"] or "/").rstrip("/")
    if sum(x is not None for x in (data, form)) + (json is not sentinel) > 1:
        raise ValueError("Use only one of 'data', 'form' or 'json'.")
    headers = Headers(headers)
    declared_length = headers.get("Content-Length")
    content_type = None
    if json is not sentinel:
        data = app.json.dumps(json)
        content_type = headers.get("Content-Type") or "application/json"
    elif form is not None or files is not None:
        combined: MultiDict[str, Any] = MultiDict(form or {})
        if files:
            pairs = files.items() if isinstance(files, Mapping) else files
            for key, value in pairs:
                # a list is several files; a tuple is one (stream, name, ...)
                for item in value if isinstance(value, list) else [value]:
                    combined.add(key, item)
        data = combined
    server_name = app.config["SERVER_NAME"] or "localhost"
    if subdomain:
        server_name = f"{subdomain}.{server_name}"
    host = headers.get("Host") or server_name
    builder = EnvironBuilder(
        path=path,
        base_url=f"{scheme}://{host}{root_path}",
        method=method,
        headers=headers,
        query_string=query_string,
        data=data,
        content_type=content_type,
        auth=auth,
    )
    try:
        environ = builder.get_environ()
        body = environ["wsgi.input"].read()
    finally:
        builder.close()
    request_headers = Headers(builder.headers)
    request_headers.setdefault("Host", host)
    if environ.get("CONTENT_TYPE"):
        request_headers["Content-Type"] = environ["CONTENT_TYPE"]
    if declared_length is not None:  # as the caller said, e.g. to stream
        request_headers["Content-Length"] = declared_length
    elif body or environ.get("CONTENT_LENGTH"):
        request_headers["Content-Length"] = str(len(body))
    # PATH_INFO is unquoted UTF-8 carried in latin-1 (the WSGI convention)
    request_path = environ["PATH_INFO"].encode("latin-1").decode("utf-8", "replace")
    full_path = root_path + request_path
    raw_path = quote(full_path).encode("ascii")
    if ":" in host:
        name, _, port = host.rpartition(":")
        server: tuple[str, int | None] = (name, int(port))
    else:
        server = (host, 443 if scheme in {"https", "wss"} else 80)
    scope: dict[str, Any] = {
        "type": scope_type,
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": http_version,
        "method": method.upper(),
        "scheme": scheme,
        "path": full_path,
        "raw_path": raw_path,
        "query_string": environ["QUERY_STRING"].encode("latin-1"),
        "root_path": root_path,
        "headers": [
            (key.lower().encode("latin-1"), value.encode("latin-1"))
            for key, value in request_headers.items()
        ],
        "client": ("127.0.0.1", 5000),
        "server": server,
        "extensions": {},
        "state": {},
    }
    if scope_base is not None:
        scope.update(scope_base)
    return scope, body


def make_test_request(app: Quart, path: str = "/", **kwargs: Any) -> Request:
    """A request object for ``path`` with a complete body, for
    :meth:`~quart.Quart.test_request_context`."""
    scope, body = make_test_scope_and_body(app, path, **kwargs)
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
    )
