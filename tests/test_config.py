"""Tests for quart.config (module tested directly, without the app)."""

from __future__ import annotations

import json
import os
import sys
import tomllib
import types
from datetime import timedelta
from pathlib import Path
from typing import Any

import flask
import pytest

from quart.config import DEFAULT_CONFIG
from quart.config import Config
from quart.config import ConfigAttribute

QUART_EXTRAS = {
    "BODY_TIMEOUT": 60,
    "RESPONSE_TIMEOUT": 60,
    "BACKGROUND_TASK_SHUTDOWN_TIMEOUT": 5,
    "GC_FREEZE_AT_STARTUP": True,
}


# --- DEFAULT_CONFIG ---------------------------------------------------------


def test_default_config_covers_flask_keys() -> None:
    assert set(DEFAULT_CONFIG) >= set(flask.Flask.default_config)


def test_default_config_has_only_flask_keys_plus_extras() -> None:
    assert set(DEFAULT_CONFIG) == set(flask.Flask.default_config) | set(QUART_EXTRAS)


def test_default_config_quart_extras() -> None:
    for key, value in QUART_EXTRAS.items():
        assert DEFAULT_CONFIG[key] == value


def test_default_config_shared_values_match_flask() -> None:
    for key, flask_value in flask.Flask.default_config.items():
        if key == "MAX_CONTENT_LENGTH":
            continue
        assert DEFAULT_CONFIG[key] == flask_value, key


