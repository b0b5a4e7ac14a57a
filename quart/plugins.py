"""The plugin manager: built-in plugins, entry-point discovery, control.

Each app has its own manager (tests create many apps in one process), all
seeded from one cached scan of the ``quart.plugins`` entry-point group. The
scan happens the first time an app (or the ``quart`` command) needs it, never
at ``import quart``.

Loaded is not enabled. Every plugin found through an entry point is
*loaded* (its command-line and serving hooks work), but it acts on an app
(``quart_app_created``, the lifecycle, per-request and session hooks) only
once that app *enables* it: ``Quart(plugins=["name"])`` or
``app.plugins.enable("name")``. Built-ins and plugins registered explicitly
are enabled. A route a plugin adds must not clash with another route of the
app: that is a :class:`PluginError`, at once or when the app freezes.

Environment controls:

* ``QUART_DISABLE_PLUGIN_AUTOLOAD=1``: load no entry-point plugins.
* ``QUART_PLUGINS=a,b``: load only these entry-point plugins.
* ``QUART_PLUGINS_DISABLED=a,b``: never load these (built-ins included).
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import inspect
import operator
import os
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

import pluggy

from . import hookspecs

if TYPE_CHECKING:
    from werkzeug.routing import Rule

    from .app import Quart

ENTRY_POINT_GROUP = "quart.plugins"

#: The default behaviour, registered like any other plugin (and blockable).
BUILTIN_PLUGINS: dict[str, str] = {
    "quart.sessions": "quart.builtin.sessions",
    "quart.serving": "quart.builtin.serving",
    "quart.commands": "quart.builtin.commands",
    "quart.broadcast": "quart.builtin.broadcast",
}


def register_builtin(name: str, module: str) -> None:
    """Make ``module`` (an import string) a built-in plugin called ``name``
    for every app created from now on: registered, enabled and blockable
    like Quart's own (``QUART_PLUGINS_DISABLED=name``). A package that
    provides default behaviour on import (``quart_flask_patch``) uses this;
    registering the same name again keeps the first module."""
    BUILTIN_PLUGINS.setdefault(name, module)


class PluginError(RuntimeError):
    """A plugin failed to load or to set up an app; the message names the
    plugin and the distribution it came from."""


@dataclass(frozen=True)
class PluginInfo:
    """What ``quart plugins`` reports about one loaded plugin."""

    name: str
    plugin: object
    #: ``"builtin"``, ``"entrypoint"`` or ``"explicit"``.
    source: str
    distribution: str | None = None
    version: str | None = None

    def describe(self) -> str:
        if self.distribution is None:
            return self.name
        return f"{self.name} ({self.distribution} {self.version})"


@dataclass(frozen=True)
class EntryPointPlugin:
    """One entry in the ``quart.plugins`` group."""

    name: str
    entry_point: importlib.metadata.EntryPoint
    distribution: str | None
    version: str | None


@functools.cache
def discover_entry_points() -> tuple[EntryPointPlugin, ...]:
    """The installed ``quart.plugins`` entry points, scanned once."""
    found = []
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry_point.dist
        found.append(
            EntryPointPlugin(
                entry_point.name,
                entry_point,
                dist.metadata["Name"] if dist is not None else None,
                dist.version if dist is not None else None,
            )
        )
    return tuple(found)


@functools.cache
def _load_entry_point(plugin: EntryPointPlugin) -> object:
    try:
        return plugin.entry_point.load()
    except Exception as error:
        raise PluginError(
            f"Plugin {plugin.name!r} from distribution"
            f" {plugin.distribution} {plugin.version} failed to load: {error!r}"
        ) from error


def _env_names(variable: str) -> set[str]:
    return {
        name.strip() for name in os.environ.get(variable, "").split(",") if name.strip()
    }


def _import_plugin(spec: str) -> object:
    module_name, _, attribute = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attribute) if attribute else module
    except (ImportError, AttributeError) as error:
        raise PluginError(
            f"Plugin {spec!r} could not be imported: {error!r}"
        ) from error


def _default_name(plugin: object) -> str:
    """A readable name: the module's or class's, else the instance's class."""
    own = getattr(plugin, "__name__", None)
    if isinstance(own, str):
        return own
    cls = type(plugin)
    return f"{cls.__module__}.{cls.__qualname__}"


