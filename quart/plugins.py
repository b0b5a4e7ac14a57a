"""The plugin manager: built-in plugins, entry-point discovery, control.

Each app has its own manager (tests create many apps in one process), all
seeded from one cached scan of the ``quart.plugins`` entry-point group. The
scan happens the first time an app (or the ``quart`` command) needs it, never
at ``import quart``.

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
import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING
from typing import Any

import pluggy

from . import hookspecs

if TYPE_CHECKING:
    from .app import Quart

ENTRY_POINT_GROUP = "quart.plugins"

#: The default behaviour, registered like any other plugin (and blockable).
BUILTIN_PLUGINS: dict[str, str] = {
    "quart.sessions": "quart.builtin.sessions",
    "quart.serving": "quart.builtin.serving",
    "quart.commands": "quart.builtin.commands",
}


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
def _load_entry_point(plugin: EntryPointPlugin) -> Any:
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


def _import_plugin(spec: str) -> Any:
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


def _caller(impl: pluggy.HookImpl, spec_args: tuple[str, ...]) -> Callable[..., Any]:
    """Call ``impl`` with positional arguments in spec order, passing only
    the arguments it declares."""
    function = impl.function
    if tuple(impl.argnames) == spec_args:
        return function
    positions = [spec_args.index(name) for name in impl.argnames]
    return lambda *args: function(*[args[i] for i in positions])


class PluginManager:
    """The plugins of one app (or of the ``quart`` command when no app is
    loaded yet).

    :param plugins: extra plugins to register: objects, modules, or import
        strings (``"package.module"`` or ``"package.module:attribute"``).
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
                self.register(
                    _load_entry_point(entry),
                    entry.name,
                    source="entrypoint",
                    distribution=entry.distribution,
                    version=entry.version,
                )
        for plugin in plugins or ():
            if isinstance(plugin, str):
                self.register(_import_plugin(plugin), plugin)
            else:
                self.register(plugin)

    # -- registration ---------------------------------------------------------
    @property
    def hook(self) -> Any:
        """pluggy's hook relay: ``manager.hook.quart_x(arg=...)``."""
        return self._pm.hook

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
        names fail here; per-request hooks cannot be added once the app
        serves; a registered plugin gets ``quart_app_created`` at once if
        the app already exists."""
        if name is None:
            name = _default_name(plugin)
            if self._pm.get_plugin(name) is not None:
                name = f"{name}-{id(plugin):x}"
        if name in self.blocked:
            raise PluginError(f"Plugin {name!r} is blocked.")
        app = self.app
        if app is not None and app.got_first_request:
            implemented = self._implemented_hooks(plugin)
            late = sorted(set(implemented) & set(hookspecs.PER_REQUEST_HOOKS))
            if late:
                raise PluginError(
                    f"Plugin {name!r} implements per-request hooks ({', '.join(late)})"
                    " but the app is already serving; register it before the"
                    " first request."
                )
        registered = self._pm.register(plugin, name)
        assert registered is not None
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as error:
            self._pm.unregister(plugin)
            raise PluginError(f"Plugin {name!r}: {error}") from error
        self._info[name] = PluginInfo(name, plugin, source, distribution, version)
        if app is not None and getattr(app, "_plugins_ready", False):
            self.app_created_for(name)
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
        app = self.app
        plugin = self._pm.get_plugin(name)
        if app is not None and app.got_first_request:
            late = set(self._implemented_hooks(plugin)) & set(
                hookspecs.PER_REQUEST_HOOKS
            )
            if late:
                raise PluginError(
                    f"Plugin {name!r} implements per-request hooks; it cannot be"
                    " removed once the app is serving."
                )
        self._pm.unregister(name=name)
        self._info.pop(name, None)

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
        """Run ``quart_app_created`` for every plugin in hook order (so
        ``tryfirst``/``trylast`` apply), naming the plugin that fails."""
        hook = self._pm.hook.quart_app_created
        for impl in reversed(hook.get_hookimpls()):
            self._app_created_call(impl)

    def app_created_for(self, name: str) -> None:
        """Run ``quart_app_created`` for one (late-registered) plugin."""
        for impl in self._pm.hook.quart_app_created.get_hookimpls():
            if impl.plugin_name == name:
                self._app_created_call(impl)

    def _app_created_call(self, impl: pluggy.HookImpl) -> None:
        info = self._info.get(impl.plugin_name)
        try:
            _caller(impl, ("app",))(self.app)
        except Exception as error:
            where = info.describe() if info is not None else impl.plugin_name
            raise PluginError(
                f"Plugin {where} failed in quart_app_created: {error!r}"
            ) from error

    def callers(self, hook_name: str) -> tuple[Callable[..., Any], ...]:
        """The implementations of a hook, in calling order, as plain
        callables taking the spec's arguments positionally."""
        caller = getattr(self._pm.hook, hook_name)
        spec_args = tuple(caller.spec.argnames)
        return tuple(
            _caller(impl, spec_args) for impl in reversed(caller.get_hookimpls())
        )

    def first_result_sync(self, hook_name: str, *args: Any) -> Any:
        """The first non-``None`` answer of a sync *firstresult* hook."""
        for call in self.callers(hook_name):
            result = call(*args)
            if inspect.isawaitable(result):
                raise PluginError(f"{hook_name} implementations must not be async.")
            if result is not None:
                return result
        return None

    async def first_result(self, hook_name: str, *args: Any) -> Any:
        """The first non-``None`` answer of a *firstresult* hook, awaiting
        async implementations."""
        for call in self.callers(hook_name):
            result = call(*args)
            if inspect.isawaitable(result):
                result = await result
            if result is not None:
                return result
        return None

    async def call_all(self, hook_name: str, *args: Any) -> list[Any]:
        """Call every implementation in order, awaiting async ones."""
        results = []
        for call in self.callers(hook_name):
            result = call(*args)
            if inspect.isawaitable(result):
                result = await result
            results.append(result)
        return results


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
            continue  # the common case: skip the (slow) awaitable check
        if inspect.isawaitable(result):
            result = await result
        if result is not None:
            return result
    return None


def builtin_module(name: str) -> ModuleType:
    """The module of a built-in plugin (for documentation and tests)."""
    return importlib.import_module(BUILTIN_PLUGINS[name])