def test_default_config_limits() -> None:
    assert DEFAULT_CONFIG["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    assert flask.Flask.default_config["MAX_CONTENT_LENGTH"] is None
    assert DEFAULT_CONFIG["MAX_FORM_MEMORY_SIZE"] == 500_000
    assert DEFAULT_CONFIG["MAX_FORM_PARTS"] == 1000
    assert DEFAULT_CONFIG["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31)


def test_config_with_defaults_copies() -> None:
    config = Config("/", DEFAULT_CONFIG)
    config["TESTING"] = True
    assert DEFAULT_CONFIG["TESTING"] is False
    assert config["BODY_TIMEOUT"] == 60


# --- Config basics ----------------------------------------------------------


def test_init_defaults_and_root_path(tmp_path: Path) -> None:
    config = Config(tmp_path, {"A": 1})
    assert config.root_path == tmp_path
    assert config == {"A": 1}
    assert isinstance(config, dict)
    assert Config(tmp_path) == {}


def test_repr() -> None:
    config = Config("/", {"KEY": "value"})
    assert repr(config) == "<Config {'KEY': 'value'}>"

    class Sub(Config):
        pass

    assert repr(Sub("/")) == "<Sub {}>"


# --- from_mapping -----------------------------------------------------------


def test_from_mapping_uppercase_only() -> None:
    config = Config("/")
    assert config.from_mapping({"SECRET_KEY": "s", "lower": 1, "Mixed": 2}) is True
    assert config == {"SECRET_KEY": "s"}


def test_from_mapping_kwargs_and_precedence() -> None:
    config = Config("/")
    config.from_mapping({"A": 1, "B": 2}, B=3, C=4, d=5)
    assert config == {"A": 1, "B": 3, "C": 4}


def test_from_mapping_none() -> None:
    config = Config("/", {"X": 1})
    assert config.from_mapping() is True
    assert config.from_mapping(None, Y=2) is True
    assert config == {"X": 1, "Y": 2}


# --- from_object ------------------------------------------------------------


def test_from_object_class_uppercase_only() -> None:
    class Settings:
        DEBUG = True
        SECRET_KEY = "abc"
        lower = "ignored"
        _PRIVATE_lower = "ignored"

    config = Config("/")
    config.from_object(Settings)
    assert config == {"DEBUG": True, "SECRET_KEY": "abc"}


def test_from_object_instance_and_inheritance() -> None:
    class Base:
        A = 1
        B = 2

    class Child(Base):
        B = 3

    config = Config("/")
    config.from_object(Child())
    assert config == {"A": 1, "B": 3}


def test_from_object_import_string(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("quart_test_cfg_module")
    module.TESTING = True  # type: ignore[attr-defined]
    module.NAME = "x"  # type: ignore[attr-defined]
    module.other = 1  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "quart_test_cfg_module", module)
    config = Config("/")
    config.from_object("quart_test_cfg_module")
    assert config == {"TESTING": True, "NAME": "x"}


def test_from_object_import_string_attribute(monkeypatch: pytest.MonkeyPatch) -> None:
    class Prod:
        ENV_NAME = "prod"

    module = types.ModuleType("quart_test_cfg_module2")
    module.Prod = Prod  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "quart_test_cfg_module2", module)
    config = Config("/")
    config.from_object("quart_test_cfg_module2.Prod")
    assert config == {"ENV_NAME": "prod"}


def test_from_object_bad_import_string() -> None:
    config = Config("/")
    with pytest.raises(ImportError):
        config.from_object("quart_no_such_module_xyz")


def test_from_object_dict_is_not_loaded() -> None:
    config = Config("/")
    config.from_object({"KEY": 1})
    assert config == {}


# --- from_pyfile ------------------------------------------------------------


def test_from_pyfile_relative_to_root(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text(
        "import os\nDEBUG = True\nPORT = 40 + 2\nhelper = 'ignored'\nFILE = __file__\n"
    )
    config = Config(tmp_path)
    assert config.from_pyfile("settings.py") is True
    assert config["DEBUG"] is True
    assert config["PORT"] == 42
    assert config["FILE"] == os.path.join(tmp_path, "settings.py")
    assert "helper" not in config
    assert "os" not in config


def test_from_pyfile_absolute_path(tmp_path: Path) -> None:
    path = tmp_path / "abs.cfg"
    path.write_text("VALUE = 'abs'\n")
    config = Config("/somewhere/else")
    assert config.from_pyfile(str(path)) is True
    assert config["VALUE"] == "abs"


def test_from_pyfile_missing_raises_with_path(tmp_path: Path) -> None:
    config = Config(tmp_path)
    with pytest.raises(OSError) as exc_info:
        config.from_pyfile("missing.py")
    message = str(exc_info.value)
    assert "Unable to load configuration file" in message
    assert str(tmp_path / "missing.py") in message
    assert isinstance(exc_info.value, FileNotFoundError)


def test_from_pyfile_missing_silent(tmp_path: Path) -> None:
    config = Config(tmp_path)
    assert config.from_pyfile("missing.py", silent=True) is False
    assert config.from_pyfile(tmp_path, silent=True) is False  # a directory
    assert config == {}


def test_from_pyfile_syntax_error_propagates(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("DEBUG = (\n")
    config = Config(tmp_path)
    with pytest.raises(SyntaxError):
        config.from_pyfile("bad.py", silent=True)


# --- from_envvar ------------------------------------------------------------


def test_from_envvar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env.cfg"
    path.write_text("FROM_ENV = 'yes'\n")
    monkeypatch.setenv("QUART_TEST_SETTINGS", str(path))
    config = Config(tmp_path)
    assert config.from_envvar("QUART_TEST_SETTINGS") is True
    assert config["FROM_ENV"] == "yes"


def test_from_envvar_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUART_TEST_SETTINGS", raising=False)
    config = Config("/")
    with pytest.raises(RuntimeError, match="QUART_TEST_SETTINGS"):
        config.from_envvar("QUART_TEST_SETTINGS")
    assert config.from_envvar("QUART_TEST_SETTINGS", silent=True) is False


def test_from_envvar_empty_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUART_TEST_SETTINGS", "")
    config = Config("/")
    with pytest.raises(RuntimeError):
        config.from_envvar("QUART_TEST_SETTINGS")


def test_from_envvar_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUART_TEST_SETTINGS", str(tmp_path / "nope.cfg"))
    config = Config(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"nope\.cfg"):
        config.from_envvar("QUART_TEST_SETTINGS")
    assert config.from_envvar("QUART_TEST_SETTINGS", silent=True) is False


# --- from_prefixed_env ------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Remove any pre-existing QUART_/APP_ variables from the environment."""
    for key in list(os.environ):
        if key.startswith(("QUART_", "APP_")):
            monkeypatch.delenv(key)
    return monkeypatch


def test_from_prefixed_env_parses_json(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("QUART_STRING", "value")
    clean_env.setenv("QUART_INT", "1")
    clean_env.setenv("QUART_FLOAT", "1.5")
    clean_env.setenv("QUART_BOOL", "true")
    clean_env.setenv("QUART_FALSE", "false")
    clean_env.setenv("QUART_NULL", "null")
    clean_env.setenv("QUART_LIST", "[1, 2]")
    clean_env.setenv("QUART_DICT", '{"k": "v"}')
    clean_env.setenv("QUART_QUOTED", '"42"')
    clean_env.setenv("NOT_QUART_OTHER", "1")
    clean_env.setenv("QUARTLESS", "1")

    config = Config("/")
    assert config.from_prefixed_env() is True
    assert config == {
        "STRING": "value",
        "INT": 1,
        "FLOAT": 1.5,
        "BOOL": True,
        "FALSE": False,
        "NULL": None,
        "LIST": [1, 2],
        "DICT": {"k": "v"},
        "QUOTED": "42",
    }


def test_from_prefixed_env_invalid_json_stays_string(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("QUART_SECRET_KEY", "not json {")
    config = Config("/")
    config.from_prefixed_env()
    assert config["SECRET_KEY"] == "not json {"


def test_from_prefixed_env_custom_prefix(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("APP_DEBUG", "true")
    clean_env.setenv("QUART_DEBUG", "false")
    config = Config("/")
    config.from_prefixed_env("APP")
    assert config == {"DEBUG": True}


def test_from_prefixed_env_custom_loads(clean_env: pytest.MonkeyPatch) -> None:
    def loads(value: str) -> Any:
        if value == "boom":
            raise ValueError(value)
        return value.upper()

    clean_env.setenv("QUART_A", "abc")
    clean_env.setenv("QUART_B", "boom")
    clean_env.setenv("QUART_C", "1")
    config = Config("/")
    config.from_prefixed_env(loads=loads)
    assert config == {"A": "ABC", "B": "boom", "C": "1"}


def test_from_prefixed_env_nested(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("QUART_EXIST__ok", "other")
    clean_env.setenv("QUART_EXIST__inner__ik", "2")
    clean_env.setenv("QUART_EXIST__new__more", '{"k": false}')
    clean_env.setenv("QUART_NEW__K", "v")

    config = Config("/", {"EXIST": {"ok": "value", "flag": True, "inner": {"ik": 1}}})
    config.from_prefixed_env()
    assert config["EXIST"] == {
        "ok": "other",
        "flag": True,
        "inner": {"ik": 2},
        "new": {"more": {"k": False}},
    }
    assert config["NEW"] == {"K": "v"}


def test_from_prefixed_env_sorted_order(clean_env: pytest.MonkeyPatch) -> None:
    # "QUART_D" sorts before "QUART_D__X", so the nested key lands in the dict
    # that the plain key created.
    clean_env.setenv("QUART_D__X", "2")
    clean_env.setenv("QUART_D", '{"Y": 1}')
    config = Config("/")
    config.from_prefixed_env()
    assert config["D"] == {"X": 2, "Y": 1}


# --- from_file --------------------------------------------------------------


def test_from_file_json(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(
        json.dumps({"TEST_KEY": "foo", "SECRET_KEY": "config", "lower": 1})
    )
    config = Config(tmp_path)
    assert config.from_file("config.json", json.load) is True
    assert config == {"TEST_KEY": "foo", "SECRET_KEY": "config"}


def test_from_file_toml_binary(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'TEST_KEY = "foo"\nSECRET_KEY = "config"\nlower = 1\n[NESTED]\nvalue = 3\n'
    )
    config = Config(tmp_path)
    assert config.from_file("config.toml", tomllib.load, text=False) is True
    assert config == {
        "TEST_KEY": "foo",
        "SECRET_KEY": "config",
        "NESTED": {"value": 3},
    }


def test_from_file_toml_text_mode_fails(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('KEY = "v"\n')
    config = Config(tmp_path)
    with pytest.raises(TypeError):
        config.from_file("config.toml", tomllib.load)


def test_from_file_passes_mode(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("x")
    seen: list[Any] = []

    def load(handle: Any) -> dict[str, Any]:
        seen.append(handle.read())
        return {}

    config = Config(tmp_path)
    config.from_file("data", load)
    config.from_file("data", load, text=False)
    assert seen == ["x", b"x"]


def test_from_file_missing(tmp_path: Path) -> None:
    config = Config(tmp_path)
    with pytest.raises(FileNotFoundError) as exc_info:
        config.from_file("missing.json", json.load)
    assert "Unable to load configuration file" in str(exc_info.value)
    assert str(tmp_path / "missing.json") in str(exc_info.value)
    assert config.from_file("missing.json", json.load, silent=True) is False
    assert config == {}


def test_from_file_invalid_content_propagates(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    config = Config(tmp_path)
    with pytest.raises(json.JSONDecodeError):
        config.from_file("bad.json", json.load, silent=True)


# --- get_namespace ----------------------------------------------------------


@pytest.fixture
def namespaced() -> Config:
    return Config(
        "/",
        {
            "FOO_OPTION_1": "foo option 1",
            "FOO_OPTION_2": "foo option 2",
            "BAR_STUFF_1": "bar stuff 1",
            "BAR_STUFF_2": "bar stuff 2",
        },
    )


def test_get_namespace_default(namespaced: Config) -> None:
    assert namespaced.get_namespace("FOO_") == {
        "option_1": "foo option 1",
        "option_2": "foo option 2",
    }


def test_get_namespace_keep_case(namespaced: Config) -> None:
    assert namespaced.get_namespace("BAR_", lowercase=False) == {
        "STUFF_1": "bar stuff 1",
        "STUFF_2": "bar stuff 2",
    }


def test_get_namespace_no_trim(namespaced: Config) -> None:
    assert namespaced.get_namespace("FOO_", trim_namespace=False) == {
        "foo_option_1": "foo option 1",
        "foo_option_2": "foo option 2",
    }


def test_get_namespace_no_trim_keep_case(namespaced: Config) -> None:
    assert namespaced.get_namespace("BAR_", lowercase=False, trim_namespace=False) == {
        "BAR_STUFF_1": "bar stuff 1",
        "BAR_STUFF_2": "bar stuff 2",
    }


def test_get_namespace_no_match_and_case_sensitive(namespaced: Config) -> None:
    assert namespaced.get_namespace("BAZ_") == {}
    assert namespaced.get_namespace("foo_") == {}


# --- ConfigAttribute --------------------------------------------------------


class _Holder:
    debug = ConfigAttribute[bool]("DEBUG", get_converter=bool)
    secret_key = ConfigAttribute[str | bytes | None]("SECRET_KEY")
    timeout = ConfigAttribute[timedelta](
        "TIMEOUT",
        get_converter=lambda v: v if isinstance(v, timedelta) else timedelta(seconds=v),
    )

    def __init__(self, config: Config) -> None:
        self.config = config


def test_config_attribute_reads_config() -> None:
    holder = _Holder(Config("/", {"DEBUG": None, "SECRET_KEY": "s", "TIMEOUT": 5}))
    assert holder.debug is False  # converter turns None into False
    assert holder.secret_key == "s"
    assert holder.timeout == timedelta(seconds=5)


def test_config_attribute_writes_config() -> None:
    config = Config("/", {"DEBUG": False, "SECRET_KEY": None, "TIMEOUT": 1})
    holder = _Holder(config)
    holder.debug = 1
    holder.secret_key = "new"
    assert config["DEBUG"] == 1  # stored raw; converter only on read
    assert holder.debug is True
    assert config["SECRET_KEY"] == "new"
    config["SECRET_KEY"] = b"bytes"
    assert holder.secret_key == b"bytes"


def test_config_attribute_missing_key() -> None:
    holder = _Holder(Config("/"))
    with pytest.raises(KeyError):
        holder.secret_key  # noqa: B018


def test_config_attribute_class_access_returns_descriptor() -> None:
    descriptor = _Holder.__dict__["debug"]
    assert _Holder.debug is descriptor
    assert isinstance(descriptor, ConfigAttribute)
    assert descriptor.__name__ == "DEBUG"
    assert descriptor.get_converter is bool
    assert _Holder.__dict__["secret_key"].get_converter is None
