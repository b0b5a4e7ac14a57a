"""The hot path builds headers and status lines without werkzeug's per-value
work; these tests pin that the results are what werkzeug itself builds, so
a werkzeug upgrade that changes its internals fails here, not in an app."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import Headers
from werkzeug.sansio.response import Response as SansIOResponse

from quart import Quart
from quart.testing import QuartClient
from quart.wrappers import Response
from quart.wrappers.headers import CheckedHeaders
from quart.wrappers.headers import headers_from_pairs

PAIRS = [
    ("host", "example.com"),
    ("Accept", "text/html"),
    ("accept", "application/json"),
    ("X-Empty", ""),
]


def _added(pairs: list[tuple[str, str]]) -> Headers:
    headers = Headers()
    for name, value in pairs:
        headers.add(name, value)
    return headers


def test_headers_from_pairs_behave_like_added_headers() -> None:
    built = headers_from_pairs(list(PAIRS))
    expected = _added(PAIRS)
    assert built == expected
    assert list(built) == list(expected)
    assert built["HOST"] == "example.com"
    assert built.getlist("accept") == ["text/html", "application/json"]
    assert "x-empty" in built and "missing" not in built
    assert len(built) == 4


def test_headers_from_pairs_stay_mutable_and_checked() -> None:
    built = headers_from_pairs(list(PAIRS))
    built["X-New"] = "1"
    built.add("Accept", "text/plain")
    del built["host"]
    assert built.get("X-New") == "1"
    assert "host" not in built
    assert built.getlist("Accept")[-1] == "text/plain"
    with pytest.raises(ValueError, match="newline"):
        built["X-Bad"] = "a\r\nb"
    copied = built.copy()
    copied["X-Copy"] = "only here"
    assert "X-Copy" not in built


async def test_request_headers_from_the_server(app: Quart, client: QuartClient) -> None:
    seen: dict[str, object] = {}

    @app.route("/")
    async def index() -> str:
        from quart import request

        seen["list"] = list(request.headers.items())
        seen["accept"] = request.headers.getlist("Accept")
        return ""

    response = await client.get(
        "/", headers=[("Accept", "text/html"), ("Accept", "application/json")]
    )
    assert response.status_code == 200
    assert seen["accept"] == ["text/html", "application/json"]
    assert ("host", "localhost") in seen["list"]  # type: ignore[operator]


@pytest.mark.parametrize("code", [200, 201, 204, 302, 404, 418, 500, 599, 299])
def test_status_from_code_matches_werkzeug(code: int) -> None:
    ours = Response("x", status=code)
    theirs = SansIOResponse(status=code)
    assert (ours.status, ours.status_code) == (theirs.status, theirs.status_code)
    ours.status_code = code
    assert (ours.status, ours.status_code) == (theirs.status, theirs.status_code)


@pytest.mark.parametrize(
    "value", ["200", "404 Gone Fishing", "Custom", HTTPStatus.CREATED, " 201 "]
)
def test_status_from_other_values_matches_werkzeug(value: str | HTTPStatus) -> None:
    ours = Response("x")
    ours.status = value
    theirs = SansIOResponse(status=value)
    assert (ours.status, ours.status_code) == (theirs.status, theirs.status_code)


@pytest.mark.parametrize("body", ["héllo", b"bytes"])
def test_text_response_matches_werkzeug_construction(body: str | bytes) -> None:
    ours = Response(body)
    theirs = SansIOResponse(mimetype="text/html")
    data = body.encode() if isinstance(body, str) else body
    theirs.headers["Content-Length"] = str(len(data))
    assert ours.headers == theirs.headers
    assert list(ours.headers) == list(theirs.headers)
    assert (ours.status, ours.status_code) == ("200 OK", 200)


@pytest.mark.parametrize(
    "mimetype", ["application/json", "text/plain", "image/svg+xml", "text/csv"]
)
def test_text_response_with_mimetype_matches_werkzeug(mimetype: str) -> None:
    ours = Response("{}", mimetype=mimetype)
    theirs = SansIOResponse(mimetype=mimetype)
    theirs.headers["Content-Length"] = "2"
    assert list(ours.headers) == list(theirs.headers)


def test_mimetype_with_a_newline_is_refused() -> None:
    with pytest.raises(ValueError, match="newline"):
        Response("x", mimetype="text/plain\r\nX-Injected: 1")


def test_checked_headers_behave_like_werkzeugs_for_valid_input() -> None:
    checked = CheckedHeaders([("X-A", "1")])
    checked.add("Content-Disposition", "attachment", filename="a b.txt")
    checked.set("X-A", 2)
    checked.setlist("X-List", ["1", "2"])
    checked.update({"X-U": "u"})
    checked.extend([("X-E", "e")])
    plain = Headers([("X-A", "1")])
    plain.add("Content-Disposition", "attachment", filename="a b.txt")
    plain.set("X-A", 2)
    plain.setlist("X-List", ["1", "2"])
    plain.update({"X-U": "u"})
    plain.extend([("X-E", "e")])
    assert list(checked) == list(plain)
    assert checked == plain and plain == checked
    assert isinstance(checked.copy(), CheckedHeaders)


_NAMES = st.sampled_from(["X-A", "x-a", "X-a", "Vary", "vary", "X-B"])
_VALUES = st.one_of(st.text(alphabet="abc ;=", max_size=5), st.integers(0, 99))


@given(
    pairs=st.lists(st.tuples(_NAMES, st.text(alphabet="xyz", max_size=3)), max_size=6),
    name=_NAMES,
    value=_VALUES,
)
def test_checked_set_and_add_are_werkzeugs(
    pairs: list[tuple[str, str]], name: str, value: str | int
) -> None:
    """``set`` and ``add`` keep werkzeug's semantics: ``set`` replaces the
    first match in place (with the new name's case) and removes later
    ones, else appends; ``add`` appends the value as a string."""
    checked = CheckedHeaders(pairs)
    plain = Headers(pairs)
    checked.add(name, value)
    plain.add(name, value)
    assert list(checked) == list(plain)
    checked.set(name, value)
    plain.set(name, value)
    assert list(checked) == list(plain)
    checked[name] = value  # item assignment goes through set
    plain[name] = value
    assert list(checked) == list(plain)


def test_checked_headers_refuse_formatted_option_values() -> None:
    checked = CheckedHeaders()
    with pytest.raises(ValueError, match="Header values"):
        checked.add("Content-Disposition", "attachment", filename="a\x00b")
    with pytest.raises(ValueError, match="Header values"):
        checked.set("Content-Disposition", "attachment", filename="a\x00b")
    assert "Content-Disposition" not in checked
    with pytest.raises(TypeError):
        checked.add(b"X-Bytes", "1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Header names"):
        checked.add("", "1")


def test_headers_from_pairs_into_checked_headers() -> None:
    built = headers_from_pairs([("X-A", "1")], CheckedHeaders)
    assert isinstance(built, CheckedHeaders)
    with pytest.raises(ValueError, match="Header names"):
        built["X-B\n"] = "1"
