from __future__ import annotations

import dataclasses
import decimal
import gc
import io
import json
import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any

import flask
import pytest
from flask.json.provider import DefaultJSONProvider as FlaskDefaultJSONProvider
from markupsafe import Markup

import quart.json
from quart import Quart
from quart.json import JSONProvider
from quart.json.provider import DefaultJSONProvider


class RecordingResponse:
    """Stands in for the app's response class and keeps its arguments."""

    def __init__(
        self,
        body: str,
        status: int | None = None,
        headers: Any = None,
        mimetype: str | None = None,
        content_type: str | None = None,
    ) -> None:
        self.body = body
        self.status = status
        self.headers = headers
        self.mimetype = mimetype
        self.content_type = content_type


def body(response: object) -> str:
    assert isinstance(response, RecordingResponse)
    return response.body


@pytest.fixture
def app(app: Quart) -> Quart:
    """The shared app answering with ``RecordingResponse``, so a test reads
    what the provider passed to the response class."""
    app.response_class = RecordingResponse  # type: ignore[assignment]
    return app


@dataclasses.dataclass
class Point:
    x: int
    y: list[int]


class HasHTML:
    def __html__(self) -> str:
        return "<b>bold</b>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2024, 1, 2), '"Tue, 02 Jan 2024 00:00:00 GMT"'),
        (
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            '"Tue, 02 Jan 2024 03:04:05 GMT"',
        ),
        (decimal.Decimal("1.10"), '"1.10"'),
        (
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
            '"12345678-1234-5678-1234-567812345678"',
        ),
        (Point(1, [2, 3]), '{"x": 1, "y": [2, 3]}'),
        (HasHTML(), '"<b>bold</b>"'),
        (Markup("<i>x</i>"), '"<i>x</i>"'),
    ],
)
def test_dumps_special_types(app: Quart, value: Any, expected: str) -> None:
    assert app.json.dumps(value) == expected
    # Outside an app context the module functions behave the same way.
    assert quart.json.dumps(value) == expected


def test_dumps_unknown_type_raises(app: Quart) -> None:
    with pytest.raises(TypeError, match="Object of type object is not JSON"):
        app.json.dumps(object())
    with pytest.raises(TypeError, match="Object of type type"):
        app.json.dumps(Point)  # A dataclass class, not an instance.
    with pytest.raises(TypeError):
        quart.json.dumps({1, 2})


def test_loads_str_and_bytes(app: Quart) -> None:
    assert app.json.loads('{"a": [1, 2]}') == {"a": [1, 2]}
    assert app.json.loads('{"é": 1}'.encode()) == {"é": 1}
    assert quart.json.loads(b"[true, null]") == [True, None]


def test_loads_kwargs(app: Quart) -> None:
    assert app.json.loads("1.5", parse_float=decimal.Decimal) == decimal.Decimal("1.5")


def test_dump_and_load_files(app: Quart) -> None:
    out = io.StringIO()
    app.json.dump({"b": 1, "a": date(2024, 1, 2)}, out)
    assert out.getvalue() == '{"a": "Tue, 02 Jan 2024 00:00:00 GMT", "b": 1}'
    assert app.json.load(io.StringIO('{"x": 1}')) == {"x": 1}
    assert app.json.load(io.BytesIO(b'{"x": 2}')) == {"x": 2}

    out = io.StringIO()
    quart.json.dump({"b": 1, "a": 2}, out, separators=(",", ":"))
    assert out.getvalue() == '{"a":2,"b":1}'
    assert quart.json.load(io.BytesIO(b"[1]")) == [1]


def test_sort_keys(app: Quart) -> None:
    data = {"b": 1, "a": 2}
    assert app.json.dumps(data) == '{"a": 2, "b": 1}'
    assert app.json.dumps(data, sort_keys=False) == '{"b": 1, "a": 2}'
    assert quart.json.dumps(data) == '{"a": 2, "b": 1}'


def test_ensure_ascii(app: Quart) -> None:
    assert app.json.dumps("é") == '"\\u00e9"'
    assert app.json.dumps("é", ensure_ascii=False) == '"é"'
    assert quart.json.dumps("é") == '"\\u00e9"'


