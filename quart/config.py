"""Application configuration: defaults, the ``Config`` mapping and attributes.

``Config`` is a ``dict`` with helpers to load values from Python files, objects,
data files, mappings and environment variables, mirroring Flask's API so that
existing configuration code works unchanged.
"""

from __future__ import annotations

import errno
import json
import os
import types
from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import MutableMapping
from datetime import timedelta
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import Generic
from typing import Protocol
from typing import Self
from typing import TypeVar
from typing import overload

from werkzeug.utils import import_string

__all__ = ["DEFAULT_CONFIG", "Config", "ConfigAttribute"]

T = TypeVar("T")

DEFAULT_CONFIG: dict[str, Any] = {
    # Debugging, testing and error handling.
    "DEBUG": None,
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,
    "TRAP_HTTP_EXCEPTIONS": False,
    "TRAP_BAD_REQUEST_ERRORS": None,
    "EXPLAIN_TEMPLATE_LOADING": False,
    # Signing secrets (sessions, cookies, tokens).
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    # Session cookie and lifetime settings.
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_COOKIE_SAMESITE": None,
    "SESSION_REFRESH_EACH_REQUEST": True,
    # URL building and host matching.
    "SERVER_NAME": None,
    "TRUSTED_HOSTS": None,
    "APPLICATION_ROOT": "/",
    "PREFERRED_URL_SCHEME": "http",
    # Static and sent files.
    "USE_X_SENDFILE": False,
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    # Request size limits (a body limit always exists in Quart).
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1000,
    "MAX_COOKIE_SIZE": 4093,
    # Templates.
    "TEMPLATES_AUTO_RELOAD": None,
    # Routing behaviour.
    "PROVIDE_AUTOMATIC_OPTIONS": True,
    # Quart timeouts in seconds: request body, response body, background tasks.
    "BODY_TIMEOUT": 60,
    "RESPONSE_TIMEOUT": 60,
    "BACKGROUND_TASK_SHUTDOWN_TIMEOUT": 5,
    # Leave the start-up heap out of garbage collections (once per process).
    "GC_FREEZE_AT_STARTUP": True,
}


class _HasConfig(Protocol):
    """Anything exposing a mutable ``config`` mapping (e.g. the app)."""

    @property
    def config(self) -> MutableMapping[str, Any]: ...


class ConfigAttribute(property, Generic[T]):
    """Descriptor forwarding an attribute to ``obj.config[name]``.

    Used on the app class so that e.g. ``app.debug`` reads and writes
    ``app.config["DEBUG"]``. ``get_converter`` is applied on read only.

    It is a :class:`property` (one Python call per read, made by the
    interpreter) rather than a class with ``__get__``, which costs about
    twice as much: the session reads ``app.secret_key`` on every request.
    """

    def __init__(
        self, name: str, get_converter: Callable[[Any], T] | None = None
    ) -> None:
        def read(obj: _HasConfig) -> Any:
            return obj.config[name]

        def read_converted(obj: _HasConfig) -> Any:
            return get_converter(obj.config[name])  # type: ignore[misc]

        def write(obj: _HasConfig, value: Any) -> None:
            obj.config[name] = value

        super().__init__(read if get_converter is None else read_converted, write)
        self.__name__ = name
        self.get_converter = get_converter

    def __set_name__(self, owner: type[Any], name: str) -> None:
        # ``__name__`` stays the config key (as Flask's); Python 3.13's
        # property would rename it after the attribute.
        pass

    if TYPE_CHECKING:

        @overload
        def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...

        @overload
        def __get__(self, obj: _HasConfig, owner: type[Any] | None = None) -> T: ...

        def __get__(
            self, obj: _HasConfig | None, owner: type[Any] | None = None
        ) -> T | Self: ...

        def __set__(self, obj: _HasConfig, value: Any) -> None: ...


def _annotate_os_error(error: OSError) -> None:
    """Prefix an I/O error's message so it is clearly about configuration."""
    error.strerror = f"Unable to load configuration file ({error.strerror})"


