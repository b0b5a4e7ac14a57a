"""JSON providers: how an app turns Python values into JSON and back.

An app holds one provider on ``app.json``; :func:`quart.jsonify` and the
``quart.json`` functions go through it, so replacing the provider (or
changing its attributes) changes JSON handling for the whole app.
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import uuid
import weakref
from collections.abc import Callable
from datetime import date
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import AnyStr

from werkzeug.http import http_date

from .._cache import remember

if TYPE_CHECKING:
    from ..app import Quart
    from ..wrappers import Response

_COMPACT_SEPARATORS = (",", ":")
# Encoders are reused between calls; a handful of distinct settings is normal,
# so the cache is simply dropped if something keeps producing new ones.
_MAX_CACHED_ENCODERS = 32


def _default(o: Any) -> Any:
    """Serialise the types the standard library's encoder does not know."""
    if isinstance(o, date):
        return http_date(o)
    if isinstance(o, decimal.Decimal | uuid.UUID):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class _EncoderCache:
    """Reusable :class:`json.JSONEncoder` instances keyed by their settings.

    ``json.dumps`` builds a new encoder on every call that passes options;
    this keeps one per set of options instead. Encoders keep no state
    between calls, so sharing them is safe.
    """

    __slots__ = ("_encoders",)

    def __init__(self) -> None:
        self._encoders: dict[tuple[Any, ...], json.JSONEncoder] = {}

    def dumps(
        self,
        obj: Any,
        default: Callable[[Any], Any],
        ensure_ascii: bool,
        sort_keys: bool,
        kwargs: dict[str, Any],
    ) -> str:
        """Encode ``obj`` like ``json.dumps(obj, **kwargs)`` with the given
        defaults for ``default``, ``ensure_ascii`` and ``sort_keys``."""
        if "cls" in kwargs:
            # A custom encoder class may keep state; build it per call.
            kwargs.setdefault("default", default)
            kwargs.setdefault("ensure_ascii", ensure_ascii)
            kwargs.setdefault("sort_keys", sort_keys)
            return json.dumps(obj, **kwargs)
        key = (default, ensure_ascii, sort_keys, *kwargs.items())
        try:
            encoder = self._encoders[key]
        except KeyError:
            encoder = self._build(default, ensure_ascii, sort_keys, kwargs)
            remember(self._encoders, key, encoder, _MAX_CACHED_ENCODERS)
        except TypeError:  # An unhashable option value: do not cache.
            encoder = self._build(default, ensure_ascii, sort_keys, kwargs)
        return encoder.encode(obj)

    @staticmethod
    def _build(
        default: Callable[[Any], Any],
        ensure_ascii: bool,
        sort_keys: bool,
        kwargs: dict[str, Any],
    ) -> json.JSONEncoder:
        options = {
            "default": default,
            "ensure_ascii": ensure_ascii,
            "sort_keys": sort_keys,
            **kwargs,
        }
        return json.JSONEncoder(**options)


class JSONProvider:
    """The JSON operations of an application; subclass to change them.

    A subclass must implement at least :meth:`dumps` and :meth:`loads`; the
    other methods are built on those two. Install one by setting
    ``app.json`` or ``Quart.json_provider_class``. The app is held through a
    :func:`weakref.proxy` on ``_app`` so the provider does not keep it alive.
    """

    mimetype = "application/json"
    """The mimetype :meth:`response` gives its responses."""

    def __init__(self, app: Quart) -> None:
        self._app: Quart = weakref.proxy(app)  # type: ignore[assignment]

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialise ``obj`` to a JSON string."""
        raise NotImplementedError

    def dump(self, obj: Any, fp: IO[str], **kwargs: Any) -> None:
        """Serialise ``obj`` as JSON and write it to the text file ``fp``."""
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Deserialise JSON from text or UTF-8 bytes."""
        raise NotImplementedError

    def load(self, fp: IO[AnyStr], **kwargs: Any) -> Any:
        """Deserialise JSON read from the file ``fp`` (text or UTF-8 bytes)."""
        return self.loads(fp.read(), **kwargs)

    @staticmethod
    def _prepare_response_obj(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Pick the value to serialise from ``response()``'s arguments."""
        if args:
            if kwargs:
                raise TypeError(
                    "app.json.response() takes either args or kwargs, not both"
                )
            return args[0] if len(args) == 1 else args
        return kwargs or None

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Serialise the arguments and wrap them in a JSON response.

        One positional argument is serialised as is, several become a list,
        keyword arguments become an object, and no arguments give ``null``.
        Passing both positional and keyword arguments is a :exc:`TypeError`.
        """
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(f"{self.dumps(obj)}\n", mimetype=self.mimetype)


class DefaultJSONProvider(JSONProvider):
    """JSON through the standard library's :mod:`json`, with extra types.

    Besides the standard JSON types it serialises :class:`datetime.date` and
    :class:`~datetime.datetime` (as HTTP dates), :class:`decimal.Decimal` and
    :class:`uuid.UUID` (as strings), dataclass instances (as objects) and
    anything with an ``__html__`` method such as :class:`~markupsafe.Markup`
    (as the HTML string). The class attributes below can be changed on a
    subclass or an instance; the change takes effect on the next call.
    """

    default: Callable[[Any], Any] = staticmethod(_default)
    """Called for objects :mod:`json` cannot serialise; returns a JSON-able
    value or raises :exc:`TypeError`."""

    ensure_ascii = True
    """Escape non-ASCII characters (safer for old clients, larger output)."""

    sort_keys = True
    """Sort object keys, which gives stable output (keys must be strings)."""

    compact: bool | None = None
    """Whether :meth:`response` omits indentation and spaces. ``None`` means
    compact except in debug mode."""

    def __init__(self, app: Quart) -> None:
        super().__init__(app)
        self._encoders = _EncoderCache()

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialise ``obj`` to a JSON string.

        Keyword arguments are those of :func:`json.dumps`; ``default``,
        ``ensure_ascii`` and ``sort_keys`` default to this provider's
        attributes.
        """
        return self._encoders.dumps(
            obj, self.default, self.ensure_ascii, self.sort_keys, kwargs
        )

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Deserialise JSON from text or UTF-8 bytes with :func:`json.loads`."""
        return json.loads(s, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Serialise the arguments and wrap them in a JSON response.

        Arguments are read as in :meth:`JSONProvider.response`. The output is
        compact unless :attr:`compact` is ``False``, or ``None`` while the app
        is in debug mode, in which case it is indented for reading. The
        mimetype is :attr:`mimetype`.
        """
        obj = self._prepare_response_obj(args, kwargs)
        compact = self.compact
        if compact is False or (compact is None and self._app.debug):
            body = self.dumps(obj, indent=2)
        else:
            body = self.dumps(obj, separators=_COMPACT_SEPARATORS)
        return self._app.response_class(f"{body}\n", mimetype=self.mimetype)