def test_attribute_changes_apply_after_use(app: Quart) -> None:
    provider = app.json
    assert isinstance(provider, DefaultJSONProvider)
    data = {"b": "é", "a": {1, 2}}
    with pytest.raises(TypeError):
        provider.dumps(data)
    provider.sort_keys = False
    provider.ensure_ascii = False
    provider.default = sorted
    assert provider.dumps(data) == '{"b": "é", "a": [1, 2]}'
    # Another provider of the same class is unaffected.
    assert DefaultJSONProvider(app).dumps({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'


def test_class_attribute_change_applies(app: Quart) -> None:
    class Provider(DefaultJSONProvider):
        pass

    provider = Provider(app)
    assert provider.dumps({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
    Provider.sort_keys = False
    assert provider.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'


def test_dumps_kwargs(app: Quart) -> None:
    data = {"b": [1], "a": None}
    assert app.json.dumps(data, indent=1) == '{\n "a": null,\n "b": [\n  1\n ]\n}'
    assert app.json.dumps(data, separators=(",", ":")) == '{"a":null,"b":[1]}'
    # Unhashable option values still work.
    assert app.json.dumps(data, separators=[",", "="]) == '{"a"=null,"b"=[1]}'
    # Same output as json.dumps with the provider's defaults.
    assert app.json.dumps(data, indent="\t") == json.dumps(
        data, indent="\t", sort_keys=True
    )


def test_dumps_custom_encoder_class(app: Quart) -> None:
    class Encoder(json.JSONEncoder):
        def default(self, o: Any) -> Any:
            if isinstance(o, complex):
                return [o.real, o.imag]
            return super().default(o)

    assert app.json.dumps({"z": 1j, "a": 1}, cls=Encoder, default=None) == (
        '{"a": 1, "z": [0.0, 1.0]}'
    )
    assert quart.json.dumps(2j, cls=Encoder, default=None) == "[0.0, 2.0]"


def test_matches_flask_output(app: Quart) -> None:
    flask_provider = FlaskDefaultJSONProvider(flask.Flask(__name__))
    value = {
        "when": datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
        "day": date(2020, 2, 29),
        "price": decimal.Decimal("9.99"),
        "id": uuid.UUID(int=42),
        "point": Point(3, [4]),
        "html": HasHTML(),
        "text": "ünïcode",
        "nested": [{"z": 1, "y": (1, 2)}],
    }
    assert app.json.dumps(value) == flask_provider.dumps(value)
    assert app.json.dumps(value, indent=2) == flask_provider.dumps(value, indent=2)


def test_response_compact(app: Quart) -> None:
    response = app.json.response({"b": 1, "a": [1, 2]})
    assert isinstance(response, RecordingResponse)
    assert response.body == '{"a":[1,2],"b":1}\n'
    assert response.mimetype == "application/json"
    assert response.status is None


def test_response_indented_in_debug(app: Quart) -> None:
    app.debug = True
    response = app.json.response({"b": 1, "a": [1]})
    assert body(response) == '{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'


@pytest.mark.parametrize(
    ("compact", "debug", "expected"),
    [
        (None, False, '{"a":1}\n'),
        (None, True, '{\n  "a": 1\n}\n'),
        (True, True, '{"a":1}\n'),
        (False, False, '{\n  "a": 1\n}\n'),
    ],
)
def test_response_compact_attribute(
    app: Quart, compact: bool | None, debug: bool, expected: str
) -> None:
    app.debug = debug
    provider = app.json
    assert isinstance(provider, DefaultJSONProvider)
    provider.compact = compact
    assert body(provider.response(a=1)) == expected


def test_response_mimetype_attribute(app: Quart) -> None:
    app.json.mimetype = "application/vnd.api+json"
    response = app.json.response([1])
    assert response.mimetype == "application/vnd.api+json"
    assert body(response) == "[1]\n"


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((), {}, "null\n"),
        ((1,), {}, "1\n"),
        (([1, 2],), {}, "[1,2]\n"),
        ((1, "a", None), {}, '[1,"a",null]\n'),
        ((), {"b": 2, "a": 1}, '{"a":1,"b":2}\n'),
        (({"x": None},), {}, '{"x":null}\n'),
    ],
)
def test_response_argument_forms(
    app: Quart, args: tuple[Any, ...], kwargs: dict[str, Any], expected: str
) -> None:
    assert body(app.json.response(*args, **kwargs)) == expected


def test_response_args_and_kwargs_is_error(app: Quart) -> None:
    with pytest.raises(TypeError, match="either args or kwargs"):
        app.json.response(1, a=2)


def test_custom_provider_subclass(app: Quart) -> None:
    class SetProvider(DefaultJSONProvider):
        sort_keys = False
        ensure_ascii = False
        compact = True

        @staticmethod
        def default(o: Any) -> Any:
            if isinstance(o, set | frozenset):
                return sorted(o)
            return DefaultJSONProvider.default(o)

    provider = SetProvider(app)
    assert provider.dumps({"s": {3, 1}, "é": uuid.UUID(int=1)}) == (
        '{"s": [1, 3], "é": "00000000-0000-0000-0000-000000000001"}'
    )
    app.debug = True  # compact = True wins over debug.
    assert body(provider.response(z={2}, a=1)) == '{"z":[2],"a":1}\n'


def test_response_uses_overridden_dumps(app: Quart) -> None:
    calls: list[dict[str, Any]] = []

    class Provider(DefaultJSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            calls.append(kwargs)
            return "custom"

    response = Provider(app).response(1)
    assert body(response) == "custom\n"
    assert calls == [{"separators": (",", ":")}]


def test_minimal_provider_gets_other_methods(app: Quart) -> None:
    class ReprProvider(JSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return json.dumps(obj, **kwargs).upper()

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return json.loads(s.lower(), **kwargs)

    provider = ReprProvider(app)
    out = io.StringIO()
    provider.dump({"a": True}, out)
    assert out.getvalue() == '{"A": TRUE}'
    assert provider.load(io.StringIO('{"A": TRUE}')) == {"a": True}
    response = provider.response("x", "y")
    assert body(response) == '["X", "Y"]\n'
    assert response.mimetype == "application/json"


def test_base_provider_is_abstract(app: Quart) -> None:
    provider = JSONProvider(app)
    with pytest.raises(NotImplementedError):
        provider.dumps(1)
    with pytest.raises(NotImplementedError):
        provider.loads("1")


def test_provider_does_not_keep_app_alive() -> None:
    app = Quart(__name__)  # not the fixture's: this test drops the app
    provider = app.json
    del app
    gc.collect()
    with pytest.raises(ReferenceError):
        provider.response(1)


@pytest.mark.usefixtures("app_ctx")
def test_module_functions_use_app_provider(app: Quart) -> None:
    class Provider(DefaultJSONProvider):
        sort_keys = False

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return ("loaded", super().loads(s, **kwargs))

    app.json = Provider(app)
    assert quart.json.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'
    out = io.StringIO()
    quart.json.dump({"b": 1, "a": 2}, out)
    assert out.getvalue() == '{"b": 1, "a": 2}'
    assert quart.json.loads("[1]") == ("loaded", [1])
    assert quart.json.load(io.StringIO("2")) == ("loaded", 2)


@pytest.mark.usefixtures("app_ctx")
def test_jsonify(app: Quart) -> None:
    response = quart.json.jsonify(b=1, a=[1, 2])
    assert isinstance(response, RecordingResponse)
    assert response.body == '{"a":[1,2],"b":1}\n'
    assert response.mimetype == "application/json"
    assert body(quart.json.jsonify()) == "null\n"
    assert body(quart.json.jsonify(1, 2)) == "[1,2]\n"
    assert body(quart.json.jsonify([1])) == "[1]\n"
    with pytest.raises(TypeError):
        quart.json.jsonify(1, a=2)
    app.debug = True
    assert body(quart.json.jsonify(a=1)) == '{\n  "a": 1\n}\n'


def test_jsonify_needs_app_context() -> None:
    with pytest.raises(RuntimeError, match="outside of application context"):
        quart.json.jsonify(a=1)
