"""Header containers: response headers that refuse what must never reach
the wire, and werkzeug :class:`~werkzeug.datastructures.Headers` built in
one step for the hot path.

werkzeug refuses CR and LF in header values but checks neither NUL nor
names, which it documents as trusted. A name or value from user input
(``response.headers[name] = value``) could then split a response or
smuggle a header. :class:`CheckedHeaders` refuses CR, LF and NUL in names
and values where they are set, with a :class:`ValueError`, so the mistake
shows where it is made. Every :class:`~quart.wrappers.Response` and every
websocket ``accept`` holds its headers in one.

``Headers.add`` converts and checks each value, which is most of the cost
of building the request's headers and a text response's. Values a server
already parsed, and values built here from numbers and checked strings,
need neither, so the hot path hands werkzeug the finished list as the
headers' storage (``Headers._list``, a private attribute werkzeug has kept
through its releases). ``tests/test_wrappers_headers.py`` checks the
result behaves exactly like headers built with ``add``, so a werkzeug that
changes this fails there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from typing import TypeVar
from typing import overload

from werkzeug.datastructures import Headers

__all__ = [
    "CheckedHeaders",
    "check_header_value",
    "decode_headers",
    "headers_from_pairs",
]

H = TypeVar("H", bound=Headers)

#: What may not appear in a header name or value.
_FORBIDDEN = re.compile(r"[\r\n\x00]")


def _check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"Header names must be str, not {type(name).__name__}.")
    if _FORBIDDEN.search(name) is not None or not name:
        raise ValueError(
            "Header names must not be empty or contain newline (CR, LF) or"
            f" NUL characters: {name!r}."
        )
    return name


def check_header_value(value: Any) -> str:
    """``value`` as the ``str`` a header holds; :class:`ValueError` if it
    contains a newline (CR, LF) or NUL character."""
    text = value if type(value) is str else str(value)
    if _FORBIDDEN.search(text) is not None:
        raise ValueError(
            "Header values must not contain newline (CR, LF) or NUL"
            f" characters: {text!r}."
        )
    return text


def _lowered(headers: Headers) -> set[tuple[str, str]]:
    return {(name.lower(), value) for name, value in headers.items()}


class CheckedHeaders(Headers):
    """werkzeug :class:`~werkzeug.datastructures.Headers` that refuse, with
    a :class:`ValueError`, names and values containing CR, LF or NUL, and
    empty names. Every way of setting a header (``add``, ``set``, item
    assignment, ``extend``, ``update``, ``setdefault``, the constructor)
    goes through the checks."""

    def add(self, key: str, value: Any, /, **kwargs: Any) -> None:
        """Append a header, as werkzeug's ``add`` does. Without options the
        pair is appended here: werkzeug would convert and check the value
        again, which cost as much as the rest (``set_cookie`` and the
        session's ``Vary: Cookie`` each add one)."""
        name = _check_name(key)
        if kwargs:  # options are formatted by werkzeug: check the result
            super().add(name, value, **kwargs)
            self._check_last()
        else:
            self._list.append((name, check_header_value(value)))

    def set(self, key: str, value: Any, /, **kwargs: Any) -> None:
        """Replace the first ``key`` header (in place, else add one at the
        end) and remove the others, as werkzeug's ``set`` does.

        The list is updated here rather than by werkzeug's ``set``, which
        would convert and check the value again: an ``after_request``
        function setting a header paid about twice as much for that.
        """
        if kwargs:  # options are formatted by werkzeug: check the result
            probe = Headers()
            probe.add(key, value, **kwargs)
            value = probe[key]
        name = _check_name(key)
        text = check_header_value(value)
        lowered = name.lower()
        pairs = self._list
        for index, (old_name, _) in enumerate(pairs):
            if old_name.lower() == lowered:
                pairs[index] = (name, text)
                pairs[index + 1 :] = [
                    pair for pair in pairs[index + 1 :] if pair[0].lower() != lowered
                ]
                return
        pairs.append((name, text))

    @overload
    def __setitem__(self, key: str, value: Any) -> None: ...
    @overload
    def __setitem__(self, key: int, value: tuple[str, Any]) -> None: ...
    @overload
    def __setitem__(self, key: slice, value: Iterable[tuple[str, Any]]) -> None: ...
    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, str):
            self.set(key, value)
        elif isinstance(key, int):
            name, item = value
            super().__setitem__(key, (_check_name(name), check_header_value(item)))
        else:
            pairs = [(_check_name(k), check_header_value(v)) for k, v in value]
            super().__setitem__(key, pairs)

    def __eq__(self, other: object) -> bool:
        # werkzeug compares only headers of the very same class; these are
        # equal to any Headers with the same items.
        if not isinstance(other, Headers):
            return NotImplemented
        return _lowered(self) == _lowered(other)

    __hash__ = None

    def _check_last(self) -> None:
        """Check the value werkzeug just appended; remove it if refused."""
        try:
            check_header_value(self._list[-1][1])
        except ValueError:
            del self._list[-1]
            raise


@overload
def headers_from_pairs(pairs: list[tuple[str, str]]) -> Headers: ...
@overload
def headers_from_pairs(pairs: list[tuple[str, str]], cls: type[H]) -> H: ...
def headers_from_pairs(
    pairs: list[tuple[str, str]], cls: type[Headers] = Headers
) -> Headers:
    """``cls`` headers holding ``pairs`` as they are; the list becomes the
    headers' own. The pairs must already be valid: ``str`` names and values
    without CR, LF or NUL (parsed by the server, or built and checked by the
    caller), since nothing here looks at them."""
    headers = object.__new__(cls)  # werkzeug's __init__ would only set _list
    headers._list = pairs
    return headers


def decode_headers(headers: Iterable[tuple[bytes, bytes]]) -> Headers:
    """ASGI header pairs (``bytes``, latin-1 as HTTP carries them) as
    werkzeug :class:`~werkzeug.datastructures.Headers`."""
    return headers_from_pairs(
        [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers]
    )
