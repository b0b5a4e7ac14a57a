"""The :class:`Quart` application: configuration, the dispatch pipeline,
error handling and the serving lifespan."""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Coroutine
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import timedelta
from functools import cached_property
from logging import Logger
from typing import TYPE_CHECKING
from typing import Any
from typing import NamedTuple
from typing import NoReturn
from typing import TypeVar
from typing import cast
from urllib.parse import quote as _url_quote

from werkzeug.datastructures import Headers
from werkzeug.exceptions import Aborter
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import SecurityError
from werkzeug.routing import BuildError
from werkzeug.routing import MapAdapter
from werkzeug.routing import RoutingException
from werkzeug.routing.converters import DEFAULT_CONVERTERS
from werkzeug.wrappers import Response as WerkzeugResponse

from .asgi import ASGIHTTPConnection
from .asgi import ASGILifespan
from .asgi import ASGIWebsocketConnection
from .cli import AppGroup
from .config import DEFAULT_CONFIG
from .config import Config
from .config import ConfigAttribute
from .ctx import AppContext
from .ctx import RequestContext
from .ctx import WebsocketContext
from .ctx import _AppCtxGlobals
from .globals import _cv_app
from .globals import _cv_request
from .globals import _cv_websocket
from .helpers import find_package
from .helpers import get_debug_flag
from .json.provider import DefaultJSONProvider
from .json.provider import JSONProvider
from .logging import create_logger
from .plugins import PluginManager
from .plugins import call_each
from .plugins import call_until_answer
from .routing import QuartMap
from .routing import QuartRule
from .routing import normalise_host
from .routing import subdomain_of
from .scaffold import AsyncFile
from .scaffold import Scaffold
from .scaffold import _endpoint_from_view_func
from .scaffold import setupmethod
from .sessions import SessionInterface
from .sessions import SessionMixin
from .signals import appcontext_tearing_down
from .signals import got_background_exception
from .signals import got_request_exception
from .signals import got_serving_exception
from .signals import got_websocket_exception
from .signals import request_finished
from .signals import request_started
from .signals import request_tearing_down
from .signals import send_signal
from .signals import websocket_finished
from .signals import websocket_started
from .signals import websocket_tearing_down
from .sync import ensure_async
from .sync import run_sync
from .templating import DispatchingJinjaLoader
from .templating import Environment
from .templating import T_template_filter
from .templating import T_template_global
from .templating import T_template_test
from .templating import TemplateFilterCallable
from .templating import TemplateGlobalCallable
from .templating import TemplateTestCallable
from .testing import QuartClient
from .testing import QuartCliRunner
from .testing import TestApp
from .typing import AppOrBlueprintKey as AppOrBlueprintKey
from .typing import P as P
from .typing import T_after_serving as T_after_serving
from .typing import T_after_websocket as T_after_websocket
from .typing import T_before_serving as T_before_serving
from .typing import T_before_websocket as T_before_websocket
from .typing import T_shell_context_processor as T_shell_context_processor
from .typing import T_teardown as T_teardown
from .typing import T_websocket as T_websocket
from .typing import T_while_serving as T_while_serving
from .wrappers import Request
from .wrappers import Response
from .wrappers import Websocket
from .wrappers import WebsocketDisconnect
from .wrappers.base import BaseRequestWebsocket

if TYPE_CHECKING:
    from .blueprints import Blueprint
    from .broadcast import Broadcast
    from .typing import ASGIReceiveCallable
    from .typing import ASGISendCallable
    from .typing import ResponseReturnValue
    from .typing import Scope

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
_sentinel: Any = object()
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def _make_timedelta(value: timedelta | int) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


def _invalid_response_error(rv: Any) -> TypeError:
    """The error for a view's return value :meth:`Quart.make_response`
    cannot use; a coroutine (``return render_template(...)`` without
    ``await``) gets a hint, and is closed so Python does not also warn
    that it was never awaited."""
    if inspect.isawaitable(rv):
        if inspect.iscoroutine(rv):
            rv.close()
        ctx = _cv_request.get(None) or _cv_websocket.get(None)
        where = ""
        if ctx is not None:
            endpoint = ctx._connection.endpoint
            where = f" for {endpoint!r}" if endpoint is not None else ""
        name = getattr(rv, "__qualname__", None)
        what = type(rv).__name__ + (f" ({name})" if name else "")
        return TypeError(
            f"The view function{where} returned a {what} instead of a"
            " response: did you forget `await`? For example"
            " `return await render_template(...)`."
        )
    return TypeError(
        "The view function did not return a valid response. The"
        " return type must be a string, dict, list, tuple with"
        " headers or status, Response instance, or iterator, but it"
        f" was a {type(rv).__name__}."
    )


async def _traceback_response(error: Exception) -> Response:
    from .debug import traceback_response

    return await traceback_response(error)


async def _resolve(value: Awaitable[T] | T) -> T:
    """Await ``value`` if it is awaitable. Used on the error and ``OPTIONS``
    paths only: Flask extensions may replace ``handle_exception`` and
    friends with sync functions, which return values instead."""
    if inspect.isawaitable(value):
        return await value
    return value


class _HookChain(NamedTuple):
    """The request (or websocket) hooks that apply to one blueprint, in
    calling order, already made async: computed once, reused by every
    request."""

    url_value_preprocessors: tuple[
        Callable[[str | None, dict[str, Any] | None], None], ...
    ]
    before: tuple[Callable[[], Awaitable[Any]], ...]
    # Requests pass a Response; websockets a Response or None.
    after: tuple[Callable[[Any], Awaitable[Any]], ...]
    teardown: tuple[Callable[[BaseException | None], Awaitable[Any]], ...]
    context_processors: tuple[Callable[[], Awaitable[dict[str, Any]]], ...]


