"""Type aliases and Protocols shared by the framework, its users and its
extensions.

Our own ASGI types live here too, so the core never imports a server's
typing. The callable aliases accept sync and async functions alike (an async
function's result is awaited); each ``T_*`` TypeVar is bound to one of them,
so a registering decorator returns the decorated function's own type.

The Protocols describe what Quart's pluggable classes must offer: an app's
``event_class``, its ASGI connection classes (``asgi_http_class``, ...) and
its test classes (``test_app_class``, ``test_client_class``, and the client's
``http_connection_class`` / ``websocket_connection_class``). Extensions
annotate with them to accept any conforming implementation, such as
quart-trio's.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterable
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import MutableMapping
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from datetime import timedelta
from http.cookiejar import CookieJar
from types import TracebackType
from typing import TYPE_CHECKING
from typing import Any
from typing import ParamSpec
from typing import Protocol
from typing import TypeAlias
from typing import TypeVar

from werkzeug.datastructures import Authorization
from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import Headers

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as WerkzeugResponse

    from .app import Quart
    from .sessions import SessionMixin
    from .wrappers import Response

# -- ASGI ---------------------------------------------------------------------
Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
ASGIReceiveCallable: TypeAlias = Callable[[], Awaitable[Message]]
ASGISendCallable: TypeAlias = Callable[[Message], Awaitable[None]]
ASGIApp: TypeAlias = Callable[
    [Scope, ASGIReceiveCallable, ASGISendCallable], Awaitable[None]
]

# -- values -------------------------------------------------------------------
#: A path to a file or folder, as ``open`` accepts it.
FilePath: TypeAlias = bytes | str | os.PathLike[str] | os.PathLike[bytes]
HeaderName: TypeAlias = str
HeaderValue: TypeAlias = "str | list[str] | tuple[str, ...]"
HeadersValue: TypeAlias = (
    "Headers | Mapping[str, HeaderValue] | Sequence[tuple[str, HeaderValue]]"
)
StatusCode: TypeAlias = int
#: The response objects an app may produce (Quart's, or any werkzeug one).
ResponseTypes: TypeAlias = "Response | WerkzeugResponse"

# What a view may return.
ResponseBody: TypeAlias = (
    "Response | WerkzeugResponse | str | bytes | Mapping[str, Any] | list[Any]"
    " | Iterable[Any] | AsyncIterable[Any]"
)
ResponseValue: TypeAlias = (
    "ResponseBody | tuple[ResponseBody, HeadersValue]"
    " | tuple[ResponseBody, StatusCode]"
    " | tuple[ResponseBody, StatusCode, HeadersValue]"
)
ResponseReturnValue: TypeAlias = ResponseValue

# -- callables registered on apps and blueprints (sync or async) -------------
AppOrBlueprintKey: TypeAlias = str | None  # None is the app itself
RouteCallable: TypeAlias = Callable[..., "ResponseReturnValue | Awaitable[Any]"]
WebsocketCallable: TypeAlias = Callable[
    ..., "ResponseReturnValue | Awaitable[Any] | None"
]
BeforeRequestCallable: TypeAlias = Callable[[], Any]
BeforeWebsocketCallable: TypeAlias = Callable[[], Any]
AfterRequestCallable: TypeAlias = Callable[[Any], Any]
#: Called with the response, or ``None`` when the handler returned none.
AfterWebsocketCallable: TypeAlias = Callable[[Any], Any]
TeardownCallable: TypeAlias = Callable[[BaseException | None], Any]
ErrorHandlerCallable: TypeAlias = Callable[[Any], Any]
URLDefaultCallable: TypeAlias = Callable[[str, dict[str, Any]], None]
URLValuePreprocessorCallable: TypeAlias = Callable[
    [str | None, dict[str, Any] | None], None
]
TemplateContextProcessorCallable: TypeAlias = Callable[[], Any]
TemplateFilterCallable: TypeAlias = Callable[..., Any]
TemplateGlobalCallable: TypeAlias = Callable[..., Any]
TemplateTestCallable: TypeAlias = Callable[..., bool]
ShellContextProcessorCallable: TypeAlias = Callable[[], dict[str, Any]]
BeforeServingCallable: TypeAlias = Callable[[], Any]
#: An async generator function: set-up before its ``yield``, tear-down after.
WhileServingCallable: TypeAlias = Callable[[], AsyncGenerator[Any, None]]
AfterServingCallable: TypeAlias = Callable[[], Any]

T_route = TypeVar("T_route", bound=RouteCallable)
T_websocket = TypeVar("T_websocket", bound=WebsocketCallable)
T_before_request = TypeVar("T_before_request", bound=BeforeRequestCallable)
T_before_websocket = TypeVar("T_before_websocket", bound=BeforeWebsocketCallable)
T_after_request = TypeVar("T_after_request", bound=AfterRequestCallable)
T_after_websocket = TypeVar("T_after_websocket", bound=AfterWebsocketCallable)
T_teardown = TypeVar("T_teardown", bound=TeardownCallable)
T_error_handler = TypeVar("T_error_handler", bound=ErrorHandlerCallable)
T_url_defaults = TypeVar("T_url_defaults", bound=URLDefaultCallable)
T_url_value_preprocessor = TypeVar(
    "T_url_value_preprocessor", bound=URLValuePreprocessorCallable
)
T_template_context_processor = TypeVar(
    "T_template_context_processor", bound=TemplateContextProcessorCallable
)
T_template_filter = TypeVar("T_template_filter", bound=TemplateFilterCallable)
T_template_global = TypeVar("T_template_global", bound=TemplateGlobalCallable)
T_template_test = TypeVar("T_template_test", bound=TemplateTestCallable)
T_shell_context_processor = TypeVar(
    "T_shell_context_processor", bound=ShellContextProcessorCallable
)
T_before_serving = TypeVar("T_before_serving", bound=BeforeServingCallable)
T_while_serving = TypeVar("T_while_serving", bound=WhileServingCallable)
T_after_serving = TypeVar("T_after_serving", bound=AfterServingCallable)
#: The parameters of a wrapped function (decorators that keep a signature).
P = ParamSpec("P")


# -- Protocols ----------------------------------------------------------------
class Event(Protocol):
    """An event flag, as :class:`asyncio.Event` and ``trio.Event`` are: the
    type of :attr:`Quart.event_class <quart.Quart.event_class>`."""

    def is_set(self) -> bool: ...

    def set(self) -> None: ...


class _ASGIConnectionProtocol(Protocol):
    """What the three ASGI connection classes share: made with the app and
    the connection's scope, then called with ``receive`` and ``send``."""

    def __init__(self, app: Quart, scope: Scope) -> None: ...

    async def __call__(
        self, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None: ...


class ASGIHTTPProtocol(_ASGIConnectionProtocol, Protocol):
    """Serves one HTTP request
    (:attr:`Quart.asgi_http_class <quart.Quart.asgi_http_class>`)."""


class ASGIWebsocketProtocol(_ASGIConnectionProtocol, Protocol):
    """Serves one websocket connection
    (:attr:`Quart.asgi_websocket_class <quart.Quart.asgi_websocket_class>`)."""


class ASGILifespanProtocol(_ASGIConnectionProtocol, Protocol):
    """Runs the ASGI lifespan: startup, then shutdown
    (:attr:`Quart.asgi_lifespan_class <quart.Quart.asgi_lifespan_class>`)."""


_T_entered = TypeVar("_T_entered", covariant=True)


class _AsyncContextProtocol(Protocol[_T_entered]):
    """An ``async with`` block: ``__aenter__`` gives the Protocol's own type
    (an implementation returns itself)."""

    async def __aenter__(self) -> _T_entered: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class TestHTTPConnectionProtocol(
    _AsyncContextProtocol["TestHTTPConnectionProtocol"], Protocol
):
    """A test HTTP request whose body is streamed both ways:
    ``async with client.request(path) as connection:``."""

    def __init__(
        self, app: Quart, scope: Scope, _preserve_context: bool = False
    ) -> None: ...

    async def send(self, data: bytes) -> None: ...

    async def send_complete(self) -> None: ...

    async def receive(self) -> bytes: ...

    async def disconnect(self) -> None: ...

    async def as_response(self) -> Response: ...


class TestWebsocketConnectionProtocol(
    _AsyncContextProtocol["TestWebsocketConnectionProtocol"], Protocol
):
    """A test websocket: ``async with client.websocket(path) as ws:``."""

    def __init__(self, app: Quart, scope: Scope) -> None: ...

    async def receive(self) -> str | bytes: ...

    async def send(self, data: str | bytes) -> None: ...

    async def receive_json(self) -> Any: ...

    async def send_json(self, data: Any) -> None: ...

    async def close(self, code: int) -> None: ...

    async def disconnect(self) -> None: ...


class TestClientProtocol(_AsyncContextProtocol["TestClientProtocol"], Protocol):
    """The test client (:attr:`Quart.test_client_class
    <quart.Quart.test_client_class>`): requests without a server, with a
    cookie jar shared between them."""

    app: Quart
    #: ``None`` when the client was made with ``use_cookies=False``.
    cookie_jar: CookieJar | None
    http_connection_class: type[TestHTTPConnectionProtocol]
    websocket_connection_class: type[TestWebsocketConnectionProtocol]

    def __init__(self, app: Quart, use_cookies: bool = True) -> None: ...

    async def open(
        self,
        path: str,
        *,
        method: str = "GET",
        headers: dict[str, Any] | Headers | None = None,
        data: str | bytes | None = None,
        form: dict[str, Any] | None = None,
        files: dict[str, FileStorage] | None = None,
        query_string: dict[str, Any] | None = None,
        json: Any = ...,
        scheme: str = "http",
        follow_redirects: bool = False,
        root_path: str = "",
        http_version: str = "1.1",
        scope_base: dict[str, Any] | None = None,
        auth: Authorization | tuple[str, str] | None = None,
        subdomain: str | None = None,
    ) -> Response: ...

    def request(
        self,
        path: str,
        *,
        method: str = "GET",
        headers: dict[str, Any] | Headers | None = None,
        query_string: dict[str, Any] | None = None,
        scheme: str = "http",
        root_path: str = "",
        http_version: str = "1.1",
        scope_base: dict[str, Any] | None = None,
        auth: Authorization | tuple[str, str] | None = None,
        subdomain: str | None = None,
    ) -> TestHTTPConnectionProtocol: ...

    def websocket(
        self,
        path: str,
        *,
        headers: dict[str, Any] | Headers | None = None,
        query_string: dict[str, Any] | None = None,
        scheme: str = "ws",
        subprotocols: list[str] | None = None,
        root_path: str = "",
        http_version: str = "1.1",
        scope_base: dict[str, Any] | None = None,
        auth: Authorization | tuple[str, str] | None = None,
        subdomain: str | None = None,
    ) -> TestWebsocketConnectionProtocol: ...

    async def delete(self, *args: Any, **kwargs: Any) -> Response: ...

    async def get(self, *args: Any, **kwargs: Any) -> Response: ...

    async def head(self, *args: Any, **kwargs: Any) -> Response: ...

    async def options(self, *args: Any, **kwargs: Any) -> Response: ...

    async def patch(self, *args: Any, **kwargs: Any) -> Response: ...

    async def post(self, *args: Any, **kwargs: Any) -> Response: ...

    async def put(self, *args: Any, **kwargs: Any) -> Response: ...

    async def trace(self, *args: Any, **kwargs: Any) -> Response: ...

    def set_cookie(
        self,
        server_name: str,
        key: str,
        value: str = "",
        max_age: int | timedelta | None = None,
        expires: int | float | datetime | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
    ) -> None: ...

    def delete_cookie(
        self,
        server_name: str,
        key: str,
        path: str = "/",
        domain: str | None = None,
    ) -> None: ...

    def session_transaction(
        self,
        path: str = "/",
        *,
        method: str = "GET",
        headers: dict[str, Any] | Headers | None = None,
        query_string: dict[str, Any] | None = None,
        scheme: str = "http",
        data: str | bytes | None = None,
        form: dict[str, Any] | None = None,
        json: Any = ...,
        root_path: str = "",
        http_version: str = "1.1",
    ) -> AbstractAsyncContextManager[SessionMixin]: ...


class TestAppProtocol(_AsyncContextProtocol["TestAppProtocol"], Protocol):
    """Runs the app's lifespan for tests (:attr:`Quart.test_app_class
    <quart.Quart.test_app_class>`): ``async with app.test_app() as
    test_app:`` starts it up, and shuts it down at the end."""

    def __init__(self, app: Quart) -> None: ...

    def test_client(self) -> TestClientProtocol: ...

    async def startup(self) -> None: ...

    async def shutdown(self) -> None: ...
