"""Testing helpers: the async test client (HTTP and websockets), the
lifespan harness (``app.test_app()``), the CLI runner, and the pieces they
are built from, for extensions that build their own."""

from ..cli import ScriptInfo
from .app import LifespanError
from .app import TestApp
from .cli import QuartCliRunner
from .client import QuartClient
from .connections import HTTPDisconnectError
from .connections import ResponseIncompleteError
from .connections import TestHTTPConnection
from .connections import TestWebsocketConnection
from .connections import WebsocketDisconnectError
from .connections import WebsocketResponseError
from .utils import make_test_body_with_headers
from .utils import make_test_headers_path_and_query_string
from .utils import make_test_scope
from .utils import no_op_push
from .utils import sentinel

__all__ = [
    "HTTPDisconnectError",
    "LifespanError",
    "QuartCliRunner",
    "QuartClient",
    "ResponseIncompleteError",
    "ScriptInfo",
    "TestApp",
    "TestHTTPConnection",
    "TestWebsocketConnection",
    "WebsocketDisconnectError",
    "WebsocketResponseError",
    "make_test_body_with_headers",
    "make_test_headers_path_and_query_string",
    "make_test_scope",
    "no_op_push",
    "sentinel",
]