class Quart(Scaffold):
    """The application: a registry of views and hooks, and an ASGI app.

    :param import_name: normally ``__name__``; used to find the root path.
    :param static_url_path: URL prefix of the static route (``/static``).
    :param static_folder: folder served by the static route, relative to
        ``root_path``; ``None`` disables the route.
    :param static_host: host of the static route when ``host_matching``.
    :param host_matching: match routes on the ``Host`` as well.
    :param subdomain_matching: match subdomains of ``SERVER_NAME``.
    :param template_folder: folder of templates, relative to ``root_path``.
    :param instance_path: folder for instance files (default ``instance``
        beside the package).
    :param instance_relative_config: load relative config files from
        ``instance_path`` instead of ``root_path``.
    :param root_path: override the folder found from ``import_name``.
    :param plugins: plugins to register besides the built-ins and the
        ``quart.plugins`` entry points: objects or import strings.
    :param disable_plugins: plugin names never to load (built-ins too).
    :param allow_plugins: load only these entry-point plugins.
    """

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    config_class: type[Config] = Config
    aborter_class: type[Aborter] = Aborter
    url_rule_class: type[QuartRule] = QuartRule
    url_map_class: type[QuartMap] = QuartMap
    app_ctx_globals_class: type[_AppCtxGlobals] = _AppCtxGlobals
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    asgi_http_class: type[ASGIHTTPConnection] = ASGIHTTPConnection
    asgi_lifespan_class: type[ASGILifespan] = ASGILifespan
    asgi_websocket_class: type[ASGIWebsocketConnection] = ASGIWebsocketConnection
    websocket_class: type[Websocket] = Websocket
    #: The event class the app creates events with (``asyncio.Event``); an
    #: app on another event loop library (QuartTrio) replaces it.
    event_class: type[Any] = asyncio.Event
    #: The lock class the app creates locks with (``asyncio.Lock``).
    lock_class: type[Any] = asyncio.Lock
    # Classes, as in Quart: extensions subclass them (Quart-Schema mixes its
    # model-aware test client into ``app.test_client_class``).
    test_client_class: type[QuartClient] = QuartClient
    test_app_class: type[TestApp] = TestApp
    test_cli_runner_class: type[QuartCliRunner] = QuartCliRunner
    _session_interface: SessionInterface | None = None
    # Per-request plugin hooks, snapshotted when the app freezes.
    _request_started_hooks: tuple[Callable[..., Any], ...] = ()
    _request_finished_hooks: tuple[Callable[..., Any], ...] = ()
    _request_exception_hooks: tuple[Callable[..., Any], ...] = ()
    _request_teardown_hooks: tuple[Callable[..., Any], ...] = ()
    _websocket_started_hooks: tuple[Callable[..., Any], ...] = ()
    # Pipeline methods replaced by a subclass, a patch or on the instance:
    # those are always called. Until the app freezes, assume all are (a
    # test may run ``full_dispatch_request`` before any request did).
    _overridden: frozenset[str] = frozenset(
        (
            "preprocess_request",
            "make_response",
            "process_response",
            "do_teardown_request",
            "do_teardown_appcontext",
        )
    )
    _websocket_finished_hooks: tuple[Callable[..., Any], ...] = ()
    _websocket_exception_hooks: tuple[Callable[..., Any], ...] = ()
    _websocket_teardown_hooks: tuple[Callable[..., Any], ...] = ()
    default_config = DEFAULT_CONFIG
    #: The class of :attr:`jinja_env`.
    jinja_environment: type[Environment] = Environment
    #: Options for the Jinja environment; change them before
    #: :attr:`jinja_env` is first used.
    jinja_options: dict[str, Any] = {}

    testing = ConfigAttribute[bool]("TESTING")
    secret_key = ConfigAttribute[str | bytes | None]("SECRET_KEY")
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME", get_converter=_make_timedelta
    )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
        *,
        plugins: Iterable[object | str] | None = None,
        disable_plugins: Iterable[str] | None = None,
        allow_plugins: Iterable[str] | None = None,
    ) -> None:
        super().__init__(
            import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError("If an instance path is provided it must be absolute.")
        self.instance_path = instance_path
        self.config = self.make_config(instance_relative_config)
        self.aborter = self.make_aborter()
        self.json: JSONProvider = self.json_provider_class(self)
        self.url_build_error_handlers: list[
            Callable[[Exception, str, dict[str, Any]], str]
        ] = []
        self.teardown_appcontext_funcs: list[Callable[..., Any]] = []
        self.shell_context_processors: list[Callable[[], dict[str, Any]]] = []
        self.before_serving_funcs: list[Callable[[], Awaitable[Any]]] = []
        self.while_serving_gens: list[AsyncGenerator[Any, None]] = []
        self.after_serving_funcs: list[Callable[[], Awaitable[Any]]] = []
        self.while_serving_funcs: list[Callable[[], AsyncGenerator[Any, None]]] = []
        self.background_tasks: set[asyncio.Task[None]] = set()
        self.blueprints: dict[str, Blueprint] = {}
        self.extensions: dict[str, Any] = {}
        #: The app's click commands, run by ``quart NAME`` in an app context.
        self.cli: AppGroup = AppGroup(self.name)
        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching

        self._got_first_request = False
        self._frozen = False  # see _freeze and _thaw
        self._hook_chains: dict[str | None, _HookChain] = {}
        self._websocket_hook_chains: dict[str | None, _HookChain] = {}
        self._async_views: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {}
        self._url_adapters: dict[tuple[Any, ...], MapAdapter] = {}
        self._request_adapters: dict[tuple[Any, ...], MapAdapter] = {}
        # Successful route matches, once serving, if every converter is a
        # werkzeug built-in (a custom one may look things up: not cached);
        # emptied by a setup change.
        self._match_cache: dict[tuple[Any, ...], tuple[QuartRule, Any]] | None = None

        if self.has_static_folder:
            assert bool(static_host) == host_matching, (
                "Invalid static_host/host_matching combination"
            )
            # The bound method itself, as in Quart: extensions mark it through
            # ``send_static_file.__func__`` (Quart-Schema hides it from OpenAPI).
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=self.send_static_file,
            )

        self.plugins = PluginManager(
            self, plugins=plugins, allow=allow_plugins, block=disable_plugins
        )
        self._plugins_ready = True
        self.plugins.app_created()

    # -- basics -------------------------------------------------------------
    @cached_property
    def name(self) -> str:  # type: ignore[override]
        """The app's name: the import name, or the script's for ``__main__``."""
        if self.import_name == "__main__":
            fn: str | None = getattr(sys.modules["__main__"], "__file__", None)
            if fn is None:
                return "__main__"
            return os.path.splitext(os.path.basename(fn))[0]
        return self.import_name

    @cached_property
    def logger(self) -> Logger:
        """A :mod:`logging` logger named after the app."""
        return create_logger(self)

    @property
    def debug(self) -> bool:
        """``DEBUG`` config: more detailed errors, exceptions propagate."""
        return self.config["DEBUG"]  # type: ignore[no-any-return]

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in vars(self):
            self.jinja_env.auto_reload = value

    def make_config(self, instance_relative: bool = False) -> Config:
        """The app's :class:`~quart.config.Config`, seeded with defaults."""
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = get_debug_flag()
        return self.config_class(root_path, defaults)

    def make_aborter(self) -> Aborter:
        """The :class:`werkzeug.exceptions.Aborter` behind :func:`abort`."""
        return self.aborter_class()

    def auto_find_instance_path(self) -> str:
        """``instance`` beside the app's package or module, or
        ``<prefix>/var/<name>-instance`` when it is installed
        (:func:`~quart.helpers.find_package`), as in Flask."""
        prefix, package_path = find_package(self.import_name)
        if prefix is None:
            return os.fspath(package_path / "instance")
        return os.fspath(prefix / "var" / f"{self.name}-instance")

    async def open_instance_resource(
        self,
        path: str | os.PathLike[str],
        mode: str = "rb",
        encoding: str | None = "utf-8",
    ) -> AsyncFile:
        """Open a file relative to :attr:`instance_path`; writing is allowed.
        The file is opened in a worker thread and its methods are
        coroutines: ``async with await app.open_instance_resource("a.cfg")
        as f: data = await f.read()``. ``encoding`` applies in text mode."""
        return await AsyncFile.open(
            os.path.join(self.instance_path, path), mode, encoding=encoding
        )

    @property
    def got_first_request(self) -> bool:
        """True once the app handled a request or started serving."""
        return self._got_first_request

    def _check_setup_finished(self, f_name: str) -> None:
        """Setup may go on after the app served requests (as Quart allows,
        e.g. a test adding a route late): drop what was compiled for the
        hot path, and the next request compiles it again."""
        if self._frozen:
            self._thaw()

    def _freeze(self) -> None:
        """Compile what the hot path needs: the plugins' per-request hooks
        (an unused hook stays an empty tuple), which pipeline methods are
        overridden, and whether route matches may be remembered. Hook
        chains are then cached per blueprint as requests need them."""
        plugins = self.plugins
        plugins.check_routes()  # a plugin's route never shadows the app's
        self._request_started_hooks = plugins.callers("quart_request_started")
        self._request_finished_hooks = plugins.callers("quart_request_finished")
        self._request_exception_hooks = plugins.callers("quart_request_exception")
        self._request_teardown_hooks = plugins.callers("quart_request_teardown")
        self._websocket_started_hooks = plugins.callers("quart_websocket_started")
        self._websocket_finished_hooks = plugins.callers("quart_websocket_finished")
        self._websocket_exception_hooks = plugins.callers("quart_websocket_exception")
        self._websocket_teardown_hooks = plugins.callers("quart_websocket_teardown")
        self._overridden = frozenset(
            name
            for name, original in _PIPELINE_METHODS.items()
            if name in self.__dict__
            or not _is_original(getattr(type(self), name), original)
        )
        builtin = set(DEFAULT_CONVERTERS.values())
        if all(cls in builtin for cls in self.url_map.converters.values()):
            self._match_cache = {}
        self._frozen = True
        self._got_first_request = True

    def _thaw(self) -> None:
        """Forget what :meth:`_freeze` and the requests since compiled,
        before a setup change; the next request freezes the app again."""
        self._frozen = False
        self._hook_chains.clear()
        self._websocket_hook_chains.clear()
        self._match_cache = None
        if "jinja_env" in vars(self) and self.jinja_env.cache is not None:
            # Compiled templates hold the filters and tests they were
            # compiled with.
            self.jinja_env.cache.clear()

    @property
    def session_interface(self) -> SessionInterface:
        """How sessions are loaded and saved: set it to replace the default,
        or answer the ``quart_session_interface`` plugin hook."""
        interface = self._session_interface
        if interface is None:
            interface = self.plugins.first_result_sync("quart_session_interface", self)
            if interface is None:
                raise RuntimeError(
                    "No plugin provides a session interface (was the"
                    " 'quart.sessions' plugin disabled without a replacement?)."
                )
            self._session_interface = interface
        return interface

    @session_interface.setter
    def session_interface(self, value: SessionInterface) -> None:
        self._session_interface = value

    @cached_property
    def broadcast(self) -> Broadcast:
        """Publish/subscribe across the app (:mod:`quart.broadcast`), created
        on first use with the backend the ``quart_broadcast_backend`` hook
        answers: in-process by default, shared by workers with a plugin."""
        from .broadcast import Broadcast

        return Broadcast(self)

    # -- sync/async bridging --------------------------------------------
    def ensure_async(self, func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        """``func`` itself if it is async, else a wrapper running it in a
        worker thread (see :meth:`sync_to_async`)."""
        wrapped = ensure_async(func)
        if wrapped is func:
            return func
        return self.sync_to_async(func)

    def sync_to_async(self, func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        """Run a sync function off the event loop; override to change how."""
        return run_sync(func)

    # -- routing ------------------------------------------------------------
    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register ``view_func`` for the URL ``rule``.

        :param endpoint: the name for :func:`url_for` (the function's name by
            default).
        :param provide_automatic_options: answer ``OPTIONS`` automatically
            (default on unless ``OPTIONS`` is listed in ``methods``).
        :param options: ``methods``, ``defaults``, ``host``, ``subdomain``,
            ``strict_slashes``, ``redirect_to``, ``websocket``, ... as werkzeug's
            :class:`~werkzeug.routing.Rule` takes them.
        """
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)  # type: ignore[arg-type]
        options["endpoint"] = endpoint
        methods = options.pop("methods", None)
        websocket = options.get("websocket", False)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError(
                "Allowed methods must be a list of strings, for example:"
                ' @app.route(..., methods=["POST"])'
            )
        methods = {item.upper() for item in methods}
        required_methods = set(getattr(view_func, "required_methods", ()))
        if provide_automatic_options is None:
            provide_automatic_options = getattr(
                view_func, "provide_automatic_options", None
            )
        if provide_automatic_options is None:
            if (
                "OPTIONS" not in methods
                and not websocket
                and self.config["PROVIDE_AUTOMATIC_OPTIONS"]
            ):
                provide_automatic_options = True
                required_methods.add("OPTIONS")
            else:
                provide_automatic_options = False
        methods |= required_methods

        rule_obj = self.url_rule_class(
            rule,
            methods=methods,
            provide_automatic_options=provide_automatic_options,
            **options,
        )
        self.url_map.add(rule_obj)
        if view_func is not None:
            old_func = self.view_functions.get(endpoint)
            if old_func is not None and old_func != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing"
                    f" endpoint function: {endpoint}"
                )
            self.view_functions[endpoint] = view_func

    @setupmethod
    def url_build_error_handler(self, f: F) -> F:
        """Call ``f(error, endpoint, values)`` when :func:`url_for` fails; a
        returned string is used as the URL."""
        self.url_build_error_handlers.append(f)
        return f

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
                    request.headers.get("host"),
                    request.server,
                    request.scheme,
                    request.root_path,
                    config["SERVER_NAME"],
                )
                cached = self._request_adapters.get(key)
                if cached is not None:
                    return cached
            adapter = self._request_adapter(request, config)
            if key is not None:
                if len(self._request_adapters) >= 256:  # the Host header is client data
                    self._request_adapters.clear()
                self._request_adapters[key] = adapter
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
            if len(self._url_adapters) >= 256:  # the Host header is client data
                self._url_adapters.clear()
            adapter = self.url_map.bind(
                server_name,
                script_name=root_path or "/",
                subdomain=subdomain,
                url_scheme=scheme,
            )
            self._url_adapters[key] = adapter
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
        if cache is not None:
            if len(cache) >= 4096:  # paths are client data: stay bounded
                cache.clear()
            cache[key] = (rule, values)
            values = dict(values)
        return rule, values

    def inject_url_defaults(self, endpoint: str, values: dict[str, Any]) -> None:
        """Let the ``url_defaults`` functions of the app and the endpoint's
        blueprints fill in ``values``."""
        names: tuple[str | None, ...] = (None,)
        if "." in endpoint:
            parts = endpoint.rpartition(".")[0].split(".")
            names += tuple(".".join(parts[: i + 1]) for i in range(len(parts)))
        for name in names:
            for func in self.url_default_functions.get(name, ()):
                func(endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, Any]
    ) -> str:
        """Try the ``url_build_error_handler`` functions, else re-raise."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except BuildError as e:
                error = e
            else:
                if rv is not None:
                    return rv
        raise error

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        """Build the URL of ``endpoint``; see :func:`quart.url_for`."""
        req_ctx: RequestContext | WebsocketContext | None = _cv_request.get(None)
        if req_ctx is None:
            req_ctx = _cv_websocket.get(None)
        if req_ctx is not None:
            url_adapter = req_ctx.url_adapter
            blueprint_name = (
                req_ctx.request.blueprint
                if isinstance(req_ctx, RequestContext)
                else req_ctx.websocket.blueprint
            )
            if endpoint[:1] == ".":
                if blueprint_name is not None:
                    endpoint = f"{blueprint_name}{endpoint}"
                else:
                    endpoint = endpoint[1:]
            if _external is None:
                _external = _scheme is not None
        else:
            app_ctx = _cv_app.get(None)
            if app_ctx is not None and app_ctx.app is self:
                url_adapter = app_ctx.url_adapter
            else:
                url_adapter = self.create_url_adapter(None)
            if _external is None:
                _external = True
        if url_adapter is None:
            raise RuntimeError(
                "Unable to build URLs outside an active request without"
                " 'SERVER_NAME' configured. Also configure 'APPLICATION_ROOT'"
                " and 'PREFERRED_URL_SCHEME' as needed."
            )
        if _scheme is not None and not _external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")
        self.inject_url_defaults(endpoint, values)
        try:
            rv = url_adapter.build(
                endpoint,
                values,
                method=_method,
                url_scheme=_scheme,
                force_external=_external,
            )
        except BuildError as error:
            values.update(
                _anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external
            )
            return self.handle_url_build_error(error, endpoint, values)
        if _anchor is not None:
            rv = f"{rv}#{_url_quote(_anchor, safe=_ANCHOR_SAFE)}"
        return rv

    def redirect(self, location: str, code: int = 302) -> Response:
        """A redirect response of this app's response class."""
        from werkzeug.utils import redirect

        return redirect(location, code, Response=self.response_class)  # type: ignore[arg-type, return-value]

    # -- blueprints -----------------------------------------------------------
    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Register ``blueprint`` on the app; options override the
        blueprint's own: ``url_prefix``, ``subdomain``, ``url_defaults``,
        ``name`` (to register the same blueprint twice) and ``cli_group``.
        Other options are passed to the blueprint's recorded functions."""
        blueprint.register(self, options)

    def iter_blueprints(self) -> Iterable[Blueprint]:
        """The registered blueprints, in registration order (nested ones
        with their dotted names)."""
        return self.blueprints.values()

    # -- templates ------------------------------------------------------------
    @cached_property
    def jinja_env(self) -> Environment:
        """The app's async Jinja environment, created on first use by
        :meth:`create_jinja_environment` (change :attr:`jinja_options`
        before that)."""
        return self.create_jinja_environment()

    def create_jinja_environment(self) -> Environment:
        """Build the Jinja environment: :attr:`jinja_options`, autoescaping
        by file name, ``TEMPLATES_AUTO_RELOAD``, the template globals
        (``config``, ``request``, ``session``, ``g``, ``url_for``,
        ``get_flashed_messages``) and ``tojson`` through :attr:`json`."""
        from .globals import g
        from .globals import request
        from .globals import session
        from .helpers import get_flashed_messages

        options = dict(self.jinja_options)
        options.setdefault("autoescape", self.select_jinja_autoescape)
        options.setdefault("auto_reload", self.templates_auto_reload)
        env = self.jinja_environment(self, **options)
        env.globals.update(
            url_for=self.url_for,
            get_flashed_messages=get_flashed_messages,
            config=self.config,
            # The context replaces request and g with the real objects; the
            # proxies serve imported templates, which get no context.
            request=request,
            session=session,
            g=g,
        )
        env.policies["json.dumps_function"] = self.json.dumps
        return env

    def create_global_jinja_loader(self) -> DispatchingJinjaLoader:
        """The environment's loader: the app's template folder first, then
        each blueprint's (override :attr:`jinja_loader` to change the app's)."""
        return DispatchingJinjaLoader(self)

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Whether to autoescape a template: always for strings, else for
        ``.html``, ``.htm``, ``.xml``, ``.xhtml`` and ``.svg`` files."""
        if filename is None:
            return True
        return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))

    @property
    def templates_auto_reload(self) -> bool:
        """Check templates for changes on use: ``TEMPLATES_AUTO_RELOAD``, or
        :attr:`debug` when that is ``None``."""
        value = self.config["TEMPLATES_AUTO_RELOAD"]
        return bool(self.debug if value is None else value)

    @templates_auto_reload.setter
    def templates_auto_reload(self, value: bool) -> None:
        self.config["TEMPLATES_AUTO_RELOAD"] = value
        if "jinja_env" in vars(self):
            self.jinja_env.auto_reload = value

    @setupmethod
    def template_filter(
        self, name: str | None = None
    ) -> Callable[[T_template_filter], T_template_filter]:
        """Register the decorated function as a Jinja filter (named
        ``name`` or after the function): ``@app.template_filter()``."""

        def decorator(f: T_template_filter) -> T_template_filter:
            self.add_template_filter(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_filter(
        self, f: TemplateFilterCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`template_filter`."""
        self.jinja_env.filters[name or f.__name__] = f

    @setupmethod
    def template_test(
        self, name: str | None = None
    ) -> Callable[[T_template_test], T_template_test]:
        """Register the decorated function as a Jinja test
        (``{% if n is prime %}``): ``@app.template_test()``."""

        def decorator(f: T_template_test) -> T_template_test:
            self.add_template_test(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_test(
        self, f: TemplateTestCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`template_test`."""
        self.jinja_env.tests[name or f.__name__] = f

    @setupmethod
    def template_global(
        self, name: str | None = None
    ) -> Callable[[T_template_global], T_template_global]:
        """Make the decorated function a global of every template:
        ``@app.template_global()``."""

        def decorator(f: T_template_global) -> T_template_global:
            self.add_template_global(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_global(
        self, f: TemplateGlobalCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`template_global`."""
        self.jinja_env.globals[name or f.__name__] = f

    async def update_template_context(self, context: dict[str, Any]) -> None:
        """Add ``g``, ``request`` (or ``websocket``) and what the context
        processors of the app and the current blueprints (outer to inner)
        return to ``context``; values already in ``context`` win."""
        defaults: dict[str, Any] = {}
        app_ctx = _cv_app.get(None)
        if app_ctx is not None:
            defaults["g"] = app_ctx.g
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            defaults["request"] = req_ctx.request
            hooks = req_ctx._hooks or self._hooks_for(req_ctx.request.blueprint)
        elif (ws_ctx := _cv_websocket.get(None)) is not None:
            defaults["websocket"] = ws_ctx.websocket
            hooks = self._hooks_for(ws_ctx.websocket.blueprint)
        else:
            hooks = self._hooks_for(None)
        processors = hooks.context_processors
        if not processors:
            for key, value in defaults.items():
                context.setdefault(key, value)
            return
        original = context.copy()
        context.update(defaults)
        for processor in processors:
            context.update(await processor())
        context.update(original)

    # -- contexts -------------------------------------------------------------
    def app_context(self) -> AppContext:
        """``async with app.app_context():`` makes ``current_app`` and ``g``
        available outside a request (CLI commands, background work)."""
        return AppContext(self)

    def request_context(self, request: Request) -> RequestContext:
        """The context for ``request``; the ASGI layer pushes one per request."""
        return RequestContext(self, request)

    def test_request_context(self, path: str = "/", **kwargs: Any) -> RequestContext:
        """A request context for ``path`` without a server, for tests and
        shells: ``async with app.test_request_context("/?a=1", method="POST"):``.
        Takes the same keywords as the test client's ``open``."""
        from .testing.utils import make_test_request

        return self.request_context(make_test_request(self, path, **kwargs))

    def websocket_context(self, websocket: Websocket) -> WebsocketContext:
        """The context for ``websocket``; the ASGI layer pushes one per
        websocket connection."""
        return WebsocketContext(self, websocket)

    def test_websocket_context(
        self, path: str = "/", **kwargs: Any
    ) -> WebsocketContext:
        """A websocket context for ``path`` without a connection, to test
        code that reads :data:`~quart.websocket` (headers, args, session);
        sending and receiving raise :class:`RuntimeError`. Takes the
        keywords of the test client's ``websocket``."""
        from .testing.connections import make_test_websocket

        return self.websocket_context(make_test_websocket(self, path, **kwargs))

    def test_client(self, use_cookies: bool = True, **kwargs: Any) -> QuartClient:
        """An async client that calls the app in-process."""
        from .testing import QuartClient

        cls = self.test_client_class or QuartClient
        return cls(self, use_cookies=use_cookies, **kwargs)

    def test_app(self) -> TestApp:
        """``async with app.test_app() as test_app:`` runs the lifespan
        (``before_serving`` ... ``after_serving``) around the block."""
        from .testing import TestApp

        cls = self.test_app_class or TestApp
        return cls(self)

    def test_cli_runner(self, **kwargs: Any) -> QuartCliRunner:
        """A click test runner whose ``invoke`` runs this app's commands
        (``app.cli`` unless ``cli=`` is given); ``kwargs`` go to
        :class:`click.testing.CliRunner`."""
        from .testing import QuartCliRunner

        cls = self.test_cli_runner_class or QuartCliRunner
        return cls(self, **kwargs)

    @setupmethod
    def teardown_appcontext(self, f: F) -> F:
        """Run ``f(exc)`` when an app context pops."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @setupmethod
    def shell_context_processor(self, f: F) -> F:
        """Add ``f()``'s dict to the ``quart shell`` namespace."""
        self.shell_context_processors.append(f)
        return f

    def make_shell_context(self) -> dict[str, Any]:
        """The ``quart shell`` namespace: ``app``, ``g`` and what every
        shell context processor returns."""
        from .globals import g

        namespace: dict[str, Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            namespace.update(processor())
        return namespace

    def _needs_request_teardown(self, hooks: _HookChain | None) -> bool:
        """Whether :meth:`do_teardown_request` has anything to do (a cheap
        check made before calling it on every request)."""
        return bool(
            hooks is None
            or hooks.teardown
            or request_tearing_down.receivers
            or self._request_teardown_hooks
            or "do_teardown_request" in self._overridden
        )

    def _needs_appcontext_teardown(self) -> bool:
        """Whether :meth:`do_teardown_appcontext` has anything to do."""
        return bool(
            self.teardown_appcontext_funcs
            or appcontext_tearing_down.receivers
            or "do_teardown_appcontext" in self._overridden
        )

    async def do_teardown_request(self, exc: BaseException | None = _sentinel) -> None:
        """Run the teardown functions of the current request (innermost
        blueprint first, app last), then the ``request_tearing_down`` signal."""
        ctx = _cv_request.get()
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        for func in (ctx._hooks or self._hooks_for(ctx.request.blueprint)).teardown:
            try:
                await func(exc)
            except Exception:
                self._log_teardown_error("teardown_request function", func)
        if request_tearing_down.receivers:
            try:
                await send_signal(request_tearing_down, self, exc=exc)
            except Exception:
                self._log_teardown_error("request_tearing_down receiver")
        if self._request_teardown_hooks:
            await self._call_teardown_hooks(
                self._request_teardown_hooks, ctx.request, exc
            )

    async def do_teardown_appcontext(
        self, exc: BaseException | None = _sentinel
    ) -> None:
        """Run the ``teardown_appcontext`` functions, last registered first."""
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        for func in reversed(self.teardown_appcontext_funcs):
            try:
                await self.ensure_async(func)(exc)
            except Exception:
                self._log_teardown_error("teardown_appcontext function", func)
        if appcontext_tearing_down.receivers:
            try:
                await send_signal(appcontext_tearing_down, self, exc=exc)
            except Exception:
                self._log_teardown_error("appcontext_tearing_down receiver")

    def _log_teardown_error(self, what: str, func: Any = None) -> None:
        """Log an error raised while tearing down; the other teardown
        functions still run."""
        name = "" if func is None else f" {getattr(func, '__qualname__', func)!s}"
        self.logger.exception(f"Error in {what}{name}")

    async def _call_teardown_hooks(
        self, callers: tuple[Callable[..., Any], ...], *args: Any
    ) -> None:
        """Call the teardown plugin hooks, each on its own: an error in one
        is logged and the next still runs."""
        for call in callers:
            try:
                await call_each((call,), self, *args)
            except Exception:
                self._log_teardown_error("plugin teardown hook", call)

    # -- the request pipeline ---------------------------------------------
    def _hooks_for(self, blueprint: str | None, websocket: bool = False) -> _HookChain:
        """The hook chain for requests (or websockets) to ``blueprint``
        (``None``: the app), computed on first use and kept once the app
        serves: app first then outer to inner blueprint for before-hooks,
        the reverse for after and teardown hooks, as Flask orders them."""
        cache = self._websocket_hook_chains if websocket else self._hook_chains
        try:
            return cache[blueprint]
        except KeyError:
            pass
        names: list[str] = []
        if blueprint is not None:
            parts = blueprint.split(".")
            names = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
        outer_first: tuple[str | None, ...] = (None, *reversed(names))
        inner_first: tuple[str | None, ...] = (*names, None)
        if websocket:
            before, after, teardown = (
                self.before_websocket_funcs,
                self.after_websocket_funcs,
                self.teardown_websocket_funcs,
            )
        else:
            before, after, teardown = (
                self.before_request_funcs,
                self.after_request_funcs,
                self.teardown_request_funcs,
            )

        def outer_to_inner(registry: dict[Any, list[Any]]) -> tuple[Any, ...]:
            return tuple(
                self.ensure_async(f) for n in outer_first for f in registry.get(n, ())
            )

        def inner_to_outer(registry: dict[Any, list[Any]]) -> tuple[Any, ...]:
            return tuple(
                self.ensure_async(f)
                for n in inner_first
                for f in reversed(registry.get(n, ()))
            )

        chain_ = _HookChain(
            url_value_preprocessors=tuple(
                f for n in outer_first for f in self.url_value_preprocessors.get(n, ())
            ),
            before=outer_to_inner(before),
            after=inner_to_outer(after),
            teardown=inner_to_outer(teardown),
            context_processors=outer_to_inner(self.template_context_processors),
        )
        if self._frozen:
            cache[blueprint] = chain_
        return chain_

    def _view_for(self, endpoint: str) -> Callable[..., Awaitable[Any]]:
        func = self.view_functions[endpoint]
        cached = self._async_views.get(endpoint)
        if cached is not None and cached[0] is func:
            return cached[1]
        wrapped = self.ensure_async(func)
        self._async_views[endpoint] = (func, wrapped)
        return wrapped

    async def handle_request(self, request: Request) -> Response:
        """Handle one HTTP request, from pushing its context to teardown."""
        if not self._frozen:
            self._freeze()
        ctx = self.request_context(request)
        error: BaseException | None = None
        await ctx.push()
        try:
            try:
                return await self.full_dispatch_request(ctx)
            except Exception as e:
                error = e
                return await _resolve(self.handle_exception(e))
            except BaseException as e:
                error = e
                raise
        finally:
            if error is not None and self.should_ignore_error(error):
                error = None
            await ctx.pop(error)

    async def full_dispatch_request(
        self, request_context: RequestContext | None = None
    ) -> Response:
        """Signals, before-request functions, the view and its error
        handling, then :meth:`finalize_request`."""
        ctx = request_context or _cv_request.get()
        hooks = ctx._hooks = self._hooks_for(ctx.request.blueprint)
        try:
            if request_started.receivers:
                await send_signal(request_started, self)
            rv: Any = None
            if self._request_started_hooks:
                rv = await call_until_answer(
                    self._request_started_hooks, self, ctx.request
                )
            if rv is None and (
                hooks.before
                or hooks.url_value_preprocessors
                or "preprocess_request" in self._overridden
            ):
                rv = await self.preprocess_request(ctx)
            if rv is None:
                rv = await self.dispatch_request(ctx)
        except Exception as e:
            rv = await _resolve(self.handle_user_exception(e))
        return await self.finalize_request(rv, ctx)

    async def preprocess_request(
        self, request_context: RequestContext | None = None
    ) -> ResponseReturnValue | None:
        """Run URL value preprocessors and before-request functions (app
        first, then outer to inner blueprint); the first non-``None`` value
        they return ends the request."""
        ctx = request_context or _cv_request.get()
        request = ctx.request
        hooks = ctx._hooks or self._hooks_for(request.blueprint)
        if hooks.url_value_preprocessors:
            endpoint, view_args = request.endpoint, request.view_args
            for preprocessor in hooks.url_value_preprocessors:
                preprocessor(endpoint, view_args)
        for func in hooks.before:
            rv = await func()
            if rv is not None:
                return rv  # type: ignore[no-any-return]
        return None

    async def dispatch_request(
        self, request_context: RequestContext | None = None
    ) -> ResponseReturnValue:
        """Call the matched view with the URL values (or raise the routing
        error; answer ``OPTIONS`` automatically where enabled)."""
        request = (request_context or _cv_request.get()).request
        if request.routing_exception is not None:
            self.raise_routing_exception(request)
        rule = cast(QuartRule, request.url_rule)
        if rule.provide_automatic_options and request.method == "OPTIONS":
            return await _resolve(self.make_default_options_response())
        return await self._view_for(rule.endpoint)(**request.view_args)  # type: ignore[no-any-return, arg-type]

    def raise_routing_exception(self, request: Request) -> NoReturn:
        """Raise the stored routing error (404, 405 or a redirect)."""
        raise request.routing_exception  # type: ignore[misc]

    async def make_default_options_response(self) -> Response:
        """An empty response whose ``Allow`` lists the URL's methods."""
        ctx = _cv_request.get()
        assert ctx.url_adapter is not None
        methods = ctx.url_adapter.allowed_methods(ctx.request.path)
        rv = self.response_class()
        rv.allow.update(methods)
        return rv

    async def finalize_request(
        self,
        rv: ResponseReturnValue | HTTPException,
        request_context: RequestContext | None = None,
        from_error_handler: bool = False,
    ) -> Response:
        """Turn ``rv`` into a response and run the after-request processing.

        Errors here propagate, except while finalizing an error response,
        when they are logged and the response is returned as it is.
        """
        ctx = request_context or _cv_request.get()
        overridden = self._overridden
        if "make_response" in overridden:
            response = await self.make_response(rv)
        else:
            response = self._make_response(rv)
        try:
            if (
                ctx._after_request_functions
                or (ctx._hooks or self._hooks_for(ctx.request.blueprint)).after
                or "process_response" in overridden
                or self._session_to_save(ctx) is not None
            ):
                response = await self.process_response(response, ctx)
            if request_finished.receivers:
                await send_signal(request_finished, self, response=response)
            if self._request_finished_hooks:
                await call_each(
                    self._request_finished_hooks, self, ctx.request, response
                )
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception(
                "Request finalizing failed with an error while handling an error"
            )
        return response

    async def process_response(
        self, response: Response, request_context: RequestContext | None = None
    ) -> Response:
        """``after_this_request`` functions, after-request functions (inner
        blueprint first, each scope last-registered first), then save the
        session."""
        ctx = request_context or _cv_request.get()
        for func in ctx._after_request_functions:
            response = await func(response)
        for after in (ctx._hooks or self._hooks_for(ctx.request.blueprint)).after:
            response = await after(response)
        session = self._session_to_save(ctx)
        if session is not None:
            await self.session_interface.save_session(self, session, response)
        return response

    def _session_to_save(
        self, ctx: RequestContext | WebsocketContext
    ) -> SessionMixin | None:
        """The context's session unless it is the null session (never saved)."""
        session = ctx.session
        if session is None or self.session_interface.is_null_session(session):
            return None
        return session

    async def make_response(self, rv: Any) -> Response:
        """Convert a view's return value into a :class:`Response`.

        Accepts a response object, ``str``/``bytes``, a ``dict`` or ``list``
        (as JSON), a sync or async iterator or generator (streamed), an
        :class:`~werkzeug.exceptions.HTTPException` or a werkzeug response,
        or a tuple ``(body, status)``, ``(body, headers)`` or
        ``(body, status, headers)``.
        """
        return self._make_response(rv)

    def _make_response(self, rv: Any) -> Response:
        """:meth:`make_response`'s work, which never waits: the pipeline
        calls it directly unless ``make_response`` is overridden."""
        status = headers = None
        if isinstance(rv, tuple):
            length = len(rv)
            if length == 3:
                rv, status, headers = rv
            elif length == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise TypeError(
                    "The view function did not return a valid response tuple."
                    " The tuple must have the form (body, status, headers),"
                    " (body, status), or (body, headers)."
                )
        if rv is None:
            ctx = _cv_request.get(None)
            endpoint = ctx.request.endpoint if ctx is not None else None
            raise TypeError(
                f"The view function for {endpoint!r} did not return a valid"
                " response. The function either returned None or ended"
                " without a return statement."
            )
        response_class = self.response_class
        if not isinstance(rv, response_class):
            if isinstance(rv, (str, bytes, bytearray, Iterator, AsyncIterator)):
                rv = response_class(rv, status=status, headers=headers)
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif isinstance(rv, HTTPException):
                error_response = rv.get_response()
                if isinstance(error_response, Response):
                    rv = error_response  # abort(response) carries ours
                else:
                    rv = self._convert_werkzeug_response(error_response)
            elif isinstance(rv, WerkzeugResponse):
                rv = self._convert_werkzeug_response(rv)
            elif isinstance(rv, Response):
                pass  # another subclass of ours
            else:
                raise _invalid_response_error(rv)
        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                rv.status = status
            else:
                rv.status_code = status
        if headers:
            rv.headers.update(headers)
        return rv  # type: ignore[no-any-return]

    def _convert_werkzeug_response(self, rv: WerkzeugResponse) -> Response:
        body: Any = rv.get_data() if rv.is_sequence else rv.response
        response = self.response_class(body, status=rv.status, headers=rv.headers)
        return response

    # -- the websocket pipeline -------------------------------------------
    def _websocket_hooks_for(self, blueprint: str | None) -> _HookChain:
        """The websocket hook chain for ``blueprint`` (``None``: the app)."""
        return self._hooks_for(blueprint, websocket=True)

    async def handle_websocket(self, websocket: Websocket) -> Response | None:
        """Handle one websocket, from pushing its context to teardown.

        Returns the response to refuse the handshake with, if the handler, a
        before-websocket function or an error handler gave one (the ASGI
        layer ignores it once the websocket was accepted).
        """
        if not self._frozen:
            self._freeze()
        ctx = self.websocket_context(websocket)
        error: BaseException | None = None
        await ctx.push()
        try:
            try:
                return await self.full_dispatch_websocket(ctx)
            except Exception as e:
                error = e
                return await self.handle_websocket_exception(e)
            except BaseException as e:
                error = e
                raise
        finally:
            if error is not None and (
                isinstance(error, WebsocketDisconnect)
                or self.should_ignore_error(error)
            ):
                error = None
            await ctx.pop(error)

    async def full_dispatch_websocket(
        self, websocket_context: WebsocketContext | None = None
    ) -> Response | None:
        """Signal, before-websocket functions, the handler and its error
        handling, then :meth:`finalize_websocket`.

        A client that goes away ends the handler with
        :class:`~quart.wrappers.websocket.WebsocketDisconnect` (a handler
        cancelled for that reason sees the cancellation become this error);
        an error handler registered for it runs, otherwise it ends the
        websocket quietly and the after-websocket functions still run.
        """
        ctx = websocket_context or _cv_websocket.get()
        websocket = ctx.websocket
        ctx._hooks = self._websocket_hooks_for(websocket.blueprint)
        rv: Any
        try:
            try:
                if websocket_started.receivers:
                    await send_signal(websocket_started, self)
                rv = None
                if self._websocket_started_hooks:
                    rv = await call_until_answer(
                        self._websocket_started_hooks, self, websocket
                    )
                if rv is None:
                    rv = await self.preprocess_websocket(ctx)
                if rv is None:
                    rv = await self.dispatch_websocket(ctx)
            except asyncio.CancelledError:
                convert = websocket._disconnect_from_cancel
                disconnect = convert() if convert is not None else None
                if disconnect is None:
                    raise
                raise disconnect from None
            finally:
                websocket._cancellable = False
        except WebsocketDisconnect as e:
            handler = self._find_error_handler(e, websocket.blueprints)
            rv = None if handler is None else await self.ensure_async(handler)(e)
        except Exception as e:
            rv = await _resolve(self.handle_user_exception(e))
        return await self.finalize_websocket(rv, ctx)

    async def preprocess_websocket(
        self, websocket_context: WebsocketContext | None = None
    ) -> ResponseReturnValue | None:
        """Run URL value preprocessors and before-websocket functions (app
        first, then outer to inner blueprint); the first non-``None`` value
        they return refuses the handshake (or, once accepted, ends it)."""
        ctx = websocket_context or _cv_websocket.get()
        websocket = ctx.websocket
        hooks = ctx._hooks or self._websocket_hooks_for(websocket.blueprint)
        if hooks.url_value_preprocessors:
            endpoint, view_args = websocket.endpoint, websocket.view_args
            for preprocessor in hooks.url_value_preprocessors:
                preprocessor(endpoint, view_args)
        for func in hooks.before:
            rv = await func()
            if rv is not None:
                return rv  # type: ignore[no-any-return]
        return None

    async def dispatch_websocket(
        self, websocket_context: WebsocketContext | None = None
    ) -> ResponseReturnValue | None:
        """Call the matched websocket handler with the URL values (or raise
        the routing error)."""
        websocket = (websocket_context or _cv_websocket.get()).websocket
        if websocket.routing_exception is not None:
            raise websocket.routing_exception
        rule = cast(QuartRule, websocket.url_rule)
        return await self._view_for(rule.endpoint)(**websocket.view_args)  # type: ignore[no-any-return, arg-type]

    async def finalize_websocket(
        self,
        rv: ResponseReturnValue | HTTPException | None,
        websocket_context: WebsocketContext | None = None,
        from_error_handler: bool = False,
    ) -> Response | None:
        """Turn ``rv`` into a response (``None`` stays ``None``) and run the
        after-websocket processing; as :meth:`finalize_request`."""
        ctx = websocket_context or _cv_websocket.get()
        response = None if rv is None else await self.make_response(rv)
        try:
            response = await self.postprocess_websocket(response, ctx)
            if websocket_finished.receivers:
                await send_signal(websocket_finished, self, response=response)
            if self._websocket_finished_hooks:
                await call_each(
                    self._websocket_finished_hooks, self, ctx.websocket, response
                )
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception(
                "Websocket finalizing failed with an error while handling an error"
            )
        return response

    async def postprocess_websocket(
        self,
        response: Response | None,
        websocket_context: WebsocketContext | None = None,
    ) -> Response | None:
        """``after_this_websocket`` functions, then after-websocket
        functions (inner blueprint first, each scope last-registered first);
        each gets and returns the response or ``None``. Then save the
        session into a refusal response."""
        ctx = websocket_context or _cv_websocket.get()
        for func in ctx._after_websocket_functions:
            response = await func(response)
        hooks = ctx._hooks or self._websocket_hooks_for(ctx.websocket.blueprint)
        for after in hooks.after:
            response = await after(response)
        if response is not None:
            session = self._session_to_save(ctx)
            if session is not None:
                await self.session_interface.save_session(self, session, response)
        return response

    async def handle_websocket_exception(self, e: Exception) -> Response | None:
        """Handle an exception nothing else handled in a websocket: send
        ``got_websocket_exception``, raise it when ``PROPAGATE_EXCEPTIONS``
        (by default in testing), else log it and answer 500 (a refusal
        before accepting, a 1011 close after); in debug mode the refusal is
        the traceback page of :mod:`quart.debug`."""
        if isinstance(e, WebsocketDisconnect):
            return None  # the client left: not an application error
        if got_websocket_exception.receivers:
            await send_signal(got_websocket_exception, self, exception=e)
        if self._websocket_exception_hooks:
            websocket = _cv_websocket.get().websocket
            await call_each(self._websocket_exception_hooks, self, websocket, e)
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate or (propagate is None and self.testing):
            raise e
        self.log_exception(sys.exc_info())
        if propagate is None and self.debug:
            return await _traceback_response(e)  # refuses the handshake
        server_error: Any = InternalServerError(original_exception=e)
        ctx = _cv_websocket.get()
        handler = self._find_error_handler(server_error, ctx.websocket.blueprints)
        if handler is not None:
            server_error = await self.ensure_async(handler)(server_error)
        return await self.finalize_websocket(server_error, ctx, from_error_handler=True)

    async def do_teardown_websocket(
        self, exc: BaseException | None = _sentinel
    ) -> None:
        """Run the teardown functions of the current websocket (innermost
        blueprint first, app last), then ``websocket_tearing_down``."""
        ctx = _cv_websocket.get()
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        hooks = ctx._hooks or self._websocket_hooks_for(ctx.websocket.blueprint)
        for func in hooks.teardown:
            try:
                await func(exc)
            except Exception:
                self._log_teardown_error("teardown_websocket function", func)
        if websocket_tearing_down.receivers:
            try:
                await send_signal(websocket_tearing_down, self, exc=exc)
            except Exception:
                self._log_teardown_error("websocket_tearing_down receiver")
        if self._websocket_teardown_hooks:
            await self._call_teardown_hooks(
                self._websocket_teardown_hooks, ctx.websocket, exc
            )

    # -- errors -----------------------------------------------------------
    def _find_error_handler(
        self, e: BaseException, blueprints: list[str]
    ) -> Callable[[Any], Any] | None:
        exc_class, code = self._get_exc_class_and_code(type(e))
        names = (*blueprints, None)
        for c in (code, None) if code is not None else (None,):
            for name in names:
                handler_map = self.error_handler_spec.get(name, {}).get(c)
                if not handler_map:
                    continue
                for cls in exc_class.__mro__:
                    handler = handler_map.get(cls)
                    if handler is not None:
                        return handler
        return None

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP exception should be raised like any other error
        (``TRAP_HTTP_EXCEPTIONS``, ``TRAP_BAD_REQUEST_ERRORS``) instead of
        becoming its response."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if (
            trap_bad_request is None
            and self.debug
            and isinstance(e, BadRequestKeyError)
        ):
            return True
        if trap_bad_request:
            from werkzeug.exceptions import BadRequest

            return isinstance(e, BadRequest)
        return False

    async def handle_http_exception(
        self, e: HTTPException
    ) -> HTTPException | ResponseReturnValue:
        """Find the handler for an HTTP error, else return the error (it is
        its own response). Redirects from routing are never handled."""
        if e.code is None or isinstance(e, RoutingException):
            return e
        handler = self._find_error_handler(e, self._context_blueprints())
        if handler is None:
            return e
        return await self.ensure_async(handler)(e)  # type: ignore[no-any-return]

    async def handle_user_exception(
        self, e: Exception
    ) -> HTTPException | ResponseReturnValue:
        """Handle an exception raised by a view or hook with the most
        specific registered handler; re-raise if there is none."""
        if isinstance(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True
        elif isinstance(e, SecurityError):
            # werkzeug's message names the host: do not echo client data.
            e.description = "The request's Host is not trusted."
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            return await _resolve(self.handle_http_exception(e))
        handler = self._find_error_handler(e, self._context_blueprints())
        if handler is None:
            raise e
        return await self.ensure_async(handler)(e)  # type: ignore[no-any-return]

    async def handle_exception(self, e: Exception) -> Response:
        """Handle an exception nothing else handled: send
        ``got_request_exception``, raise it when ``PROPAGATE_EXCEPTIONS``
        (by default in testing), else log it and answer 500: in debug mode
        (unless ``PROPAGATE_EXCEPTIONS`` is set) with the traceback page of
        :mod:`quart.debug`, otherwise the plain page, or a 500 handler's."""
        if got_request_exception.receivers:
            await send_signal(got_request_exception, self, exception=e)
        if self._request_exception_hooks:
            request = _cv_request.get().request
            await call_each(self._request_exception_hooks, self, request, e)
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate or (propagate is None and self.testing):
            raise e
        self.log_exception(sys.exc_info())
        if propagate is None and self.debug:
            return await _traceback_response(e)
        server_error: Any = InternalServerError(original_exception=e)
        ctx = _cv_request.get()
        handler = self._find_error_handler(server_error, ctx.request.blueprints)
        if handler is not None:
            server_error = await self.ensure_async(handler)(server_error)
        return await self.finalize_request(server_error, ctx, from_error_handler=True)

    def log_exception(self, exc_info: Any) -> None:
        """Log an unhandled exception (override to log elsewhere)."""
        ctx = _cv_request.get(None)
        where = f" on {ctx.request.path} [{ctx.request.method}]" if ctx else ""
        if ctx is None and (ws_ctx := _cv_websocket.get(None)) is not None:
            where = f" on {ws_ctx.websocket.path} [websocket]"
        self.logger.error(f"Exception{where}", exc_info=exc_info)

    @staticmethod
    def _context_blueprints() -> list[str]:
        """The blueprints of the current request, or else websocket."""
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            return req_ctx.request.blueprints
        ws_ctx = _cv_websocket.get(None)
        return ws_ctx.websocket.blueprints if ws_ctx is not None else []

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Return True to hide ``error`` from the teardown functions."""
        return False

    # -- serving lifespan -------------------------------------------------
    @setupmethod
    def before_serving(self, func: F) -> F:
        """Run ``func()`` at startup, before the first request is served."""
        self.before_serving_funcs.append(func)
        return func

    @setupmethod
    def while_serving(
        self, func: Callable[[], AsyncGenerator[Any, None]]
    ) -> Callable[[], AsyncGenerator[Any, None]]:
        """An async generator that runs to its ``yield`` at startup and
        resumes after it at shutdown: set-up and tear-down in one place."""
        self.while_serving_funcs.append(func)
        return func

    @setupmethod
    def after_serving(self, func: F) -> F:
        """Run ``func()`` at shutdown, after serving stopped."""
        self.after_serving_funcs.append(func)
        return func

    async def startup(self) -> None:
        """Freeze the app and run the startup functions (in an app context)."""
        self._freeze()
        try:
            async with self.app_context():
                for func in self.before_serving_funcs:
                    await self.ensure_async(func)()
                for gen_func in self.while_serving_funcs:
                    gen = gen_func()
                    await gen.__anext__()
                    self.while_serving_gens.append(gen)
                await self.plugins.call_all("quart_startup", self)
        except Exception as error:
            if got_serving_exception.receivers:
                await send_signal(got_serving_exception, self, exception=error)
            self.log_exception(sys.exc_info())
            raise

    async def shutdown(self) -> None:
        """Give background tasks ``BACKGROUND_TASK_SHUTDOWN_TIMEOUT`` seconds
        (then cancel them), then run the shutdown functions, so that tasks
        can still use what ``after_serving`` closes."""
        await self._finish_background_tasks()
        try:
            async with self.app_context():
                for func in self.after_serving_funcs:
                    await self.ensure_async(func)()
                while self.while_serving_gens:
                    gen = self.while_serving_gens.pop()
                    try:
                        await gen.__anext__()
                    except StopAsyncIteration:
                        continue
                    raise RuntimeError("While serving generator didn't terminate")
                await self.plugins.call_all("quart_shutdown", self)
        except Exception as error:
            if got_serving_exception.receivers:
                await send_signal(got_serving_exception, self, exception=error)
            self.log_exception(sys.exc_info())
            raise

    async def _finish_background_tasks(self) -> None:
        tasks = set(self.background_tasks)
        if not tasks:
            return
        _, pending = await asyncio.wait(
            tasks, timeout=self.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"]
        )
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    def add_background_task(
        self, func: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> None:
        """Run ``func(*args, **kwargs)`` in the background, in an app
        context, without delaying the response. Errors are logged; at
        shutdown the task gets ``BACKGROUND_TASK_SHUTDOWN_TIMEOUT`` seconds."""

        async def _run() -> None:
            try:
                async with self.app_context():
                    await self.ensure_async(func)(*args, **kwargs)
            except Exception as error:
                await self.handle_background_exception(error)

        task = asyncio.get_running_loop().create_task(_run())
        self.background_tasks.add(task)
        task.add_done_callback(self.background_tasks.discard)

    async def handle_background_exception(self, error: Exception) -> None:
        """Report a background task's error (signal, then log)."""
        if got_background_exception.receivers:
            await send_signal(got_background_exception, self, exception=error)
        self.log_exception((type(error), error, error.__traceback__))

    # -- ASGI -------------------------------------------------------------
    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """The ASGI entry point; wrap :attr:`asgi_app` to add middleware."""
        await self.asgi_app(scope, receive, send)

    async def asgi_app(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Dispatch an ASGI connection by its scope type."""
        scope_type = scope["type"]
        if scope_type == "http":
            await self.asgi_http_class(self, scope)(receive, send)
        elif scope_type == "websocket":
            await self.asgi_websocket_class(self, scope)(receive, send)
        elif scope_type == "lifespan":
            await self.asgi_lifespan_class(self, scope)(receive, send)
        else:
            raise RuntimeError(f"Unsupported ASGI scope type {scope_type!r}")

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        use_reloader: bool | None = None,
        certfile: str | None = None,
        keyfile: str | None = None,
        server: str | None = None,
        load_dotenv: bool = True,
        **kwargs: Any,
    ) -> None:
        """Serve the app until SIGINT/SIGTERM, then shut down gracefully
        (development use; see the deployment docs for production).

        :param host: interface to bind (``SERVER_NAME``'s host, else
            ``127.0.0.1``).
        :param port: port to bind (``SERVER_NAME``'s port, else 5000).
        :param debug: set :attr:`debug` first.
        :param use_reloader: restart on code changes (default: debug mode).
        :param certfile: serve HTTPS with this PEM certificate...
        :param keyfile: ...and this private key.
        :param server: the server backend (``"hypercorn"`` by default).
        :param load_dotenv: load ``.env``/``.quartenv`` first.
        :param kwargs: backend options (Hypercorn ``Config`` attributes).

        Does nothing when called while the ``quart`` command loads the app.
        """
        from .serving import _run_app

        _run_app(
            self,
            host=host,
            port=port,
            debug=debug,
            use_reloader=use_reloader,
            certfile=certfile,
            keyfile=keyfile,
            server=server,
            load_dotenv_files=load_dotenv,
            server_options=kwargs,
        )

    def run_task(
        self,
        host: str = "127.0.0.1",
        port: int = 5000,
        debug: bool | None = None,
        ca_certs: str | None = None,
        certfile: str | None = None,
        keyfile: str | None = None,
        shutdown_trigger: Callable[..., Awaitable[Any]] | None = None,
        server: str | None = None,
        **kwargs: Any,
    ) -> Coroutine[None, None, None]:
        """The coroutine that serves the app in the running event loop until
        ``shutdown_trigger()`` completes (without one: until SIGINT/SIGTERM),
        then shuts down gracefully: ``await app.run_task()``, or
        ``asyncio.create_task(app.run_task(...))`` to serve beside other
        work.

        :param ca_certs: CA certificates file, to verify client certificates.
        :param server: the server backend (``"hypercorn"`` by default).
        :param kwargs: backend options (Hypercorn ``Config`` attributes).
        """
        from .serving import DEFAULT_SERVER
        from .serving import ServeOptions
        from .serving import serve_async

        if debug is not None:
            self.debug = debug
        if ca_certs is not None:
            kwargs["ca_certs"] = ca_certs
        options = ServeOptions(
            host=host,
            port=port,
            debug=bool(self.debug),
            certfile=certfile,
            keyfile=keyfile,
            server=server or DEFAULT_SERVER,
            shutdown_trigger=shutdown_trigger,
            server_options=kwargs,
        )

        async def serve() -> None:
            await serve_async(self, options)

        return serve()

    async def send_static_file(self, filename: str) -> Response:
        """Serve ``filename`` from the static folder (the static route's view)."""
        if not self.has_static_folder:
            raise RuntimeError("'static_folder' must be set to serve static_files.")
        from .helpers import send_from_directory

        # as Flask: the max age is asked for the name, not the full path
        max_age = self.get_send_file_max_age(filename)
        return await send_from_directory(
            cast(str, self.static_folder), filename, max_age=max_age
        )


def _is_original(method: Any, original: Any) -> bool:
    """Whether ``method`` is ``original``, or a wrapper that only adds a sync
    calling convention to it (``__quart_async__``, as the Flask shim's
    wrappers mark themselves), so the pipeline may skip it."""
    return method is original or getattr(method, "__quart_async__", None) is original


#: The pipeline steps the app may skip when they have nothing to do, as
#: defined here; see ``Quart._overridden``.
_PIPELINE_METHODS: dict[str, Any] = {
    name: getattr(Quart, name)
    for name in (
        "preprocess_request",
        "make_response",
        "process_response",
        "do_teardown_request",
        "do_teardown_appcontext",
    )
}
