"""The HTTP scope an ASGI server would build, for tests that call the app
directly rather than through the test client."""

from __future__ import annotations

from typing import Any


def http_scope(
    path: str = "/",
    *,
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A scope for ``method path`` on localhost; ``headers`` follow ``Host``
    and ``extra`` keys replace or add scope keys."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8"),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), *(headers or [])],
        "client": ("127.0.0.1", 1234),
        "server": ("localhost", 80),
    }
    scope.update(extra)
    return scope