_VARIABLE = re.compile(r"<(?:([^<>:]+):)?[^<>:]+>")


def _route_key(rule: Rule) -> tuple[object, ...]:
    """What two rules must share to match the same requests: the path with
    variable names dropped (converters kept), host, subdomain, protocol."""
    path = _VARIABLE.sub(lambda m: f"<{m.group(1) or 'default'}>", rule.rule)
    return (path, rule.host, rule.subdomain, bool(getattr(rule, "websocket", False)))


def _methods_overlap(first: Rule, second: Rule) -> bool:
    if first.methods is None or second.methods is None:
        return True
    return bool((first.methods & second.methods) - {"OPTIONS"})


def _caller(impl: pluggy.HookImpl, spec_args: tuple[str, ...]) -> Callable[..., Any]:
    """Call ``impl`` with positional arguments in spec order, passing only
    the arguments it declares."""
    function = impl.function
    if tuple(impl.argnames) == spec_args:
        return function
    positions = [spec_args.index(name) for name in impl.argnames]
    if not positions:
        return lambda *args: function()
    pick = operator.itemgetter(*positions)  # one C call, not a comprehension
    if len(positions) == 1:
        return lambda *args: function(pick(args))
    return lambda *args: function(*pick(args))


class PluginManager:
    """The plugins of one app (or of the ``quart`` command when no app is
    loaded yet).

    :param plugins: plugins the app enables: objects, modules, import
        strings (``"package.module"`` or ``"package.module:attribute"``), or
        the names of installed entry-point plugins (``"prometheus"``).
    :param allow: load only these entry-point plugins (``QUART_PLUGINS``).
    :param block: never load these plugins, built-ins included
        (``QUART_PLUGINS_DISABLED``).
    :param autoload: load entry-point plugins (``False`` if
        ``QUART_DISABLE_PLUGIN_AUTOLOAD`` is set).
    """

    def __init__(
        self,
        app: Quart | None = None,
        *,
        plugins: Iterable[object | str] | None = None,
        allow: Iterable[str] | None = None,
        block: Iterable[str] | None = None,
        autoload: bool | None = None,
    ) -> None:
        self.app = app
        self._pm = pluggy.PluginManager("quart")
        self._pm.add_hookspecs(hookspecs)
        self._info: dict[str, PluginInfo] = {}
        #: Names of the plugins the app enabled (see :meth:`is_enabled`).
        self._enabled: set[str] = set()
        #: Routes added by plugins, with the adding plugin's name.
        self._plugin_rules: list[tuple[Rule, str]] = []
        self.blocked = set(block or ()) | _env_names("QUART_PLUGINS_DISABLED")
        allowed = set(allow or ()) | _env_names("QUART_PLUGINS")
        if autoload is None:
            autoload = os.environ.get("QUART_DISABLE_PLUGIN_AUTOLOAD", "") in {"", "0"}

        for name, module in BUILTIN_PLUGINS.items():
            if name not in self.blocked:
                self.register(_import_plugin(module), name, source="builtin")
        if autoload:
            for entry in discover_entry_points():
                if entry.name in self.blocked or (
                    allowed and entry.name not in allowed
                ):
                    continue
                if self.get_plugin(entry.name) is not None:
                    continue  # the same distribution seen twice
                self._register_entry_point(entry)
        for plugin in plugins or ():
            self._enable(plugin)

    def _register_entry_point(self, entry: EntryPointPlugin) -> str:
        return self.register(
            _load_entry_point(entry),
            entry.name,
            source="entrypoint",
            distribution=entry.distribution,
            version=entry.version,
        )

    def _enable(self, plugin: object | str) -> str:
        """Register ``plugin`` if need be and mark it enabled, running its
        ``quart_app_created`` if the app exists already; its name."""
        if isinstance(plugin, str) and self._pm.get_plugin(plugin) is None:
            entry = {e.name: e for e in discover_entry_points()}.get(plugin)
            if entry is not None:
                self._register_entry_point(entry)
            else:
                plugin = _import_plugin(plugin)
        name = plugin if isinstance(plugin, str) else self._pm.get_name(plugin)
        if name is None:
            return self.register(plugin)  # explicit: enabled and set up
        if name in self._enabled:
            return name
        self._setup_changed(self._pm.get_plugin(name))
        self._mark_enabled(name)
        return name

    def _mark_enabled(self, name: str) -> None:
        """Enable the registered plugin ``name``; if the app has run its
        ``quart_app_created`` hooks already, run the plugin's now."""
        self._enabled.add(name)
        app = self.app
        if app is not None and getattr(app, "_plugins_ready", False):
            self.app_created_for(name)

    # -- enabling -------------------------------------------------------------
    def enable(self, *plugins: object | str) -> list[str]:
        """Turn plugins on for this app after it was created: installed
        entry-point plugins by name (loaded now if autoload was off or the
        allow list left them out), or plugin objects, modules and import
        strings. Each newly enabled plugin's ``quart_app_created`` runs at
        once, so set the config it reads first. Returns the names.

        Enabling a plugin after the app served is a setup change like a
        late route: the next request compiles its per-request hooks in."""
        return [self._enable(plugin) for plugin in plugins]

    def is_enabled(self, plugin: object | str) -> bool:
        """Whether this app turned ``plugin`` (a name or the registered
        object) on. Built-ins and explicitly registered plugins are enabled;
        a plugin loaded from its entry point only when the app named it in
        ``Quart(plugins=[...])`` or :meth:`enable`. Only enabled plugins get
        the hooks that act on an app; a plugin's own code (a CLI command,
        ``quart_serve``) can ask here."""
        name = plugin if isinstance(plugin, str) else self._pm.get_name(plugin)
        return name is not None and name in self._enabled

    # -- registration ---------------------------------------------------------
    @property
    def hook(self) -> HookRelay:
        """Call a hook by name, with keyword arguments, as the core calls
        it: ``manager.hook.quart_x(arg=...)``. Only the plugins the hook is
        for answer (the enabled ones, or every loaded one for
        :data:`quart.hookspecs.LOADED_PLUGIN_HOOKS`). A hook that may be
        async returns an awaitable (``await manager.hook.quart_startup(
        app=app)``): :meth:`first_result` for a *firstresult* hook,
        :meth:`call_all` for the others. A sync hook returns pluggy's
        result (a list, or the answer of a *firstresult* hook)."""
        return HookRelay(self)

    def _check_wrappers(self, plugin: object, name: str) -> None:
        """Refuse wrapper implementations (``wrapper=True``,
        ``hookwrapper=True``) of the hooks the core calls one implementation
        at a time: pluggy would never enter them there, and for a hook that
        may be async a wrapper would only see unawaited coroutines."""
        for caller in self._pm.get_hookcallers(plugin) or ():
            if caller.name in hookspecs.WRAPPABLE_HOOKS:
                continue
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin and (impl.wrapper or impl.hookwrapper):
                    raise PluginError(
                        f"Plugin {name!r}: {caller.name} cannot be a wrapper"
                        " (wrapper=True or hookwrapper=True). Quart calls this"
                        " hook one implementation at a time and awaits each;"
                        " use tryfirst=True / trylast=True to run before or"
                        " after the others. Wrappers work on"
                        f" {', '.join(hookspecs.WRAPPABLE_HOOKS)}."
                    )

    def _setup_changed(self, plugin: object) -> None:
        """A plugin with per-request hooks came or went: if the app has
        compiled its pipeline, drop it so the next request compiles it
        again with the new hooks (as a late route or ``before_request``)."""
        app = self.app
        if app is None or plugin is None:
            return
        if set(self._implemented_hooks(plugin)) & set(hookspecs.PER_REQUEST_HOOKS):
            app._check_setup_finished("register a plugin")

    def register(
        self,
        plugin: object,
        name: str | None = None,
        *,
        source: str = "explicit",
        distribution: str | None = None,
        version: str | None = None,
    ) -> str:
        """Register ``plugin`` and return its name. Unknown ``quart_`` hook
        names, and wrapper implementations of hooks the core calls one
        implementation at a time (see :data:`quart.hookspecs.WRAPPABLE_HOOKS`),
        fail here with :class:`PluginError`. A registered plugin gets
        ``quart_app_created`` at once if the app already exists; one
        registered after the app served takes part from the next request."""
        if name is None:
            name = _default_name(plugin)
            if self._pm.get_plugin(name) is not None:
                name = f"{name}-{id(plugin):x}"
        if name in self.blocked:
            raise PluginError(f"Plugin {name!r} is blocked.")
        registered = self._pm.register(plugin, name)
        assert registered is not None
        try:
            self._pm.check_pending()
            self._check_wrappers(plugin, name)
        except (pluggy.PluginValidationError, PluginError) as error:
            self._pm.unregister(plugin)
            if isinstance(error, PluginError):
                raise
            raise PluginError(f"Plugin {name!r}: {error}") from error
        self._setup_changed(plugin)
        self._info[name] = PluginInfo(name, plugin, source, distribution, version)
        if source != "entrypoint":
            self._mark_enabled(name)
        return name

    def unregister(self, plugin_or_name: object | str) -> None:
        """Remove a plugin (by object or name)."""
        name = (
            plugin_or_name
            if isinstance(plugin_or_name, str)
            else self._pm.get_name(plugin_or_name)
        )
        if name is None or self._pm.get_plugin(name) is None:
            raise ValueError(f"Plugin {plugin_or_name!r} is not registered.")
        self._setup_changed(self._pm.get_plugin(name))
        self._pm.unregister(name=name)
        self._info.pop(name, None)
        self._enabled.discard(name)

    @contextmanager
    def registered(self, plugin: object, name: str | None = None) -> Iterator[str]:
        """Register ``plugin`` for the duration of a ``with`` block (tests)."""
        name = self.register(plugin, name)
        try:
            yield name
        finally:
            if self._pm.get_plugin(name) is not None:
                self.unregister(name)

    def get_plugin(self, name: str) -> object | None:
        """The plugin registered under ``name``, or ``None``."""
        return self._pm.get_plugin(name)

    def list_plugins(self) -> list[PluginInfo]:
        """Every registered plugin, in registration order."""
        return [info for name, info in self._info.items() if self._pm.get_plugin(name)]

    def hooks_of(self, name: str) -> list[str]:
        """The hook names the plugin called ``name`` implements."""
        plugin = self._pm.get_plugin(name)
        return sorted(self._implemented_hooks(plugin)) if plugin is not None else []

    def _implemented_hooks(self, plugin: object) -> list[str]:
        if self._pm.is_registered(plugin):
            return [caller.name for caller in self._pm.get_hookcallers(plugin) or ()]
        names = []
        for attribute in dir(plugin):
            if attribute.startswith("quart_") and self._pm.parse_hookimpl_opts(
                plugin, attribute
            ):
                names.append(attribute)
        return names

    # -- calling ----------------------------------------------------------------
    def app_created(self) -> None:
        """Run ``quart_app_created`` for every enabled plugin in hook order
        (so ``tryfirst``/``trylast`` apply), naming the plugin that fails."""
        hook = self._pm.hook.quart_app_created
        for impl in reversed(hook.get_hookimpls()):
            if impl.plugin_name in self._enabled:
                self._app_created_call(impl)

    def app_created_for(self, name: str) -> None:
        """Run ``quart_app_created`` for one (late-enabled) plugin."""
        for impl in self._pm.hook.quart_app_created.get_hookimpls():
            if impl.plugin_name == name:
                self._app_created_call(impl)

    def _app_created_call(self, impl: pluggy.HookImpl) -> None:
        info = self._info.get(impl.plugin_name)
        where = info.describe() if info is not None else impl.plugin_name
        app = self.app
        assert app is not None
        before = {id(rule) for rule in app.url_map.iter_rules()}
        try:
            _caller(impl, ("app",))(app)
        except Exception as error:
            raise PluginError(
                f"Plugin {where} failed in quart_app_created: {error!r}"
            ) from error
        added = [r for r in app.url_map.iter_rules() if id(r) not in before]
        if added:
            self._plugin_rules.extend((rule, impl.plugin_name) for rule in added)
            self.check_routes()

    def check_routes(self) -> None:
        """Raise :class:`PluginError` if a route a plugin added would match
        the same requests as another route of the app (the app's own, or
        another plugin's): werkzeug answers with the rule added first, so
        one of the two would be dead, silently. The app calls this when it
        freezes (after its set-up, so routes added after the plugin's count
        too)."""
        if not self._plugin_rules or self.app is None:
            return
        owners = {id(rule): name for rule, name in self._plugin_rules}
        by_key: dict[tuple[object, ...], list[Rule]] = {}
        for rule in self.app.url_map.iter_rules():
            by_key.setdefault(_route_key(rule), []).append(rule)
        for rule, name in self._plugin_rules:
            for other in by_key.get(_route_key(rule), ()):
                if other is rule or not _methods_overlap(rule, other):
                    continue
                other_owner = owners.get(id(other))
                if other_owner == name:
                    continue
                info = self._info.get(name)
                where = info.describe() if info is not None else name
                whose = (
                    "the app's route"
                    if other_owner is None
                    else f"the route of plugin {other_owner!r}"
                )
                raise PluginError(
                    f"Plugin {where} adds the route {rule.rule!r} (endpoint"
                    f" {rule.endpoint!r}), which clashes with {whose}"
                    f" {other.rule!r} (endpoint {other.endpoint!r}): only one"
                    " of them could ever answer. Give one of them another"
                    " path (see the plugin's settings), or do not enable the"
                    " plugin."
                )

    def _impls(self, hook_name: str) -> list[pluggy.HookImpl]:
        """The implementations of a hook the core calls one at a time, in
        calling order: those of the enabled plugins, or of every loaded
        plugin for the hooks in :data:`quart.hookspecs.LOADED_PLUGIN_HOOKS`."""
        caller = getattr(self._pm.hook, hook_name)
        every = hook_name in hookspecs.LOADED_PLUGIN_HOOKS
        enabled = self._enabled
        return [
            impl
            for impl in reversed(caller.get_hookimpls())
            if every or impl.plugin_name in enabled
        ]

    def _spec_args(self, hook_name: str) -> tuple[str, ...]:
        return tuple(getattr(self._pm.hook, hook_name).spec.argnames)

    def _call_pluggy(self, hook_name: str, args: tuple[Any, ...]) -> Any:
        """Call a hook through :meth:`_pluggy_caller` with its spec's
        arguments given positionally."""
        kwargs = dict(zip(self._spec_args(hook_name), args, strict=True))
        return self._pluggy_caller(hook_name)(**kwargs)

    def _pluggy_caller(self, hook_name: str) -> Callable[..., Any]:
        """pluggy's own caller of a hook (wrappers, ``firstresult`` and
        tracing as pluggy documents them), limited to the plugins the hook
        is for."""
        caller = getattr(self._pm.hook, hook_name)
        if hook_name in hookspecs.LOADED_PLUGIN_HOOKS:
            return caller  # type: ignore[no-any-return]
        skip = [
            impl.plugin
            for impl in caller.get_hookimpls()
            if impl.plugin_name not in self._enabled
        ]
        if not skip:
            return caller  # type: ignore[no-any-return]
        return self._pm.subset_hook_caller(hook_name, skip)

    def callers(self, hook_name: str) -> tuple[Callable[..., Any], ...]:
        """The snapshot the app compiles per-request hooks into: the
        implementations, in calling order, as plain callables taking the
        spec's arguments positionally (see :meth:`_impls`)."""
        spec_args = self._spec_args(hook_name)
        return tuple(_caller(impl, spec_args) for impl in self._impls(hook_name))

    def first_result_sync(self, hook_name: str, *args: Any) -> Any:
        """The answer of a sync *firstresult* hook, through pluggy's caller
        (so wrappers apply)."""
        result = self._call_pluggy(hook_name, args)
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                result.close()
            raise PluginError(f"{hook_name} implementations must not be async.")
        return result

    def required_result_sync(
        self, hook_name: str, *args: Any, what: str, builtin: str
    ) -> Any:
        """:meth:`first_result_sync` of a hook the built-in plugin
        ``builtin`` answers by default: a :class:`RuntimeError` naming
        ``what`` is missing when no plugin answers (the built-in was
        disabled without a replacement)."""
        result = self.first_result_sync(hook_name, *args)
        if result is None:
            raise RuntimeError(
                f"No plugin provides {what} (was the {builtin!r} plugin"
                " disabled without a replacement?)."
            )
        return result

    async def first_result(self, hook_name: str, *args: Any) -> Any:
        """The first non-``None`` answer of a *firstresult* hook that may be
        async, awaiting each implementation before asking the next."""
        return await call_until_answer(self.callers(hook_name), *args)

    async def call_all(self, hook_name: str, *args: Any) -> list[Any]:
        """Call a hook that may be async through pluggy's caller (so
        wrappers and tracing apply), then await the async implementations'
        results in plugin order, datasette's ``await_me_maybe`` pattern:
        the non-``None`` results."""
        return await await_each(self._call_pluggy(hook_name, args))

    def results_by_plugin(self, hook_name: str, *args: Any) -> dict[str, Any]:
        """Each implementation's (sync) result by plugin name, for reports
        such as ``quart plugins``."""
        spec_args = self._spec_args(hook_name)
        return {
            impl.plugin_name: _caller(impl, spec_args)(*args)
            for impl in self._impls(hook_name)
        }


