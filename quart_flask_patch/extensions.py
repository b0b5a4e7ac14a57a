"""Flask extensions as Quart plugins: ``init_app(app)`` runs through the
plugin lifecycle (``quart_app_created``), and ``quart plugins`` lists them.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import os
from collections.abc import Iterable
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

from quart.hookspecs import hookimpl
from quart.plugins import PluginError

if TYPE_CHECKING:
    from quart.app import Quart

#: The config key (and environment variable) naming extensions to load.
CONFIG_KEY = "QUART_FLASK_EXTENSIONS"


def _import(spec: str) -> Any:
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    value: Any = module
    for part in filter(None, attribute.split(".")):
        value = getattr(value, part)
    return value


@functools.cache
def _distributions() -> Mapping[str, list[str]]:
    return importlib.metadata.packages_distributions()


def _distribution_of(module_name: str) -> tuple[str | None, str | None]:
    top = module_name.partition(".")[0]
    names = _distributions().get(top)
    if not names:
        return None, None
    try:
        return names[0], importlib.metadata.version(names[0])
    except importlib.metadata.PackageNotFoundError:
        return names[0], None


class FlaskExtension:
    """A plugin that sets up a Flask extension on each app it is registered
    with, by calling ``extension.init_app(app)``.

    :param extension: the extension: an import string
        (``"flask_login:LoginManager"``), a class, or an instance.
    :param args: arguments for the class when it is instantiated (once, on
        first use; the one instance serves every app, as with Flask's
        application-factory pattern).
    :param name: the plugin name (default: the import string).

    Register it like any plugin::

        app = Quart(__name__, plugins=[FlaskExtension("flask_cors:CORS")])
        app.plugins.register(FlaskExtension(db))  # once config is set

    or publish it through the ``quart.plugins`` entry-point group.
    """

    def __init__(
        self,
        extension: str | object,
        *args: Any,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.target = extension
        self.args = args
        self.kwargs = kwargs
        if name is None:
            if isinstance(extension, str):
                name = extension
            else:
                cls = extension if isinstance(extension, type) else type(extension)
                name = f"{cls.__module__}:{cls.__qualname__}"
        #: The plugin name, as ``quart plugins`` lists it.
        self.__name__ = name
        #: The extension instance, once the plugin set up an app.
        self.extension: Any = None

    @property
    def module_name(self) -> str:
        """The module the extension comes from."""
        target = self.target
        if isinstance(target, str):
            return target.partition(":")[0]
        cls = target if isinstance(target, type) else type(target)
        return cls.__module__

    def resolve(self) -> Any:
        """The extension instance (imported and created on first use)."""
        if self.extension is None:
            target = self.target
            if isinstance(target, str):
                target = _import(target)
            if isinstance(target, type):
                target = target(*self.args, **self.kwargs)
            if not callable(getattr(target, "init_app", None)):
                raise PluginError(
                    f"Flask extension {self.__name__!r} has no init_app(app) method."
                )
            self.extension = target
        return self.extension

    @hookimpl
    def quart_app_created(self, app: Quart) -> None:
        """Call ``init_app(app)``."""
        self.resolve().init_app(app)

    def __repr__(self) -> str:
        return f"<FlaskExtension {self.__name__}>"


def configured_extensions(app: Quart) -> list[str]:
    """The import strings named by ``QUART_FLASK_EXTENSIONS`` in the app's
    config (a list, or a comma-separated string) or, failing that, in the
    environment variable of the same name."""
    value = app.config.get(CONFIG_KEY)
    if value is None:
        value = os.environ.get(CONFIG_KEY)
    if not value:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [item.strip() for item in value if item and item.strip()]


def init_extensions(
    app: Quart, extensions: Iterable[str | object] | None = None
) -> list[str]:
    """Register a :class:`FlaskExtension` plugin for each extension named in
    ``QUART_FLASK_EXTENSIONS`` (or in ``extensions``) that is not registered
    yet, which runs its ``init_app(app)`` at once. Call it after configuring
    the app (extensions read their settings in ``init_app``). Returns the
    plugin names."""
    names = []
    items = configured_extensions(app) if extensions is None else list(extensions)
    for item in items:
        plugin = item if isinstance(item, FlaskExtension) else FlaskExtension(item)
        name = plugin.__name__
        if app.plugins.get_plugin(name) is None:
            distribution, version = _distribution_of(plugin.module_name)
            app.plugins.register(
                plugin, name, distribution=distribution, version=version
            )
        names.append(name)
    return names
