"""Flask-Mail: messages built from templates in sync and async views,
captured with ``record_messages`` (sending is suppressed in testing)."""

from __future__ import annotations

import flask
import pytest
from flask import render_template_string
from flask import request
from flask_mail import Mail
from flask_mail import Message

from quart import Quart


@pytest.fixture
def setup() -> tuple[Quart, Mail]:
    app = flask.Flask(__name__)
    app.config.update(TESTING=True, MAIL_DEFAULT_SENDER="noreply@example.com")
    mail = Mail(app)

    @app.route("/invite", methods=["POST"])
    def invite() -> str:  # sync view
        email = request.form["email"]
        message = Message("You are invited", recipients=[email])
        message.body = f"Hello {email}"
        message.html = render_template_string("<b>Hello {{ email }}</b>", email=email)
        mail.send(message)
        return "sent"

    @app.route("/digest", methods=["POST"])
    async def digest() -> str:
        data = await request.get_json()
        with mail.connect() as connection:
            for email in data["emails"]:
                message = Message("Digest", recipients=[email])
                message.body = await render_template_string("{{ n }} news", n=data["n"])
                connection.send(message)
        return "sent"

    return app, mail


async def test_records_message_from_sync_view(setup: tuple[Quart, Mail]) -> None:
    app, mail = setup
    with mail.record_messages() as outbox:
        response = await app.test_client().post("/invite", form={"email": "a@x.test"})
        assert await response.get_data() == b"sent"
    assert len(outbox) == 1
    assert outbox[0].subject == "You are invited"
    assert outbox[0].sender == "noreply@example.com"
    assert outbox[0].recipients == ["a@x.test"]
    assert outbox[0].html == "<b>Hello a@x.test</b>"


async def test_bulk_send_from_async_view(setup: tuple[Quart, Mail]) -> None:
    app, mail = setup
    with mail.record_messages() as outbox:
        await app.test_client().post(
            "/digest", json={"emails": ["a@x.test", "b@x.test"], "n": 3}
        )
    assert [m.recipients for m in outbox] == [["a@x.test"], ["b@x.test"]]
    assert {m.body for m in outbox} == {"3 news"}