class HookCaller:
    """One hook of a :class:`PluginManager`, called with keyword arguments
    the way the core calls it (see :attr:`PluginManager.hook`)."""

    def __init__(self, manager: PluginManager, name: str) -> None:
        self.manager = manager
        self.name = name
        self._pluggy = getattr(manager._pm.hook, name)

    def __call__(self, **kwargs: Any) -> Any:
        manager = self.manager
        if self.name not in hookspecs.MAY_BE_ASYNC_HOOKS:
            return manager._pluggy_caller(self.name)(**kwargs)
        spec = self._pluggy.spec
        args = [kwargs[name] for name in spec.argnames]
        if spec.opts.get("firstresult"):
            return manager.first_result(self.name, *args)
        return manager.call_all(self.name, *args)

    def get_hookimpls(self) -> list[pluggy.HookImpl]:
        """Every implementation pluggy holds (enabled or not), as pluggy
        orders them (last called first)."""
        return self._pluggy.get_hookimpls()  # type: ignore[no-any-return]


class HookRelay:
    """``manager.hook.quart_x``: a :class:`HookCaller` per hook name."""

    def __init__(self, manager: PluginManager) -> None:
        self._manager = manager

    def __getattr__(self, name: str) -> HookCaller:
        if not hasattr(self._manager._pm.hook, name):
            raise AttributeError(f"No hook named {name!r}.")
        return HookCaller(self._manager, name)


