"""The compiled request pipeline: what a request runs, decided once.

When the app starts serving (its first request or lifespan startup) it
freezes, and for each blueprint and protocol (HTTP, websocket) a request
first reaches, it compiles :class:`Steps`: the hook functions in calling
order, already made async, and only the steps that have work. A signal
with no receivers, a plugin hook nobody implements or a blueprint without
``before_request`` functions leaves no step behind, and a pipeline method
a subclass, a patch or the instance replaced is simply the callable that
goes in. Setup after that (a late route, a plugin, a signal receiver, a
replaced method) thaws the app, and the next request compiles again.

:class:`Pipeline` is part of :class:`~quart.Quart` (the app inherits it);
the request flow that runs the steps is in :mod:`quart.app`.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Awaitable
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any
from typing import ClassVar
from typing import NamedTuple
from typing import cast

from blinker import NamedSignal
from werkzeug.routing.converters import DEFAULT_CONVERTERS

from . import signals
from .hookspecs import PER_REQUEST_HOOKS
from .plugins import call_each
from .plugins import call_until_answer
from .sessions import opener_on_read

if TYPE_CHECKING:
    from .app import Quart
    from .lifespan import Lifespan as _AppBase
    from .sessions import SecureCookieSessionInterface
else:
    _AppBase = object

#: The steps of the pipeline that are app methods: one a subclass, a patch
#: or an instance attribute replaced is always called; the app's own is
#: left out of the steps when it has nothing to do (``create_url_adapter``:
#: when the match cannot depend on the host, see ``_host_free_adapter``).
PIPELINE_METHODS = (
    "create_url_adapter",
    "make_response",
    "preprocess_request",
    "process_response",
    "do_teardown_request",
    "preprocess_websocket",
    "postprocess_websocket",
    "do_teardown_websocket",
    "do_teardown_appcontext",
)

#: The signals the steps send: connecting or disconnecting a receiver of
#: one thaws the apps that compiled without it.
PIPELINE_SIGNALS = (
    signals.request_started,
    signals.request_finished,
    signals.request_tearing_down,
    signals.websocket_started,
    signals.websocket_finished,
    signals.websocket_tearing_down,
    signals.appcontext_tearing_down,
)

#: App attributes :meth:`Pipeline._freeze` decides on (how URLs are
#: matched, how sessions are opened): setting one thaws.
_DECIDING_ATTRIBUTES = frozenset({"session_interface", "subdomain_matching", "url_map"})

_frozen_apps: weakref.WeakSet[Pipeline] = weakref.WeakSet()


def _thaw_frozen_apps(_signal: NamedSignal, **_: Any) -> None:
    for app in list(_frozen_apps):
        app._thaw()


for _signal in PIPELINE_SIGNALS:
    _signal.receiver_connected.connect(_thaw_frozen_apps)
    _signal.receiver_disconnected.connect(_thaw_frozen_apps)


class Protocol(NamedTuple):
    """Where the steps of one protocol come from: its registries, signals,
    plugin hooks and pipeline methods."""

    before: str
    after: str
    teardown: str
    started: NamedSignal
    finished: NamedSignal
    tearing_down: NamedSignal
    started_hook: str
    finished_hook: str
    exception_hook: str
    teardown_hook: str
    preprocess: str
    postprocess: str
    do_teardown: str


HTTP = Protocol(
    "before_request_funcs",
    "after_request_funcs",
    "teardown_request_funcs",
    signals.request_started,
    signals.request_finished,
    signals.request_tearing_down,
    "quart_request_started",
    "quart_request_finished",
    "quart_request_exception",
    "quart_request_teardown",
    "preprocess_request",
    "process_response",
    "do_teardown_request",
)
WEBSOCKET = Protocol(
    "before_websocket_funcs",
    "after_websocket_funcs",
    "teardown_websocket_funcs",
    signals.websocket_started,
    signals.websocket_finished,
    signals.websocket_tearing_down,
    "quart_websocket_started",
    "quart_websocket_finished",
    "quart_websocket_exception",
    "quart_websocket_teardown",
    "preprocess_websocket",
    "postprocess_websocket",
    "do_teardown_websocket",
)


@dataclass(frozen=True, slots=True)
class Steps:
    """What a request (or websocket) to one blueprint runs, in order.

    The first five fields are the hook functions the pipeline methods
    call (app first then outer to inner blueprint for before-hooks and
    context processors, the reverse for after and teardown hooks, as
    Flask orders them). The others are the steps, holding only what has
    work (``None``: nothing to do). Slots, not a named tuple: Python 3.11
    reads a slot in one specialised step, a named tuple's field through
    its descriptor.
    """

    url_value_preprocessors: tuple[
        Callable[[str | None, dict[str, Any] | None], None], ...
    ]
    before: tuple[Callable[[], Awaitable[Any]], ...]
    # Requests pass a Response; websockets a Response or None.
    after: tuple[Callable[[Any], Awaitable[Any]], ...]
    teardown: tuple[Callable[[BaseException | None], Awaitable[Any]], ...]
    context_processors: tuple[Callable[[], Awaitable[dict[str, Any]]], ...]
    #: What runs before the view, given the context: the
    #: ``request_started`` signal, the plugins' started hooks,
    #: ``preprocess_request`` (or the websocket twins), those with work. The
    #: answer, if not ``None``, is the response and the view is skipped.
    #: One step is called as it is, several through :func:`first_answer`.
    before_view: Callable[[Any], Awaitable[Any]] | None
    #: ``make_response`` if a subclass, a patch or the instance replaced it;
    #: ``None`` for the app's own, whose conversion never awaits and is
    #: called without a coroutine.
    make_response: Callable[[Any], Awaitable[Any]] | None
    #: ``process_response`` (``postprocess_websocket``) if it has work
    #: whatever the request; a request's own work (``after_this_request``
    #: functions, a session to save) calls it too.
    postprocess: Callable[[Any, Any], Awaitable[Any]] | None
    #: Called with the request (or websocket) and the response.
    finished: tuple[Callable[[Any, Any], Awaitable[Any]], ...]
    #: ``do_teardown_request`` (``do_teardown_websocket``), given the error.
    do_teardown: Callable[[BaseException | None], Awaitable[Any]] | None
    #: The plugins' teardown hooks, which ``do_teardown`` calls.
    plugin_teardown: tuple[Callable[..., Any], ...]


async def run_before(
    url_value_preprocessors: tuple[
        Callable[[str | None, dict[str, Any] | None], None], ...
    ],
    before: tuple[Callable[[], Awaitable[Any]], ...],
    ctx: Any,
) -> Any:
    """What ``preprocess_request`` and ``preprocess_websocket`` do: the URL
    value preprocessors, then the before functions until one answers."""
    if url_value_preprocessors:
        connection = ctx._connection
        endpoint, view_args = connection.endpoint, connection.view_args
        for preprocessor in url_value_preprocessors:
            preprocessor(endpoint, view_args)
    for func in before:
        rv = await func()
        if rv is not None:
            return rv
    return None


async def first_answer(
    steps: tuple[Callable[[Any], Awaitable[Any]], ...], ctx: Any
) -> Any:
    """Await each step with ``ctx`` until one answers (not ``None``)."""
    for step in steps:
        rv = await step(ctx)
        if rv is not None:
            return rv
    return None


class Pipeline(_AppBase):
    """Compiling (and forgetting) the steps requests run."""

    #: The per-request plugin hooks by name, snapshotted once per freeze
    #: (see :meth:`_hook_callers`).
    _plugin_hooks: dict[str, tuple[Callable[..., Any], ...]] | None = None
    #: Once the app is frozen, ``do_teardown_appcontext`` if it has work.
    _appcontext_teardown: Callable[[BaseException | None], Awaitable[None]] | None = (
        None
    )
    #: Once the app is frozen, its session interface if requests open their
    #: session on first read (see :func:`~quart.sessions.opener_on_read`).
    _session_opener: SecureCookieSessionInterface | None = None
    #: Each of :data:`PIPELINE_METHODS` as the app class defines it (set
    #: by :mod:`quart.app`).
    _pipeline_defaults: ClassVar[dict[str, Any]] = {}

    def __setattr__(self, name: str, value: Any) -> None:
        # A pipeline method replaced on the instance is a setup change, and
        # so is anything deciding how URLs are matched or sessions opened.
        if (
            name in self._pipeline_defaults or name in _DECIDING_ATTRIBUTES
        ) and getattr(self, "_frozen", False):  # url_map is set in __init__
            self._thaw()
        object.__setattr__(self, name, value)

    def _check_setup_finished(self, f_name: str) -> None:
        """Setup may go on after the app served requests (as Quart allows,
        e.g. a test adding a route late): drop what was compiled, and the
        next request compiles it again."""
        if self._frozen:
            self._thaw()

    def _freeze(self) -> None:
        """Start serving: check the plugins' routes, decide whether route
        matches may be remembered, whether requests share one adapter for
        matching, whether they open their session on first read and whether
        the app context has teardown work. Steps are then compiled per
        blueprint as requests need them."""
        self.plugins.check_routes()  # a plugin's route never shadows the app's
        builtin = set(DEFAULT_CONVERTERS.values())
        if all(cls in builtin for cls in self.url_map.converters.values()):
            self._match_cache = {}
        self._shared_adapter = (
            None if self._replaced("create_url_adapter") else self._host_free_adapter()
        )
        self._session_opener = opener_on_read(self.session_interface)
        self._appcontext_teardown = self._method_step(
            "do_teardown_appcontext",
            bool(
                self.teardown_appcontext_funcs
                or signals.appcontext_tearing_down.receivers
            ),
        )
        self._frozen = True
        self._got_first_request = True
        _frozen_apps.add(self)

    def _thaw(self) -> None:
        """Forget what :meth:`_freeze` and the requests since compiled,
        before a setup change; the next request freezes the app again."""
        self._frozen = False
        _frozen_apps.discard(self)
        self._steps.clear()
        self._plugin_hooks = None
        self._match_cache = None
        self._shared_adapter = None
        self._session_opener = None
        if "jinja_env" in vars(self) and self.jinja_env.cache is not None:
            # Compiled templates hold the filters and tests they were
            # compiled with.
            self.jinja_env.cache.clear()

    def _replaced(self, name: str) -> bool:
        """Whether the pipeline method ``name`` is not the app's own: a
        subclass, a patch or the instance replaced it."""
        return name in vars(self) or (
            getattr(type(self), name) is not self._pipeline_defaults.get(name)
        )

    def _method_step(self, name: str, has_work: bool) -> Any:
        """The bound pipeline method ``name`` if it has work or was
        replaced, else ``None``."""
        return getattr(self, name) if has_work or self._replaced(name) else None

    def _hook_callers(self, name: str) -> tuple[Callable[..., Any], ...]:
        """The implementations of the per-request hook ``name`` (one of
        :data:`quart.hookspecs.PER_REQUEST_HOOKS`) as
        :meth:`PluginManager.callers <quart.plugins.PluginManager.callers>`
        gives them, from one snapshot of all of them taken once the app is
        frozen."""
        table = self._plugin_hooks
        if table is None:
            table = {hook: self.plugins.callers(hook) for hook in PER_REQUEST_HOOKS}
            if self._frozen:
                self._plugin_hooks = table
        return table[name]

    def _steps_for(self, blueprint: str | None, websocket: bool = False) -> Steps:
        """The steps of requests (or websockets) to ``blueprint`` (``None``:
        the app), compiled on first use and kept once the app serves."""
        key = (blueprint, websocket)
        try:
            return self._steps[key]
        except KeyError:
            pass
        steps = self._compile(blueprint, WEBSOCKET if websocket else HTTP)
        if self._frozen:
            self._steps[key] = steps
        return steps

    def _compile(self, blueprint: str | None, protocol: Protocol) -> Steps:
        names: list[str] = []
        if blueprint is not None:
            parts = blueprint.split(".")
            names = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
        outer_first: tuple[str | None, ...] = (None, *reversed(names))
        inner_first: tuple[str | None, ...] = (*names, None)

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

        url_value_preprocessors = tuple(
            f for n in outer_first for f in self.url_value_preprocessors.get(n, ())
        )
        before = outer_to_inner(getattr(self, protocol.before))
        after = inner_to_outer(getattr(self, protocol.after))
        teardown = inner_to_outer(getattr(self, protocol.teardown))
        app = cast("Quart", self)
        started_hooks = self._hook_callers(protocol.started_hook)
        finished_hooks = self._hook_callers(protocol.finished_hook)
        plugin_teardown = self._hook_callers(protocol.teardown_hook)

        before_view: list[Callable[[Any], Awaitable[Any]]] = []
        if protocol.started.receivers:
            before_view.append(lambda _: signals.send_signal(protocol.started, app))
        if started_hooks:
            before_view.append(
                lambda ctx: call_until_answer(started_hooks, self, ctx._connection)
            )
        if self._replaced(protocol.preprocess):
            before_view.append(getattr(self, protocol.preprocess))
        elif before or url_value_preprocessors:
            # What the app's own preprocess_request would do, without the
            # call to it.
            before_view.append(
                functools.partial(run_before, url_value_preprocessors, before)
            )
        finished: list[Callable[[Any, Any], Awaitable[Any]]] = []
        if protocol.finished.receivers:
            finished.append(
                lambda _, response: signals.send_signal(
                    protocol.finished, app, response=response
                )
            )
        if finished_hooks:
            finished.append(
                lambda conn, response: call_each(finished_hooks, self, conn, response)
            )
        return Steps(
            url_value_preprocessors=url_value_preprocessors,
            before=before,
            after=after,
            teardown=teardown,
            context_processors=outer_to_inner(self.template_context_processors),
            before_view=(
                None
                if not before_view
                else before_view[0]
                if len(before_view) == 1
                else functools.partial(first_answer, tuple(before_view))
            ),
            make_response=self._method_step("make_response", False),
            postprocess=self._method_step(protocol.postprocess, bool(after)),
            finished=tuple(finished),
            do_teardown=self._method_step(
                protocol.do_teardown,
                bool(teardown or plugin_teardown or protocol.tearing_down.receivers),
            ),
            plugin_teardown=plugin_teardown,
        )

    def _view_for(self, endpoint: str) -> Callable[..., Awaitable[Any]]:
        """The view of ``endpoint``, made async once."""
        func = self.view_functions[endpoint]
        cached = self._async_views.get(endpoint)
        if cached is not None and cached[0] is func:
            return cached[1]
        wrapped = self.ensure_async(func)
        self._async_views[endpoint] = (func, wrapped)
        return wrapped
