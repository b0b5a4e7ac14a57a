"""``quart.typing``: the aliases are the real types, the TypeVars are bound
to them, and Quart's own classes implement the Protocols (members present,
sync or async alike, and accepting the Protocol's parameters)."""

from __future__ import annotations

import asyncio
import inspect
import os
import typing as t
from collections.abc import AsyncGenerator
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from werkzeug.wrappers import Response as WerkzeugResponse

import quart.app
import quart.blueprints
import quart.typing as qt
from quart import Quart
from quart.testing import QuartClient
from quart.testing import TestApp
from quart.wrappers import Response

#: Dunder methods a Protocol here declares on purpose.
_DECLARED_DUNDERS = {"__init__", "__call__", "__aenter__", "__aexit__"}


def _methods(protocol: type) -> dict[str, Callable[..., Any]]:
    """The methods ``protocol`` declares, itself or through the (private)
    Protocols of quart.typing it extends."""
    return {
        name: value
        for klass in reversed(protocol.__mro__)
        if klass.__module__ == qt.__name__
        for name, value in vars(klass).items()
        if inspect.isfunction(value)
        and value.__qualname__.startswith(f"{klass.__qualname__}.")
        and (not name.startswith("__") or name in _DECLARED_DUNDERS)
    }


def _is_async(function: Any) -> bool:
    return inspect.iscoroutinefunction(inspect.unwrap(function))


def _check_implements(protocol: type, implementation: type) -> None:
    for name, declared in _methods(protocol).items():
        assert hasattr(implementation, name), f"{implementation.__name__}.{name}"
        actual = inspect.getattr_static(implementation, name)
        if isinstance(actual, (staticmethod, classmethod)):
            actual = actual.__func__
        if name != "__init__":
            assert _is_async(actual) == _is_async(declared), (
                f"{implementation.__name__}.{name} should be "
                f"{'async' if _is_async(declared) else 'sync'}"
            )
        wanted = inspect.signature(declared).parameters
        got = inspect.signature(actual).parameters
        kinds = {parameter.kind for parameter in got.values()}
        for parameter in wanted.values():
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            if parameter.name in got:
                # A parameter the Protocol gives a default must have one.
                if parameter.default is not parameter.empty:
                    assert got[parameter.name].default is not parameter.empty, (
                        f"{implementation.__name__}.{name}({parameter.name}=)"
                    )
                continue
            assert parameter.VAR_KEYWORD in kinds, (
                f"{implementation.__name__}.{name} lacks {parameter.name!r}"
            )


IMPLEMENTATIONS: dict[str, tuple[type, Callable[[], type]]] = {
    "asgi-http": (qt.ASGIHTTPProtocol, lambda: Quart.asgi_http_class),
    "asgi-websocket": (qt.ASGIWebsocketProtocol, lambda: Quart.asgi_websocket_class),
    "asgi-lifespan": (qt.ASGILifespanProtocol, lambda: Quart.asgi_lifespan_class),
    "test-client": (qt.TestClientProtocol, lambda: QuartClient),
    "test-app": (qt.TestAppProtocol, lambda: TestApp),
    "test-http-connection": (
        qt.TestHTTPConnectionProtocol,
        lambda: QuartClient.http_connection_class,
    ),
    "test-websocket-connection": (
        qt.TestWebsocketConnectionProtocol,
        lambda: QuartClient.websocket_connection_class,
    ),
    "event-class": (qt.Event, lambda: Quart.event_class),
}


@pytest.mark.parametrize(
    ("protocol", "implementation"), IMPLEMENTATIONS.values(), ids=IMPLEMENTATIONS
)
def test_quart_classes_implement_the_protocols(
    protocol: type, implementation: Callable[[], type]
) -> None:
    _check_implements(protocol, implementation())