async def await_me_maybe(value: Any) -> Any:
    """``value``, awaited if it is awaitable (an async implementation's
    coroutine)."""
    if inspect.isawaitable(value):
        return await value
    return value


async def await_each(results: list[Any]) -> list[Any]:
    """Await, in order, what each implementation of a hook returned
    (coroutines of async implementations, plain values of sync ones); the
    non-``None`` values. When one fails, the coroutines after it are closed
    unawaited."""
    values = []
    for index, result in enumerate(results):
        try:
            value = await await_me_maybe(result)
        except BaseException:
            for later in results[index + 1 :]:
                if inspect.iscoroutine(later):
                    later.close()
            raise
        if value is not None:
            values.append(value)
    return values


async def call_each(callers: tuple[Callable[..., Any], ...], *args: Any) -> None:
    """Call snapshotted hook implementations in order, awaiting async ones."""
    for call in callers:
        result = call(*args)
        if result is not None and inspect.isawaitable(result):
            await result


async def call_until_answer(callers: tuple[Callable[..., Any], ...], *args: Any) -> Any:
    """Like :func:`call_each`, but stop at (and return) the first non-``None``
    result: for hooks that may short-circuit."""
    for call in callers:
        result = call(*args)
        if result is None:
            continue
        if inspect.isawaitable(result):
            result = await result
        if result is not None:
            return result
    return None
