from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime
from datetime import timezone
from typing import Any
from uuid import UUID

import pytest
from flask.json.tag import TaggedJSONSerializer as FlaskTaggedJSONSerializer
from markupsafe import Markup

from quart.json.tag import JSONTag
from quart.json.tag import TagDict
from quart.json.tag import TaggedJSONSerializer

AWARE = datetime(2024, 2, 29, 23, 59, 1, tzinfo=UTC)


@pytest.fixture
def serializer() -> TaggedJSONSerializer:
    return TaggedJSONSerializer()


@pytest.mark.parametrize(
    "value",
    [
        {" t": (1, 2, 3)},
        {" t__": "b"},
        {" di": " di"},
        {"x": "y", " t": 1},
        {"x": "y"},
        (1, 2, 3),
        (),
        [1, 2, 3],
        [],
        b"\x00\xffbytes",
        b"",
        Markup("<b>bold</b>"),
        UUID("12345678-1234-5678-1234-567812345678"),
        AWARE,
        "string",
        "",
        0,
        1.5,
        True,
        None,
    ],
)
def test_round_trip(serializer: TaggedJSONSerializer, value: Any) -> None:
    loaded = serializer.loads(serializer.dumps(value))
    assert loaded == value
    assert type(loaded) is type(value)


def test_wire_format(serializer: TaggedJSONSerializer) -> None:
    assert json.loads(serializer.dumps((1, b"hi"))) == {" t": [1, {" b": "aGk="}]}
    assert json.loads(serializer.dumps(Markup("<i>"))) == {" m": "<i>"}
    assert json.loads(serializer.dumps(UUID(int=255))) == {
        " u": "000000000000000000000000000000ff"
    }
    assert json.loads(serializer.dumps(AWARE)) == {
        " d": "Thu, 29 Feb 2024 23:59:01 GMT"
    }
    assert json.loads(serializer.dumps({" t": (1,)})) == {" di": {" t__": {" t": [1]}}}
    # Compact separators.
    assert serializer.dumps({"a": [1, 2]}) == '{"a":[1,2]}'


def test_nested(serializer: TaggedJSONSerializer) -> None:
    value = {
        "list": [(1, (2, b"x")), {"inner": [UUID(int=7), Markup("&amp;")]}],
        "tuple": ({"k": (AWARE,)}, [b"y"]),
        "tag_like": {" m": {" b": (b"z",)}},
        "deep": [[[[{" d": "not a date"}]]]],
    }
    loaded = serializer.loads(serializer.dumps(value))
    assert loaded == value
    assert isinstance(loaded["list"][0], tuple)
    assert isinstance(loaded["list"][1]["inner"][1], Markup)
    assert isinstance(loaded["tag_like"][" m"][" b"], tuple)
    assert loaded["deep"][0][0][0][0] == {" d": "not a date"}


def test_html_objects_load_as_markup(serializer: TaggedJSONSerializer) -> None:
    class HTML:
        def __html__(self) -> str:
            return "<p>hi</p>"

    loaded = serializer.loads(serializer.dumps(HTML()))
    assert loaded == Markup("<p>hi</p>")
    assert isinstance(loaded, Markup)


def test_datetime_is_stored_in_utc(serializer: TaggedJSONSerializer) -> None:
    from datetime import timedelta

    plus_two = timezone(timedelta(hours=2))
    value = datetime(2024, 1, 1, 12, 0, 0, 999, tzinfo=plus_two)
    loaded = serializer.loads(serializer.dumps(value))
    assert loaded == value.replace(microsecond=0)
    assert loaded.tzinfo == UTC


def test_loads_bytes(serializer: TaggedJSONSerializer) -> None:
    assert serializer.loads(b'{" t":[1]}') == (1,)


def test_untag_leaves_other_dicts(serializer: TaggedJSONSerializer) -> None:
    assert serializer.untag({" unknown": 1}) == {" unknown": 1}
    assert serializer.untag({" t": [1], "x": 2}) == {" t": [1], "x": 2}
    assert serializer.untag({" t": [1]}) == (1,)


def test_unserialisable_value_raises(serializer: TaggedJSONSerializer) -> None:
    with pytest.raises(TypeError):
        serializer.dumps({"x": object()})


