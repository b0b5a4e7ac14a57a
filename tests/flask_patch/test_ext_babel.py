"""Flask-Babel: a locale selector reading the request, translations from a
compiled catalog (in Python and in templates), lazy strings, and locale
aware formatting."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import flask
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import render_template_string
from flask import request
from flask_babel import Babel
from flask_babel import force_locale
from flask_babel import format_currency
from flask_babel import format_datetime
from flask_babel import gettext
from flask_babel import lazy_gettext
from flask_babel import ngettext

from quart import Quart

GREETING = lazy_gettext("Hello")


def _catalog(directory: Path) -> None:
    catalog = Catalog(locale="de")
    catalog.add("Hello", "Hallo")
    catalog.add("Hello %(name)s", "Hallo %(name)s")
    catalog.add(("%(num)d apple", "%(num)d apples"), ("%(num)d Apfel", "%(num)d Äpfel"))
    target = directory / "de" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as file:
        write_mo(file, catalog)


@pytest.fixture
def app(tmp_path: Path) -> Quart:
    _catalog(tmp_path)
    app = flask.Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(tmp_path)

    def select_locale() -> str | None:
        if not flask.has_request_context():
            return None  # the default locale
        return request.args.get("lang") or request.accept_languages.best_match(
            ["en", "de"]
        )

    Babel(app, locale_selector=select_locale)

    @app.route("/greet/<name>")
    async def greet(name: str) -> object:
        return {
            "plain": gettext("Hello"),
            "named": gettext("Hello %(name)s", name=name),
            "apples": ngettext("%(num)d apple", "%(num)d apples", 3),
            "lazy": str(GREETING),
        }

    @app.route("/page")
    def page() -> str:
        return render_template_string(
            "{{ _('Hello') }} / {{ ngettext('%(num)d apple', '%(num)d apples', 1) }}"
        )

    @app.route("/formats")
    async def formats() -> object:
        moment = datetime(2024, 3, 1, 14, 30)
        return {
            "date": format_datetime(moment, "medium"),
            "money": format_currency(1234.5, "EUR"),
        }

    return app


async def test_translations_follow_accept_language(app: Quart) -> None:
    client = app.test_client()
    response = await client.get(
        "/greet/Ann", headers={"Accept-Language": "de-DE,de;q=0.9"}
    )
    assert await response.get_json() == {
        "plain": "Hallo",
        "named": "Hallo Ann",
        "apples": "3 Äpfel",
        "lazy": "Hallo",
    }
    response = await client.get("/greet/Ann", headers={"Accept-Language": "en"})
    assert (await response.get_json())["named"] == "Hello Ann"


async def test_templates_are_translated(app: Quart) -> None:
    client = app.test_client()
    assert (
        await (await client.get("/page?lang=de")).get_data(as_text=True)
        == "Hallo / 1 Apfel"
    )
    assert (
        await (await client.get("/page?lang=en")).get_data(as_text=True)
        == "Hello / 1 apple"
    )


async def test_locale_aware_formatting(app: Quart) -> None:
    client = app.test_client()
    german = await (await client.get("/formats?lang=de")).get_json()
    english = await (await client.get("/formats?lang=en")).get_json()
    assert german["money"] == "1.234,50\xa0€"
    assert english["money"] == "€1,234.50"
    assert german["date"].startswith("01.03.2024")
    assert english["date"].startswith("Mar 1, 2024")


async def test_force_locale_outside_a_request(app: Quart) -> None:
    async with app.app_context():
        with force_locale("de"):
            assert gettext("Hello") == "Hallo"
        assert gettext("Hello") == "Hello"
