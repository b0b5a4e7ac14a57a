"""werkzeug :class:`~werkzeug.datastructures.Headers` built in one step.

``Headers.add`` converts and checks each value for newlines, which is most
of the cost of building the request's headers and a text response's. Values
a server already parsed, and values built here from numbers and known
strings, need neither, so the hot path hands werkzeug the finished list
as the headers' storage (``Headers._list``, a private attribute werkzeug
has kept through its releases). ``tests/test_wrappers_headers.py`` checks
the result behaves exactly like headers built with ``add``, so a werkzeug
that changes this fails there.
"""

from __future__ import annotations

from werkzeug.datastructures import Headers


def headers_from_pairs(pairs: list[tuple[str, str]]) -> Headers:
    """``Headers`` holding ``pairs`` (``str`` names and values, none with a
    newline) as they are; the list becomes the headers' own."""
    headers = Headers()
    headers._list = pairs
    return headers