class TagSet(JSONTag):
    __slots__ = ()
    key = " s"

    def check(self, value: Any) -> bool:
        return isinstance(value, set)

    def to_json(self, value: Any) -> Any:
        return sorted(self.serializer.tag(item) for item in value)

    def to_python(self, value: Any) -> Any:
        return set(value)


class TagUpper(JSONTag):
    __slots__ = ()
    key = " up"

    def check(self, value: Any) -> bool:
        return isinstance(value, str) and value.isupper()

    def to_json(self, value: Any) -> Any:
        return value.lower()

    def to_python(self, value: Any) -> Any:
        return value.upper()


def test_register_custom_tag(serializer: TaggedJSONSerializer) -> None:
    serializer.register(TagSet)
    value = {"s": {3, 1}, "t": ({2},)}
    assert serializer.dumps(value) == '{"s":{" s":[1,3]},"t":{" t":[{" s":[2]}]}}'
    assert serializer.loads(serializer.dumps(value)) == value
    # A dict that looks like the new tag is escaped too.
    assert serializer.loads(serializer.dumps({" s": [1]})) == {" s": [1]}


def test_register_tag_for_plain_strings(serializer: TaggedJSONSerializer) -> None:
    serializer.dumps("WARM")  # The built-in tags leave strings alone.
    serializer.register(TagUpper)
    assert serializer.dumps("LOUD") == '{" up":"loud"}'
    assert serializer.loads(serializer.dumps(["LOUD", "quiet"])) == ["LOUD", "quiet"]


def test_register_duplicate_key(serializer: TaggedJSONSerializer) -> None:
    with pytest.raises(KeyError, match="already registered"):
        serializer.register(TagDict)


def test_register_force_and_index(serializer: TaggedJSONSerializer) -> None:
    class TagDictFirst(TagDict):
        __slots__ = ()

    serializer.register(TagDictFirst, force=True, index=0)
    assert isinstance(serializer.tags[" di"], TagDictFirst)
    assert isinstance(serializer.order[0], TagDictFirst)
    assert serializer.loads(serializer.dumps({" t": 1})) == {" t": 1}


def test_register_index_changes_precedence(serializer: TaggedJSONSerializer) -> None:
    class TagTupleOfTwo(JSONTag):
        __slots__ = ()
        key = " t2"

        def check(self, value: Any) -> bool:
            return isinstance(value, tuple) and len(value) == 2

        def to_json(self, value: Any) -> Any:
            return [self.serializer.tag(item) for item in value]

        def to_python(self, value: Any) -> Any:
            return ("pair", *value)

    serializer.register(TagTupleOfTwo)  # Appended: the tuple tag wins.
    assert serializer.loads(serializer.dumps((1, 2))) == (1, 2)
    other = TaggedJSONSerializer()
    other.register(TagTupleOfTwo, index=0)
    assert other.loads(other.dumps((1, 2))) == ("pair", 1, 2)


def test_default_tags_of_subclass() -> None:
    class WithSets(TaggedJSONSerializer):
        default_tags = [*TaggedJSONSerializer.default_tags, TagSet]

    serializer = WithSets()
    assert serializer.loads(serializer.dumps([{1}])) == [{1}]


RICH = {
    "tuple": (1, "two", (3.0, None)),
    "bytes": b"\x00\x01binary\xff",
    "markup": Markup("<em>hi</em> &amp;"),
    "uuid": UUID("a8098c1a-f86e-11da-bd1a-00112444be1e"),
    "when": AWARE,
    "nested": {
        "list": [{"a": [1, {"b": (b"c",)}]}, [], {}],
        " t": "tag-like key",
        "unicode": "ünïcødé ☃",
    },
    "tag_like": {" di": {" b": "not bytes"}},
    "flag": False,
}


def test_flask_dumps_load_with_quart(serializer: TaggedJSONSerializer) -> None:
    payload = FlaskTaggedJSONSerializer().dumps(RICH)
    assert serializer.loads(payload) == RICH


def test_quart_dumps_load_with_flask(serializer: TaggedJSONSerializer) -> None:
    payload = serializer.dumps(RICH)
    assert FlaskTaggedJSONSerializer().loads(payload) == RICH


def test_same_tagged_form_as_flask(serializer: TaggedJSONSerializer) -> None:
    assert serializer.tag(RICH) == FlaskTaggedJSONSerializer().tag(RICH)