def test_protocols_declare_their_members() -> None:
    # What extensions call on them (quart-auth, quart-schema, quart-trio).
    assert {"open", "get", "post", "set_cookie", "delete_cookie"} <= set(
        _methods(qt.TestClientProtocol)
    )
    assert {"session_transaction", "request", "websocket"} <= set(
        _methods(qt.TestClientProtocol)
    )
    annotations = qt.TestClientProtocol.__annotations__
    assert set(annotations) == {
        "app",
        "cookie_jar",
        "http_connection_class",
        "websocket_connection_class",
    }
    assert set(_methods(qt.Event)) == {"is_set", "set"}
    for protocol in (
        qt.ASGIHTTPProtocol,
        qt.ASGIWebsocketProtocol,
        qt.ASGILifespanProtocol,
    ):
        assert set(_methods(protocol)) == {"__init__", "__call__"}
        assert _is_async(_methods(protocol)["__call__"])


def test_test_client_instance_has_the_protocol_attributes(app: Quart) -> None:
    client = app.test_client()
    for name in qt.TestClientProtocol.__annotations__:
        assert hasattr(client, name), name
    assert client.app is app
    assert app.test_client(use_cookies=False).cookie_jar is None


def test_events_of_asyncio_fit_the_event_protocol() -> None:
    _check_implements(qt.Event, asyncio.Event)
    trio = pytest.importorskip("trio")
    _check_implements(qt.Event, trio.Event)


# -- aliases ------------------------------------------------------------------------
def test_file_path_alias() -> None:
    assert set(t.get_args(qt.FilePath)) == {
        bytes,
        str,
        os.PathLike[str],
        os.PathLike[bytes],
    }
    assert isinstance(Path("x"), t.get_args(qt.FilePath)[2].__origin__)


def test_response_types_alias() -> None:
    # A string alias: resolve it as a type checker would.
    namespace = {"Response": Response, "WerkzeugResponse": WerkzeugResponse}
    resolved = eval(qt.ResponseTypes, namespace)
    assert set(t.get_args(resolved)) == {Response, WerkzeugResponse}
    assert qt.HeaderName is str
    assert qt.AppOrBlueprintKey == str | None


TYPEVARS = {
    "T_route": "RouteCallable",
    "T_websocket": "WebsocketCallable",
    "T_before_request": "BeforeRequestCallable",
    "T_before_websocket": "BeforeWebsocketCallable",
    "T_after_request": "AfterRequestCallable",
    "T_after_websocket": "AfterWebsocketCallable",
    "T_teardown": "TeardownCallable",
    "T_error_handler": "ErrorHandlerCallable",
    "T_template_filter": "TemplateFilterCallable",
    "T_template_global": "TemplateGlobalCallable",
    "T_template_test": "TemplateTestCallable",
    "T_shell_context_processor": "ShellContextProcessorCallable",
    "T_before_serving": "BeforeServingCallable",
    "T_while_serving": "WhileServingCallable",
    "T_after_serving": "AfterServingCallable",
}


@pytest.mark.parametrize(("typevar", "alias"), TYPEVARS.items())
def test_typevars_are_bound_to_their_aliases(typevar: str, alias: str) -> None:
    variable = getattr(qt, typevar)
    assert isinstance(variable, t.TypeVar)
    assert variable.__name__ == typevar
    assert variable.__bound__ == getattr(qt, alias)


def test_app_and_blueprints_share_the_typevars() -> None:
    for name in (
        "T_after_serving",
        "T_after_websocket",
        "T_before_serving",
        "T_before_websocket",
        "T_teardown",
        "T_websocket",
        "T_while_serving",
    ):
        assert getattr(quart.app, name) is getattr(qt, name)
        assert getattr(quart.blueprints, name) is getattr(qt, name)
    for name in ("T_shell_context_processor", "T_template_filter", "AppOrBlueprintKey"):
        assert getattr(quart.app, name) is getattr(qt, name)
    assert isinstance(quart.app.P, t.ParamSpec)


def test_callable_aliases_have_their_shapes() -> None:
    assert t.get_args(qt.WhileServingCallable) == ([], AsyncGenerator[Any, None])
    assert t.get_args(qt.ShellContextProcessorCallable) == ([], dict[str, Any])
    assert t.get_args(qt.TemplateTestCallable) == (..., bool)
    assert t.get_args(qt.BeforeServingCallable)[0] == []
    assert t.get_args(qt.AfterWebsocketCallable)[0] == [Any]
