"""What apps and blueprints share: the registries their decorators fill.

Registries are plain dicts keyed by scope: ``None`` for the app, the dotted
blueprint name for a blueprint (as in Flask), so they are easy to read and
to snapshot when the app freezes for serving.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Iterable
from datetime import timedelta
from functools import cached_property
from functools import update_wrapper
from typing import IO
from typing import Any
from typing import TypeVar

from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import default_exceptions

from .typing import AppOrBlueprintKey
from .typing import ErrorHandlerCallable
from .typing import T_after_request
from .typing import T_before_request
from .typing import T_error_handler
from .typing import T_route
from .typing import T_teardown
from .typing import T_template_context_processor
from .typing import T_url_defaults
from .typing import T_url_value_preprocessor

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
#: The one "no argument given" marker of the package (Flask has one too).
_sentinel: Any = object()


def setupmethod(f: F) -> F:
    """Mark a registration method. On an app that already served, calling
    one drops what was compiled for the hot path (compiled again on the next
    request); on a blueprint that was registered, it raises a clear error."""
    f_name = f.__name__

    def wrapper_func(self: Scaffold, *args: Any, **kwargs: Any) -> Any:
        self._check_setup_finished(f_name)
        return f(self, *args, **kwargs)

    return update_wrapper(wrapper_func, f)  # type: ignore[return-value]


def _adding_decorator(add: Callable[..., None], name: str | None) -> Callable[[T], T]:
    """The decorator of a ``template_filter``-style method: it hands the
    decorated function and ``name`` to ``add`` (the method's non-decorator
    form) and returns the function unchanged."""

    def decorator(f: T) -> T:
        add(f, name=name)
        return f

    return decorator


def endpoint_from_view_func(view_func: Callable[..., Any]) -> str:
    """The endpoint name a route gets when none is given: the view
    function's ``__name__``."""
    assert view_func is not None, "expected view func if endpoint is not provided."
    return view_func.__name__


_endpoint_from_view_func = endpoint_from_view_func


def get_root_path(import_name: str) -> str:
    """The folder of the module or package ``import_name`` (the working
    directory if that cannot be found, e.g. in an interactive session)."""
    module = sys.modules.get(import_name)
    filename: str | None = getattr(module, "__file__", None)
    if filename:
        return os.path.dirname(os.path.abspath(filename))
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    origin = spec.origin if spec is not None else None
    if origin is None or origin in ("namespace", "built-in", "frozen"):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(origin))


class AsyncFile:
    """A file whose blocking methods run in a worker thread, returned by
    :meth:`~Scaffold.open_resource` and
    :meth:`~quart.Quart.open_instance_resource`: ``await f.read()``,
    ``await f.write(data)``, ``async for line in f``. It is an async
    context manager that closes the file, and awaiting it gives the file
    itself (as with an ``aiofiles`` file), so both
    ``async with await app.open_resource(p) as f:`` and
    ``f = await app.open_resource(p)`` work."""

    def __init__(self, file: IO[Any]) -> None:
        #: The underlying (blocking) file object.
        self.file = file

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        mode: str = "r",
        encoding: str | None = None,
    ) -> AsyncFile:
        """Open ``path`` in a worker thread (``encoding`` only in text mode)."""
        if "b" in mode:
            file = await asyncio.to_thread(open, path, mode)
        else:
            file = await asyncio.to_thread(open, path, mode, encoding=encoding)
        return cls(file)

    @property
    def name(self) -> Any:
        return self.file.name

    @property
    def mode(self) -> str:
        return self.file.mode

    @property
    def closed(self) -> bool:
        return self.file.closed

    async def read(self, size: int = -1) -> Any:
        return await asyncio.to_thread(self.file.read, size)

    async def readline(self, size: int = -1) -> Any:
        return await asyncio.to_thread(self.file.readline, size)

    async def readlines(self, hint: int = -1) -> list[Any]:
        return await asyncio.to_thread(self.file.readlines, hint)

    async def write(self, data: Any) -> int:
        return await asyncio.to_thread(self.file.write, data)

    async def writelines(self, lines: Iterable[Any]) -> None:
        await asyncio.to_thread(self.file.writelines, lines)

    async def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return await asyncio.to_thread(self.file.seek, offset, whence)

    async def tell(self) -> int:
        return await asyncio.to_thread(self.file.tell)

    async def truncate(self, size: int | None = None) -> int:
        return await asyncio.to_thread(self.file.truncate, size)

    async def flush(self) -> None:
        await asyncio.to_thread(self.file.flush)

    async def close(self) -> None:
        await asyncio.to_thread(self.file.close)

    def __aiter__(self) -> AsyncFile:
        return self

    async def __anext__(self) -> Any:
        line = await self.readline()
        if not line:
            raise StopAsyncIteration
        return line

    def __await__(self) -> Generator[Any, None, AsyncFile]:
        return self._self().__await__()

    async def _self(self) -> AsyncFile:
        return self

    async def __aenter__(self) -> AsyncFile:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.file!r}>"


