"""Class-based views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import ClassVar

from .globals import current_app
from .globals import request
from .typing import ResponseReturnValue
from .typing import RouteCallable

http_method_funcs = frozenset(
    ["get", "post", "head", "options", "delete", "put", "trace", "patch"]
)


class View:
    """Subclass and implement :meth:`dispatch_request`; register with
    ``app.add_url_rule("/x", view_func=MyView.as_view("x"))``.

    ``dispatch_request`` may be async or sync (run in a worker thread).
    """

    #: Methods this view handles (default ``GET``, ``HEAD`` and ``OPTIONS``).
    methods: ClassVar[set[str] | None] = None
    #: Whether the app answers ``OPTIONS`` itself.
    provide_automatic_options: ClassVar[bool | None] = None
    #: Decorators applied to the generated view function, in order.
    decorators: ClassVar[list[Callable[..., Any]]] = []
    #: Create one instance for all requests instead of one per request.
    init_every_request: ClassVar[bool] = True

    async def dispatch_request(self, **kwargs: Any) -> ResponseReturnValue:
        """Handle the request; URL values arrive as keyword arguments.
        Override it with an ``async def`` (or a plain ``def``, which runs in
        a worker thread)."""
        raise NotImplementedError()

    @classmethod
    def as_view(cls, name: str, *class_args: Any, **class_kwargs: Any) -> RouteCallable:
        """The view function for this class, named ``name``; arguments are
        passed to the constructor."""
        if cls.init_every_request:

            async def view(**kwargs: Any) -> ResponseReturnValue:
                self = view.view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
                return await current_app.ensure_async(self.dispatch_request)(**kwargs)  # type: ignore[no-any-return]

        else:
            instance = cls(*class_args, **class_kwargs)

            async def view(**kwargs: Any) -> ResponseReturnValue:
                return await current_app.ensure_async(instance.dispatch_request)(  # type: ignore[no-any-return]
                    **kwargs
                )

        # Rebinding ``view`` makes the function above read ``view_class``
        # from the decorated function, as Flask's does.
        view = finish_view_function(cls, name, view)  # type: ignore[assignment]
        return view


def finish_view_function(cls: type[View], name: str, view: Any) -> RouteCallable:
    """What :meth:`View.as_view` does to the function it made for ``cls``:
    apply the class's ``decorators`` (first listed, innermost) and set the
    attributes Flask sets (``view_class``, the name, ``methods``, ...).
    Public so that a variant of ``as_view`` (the Flask shim's, for sync
    views) finishes its functions the same way."""
    if cls.decorators:
        view.__name__ = name
        view.__module__ = cls.__module__
        for decorator in cls.decorators:
            view = decorator(view)
    view.view_class = cls
    view.__name__ = name
    view.__doc__ = cls.__doc__
    view.__module__ = cls.__module__
    view.methods = cls.methods
    view.provide_automatic_options = cls.provide_automatic_options
    return view  # type: ignore[no-any-return]


class MethodView(View):
    """Dispatches to the method named after the HTTP verb (``get``,
    ``post``, ...); ``HEAD`` falls back to ``get``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" not in cls.__dict__:
            methods = set()
            for base in cls.__bases__:
                if getattr(base, "methods", None):
                    methods.update(base.methods)  # type: ignore[attr-defined]
            for key in http_method_funcs:
                if hasattr(cls, key):
                    methods.add(key.upper())
            if methods:
                cls.methods = methods

    async def dispatch_request(self, **kwargs: Any) -> ResponseReturnValue:
        handler = getattr(self, request.method.lower(), None)
        if handler is None and request.method == "HEAD":
            handler = getattr(self, "get", None)
        assert handler is not None, f"Unimplemented method {request.method!r}"
        return await current_app.ensure_async(handler)(**kwargs)  # type: ignore[no-any-return]