class Config(dict):  # type: ignore[type-arg]
    """A ``dict`` of configuration values with loaders for common sources.

    Only uppercase keys are taken from files, objects and mappings, which
    lets configuration modules hold lowercase helper values. Relative file
    names are resolved against ``root_path`` (normally the app's root path).
    """

    def __init__(
        self,
        root_path: str | os.PathLike[str],
        defaults: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(defaults if defaults is not None else {})
        self.root_path = root_path

    def _resolve(self, filename: str | os.PathLike[str]) -> str:
        return os.path.join(self.root_path, filename)

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load a Python config file whose path is held in an env variable.

        An unset or empty variable raises ``RuntimeError`` unless ``silent``,
        in which case ``False`` is returned. ``silent`` also ignores a
        missing file, as in :meth:`from_pyfile`.
        """
        path = os.environ.get(variable_name)
        if not path:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set, so no"
                " configuration could be loaded from it. Set it to the path"
                " of a configuration file."
            )
        return self.from_pyfile(path, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "QUART", *, loads: Callable[[str], Any] = json.loads
    ) -> bool:
        """Load env variables named ``{prefix}_KEY`` into ``self["KEY"]``.

        Variables are processed in sorted order. Each value is passed
        through ``loads`` (JSON by default, so ``1``, ``true`` and ``{...}``
        become typed values); if that fails the raw string is kept. A key
        containing ``__`` sets an item in a nested dict, creating missing
        intermediate dicts, e.g. ``QUART_DB__HOST`` sets
        ``self["DB"]["HOST"]``.
        """
        full_prefix = f"{prefix}_"
        for env_key in sorted(os.environ):
            if not env_key.startswith(full_prefix):
                continue
            raw = os.environ[env_key]
            key = env_key[len(full_prefix) :]
            try:
                value: Any = loads(raw)
            except Exception:
                value = raw

            *parents, leaf = key.split("__")
            target: Any = self
            for part in parents:
                if part not in target:
                    target[part] = {}
                target = target[part]
            target[leaf] = value
        return True

    def from_pyfile(
        self, filename: str | os.PathLike[str], silent: bool = False
    ) -> bool:
        """Execute a Python file and load its uppercase globals.

        ``filename`` may be absolute or relative to ``root_path``. With
        ``silent`` a missing file (or a directory) returns ``False``
        instead of raising.
        """
        path = self._resolve(filename)
        module = types.ModuleType("config")
        module.__file__ = path
        try:
            with open(path, "rb") as handle:
                source = handle.read()
        except OSError as error:
            if silent and error.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
                return False
            _annotate_os_error(error)
            raise
        exec(compile(source, path, "exec"), module.__dict__)
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Load the uppercase attributes of a module, class or instance.

        A string is imported first with :func:`werkzeug.utils.import_string`.
        Dicts do not work here (their keys are not attributes); use
        :meth:`from_mapping` for those.
        """
        if isinstance(obj, str):
            obj = import_string(obj)
        for name in dir(obj):
            if name.isupper():
                self[name] = getattr(obj, name)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[IO[Any]], Mapping[str, Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a data file with ``load`` and apply it via :meth:`from_mapping`.

        For example ``from_file("config.json", json.load)`` or
        ``from_file("config.toml", tomllib.load, text=False)``. The file is
        opened in text mode unless ``text`` is false. With ``silent`` a
        missing file returns ``False``.
        """
        path = self._resolve(filename)
        try:
            with open(path, "r" if text else "rb") as handle:
                data = load(handle)
        except OSError as error:
            if silent and error.errno in (errno.ENOENT, errno.EISDIR):
                return False
            _annotate_os_error(error)
            raise
        return self.from_mapping(data)

    def from_mapping(
        self, mapping: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> bool:
        """Update from a mapping and/or keyword arguments, uppercase keys only.

        Keyword arguments win over the mapping. Always returns ``True``.
        """
        merged: dict[str, Any] = dict(mapping) if mapping is not None else {}
        merged.update(kwargs)
        for key, value in merged.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, Any]:
        """Return the options whose keys start with ``namespace``.

        Handy for passing e.g. all ``IMAGE_STORE_*`` options as keyword
        arguments: by default the prefix is removed and keys are lowercased.
        """
        result: dict[str, Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            new_key = key[len(namespace) :] if trim_namespace else key
            result[new_key.lower() if lowercase else new_key] = value
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"
