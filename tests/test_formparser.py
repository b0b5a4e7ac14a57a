"""quart.formparser: FormDataParser and MultiPartParser on a request Body,
used directly (the request tests cover them through views)."""

from __future__ import annotations

from typing import IO
from typing import Any

import pytest
from werkzeug.datastructures import Headers
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from quart.datastructures import FileStorage
from quart.formparser import FormDataParser
from quart.formparser import MultiPartParser
from quart.wrappers import Body

BOUNDARY = b"xyz"


def _body(*chunks: bytes) -> Body:
    body = Body(sum(map(len, chunks)), None)
    for chunk in chunks:
        body.append(chunk)
    body.set_complete()
    return body


def _multipart(*parts: tuple[str, bytes, str | None], charset: str = "") -> bytes:
    out = b""
    for name, data, filename in parts:
        out += b'--xyz\r\nContent-Disposition: form-data; name="%s"' % name.encode()
        if filename is not None:
            out += b'; filename="%s"' % filename.encode()
        if charset:
            out += b"\r\nContent-Type: text/plain; charset=%s" % charset.encode()
        out += b"\r\n\r\n" + data + b"\r\n"
    return out + b"--xyz--\r\n"


async def test_urlencoded() -> None:
    parser = FormDataParser()
    form, files = await parser.parse(
        _body(b"a=1&a=2&b=hello+world&c="), "application/x-www-form-urlencoded", 24
    )
    assert form.getlist("a") == ["1", "2"]
    assert form["b"] == "hello world"
    assert form["c"] == ""
    assert not files


async def test_multipart_fields_and_files_in_small_chunks() -> None:
    data = _multipart(
        ("field", b"value", None), ("upload", b"file data" * 100, "f.txt")
    )
    chunks = [data[i : i + 7] for i in range(0, len(data), 7)]
    parser = FormDataParser(cls=ImmutableMultiDict)
    form, files = await parser.parse(
        _body(*chunks),
        "multipart/form-data",
        len(data),
        {"boundary": BOUNDARY.decode()},
    )
    assert isinstance(form, ImmutableMultiDict)
    assert form.to_dict() == {"field": "value"}
    upload = files["upload"]
    assert isinstance(upload, FileStorage)
    assert upload.filename == "f.txt"
    assert upload.read() == b"file data" * 100


async def test_part_charset_is_honoured() -> None:
    data = _multipart(("f", "é".encode("latin-1"), None), charset="iso-8859-1")
    form, _ = await MultiPartParser().parse(_body(data), BOUNDARY, len(data))
    assert form["f"] == "é"


def test_get_part_charset() -> None:
    parser = MultiPartParser()
    assert parser.get_part_charset(Headers({"Content-Type": "text/plain"})) == "utf-8"
    latin = Headers({"Content-Type": "text/plain; charset=ISO-8859-1"})
    assert parser.get_part_charset(latin) == "iso-8859-1"
    odd = Headers({"Content-Type": "text/plain; charset=utf-7"})
    assert parser.get_part_charset(odd) == "utf-8"


async def test_unknown_mimetype_is_not_read() -> None:
    body = Body(None, None)  # never completed: reading it would wait
    form, files = await FormDataParser().parse(body, "application/json", None)
    assert not form and not files


async def test_silent_parser_gives_empty_results_for_bad_input() -> None:
    parser = FormDataParser(silent=True)
    form, files = await parser.parse(
        _body(b"garbage"), "multipart/form-data", 7, {"boundary": "xyz"}
    )
    assert not form and not files


async def test_strict_parser_raises_for_bad_input() -> None:
    parser = FormDataParser(silent=False)
    with pytest.raises(ValueError, match="boundary"):
        await parser.parse(_body(b"a"), "multipart/form-data", 1, {})
    with pytest.raises(ValueError, match=r"closing boundary|malformed"):
        await parser.parse(
            _body(b"garbage"), "multipart/form-data", 7, {"boundary": "xyz"}
        )


async def test_limits_raise_413_even_when_silent() -> None:
    data = _multipart(("a", b"1", None), ("b", b"2", None), ("c", b"x" * 50, None))
    with pytest.raises(RequestEntityTooLarge):
        await MultiPartParser(max_form_parts=2).parse(_body(data), BOUNDARY, len(data))
    with pytest.raises(RequestEntityTooLarge):
        await MultiPartParser(max_form_memory_size=20).parse(
            _body(data), BOUNDARY, len(data)
        )
    parser = FormDataParser(max_form_parts=1, silent=True)
    with pytest.raises(RequestEntityTooLarge):
        await parser.parse(_body(b"a=1&b=2"), "application/x-www-form-urlencoded", 7)


async def test_stream_factory_receives_the_file_parts() -> None:
    made: list[tuple[Any, ...]] = []

    def factory(
        total: int | None, content_type: str | None, filename: str | None, length: Any
    ) -> IO[bytes]:
        from io import BytesIO

        made.append((total, content_type, filename))
        return BytesIO()

    data = _multipart(("up", b"abc", "a.bin"))
    parser = FormDataParser(stream_factory=factory)
    _, files = await parser.parse(
        _body(data), "multipart/form-data", len(data), {"boundary": "xyz"}
    )
    assert made == [(len(data), None, "a.bin")]
    assert files["up"].read() == b"abc"


async def test_parse_functions_can_be_extended() -> None:
    async def parse_csv(
        parser: FormDataParser,
        body: Body,
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> tuple[MultiDict[str, Any], MultiDict[str, Any]]:
        text = (await body).decode()
        return parser.cls([tuple(line.split(",")) for line in text.splitlines()]), (
            parser.cls()
        )

    class CSVFormParser(FormDataParser):
        parse_functions = {**FormDataParser.parse_functions, "text/csv": parse_csv}

    parser = CSVFormParser()
    assert parser.get_parse_func("text/csv", {}) is parse_csv
    form, _ = await parser.parse(_body(b"a,1\nb,2"), "text/csv", 7)
    assert form.to_dict() == {"a": "1", "b": "2"}
