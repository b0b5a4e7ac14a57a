"""Flask-Talisman: HTTPS redirects, security headers, a CSP nonce shared by
the header and the template, and per-view options."""

from __future__ import annotations

import re

import flask
import pytest
from flask import render_template_string
from flask_talisman import Talisman

from quart import Quart


@pytest.fixture
def app() -> Quart:
    app = flask.Flask(__name__)
    talisman = Talisman(
        app,
        content_security_policy={"default-src": "'self'", "script-src": "'self'"},
        content_security_policy_nonce_in=["script-src"],
    )

    @app.route("/")
    async def index() -> str:
        return await render_template_string(
            "<script nonce='{{ csp_nonce() }}'>go()</script>"
        )

    @app.route("/embeddable")
    @talisman(frame_options="DENY", content_security_policy={"default-src": "*"})
    def embeddable() -> str:
        return "embed me"

    return app


async def test_http_is_redirected_to_https(app: Quart) -> None:
    response = await app.test_client().get("/", scheme="http")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://localhost/"


async def test_security_headers_and_nonce(app: Quart) -> None:
    response = await app.test_client().get("/", scheme="https")
    assert response.status_code == 200
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31556926; includeSubDomains"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["X-Content-Type-Options"] == "nosniff"
    match = re.search(
        r"script-src 'self' 'nonce-([^']+)'", headers["Content-Security-Policy"]
    )
    assert match
    html = await response.get_data(as_text=True)
    assert html == f"<script nonce='{match.group(1)}'>go()</script>"


async def test_per_view_options(app: Quart) -> None:
    response = await app.test_client().get("/embeddable", scheme="https")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"] == "default-src *"
    assert await response.get_data() == b"embed me"
