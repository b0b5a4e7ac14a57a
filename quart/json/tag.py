"""Tagged JSON: JSON that round-trips a few non-JSON Python types.

The session cookie stores its data with :class:`TaggedJSONSerializer`. A
value JSON cannot express is written as a one-key object whose key names
its type, e.g. ``{" t": [1, 2]}`` for the tuple ``(1, 2)``. The format is
the same as Flask's, so a session cookie written by a Flask app loads here
and the other way round.

To support another type, subclass :class:`JSONTag` and register it::

    class TagOrderedDict(JSONTag):
        __slots__ = ()
        key = " od"

        def check(self, value):
            return isinstance(value, OrderedDict)

        def to_json(self, value):
            return [[k, self.serializer.tag(v)] for k, v in value.items()]

        def to_python(self, value):
            return OrderedDict(value)

    app.session_interface.serializer.register(TagOrderedDict, index=0)
"""

from __future__ import annotations

from base64 import b64decode
from base64 import b64encode
from datetime import datetime
from typing import Any
from uuid import UUID

from markupsafe import Markup
from werkzeug.http import http_date
from werkzeug.http import parse_date

from . import dumps
from . import loads

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]

_COMPACT_SEPARATORS = (",", ":")


class JSONTag:
    """Base class for a type tag of :class:`TaggedJSONSerializer`."""

    __slots__ = ("serializer",)

    key: str = ""
    """The key that marks a tagged value. A tag with an empty key only
    converts values (e.g. walks into containers) and never appears in the
    output."""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: Any) -> bool:
        """Whether this tag handles ``value``."""
        raise NotImplementedError

    def to_json(self, value: Any) -> Any:
        """Turn ``value`` into JSON-able data (without the tag around it)."""
        raise NotImplementedError

    def to_python(self, value: Any) -> Any:
        """Turn the JSON data under this tag's key back into the Python value."""
        raise NotImplementedError

    def tag(self, value: Any) -> Any:
        """Convert ``value`` and wrap it in ``{key: ...}``."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """A one-key dict whose key is a registered tag key.

    Without this such a dict would be read back as a tagged value. Its key
    gets a ``__`` suffix on the way out, which is removed on the way in.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: Any) -> Any:
        ((key, item),) = value.items()
        return {key + "__": self.serializer.tag(item)}

    def to_python(self, value: Any) -> Any:
        ((key, item),) = value.items()
        return {key[:-2]: item}


class PassDict(JSONTag):
    """Any other dict: stays a dict, with its values tagged."""

    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: Any) -> Any:
        # JSON keys are always strings, so only the values need tagging.
        tag = self.serializer.tag
        return {key: tag(item) for key, item in value.items()}

    tag = to_json


class TagTuple(JSONTag):
    """A tuple, stored as a list of tagged items."""

    __slots__ = ()
    key = " t"

    def check(self, value: Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: Any) -> Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def to_python(self, value: Any) -> Any:
        return tuple(value)


class PassList(JSONTag):
    """A list: stays a list, with its items tagged."""

    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: Any) -> Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    """Bytes, stored as standard base64 text."""

    __slots__ = ()
    key = " b"

    def check(self, value: Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: Any) -> Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: Any) -> Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """Anything with an ``__html__`` method, stored as that HTML string.

    It always loads as :class:`~markupsafe.Markup`.
    """

    __slots__ = ()
    key = " m"

    def check(self, value: Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: Any) -> Any:
        return str(value.__html__())

    def to_python(self, value: Any) -> Any:
        return Markup(value)


class TagUUID(JSONTag):
    """A :class:`~uuid.UUID`, stored as its 32 hex digits."""

    __slots__ = ()
    key = " u"

    def check(self, value: Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: Any) -> Any:
        return value.hex

    def to_python(self, value: Any) -> Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """A :class:`~datetime.datetime`, stored as an HTTP date.

    HTTP dates are in UTC with whole seconds, so the value loads as an aware
    UTC datetime without microseconds (a naive one is taken to be UTC).
    """

    __slots__ = ()
    key = " d"

    def check(self, value: Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: Any) -> Any:
        return http_date(value)

    def to_python(self, value: Any) -> Any:
        return parse_date(value)


_BUILTIN_TAGS = frozenset(
    {TagDict, PassDict, TagTuple, PassList, TagBytes, TagMarkup, TagUUID, TagDateTime}
)
# Exact types that none of the built-in tags claims: skipped without checks.
_PLAIN_TYPES: frozenset[type] = frozenset({str, int, float, bool, type(None)})
_NO_TYPES: frozenset[type] = frozenset()


class TaggedJSONSerializer:
    """Serialise to compact JSON, keeping the types of the registered tags.

    Handles :class:`dict`, :class:`tuple`, :class:`bytes`,
    :class:`~markupsafe.Markup`, :class:`~uuid.UUID` and
    :class:`~datetime.datetime` out of the box; more can be added with
    :meth:`register`. Used by the session cookie (as the itsdangerous
    serializer), and wire-compatible with Flask's serializer.
    """

    __slots__ = ("_plain_types", "order", "tags")

    default_tags: list[type[JSONTag]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]
    """The tag classes every new serializer registers, in order."""

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        self._plain_types: frozenset[type] = _PLAIN_TYPES
        for tag_class in self.default_tags:
            self.register(tag_class)

    def register(
        self,
        tag_class: type[JSONTag],
        force: bool = False,
        index: int | None = None,
    ) -> None:
        """Add a tag, instantiated with this serializer.

        ``index`` places it in the order tags are tried (first match wins);
        by default it goes last. Registering a key that is already taken
        raises :exc:`KeyError` unless ``force`` is true, which replaces the
        existing tag for loading.
        """
        tag = tag_class(self)
        key = tag.key
        if key:
            if not force and key in self.tags:
                raise KeyError(f"Tag '{key}' is already registered.")
            self.tags[key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)
        if tag_class not in _BUILTIN_TAGS:
            # A custom tag may claim any value: always run every check.
            self._plain_types = _NO_TYPES

    def tag(self, value: Any) -> Any:
        """Convert ``value`` to its tagged JSON-able form."""
        if type(value) in self._plain_types:
            return value
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, Any]) -> Any:
        """Convert one tagged object back; other dicts are returned as is."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        tag = self.tags.get(key)
        if tag is None:
            return value
        return tag.to_python(value[key])

    def _untag_scan(self, value: Any) -> Any:
        # Innermost first, so a tag's to_python sees loaded Python values.
        if isinstance(value, dict):
            scan = self._untag_scan
            return self.untag({key: scan(item) for key, item in value.items()})
        if isinstance(value, list):
            scan = self._untag_scan
            return [scan(item) for item in value]
        return value

    def dumps(self, value: Any) -> str:
        """Tag ``value`` and dump it as compact JSON."""
        return dumps(self.tag(value), separators=_COMPACT_SEPARATORS)

    def loads(self, value: str | bytes) -> Any:
        """Load JSON and convert every tagged object back to its type."""
        return self._untag_scan(loads(value))
