"""Quart-Babel as its documentation shows it: a German catalogue compiled
with Babel's own ``pybabel compile``, a locale selector reading
``Accept-Language``, ``gettext``/``ngettext``/lazy strings in views, the
Jinja ``i18n`` extension in templates, locale-aware number and date
formatting, a timezone selector, ``force_locale``; then a translated page
from a real Hypercorn."""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from babel.messages.frontend import CommandLineInterface
from quart_babel import Babel
from quart_babel import force_locale
from quart_babel import format_datetime
from quart_babel import format_decimal
from quart_babel import get_locale
from quart_babel import get_timezone
from quart_babel import gettext
from quart_babel import lazy_gettext
from quart_babel import ngettext
from quart_babel import to_user_timezone

from quart import Quart
from quart import render_template_string
from quart import request

GERMAN_PO = r"""
msgid ""
msgstr ""
"Project-Id-Version: test 1.0\n"
"Language: de\n"
"MIME-Version: 1.0\n"
"Content-Type: text/plain; charset=utf-8\n"
"Content-Transfer-Encoding: 8bit\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Hello"
msgstr "Hallo"

msgid "Hello %(name)s"
msgstr "Hallo %(name)s"

msgid "%(num)d apple"
msgid_plural "%(num)d apples"
msgstr[0] "%(num)d Apfel"
msgstr[1] "%(num)d Äpfel"

msgid "%(count)s apple"
msgid_plural "%(count)s apples"
msgstr[0] "%(count)s Apfel"
msgstr[1] "%(count)s Äpfel"

msgid "Welcome"
msgstr "Willkommen"
"""

TITLE = lazy_gettext("Welcome")  # module level, translated on use


@pytest.fixture
def translations(tmp_path: Path) -> Path:
    directory = tmp_path / "translations"
    messages = directory / "de" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "messages.po").write_text(textwrap.dedent(GERMAN_PO), encoding="utf-8")
    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(directory)])
    assert (messages / "messages.mo").is_file()
    return directory


@pytest.fixture
def app(translations: Path) -> Quart:
    app = Quart(__name__, root_path=str(translations.parent))

    def select_locale() -> str | None:
        return request.accept_languages.best_match(["en", "de"])

    def select_timezone() -> str | None:
        return request.args.get("tz")

    # BABEL_TRANSLATION_DIRECTORIES defaults to "translations" under the root path.
    babel = Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.extensions["babel_instance"] = babel

    @app.get("/hello")
    async def hello() -> dict[str, object]:
        return {
            "plain": gettext("Hello"),
            "named": gettext("Hello %(name)s", name="Ada"),
            "one": ngettext("%(num)d apple", "%(num)d apples", 1),
            "many": ngettext("%(num)d apple", "%(num)d apples", 3),
            "lazy": str(TITLE),
            "locale": str(get_locale()),
        }

    @app.get("/page")
    async def page() -> str:
        return await render_template_string(
            "{{ _('Hello') }}|{{ gettext('Hello %(name)s', name='Bo') }}|"
            "{% trans count=2 %}{{ count }} apple{% pluralize %}{{ count }} apples"
            "{% endtrans %}|{{ 1234.5|decimalformat }}"
        )

    @app.get("/formats")
    async def formats() -> dict[str, str]:
        moment = datetime(2024, 3, 1, 12, 30)
        return {
            "number": format_decimal(1234567.891),
            "datetime": format_datetime(moment, "yyyy-MM-dd HH:mm"),
            "zone": str(get_timezone()),
            "local": to_user_timezone(moment).strftime("%H:%M"),
        }

    @app.get("/forced")
    async def forced() -> str:
        with force_locale("de"):
            inside = gettext("Hello")
        return f"{inside}/{gettext('Hello')}"

    return app


async def test_gettext_follows_the_locale_selector(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/hello", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert await response.get_json() == {
        "plain": "Hallo",
        "named": "Hallo Ada",
        "one": "1 Apfel",
        "many": "3 Äpfel",
        "lazy": "Willkommen",
        "locale": "de",
    }
    response = await client.get("/hello", headers={"Accept-Language": "en"})
    assert await response.get_json() == {
        "plain": "Hello",
        "named": "Hello Ada",
        "one": "1 apple",
        "many": "3 apples",
        "lazy": "Welcome",
        "locale": "en",
    }


async def test_default_locale_without_a_match(app: Quart) -> None:
    response = await app.test_client().get("/hello", headers={"Accept-Language": "fr"})
    data = await response.get_json()
    assert data["locale"] == "en"
    assert data["plain"] == "Hello"


async def test_templates_are_translated(app: Quart) -> None:
    client = app.test_client()
    response = await client.get("/page", headers={"Accept-Language": "de"})
    assert await response.get_data(as_text=True) == "Hallo|Hallo Bo|2 Äpfel|1.234,5"
    response = await client.get("/page", headers={"Accept-Language": "en"})
    assert await response.get_data(as_text=True) == "Hello|Hello Bo|2 apples|1,234.5"


async def test_formatting_and_timezones(app: Quart) -> None:
    client = app.test_client()
    response = await client.get(
        "/formats?tz=Europe/Berlin", headers={"Accept-Language": "de"}
    )
    assert await response.get_json() == {
        "number": "1.234.567,891",
        "datetime": "2024-03-01 13:30",
        "zone": "Europe/Berlin",
        "local": "13:30",
    }
    response = await client.get("/formats", headers={"Accept-Language": "en"})
    data = await response.get_json()
    assert data["number"] == "1,234,567.891"
    assert data["zone"] == "UTC"
    assert data["datetime"] == "2024-03-01 12:30"


async def test_force_locale(app: Quart) -> None:
    response = await app.test_client().get("/forced", headers={"Accept-Language": "en"})
    assert await response.get_data(as_text=True) == "Hallo/Hello"


async def test_list_translations(app: Quart) -> None:
    babel: Babel = app.extensions["babel_instance"]
    async with app.app_context():
        assert sorted(str(locale) for locale in babel.list_translations()) == [
            "de",
            "en",
        ]


async def test_through_hypercorn(http: httpx.AsyncClient) -> None:
    response = await http.get("/page", headers={"Accept-Language": "de"})
    assert response.text == "Hallo|Hallo Bo|2 Äpfel|1.234,5"
