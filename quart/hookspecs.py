"""Every hook a Quart plugin can implement.

A plugin is any object or module with functions named after these specs and
marked with :data:`quart.hookimpl`. An implementation may accept any subset
of the arguments. Hooks marked *may be async* can be ``async def``; the core
awaits them in plugin order. *firstresult* hooks stop at the first
implementation that answers (returns non-``None`` after awaiting); a plugin
overrides a built-in default by answering first (``tryfirst=True``, or
simply because plugins registered later are called earlier).

A plugin loaded from its entry point but not enabled by an app gets only
the hooks in :data:`LOADED_PLUGIN_HOOKS` (commands and servers); the hooks
that act on an app are called for the plugins that app enabled (built-ins,
explicit plugins, and entry-point plugins it named).

Per-request hooks (``quart_request_*`` and ``quart_websocket_*``) are looked
up once, when the app starts serving (and again after a setup change such as
a plugin registered late); a hook with no implementation in an app is not
called at all.

Wrappers (``@hookimpl(wrapper=True)`` or ``hookwrapper=True``) work on the
hooks in :data:`WRAPPABLE_HOOKS`, which the core calls through pluggy's own
hook callers. ``quart_startup`` and ``quart_shutdown`` are among them
(datasette's pattern): pluggy calls every implementation, so sync ones run
then, and the core awaits the async ones' coroutines afterwards in plugin
order; a wrapper sees those results before they are awaited. The other
hooks are called one implementation at a time: the per-request ones from
the app's snapshot, ``quart_serve`` because its async implementations
decline by returning ``None`` after awaiting, ``quart_app_created`` to name
the plugin that failed and the routes it added. A wrapper of one of those
is refused at registration with a :class:`~quart.plugins.PluginError`.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from .app import Quart
    from .broadcast import BroadcastBackend
    from .serving import ServeOptions
    from .sessions import SessionInterface
    from .typing import ResponseReturnValue
    from .wrappers import Request
    from .wrappers import Response
    from .wrappers import Websocket

#: Marks a hook specification (for plugins that add their own hooks).
hookspec = pluggy.HookspecMarker("quart")
#: Marks a hook implementation in a plugin.
hookimpl = pluggy.HookimplMarker("quart")


# -- app set-up -------------------------------------------------------------
@hookspec
def quart_app_created(app: Quart) -> None:
    """Called at the end of ``Quart(...)`` for every plugin the app enabled,
    or when :meth:`~quart.plugins.PluginManager.enable` turns one on later.

    Configure the app here: set config defaults, register routes, blueprints
    or hooks, call a Flask-style extension's ``init_app(app)``, replace
    ``app.json``, or wrap ``app.asgi_app`` with ASGI middleware. An exception
    is reported as a :class:`~quart.plugins.PluginError` naming the plugin,
    and so is a route that clashes with another route of the app. Sync
    only.

    Not a pluggy ``historic`` hook, though it behaves like one for the
    plugins an app enables: pluggy would replay a historic call to every
    plugin registered later, including entry-point plugins the app only
    loaded and did not enable, and could not name the plugin that failed.
    The manager calls it itself, for each enabled plugin, when the app is
    created or the plugin is enabled or registered later.
    """


# -- serving lifespan ---------------------------------------------------------
@hookspec
def quart_startup(app: Quart) -> Awaitable[None] | None:
    """Called when the app starts serving (ASGI lifespan startup), after the
    app's ``before_serving`` functions, inside an app context. May be async
    (sync implementations run first, then the async ones are awaited in
    plugin order). An exception fails the startup."""


@hookspec
def quart_shutdown(app: Quart) -> Awaitable[None] | None:
    """Called when the app stops serving (ASGI lifespan shutdown), after the
    app's ``after_serving`` functions, inside an app context. May be async,
    as :func:`quart_startup`."""


# -- requests -----------------------------------------------------------------
@hookspec(firstresult=True)
def quart_request_started(
    app: Quart, request: Request
) -> Awaitable[ResponseReturnValue | None] | ResponseReturnValue | None:
    """*firstresult*: called for each HTTP request before the
    ``before_request`` functions, inside the request context. May be async.

    Returning a value (anything a view may return) short-circuits the
    request: it becomes the response, the view and the later
    implementations are not called; the after-request processing still
    runs.
    """


@hookspec
def quart_request_finished(
    app: Quart, request: Request, response: Response
) -> Awaitable[None] | None:
    """Called with the final response of each HTTP request, after the
    ``after_request`` functions and before the response is sent. May be
    async. Changing ``response`` (headers, cookies) is allowed."""


@hookspec
def quart_request_exception(
    app: Quart, request: Request, exception: BaseException
) -> Awaitable[None] | None:
    """Called when a request raised an exception no error handler handled
    (before the 500 response is made). May be async. For reporting only."""


@hookspec
def quart_request_teardown(
    app: Quart, request: Request, exception: BaseException | None
) -> Awaitable[None] | None:
    """Called when the request context is torn down, after the
    ``teardown_request`` functions, with the unhandled exception or
    ``None``. May be async. Always called, even after errors."""


@hookspec(firstresult=True)
def quart_websocket_started(
    app: Quart, websocket: Websocket
) -> Awaitable[ResponseReturnValue | None] | ResponseReturnValue | None:
    """*firstresult*: the websocket twin of :func:`quart_request_started`:
    called before the ``before_websocket`` functions. May be async.
    Returning a value rejects the websocket with that response (and the
    later implementations are not called)."""


@hookspec
def quart_websocket_finished(
    app: Quart, websocket: Websocket, response: Response | None
) -> Awaitable[None] | None:
    """Called when a websocket handler finished (``response`` is ``None``
    for a normally closed websocket). May be async."""


@hookspec
def quart_websocket_exception(
    app: Quart, websocket: Websocket, exception: BaseException
) -> Awaitable[None] | None:
    """Called when a websocket handler raised an unhandled exception. May be
    async."""


@hookspec
def quart_websocket_teardown(
    app: Quart, websocket: Websocket, exception: BaseException | None
) -> Awaitable[None] | None:
    """Called when the websocket context is torn down. May be async."""


# -- sessions -------------------------------------------------------------------
@hookspec(firstresult=True)
def quart_session_interface(app: Quart) -> SessionInterface | None:
    """*firstresult*: the :class:`~quart.sessions.SessionInterface` the app
    uses, unless ``app.session_interface`` was set explicitly. The built-in
    answer is the signed-cookie interface. Sync (the answer is needed before
    the first request)."""


# -- scale-out --------------------------------------------------------------------
@hookspec(firstresult=True)
def quart_broadcast_backend(app: Quart) -> BroadcastBackend | None:
    """*firstresult*: the :class:`~quart.broadcast.BroadcastBackend` behind
    ``app.broadcast``, asked once, when the app first uses its broadcast
    (and again after the app stopped serving). The built-in answer
    (plugin ``quart.broadcast``) is the in-process
    :class:`~quart.broadcast.MemoryBackend`, configured by
    ``BROADCAST_HISTORY`` and ``BROADCAST_HISTORY_SECONDS``. A plugin
    answers with a backend that processes share (``quart-redis-backend``),
    or ``None`` to leave it to the next. Sync: connect lazily, on the first
    publish or subscribe."""


# -- serving --------------------------------------------------------------------
@hookspec(firstresult=True)
def quart_serve(app: Quart, options: ServeOptions) -> Awaitable[bool] | bool | None:
    """*firstresult*: serve ``app`` with ``options`` (a
    :class:`~quart.serving.ServeOptions`) until shut down, and return
    ``True``; return ``None`` if ``options.server`` names another server.
    May be async (it then runs in the caller's event loop). The built-in
    answers for ``"hypercorn"`` (the default)."""


@hookspec
def quart_server_names() -> list[str]:  # type: ignore[empty-body]
    """Every plugin: the server names it can serve with (for ``--server``)."""


# -- command line ---------------------------------------------------------------
@hookspec
def quart_cli_commands(cli: click.Group) -> None:
    """Every plugin: add click commands to the ``quart`` command group
    (``cli.add_command(...)``). Sync."""


# -- introspection --------------------------------------------------------------
@hookspec
def quart_plugin_status(app: Quart | None) -> str | None:
    """Every loaded plugin: one line saying what the plugin does for ``app``
    (``None`` when no app was found), or why it does nothing, e.g.
    "inactive: REDIS_URL is not set". ``quart plugins`` shows it after the
    plugin's name. Return ``None`` to show nothing. Sync."""


#: Hooks called for every *loaded* plugin, enabled by the app or not: the
#: user asks for them by typing a ``quart`` command or choosing ``--server``.
#: Every other hook acts on an app and is called only for the plugins that
#: app enabled (see :meth:`quart.plugins.PluginManager.is_enabled`).
LOADED_PLUGIN_HOOKS = (
    "quart_cli_commands",
    "quart_plugin_status",
    "quart_server_names",
    "quart_serve",
)

#: Hooks called per HTTP request or websocket; snapshotted at freeze time.
PER_REQUEST_HOOKS = (
    "quart_request_started",
    "quart_request_finished",
    "quart_request_exception",
    "quart_request_teardown",
    "quart_websocket_started",
    "quart_websocket_finished",
    "quart_websocket_exception",
    "quart_websocket_teardown",
)

#: Hooks the core calls through pluggy's hook callers, so wrapper
#: implementations (``wrapper=True``, ``hookwrapper=True``) apply to them.
WRAPPABLE_HOOKS = (
    "quart_startup",
    "quart_shutdown",
    "quart_session_interface",
    "quart_broadcast_backend",
    "quart_server_names",
    "quart_cli_commands",
)

#: Hooks whose implementations may be ``async def``: the core awaits them
#: in plugin order (:attr:`quart.plugins.PluginManager.hook` returns an
#: awaitable for these).
MAY_BE_ASYNC_HOOKS = (
    "quart_startup",
    "quart_shutdown",
    "quart_serve",
    *PER_REQUEST_HOOKS,
)
