"""Type aliases shared by the framework and its users.

Our own ASGI types live here too, so the core never imports a server's typing.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import MutableMapping
from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeAlias
from typing import TypeVar

from werkzeug.datastructures import Headers

if TYPE_CHECKING:
    from werkzeug.wrappers import Response as WerkzeugResponse

    from .wrappers import Response

# ASGI
Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
ASGIReceiveCallable: TypeAlias = Callable[[], Awaitable[Message]]
ASGISendCallable: TypeAlias = Callable[[Message], Awaitable[None]]
ASGIApp: TypeAlias = Callable[
    [Scope, ASGIReceiveCallable, ASGISendCallable], Awaitable[None]
]

# What a view may return.
ResponseBody: TypeAlias = (
    "Response | WerkzeugResponse | str | bytes | Mapping[str, Any] | list[Any]"
    " | Iterable[Any] | AsyncIterable[Any]"
)
StatusCode: TypeAlias = int
HeaderValue: TypeAlias = "str | list[str] | tuple[str, ...]"
HeadersValue: TypeAlias = (
    "Headers | Mapping[str, HeaderValue] | Sequence[tuple[str, HeaderValue]]"
)
ResponseValue: TypeAlias = (
    "ResponseBody | tuple[ResponseBody, HeadersValue]"
    " | tuple[ResponseBody, StatusCode]"
    " | tuple[ResponseBody, StatusCode, HeadersValue]"
)
ResponseReturnValue: TypeAlias = ResponseValue

# Callables registered on apps and blueprints; sync or async.
RouteCallable: TypeAlias = Callable[..., "ResponseReturnValue | Awaitable[Any]"]
BeforeRequestCallable: TypeAlias = Callable[[], Any]
AfterRequestCallable: TypeAlias = Callable[[Any], Any]
TeardownCallable: TypeAlias = Callable[[BaseException | None], Any]
ErrorHandlerCallable: TypeAlias = Callable[[Any], Any]
URLDefaultCallable: TypeAlias = Callable[[str, dict[str, Any]], None]
URLValuePreprocessorCallable: TypeAlias = Callable[
    [str | None, dict[str, Any] | None], None
]
TemplateContextProcessorCallable: TypeAlias = Callable[[], Any]
AppOrBlueprintKey: TypeAlias = str | None

T_route = TypeVar("T_route", bound=RouteCallable)
T_before_request = TypeVar("T_before_request", bound=BeforeRequestCallable)
T_after_request = TypeVar("T_after_request", bound=AfterRequestCallable)
T_teardown = TypeVar("T_teardown", bound=TeardownCallable)
T_error_handler = TypeVar("T_error_handler", bound=ErrorHandlerCallable)
T_url_defaults = TypeVar("T_url_defaults", bound=URLDefaultCallable)
T_url_value_preprocessor = TypeVar(
    "T_url_value_preprocessor", bound=URLValuePreprocessorCallable
)
T_template_context_processor = TypeVar(
    "T_template_context_processor", bound=TemplateContextProcessorCallable
)
