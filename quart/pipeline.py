"""The compiled request pipeline: what the hot path needs, worked out once
when the app starts serving (its first request or lifespan startup) and
again after any setup change.

Compiled: the plugins' per-request hooks (an unused hook is an empty tuple),
which pipeline methods a subclass, a patch or the instance replaced (those
are always called; the others are skipped when they have nothing to do),
whether route matches may be remembered, and, per blueprint and protocol as
requests need them, the chain of ``before``/``after``/``teardown``
functions already made async. :class:`Pipeline` is part of
:class:`~quart.Quart` (the app inherits it); the request flow that runs
these steps is in :mod:`quart.app`.
"""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar

from werkzeug.routing.converters import DEFAULT_CONVERTERS

from .sansio.app import _HookChain

if TYPE_CHECKING:
    from .lifespan import Lifespan as _AppBase
else:
    _AppBase = object

#: The pipeline steps the app may skip when they have nothing to do.
PIPELINE_METHODS = (
    "preprocess_request",
    "make_response",
    "process_response",
    "do_teardown_request",
    "do_teardown_appcontext",
)


def _is_original(method: Any, original: Any) -> bool:
    """Whether ``method`` is ``original``, or a wrapper that only adds a sync
    calling convention to it (``__quart_async__``, as the Flask shim's
    wrappers mark themselves), so the pipeline may skip it."""
    return method is original or getattr(method, "__quart_async__", None) is original


class Pipeline(_AppBase):
    """Compiling (and forgetting) what the hot path of the app needs."""

    # Per-request plugin hooks, snapshotted when the app freezes.
    _request_started_hooks: tuple[Callable[..., Any], ...] = ()
    _request_finished_hooks: tuple[Callable[..., Any], ...] = ()
    _request_exception_hooks: tuple[Callable[..., Any], ...] = ()
    _request_teardown_hooks: tuple[Callable[..., Any], ...] = ()
    _websocket_started_hooks: tuple[Callable[..., Any], ...] = ()
    _websocket_finished_hooks: tuple[Callable[..., Any], ...] = ()
    _websocket_exception_hooks: tuple[Callable[..., Any], ...] = ()
    _websocket_teardown_hooks: tuple[Callable[..., Any], ...] = ()
    # Pipeline methods replaced by a subclass, a patch or on the instance:
    # those are always called. Until the app freezes, assume all are (a
    # test may run ``full_dispatch_request`` before any request did).
    _overridden: frozenset[str] = frozenset(PIPELINE_METHODS)
    #: Each of :data:`PIPELINE_METHODS` as the app class defines it (set
    #: by :mod:`quart.app`).
    _pipeline_defaults: ClassVar[dict[str, Any]] = {}

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
            for name, original in self._pipeline_defaults.items()
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

    def _websocket_hooks_for(self, blueprint: str | None) -> _HookChain:
        """The websocket hook chain for ``blueprint`` (``None``: the app)."""
        return self._hooks_for(blueprint, websocket=True)
