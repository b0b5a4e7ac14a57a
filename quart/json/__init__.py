"""JSON helpers that follow the current app's JSON provider.

Inside an app context each function defers to ``current_app.json``, so an
app's provider settings apply everywhere. Outside one, they behave like
:class:`~quart.json.provider.DefaultJSONProvider` with its default settings.
"""

from __future__ import annotations

import json as _json
from typing import IO
from typing import TYPE_CHECKING
from typing import Any
from typing import AnyStr

from ..globals import _cv_app
from ..globals import _no_app_msg
from ..globals import current_app as current_app
from .provider import DefaultJSONProvider
from .provider import JSONProvider
from .provider import _default
from .provider import _EncoderCache

if TYPE_CHECKING:
    from ..wrappers import Response

__all__ = [
    "DefaultJSONProvider",
    "JSONProvider",
    "dump",
    "dumps",
    "jsonify",
    "load",
    "loads",
]

# Used outside an app context; mirrors DefaultJSONProvider's defaults.
_appless_encoders = _EncoderCache()


def dumps(obj: Any, **kwargs: Any) -> str:
    """Serialise ``obj`` to a JSON string.

    Uses ``current_app.json.dumps`` in an app context; otherwise encodes like
    :class:`~quart.json.provider.DefaultJSONProvider` (extra types, sorted
    keys, ASCII output). Keyword arguments are those of :func:`json.dumps`.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        provider: JSONProvider = ctx.app.json
        return provider.dumps(obj, **kwargs)
    return _appless_encoders.dumps(obj, _default, True, True, kwargs)


def dump(obj: Any, fp: IO[str], **kwargs: Any) -> None:
    """Serialise ``obj`` as JSON and write it to the text file ``fp``.

    Uses ``current_app.json.dump`` in an app context, else :func:`dumps`.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        provider: JSONProvider = ctx.app.json
        provider.dump(obj, fp, **kwargs)
    else:
        fp.write(_appless_encoders.dumps(obj, _default, True, True, kwargs))


def loads(s: str | bytes, **kwargs: Any) -> Any:
    """Deserialise JSON from text or UTF-8 bytes.

    Uses ``current_app.json.loads`` in an app context, else :func:`json.loads`.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        provider: JSONProvider = ctx.app.json
        return provider.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: IO[AnyStr], **kwargs: Any) -> Any:
    """Deserialise JSON read from the file ``fp`` (text or UTF-8 bytes).

    Uses ``current_app.json.load`` in an app context, else :func:`json.load`.
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        provider: JSONProvider = ctx.app.json
        return provider.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """Serialise the arguments into a JSON response of the current app.

    One positional argument is serialised as is, several become a list,
    keyword arguments become an object, and no arguments give ``null``;
    mixing both kinds is a :exc:`TypeError`. A dict or list returned from a
    view is turned into JSON without calling this. Needs an app context, and
    calls ``current_app.json.response``, so output is indented in debug mode
    unless the provider says otherwise.
    """
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError(_no_app_msg)
    provider: JSONProvider = ctx.app.json
    return provider.response(*args, **kwargs)