class Scaffold:
    """Common base of :class:`~quart.Quart` and :class:`~quart.Blueprint`.

    :param import_name: the module the object is defined in, used to find
        ``root_path`` and the static and template folders.
    """

    name: str
    _static_folder: str | None = None
    _static_url_path: str | None = None

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        self.template_folder = template_folder
        if root_path is None:
            root_path = get_root_path(self.import_name)
        self.root_path = root_path

        self.view_functions: dict[str, Callable[..., Any]] = {}
        self.error_handler_spec: dict[
            AppOrBlueprintKey,
            dict[int | None, dict[type[BaseException], ErrorHandlerCallable]],
        ] = defaultdict(lambda: defaultdict(dict))
        self.before_request_funcs: dict[AppOrBlueprintKey, list[Callable[..., Any]]] = (
            defaultdict(list)
        )
        self.after_request_funcs: dict[AppOrBlueprintKey, list[Callable[..., Any]]] = (
            defaultdict(list)
        )
        self.teardown_request_funcs: dict[
            AppOrBlueprintKey, list[Callable[..., Any]]
        ] = defaultdict(list)
        self.template_context_processors: dict[
            AppOrBlueprintKey, list[Callable[..., Any]]
        ] = defaultdict(list)
        self.url_value_preprocessors: dict[
            AppOrBlueprintKey, list[Callable[..., Any]]
        ] = defaultdict(list)
        self.url_default_functions: dict[
            AppOrBlueprintKey, list[Callable[..., Any]]
        ] = defaultdict(list)
        self.before_websocket_funcs: dict[
            AppOrBlueprintKey, list[Callable[..., Any]]
        ] = defaultdict(list)
        self.after_websocket_funcs: dict[
            AppOrBlueprintKey, list[Callable[..., Any]]
        ] = defaultdict(list)
        self.teardown_websocket_funcs: dict[
            AppOrBlueprintKey, list[Callable[..., Any]]
        ] = defaultdict(list)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def _check_setup_finished(self, f_name: str) -> None:
        raise NotImplementedError

    # -- folders ----------------------------------------------------------
    @property
    def static_folder(self) -> str | None:
        """Absolute path of the static folder, or ``None``."""
        if self._static_folder is not None:
            return os.path.join(self.root_path, self._static_folder)
        return None

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        if value is not None:
            value = os.fspath(value).rstrip(r"\/")
        self._static_folder = value

    @property
    def has_static_folder(self) -> bool:
        """True if a static folder is set."""
        return self.static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """URL prefix of the static route (defaults to the folder's name)."""
        if self._static_url_path is not None:
            return self._static_url_path
        if self.static_folder is not None:
            basename = os.path.basename(self.static_folder)
            return f"/{basename}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        if value is not None:
            value = value.rstrip("/")
        self._static_url_path = value

    @cached_property
    def jinja_loader(self) -> Any:
        """A file system loader for ``template_folder`` (or ``None``)."""
        if self.template_folder is None:
            return None
        from jinja2 import FileSystemLoader

        return FileSystemLoader(os.path.join(self.root_path, self.template_folder))

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """``Cache-Control`` max age for a sent file; by default
        ``SEND_FILE_MAX_AGE_DEFAULT`` (``None``: let the browser revalidate)."""
        from .globals import current_app

        value = current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if isinstance(value, timedelta):
            return int(value.total_seconds())
        return int(value)

    async def open_resource(
        self,
        path: str | os.PathLike[str],
        mode: str = "rb",
        encoding: str | None = None,
    ) -> AsyncFile:
        """Open a file relative to :attr:`root_path` for reading. The file
        is opened in a worker thread and its methods are coroutines::

            async with await app.open_resource("schema.sql") as f:
                schema = await f.read()

        :param mode: ``"rb"`` (the default), ``"r"`` or ``"rt"``.
        :param encoding: the encoding in text mode.
        """
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading.")
        return await AsyncFile.open(
            os.path.join(self.root_path, path), mode, encoding=encoding
        )

    # -- routes -----------------------------------------------------------
    def _method_route(
        self, method: str, rule: str, options: dict[str, Any]
    ) -> Callable[[T_route], T_route]:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to use the 'methods' argument.")
        return self.route(rule, methods=[method], **options)

    @setupmethod
    def get(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    @setupmethod
    def post(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    @setupmethod
    def put(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    @setupmethod
    def delete(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    @setupmethod
    def patch(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    @setupmethod
    def route(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """Register the decorated function as the view for ``rule``.

        Options are those of :meth:`add_url_rule` (``methods``, ``endpoint``,
        ``defaults``, ``host``, ``subdomain``, ``strict_slashes``, ...).
        """

        def decorator(f: T_route) -> T_route:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register a URL rule; see :meth:`route`."""
        raise NotImplementedError

    @setupmethod
    def websocket(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """Register the decorated (async) function as the websocket handler
        for ``rule``; it talks to the client through
        :data:`quart.websocket`. Options are those of :meth:`route`
        except ``methods``."""

        def decorator(f: T_route) -> T_route:
            endpoint = options.pop("endpoint", None)
            self.add_websocket(rule, endpoint, f, **options)
            return f

        return decorator

    @setupmethod
    def add_websocket(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        **options: Any,
    ) -> None:
        """Non-decorator form of :meth:`websocket`: a websocket rule, matched
        only by websocket handshakes, built by :func:`url_for` as a
        ``ws://``/``wss://`` URL."""
        if "methods" in options:
            raise TypeError("Websocket rules cannot take 'methods'.")
        self.add_url_rule(
            rule,
            endpoint,
            view_func,
            provide_automatic_options=False,
            websocket=True,
            **options,
        )

    @setupmethod
    def endpoint(self, endpoint: str) -> Callable[[F], F]:
        """Register the decorated function as the view for ``endpoint``."""

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- request hooks ----------------------------------------------------
    @setupmethod
    def before_request(self, f: T_before_request) -> T_before_request:
        """Run ``f()`` before each request; a non-``None`` return value is
        used as the response and the view is skipped."""
        self.before_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def after_request(self, f: T_after_request) -> T_after_request:
        """Run ``f(response)`` after each request; it returns the response."""
        self.after_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def teardown_request(self, f: T_teardown) -> T_teardown:
        """Run ``f(exc)`` when the request context pops, even after errors."""
        self.teardown_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def before_websocket(self, f: T_before_request) -> T_before_request:
        """Run ``f()`` before each websocket handler."""
        self.before_websocket_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def after_websocket(self, f: T_after_request) -> T_after_request:
        """Run ``f(response)`` after each websocket handler."""
        self.after_websocket_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def teardown_websocket(self, f: T_teardown) -> T_teardown:
        """Run ``f(exc)`` when the websocket context pops."""
        self.teardown_websocket_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Add the dict ``f()`` returns to every template's context."""
        self.template_context_processors[None].append(f)
        return f

    @setupmethod
    def url_value_preprocessor(
        self, f: T_url_value_preprocessor
    ) -> T_url_value_preprocessor:
        """Run ``f(endpoint, values)`` on matched URL values before the
        before-request functions; it may pop values into ``g``."""
        self.url_value_preprocessors[None].append(f)
        return f

    @setupmethod
    def url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Run ``f(endpoint, values)`` when building URLs, to fill in values."""
        self.url_default_functions[None].append(f)
        return f

    # -- errors -----------------------------------------------------------
    @setupmethod
    def errorhandler(
        self, code_or_exception: type[BaseException] | int
    ) -> Callable[[T_error_handler], T_error_handler]:
        """Handle an HTTP status code or an exception class with ``f(error)``."""

        def decorator(f: T_error_handler) -> T_error_handler:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    @setupmethod
    def register_error_handler(
        self, code_or_exception: type[BaseException] | int, f: ErrorHandlerCallable
    ) -> None:
        """Non-decorator form of :meth:`errorhandler`."""
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f

    @staticmethod
    def _get_exc_class_and_code(
        exc_class_or_code: type[BaseException] | int,
    ) -> tuple[type[BaseException], int | None]:
        exc_class: type[BaseException]
        if isinstance(exc_class_or_code, int):
            try:
                exc_class = default_exceptions[exc_class_or_code]
            except KeyError:
                raise ValueError(
                    f"'{exc_class_or_code}' is not a recognized HTTP error code."
                    " Use a subclass of HTTPException with that code instead."
                ) from None
        else:
            exc_class = exc_class_or_code
        if isinstance(exc_class, BaseException):
            raise TypeError(
                f"{exc_class!r} is an instance, not a class. Handlers can only be"
                " registered for Exception classes or HTTP error codes."
            )
        if not issubclass(exc_class, Exception):
            raise ValueError(
                f"'{exc_class.__name__}' is not a subclass of Exception. Handlers"
                " can only be registered for Exception classes or HTTP error codes."
            )
        if issubclass(exc_class, HTTPException):
            return exc_class, exc_class.code
        return exc_class, None
