"""The sans-I/O half of :class:`~quart.Quart`: what an app is and knows
without awaiting anything. Configuration, the registries (views, blueprints,
template filters, error handlers), URL binding, matching and building,
contexts and test helpers, and turning a view's return value into a
response. :class:`~quart.app.Quart` adds the async request flow and the ASGI
entry on top; its methods are found here through inheritance, so a subclass
or an extension overrides them on ``Quart`` as before.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterator
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import timedelta
from functools import cached_property
from logging import Logger
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar
from urllib.parse import quote as _url_quote

from werkzeug.datastructures import Headers
from werkzeug.exceptions import Aborter
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response as WerkzeugResponse

from ..cli import AppGroup
from ..config import DEFAULT_CONFIG
from ..config import Config
from ..config import ConfigAttribute
from ..ctx import AppContext
from ..ctx import RequestContext
from ..ctx import WebsocketContext
from ..ctx import _AppCtxGlobals
from ..globals import _cv_app
from ..globals import _cv_request
from ..globals import _cv_websocket
from ..helpers import find_package
from ..helpers import get_debug_flag
from ..json.provider import DefaultJSONProvider
from ..json.provider import JSONProvider
from ..logging import create_logger
from ..plugins import PluginManager
from ..routing import QuartMap
from ..routing import QuartRule
from ..routing import URLMatcher
from ..scaffold import Scaffold
from ..scaffold import _adding_decorator
from ..scaffold import _endpoint_from_view_func
from ..scaffold import setupmethod
from ..sessions import SessionInterface
from ..templating import DispatchingJinjaLoader
from ..templating import Environment
from ..templating import T_template_filter
from ..templating import T_template_global
from ..templating import T_template_test
from ..templating import TemplateFilterCallable
from ..templating import TemplateGlobalCallable
from ..templating import TemplateTestCallable
from ..testing import QuartClient
from ..testing import QuartCliRunner
from ..testing import TestApp
from ..typing import T_shell_context_processor
from ..typing import T_teardown
from ..wrappers import Request
from ..wrappers import Response
from ..wrappers import Websocket

if TYPE_CHECKING:
    from ..app import Quart
    from ..blueprints import Blueprint
    from ..pipeline import Steps

F = TypeVar("F", bound=Callable[..., Any])
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


class App(URLMatcher, Scaffold):
    """The part of the application that never awaits (see the module)."""

    request_class: type[Request] = Request

    response_class: type[Response] = Response

    config_class: type[Config] = Config

    aborter_class: type[Aborter] = Aborter

    url_rule_class: type[QuartRule] = QuartRule

    url_map_class: type[QuartMap] = QuartMap

    app_ctx_globals_class: type[_AppCtxGlobals] = _AppCtxGlobals

    json_provider_class: type[JSONProvider] = DefaultJSONProvider

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
        if TYPE_CHECKING:  # what it passes on needs a Quart: it is one
            assert isinstance(self, Quart)
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
        self._frozen = False  # see quart.pipeline
        self._steps: dict[tuple[str | None, bool], Steps] = {}
        self._async_views: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {}
        # URLMatcher's caches (see quart.routing).
        self._url_adapters = {}
        self._request_adapters = {}
        self._match_cache = None

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
            self,
            plugins=plugins,
            allow=allow_plugins,
            block=disable_plugins,
        )
        self._plugins_ready = True
        self.plugins.app_created()

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
        if TYPE_CHECKING:  # what it passes on needs a Quart: it is one
            assert isinstance(self, Quart)
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

    @property
    def got_first_request(self) -> bool:
        """True once the app handled a request or started serving."""
        return self._got_first_request

    @cached_property
    def session_interface(self) -> SessionInterface:
        """How sessions are loaded and saved: set it to replace the default,
        or answer the ``quart_session_interface`` plugin hook. Found on the
        first read, then a plain attribute (each request reads it)."""
        return self.plugins.required_result_sync(  # type: ignore[no-any-return]
            "quart_session_interface",
            self,
            what="a session interface",
            builtin="quart.sessions",
        )

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

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Register ``blueprint`` on the app; options override the
        blueprint's own: ``url_prefix``, ``subdomain``, ``url_defaults``,
        ``name`` (to register the same blueprint twice) and ``cli_group``.
        Other options are passed to the blueprint's recorded functions."""
        if TYPE_CHECKING:  # what it passes on needs a Quart: it is one
            assert isinstance(self, Quart)
        blueprint.register(self, options)

    def iter_blueprints(self) -> Iterable[Blueprint]:
        """The registered blueprints, in registration order (nested ones
        with their dotted names)."""
        return self.blueprints.values()

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
        if TYPE_CHECKING:  # what it passes on needs a Quart: it is one
            assert isinstance(self, Quart)
        from ..globals import g
        from ..globals import request
        from ..globals import session
        from ..helpers import get_flashed_messages

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
        if TYPE_CHECKING:  # what it passes on needs a Quart: it is one
            assert isinstance(self, Quart)
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

        return _adding_decorator(self.add_template_filter, name)

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

        return _adding_decorator(self.add_template_test, name)

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

        return _adding_decorator(self.add_template_global, name)

    @setupmethod
    def add_template_global(
        self, f: TemplateGlobalCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`template_global`."""
        self.jinja_env.globals[name or f.__name__] = f

    def app_context(self) -> AppContext:
        """``async with app.app_context():`` makes ``current_app`` and ``g``
        available outside a request (CLI commands, background work)."""
        if TYPE_CHECKING:  # what it passes on needs a Quart: it is one
            assert isinstance(self, Quart)
        return AppContext(self)

    def request_context(self, request: Request) -> RequestContext:
        """The context for ``request``; the ASGI layer pushes one per request."""
        if TYPE_CHECKING:  # what it passes on needs a Quart: it is one
            assert isinstance(self, Quart)
        return RequestContext(self, request)

    def test_request_context(self, path: str = "/", **kwargs: Any) -> RequestContext:
        """A request context for ``path`` without a server, for tests and
        shells: ``async with app.test_request_context("/?a=1", method="POST"):``.
        Takes the same keywords as the test client's ``open``."""
        if TYPE_CHECKING:  # what it passes on needs a Quart: it is one
            assert isinstance(self, Quart)
        from ..testing.utils import make_test_request

        return self.request_context(make_test_request(self, path, **kwargs))

    def websocket_context(self, websocket: Websocket) -> WebsocketContext:
        """The context for ``websocket``; the ASGI layer pushes one per
        websocket connection."""
        if TYPE_CHECKING:  # what it passes on needs a Quart: it is one
            assert isinstance(self, Quart)
        return WebsocketContext(self, websocket)

    def test_websocket_context(
        self, path: str = "/", **kwargs: Any
    ) -> WebsocketContext:
        """A websocket context for ``path`` without a connection, to test
        code that reads :data:`~quart.websocket` (headers, args, session);
        sending and receiving raise :class:`RuntimeError`. Takes the
        keywords of the test client's ``websocket``."""
        if TYPE_CHECKING:  # what it passes on needs a Quart: it is one
            assert isinstance(self, Quart)
        from ..testing.connections import make_test_websocket

        return self.websocket_context(make_test_websocket(self, path, **kwargs))

    def test_client(self, use_cookies: bool = True, **kwargs: Any) -> QuartClient:
        """An async client that calls the app in-process."""
        if TYPE_CHECKING:  # what it passes on needs a Quart: it is one
            assert isinstance(self, Quart)
        from ..testing import QuartClient

        cls = self.test_client_class or QuartClient
        return cls(self, use_cookies=use_cookies, **kwargs)

    def test_app(self) -> TestApp:
        """``async with app.test_app() as test_app:`` runs the lifespan
        (``before_serving`` ... ``after_serving``) around the block."""
        if TYPE_CHECKING:  # what it passes on needs a Quart: it is one
            assert isinstance(self, Quart)
        from ..testing import TestApp

        cls = self.test_app_class or TestApp
        return cls(self)

    def test_cli_runner(self, **kwargs: Any) -> QuartCliRunner:
        """A click test runner whose ``invoke`` runs this app's commands
        (``app.cli`` unless ``cli=`` is given); ``kwargs`` go to
        :class:`click.testing.CliRunner`."""
        if TYPE_CHECKING:  # what it passes on needs a Quart: it is one
            assert isinstance(self, Quart)
        from ..testing import QuartCliRunner

        cls = self.test_cli_runner_class or QuartCliRunner
        return cls(self, **kwargs)

    @setupmethod
    def teardown_appcontext(self, f: T_teardown) -> T_teardown:
        """Run ``f(exc)`` when an app context pops."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @setupmethod
    def shell_context_processor(
        self, f: T_shell_context_processor
    ) -> T_shell_context_processor:
        """Add ``f()``'s dict to the ``quart shell`` namespace."""
        self.shell_context_processors.append(f)
        return f

    def make_shell_context(self) -> dict[str, Any]:
        """The ``quart shell`` namespace: ``app``, ``g`` and what every
        shell context processor returns."""
        from ..globals import g

        namespace: dict[str, Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            namespace.update(processor())
        return namespace

    def _response_from_return_value(self, rv: Any) -> Response:
        """The conversion behind :meth:`~quart.Quart.make_response`, which
        never awaits (so it lives here, with the rest of the app that does
        no I/O)."""
        # The most common return values, checked first: text, and a
        # response (jsonify's, say).
        response_class = self.response_class
        if type(rv) is str:
            return response_class(rv)
        if type(rv) is response_class:
            return rv
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
        if not isinstance(rv, response_class):
            # dict and list first: the iterator checks are ABC checks, a
            # Python call each.
            if isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif isinstance(rv, (str, bytes, bytearray, Iterator, AsyncIterator)):
                rv = response_class(rv, status=status, headers=headers)
                status = headers = None
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
