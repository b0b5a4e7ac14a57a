"""Flask-Migrate: ``quart db init``, ``db migrate`` and ``db upgrade`` on
sqlite, run as real ``quart`` commands. Flask-Migrate adds its ``db`` group
to ``app.cli`` in ``init_app``; its commands use ``flask.cli.with_appcontext``
and share ``g`` between the group and the subcommand, as in Flask."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

APP = """
import quart_flask_patch  # noqa: F401

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///{db}"
db = SQLAlchemy(app)
Migrate(app, db, directory="{migrations}")


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    text = db.Column(db.String(200), nullable=False)


@app.cli.command("add-note")
def add_note():
    db.session.add(Note(text="from the cli"))
    db.session.commit()
"""


def _quart(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUART_APP": "notes_app"}
    return subprocess.run(
        [sys.executable, "-m", "quart", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_quart_db_init_migrate_upgrade(tmp_path: Path) -> None:
    database = tmp_path / "notes.db"
    migrations = tmp_path / "migrations"
    (tmp_path / "notes_app.py").write_text(
        APP.format(db=database, migrations=migrations)
    )

    listed = _quart(tmp_path, "--help")
    assert listed.returncode == 0, listed.stderr
    assert "db" in listed.stdout.split("Commands:")[1]

    result = _quart(tmp_path, "db", "init")
    assert result.returncode == 0, result.stderr
    assert (migrations / "env.py").is_file()

    result = _quart(tmp_path, "db", "migrate", "-m", "notes")
    assert result.returncode == 0, result.stderr
    versions = list((migrations / "versions").glob("*_notes.py"))
    assert len(versions) == 1
    assert "op.create_table('note'" in versions[0].read_text()

    result = _quart(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    result = _quart(tmp_path, "add-note")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table'"
            )
        }
        assert {"note", "alembic_version"} <= tables
        assert connection.execute("SELECT text FROM note").fetchall() == [
            ("from the cli",)
        ]

    result = _quart(tmp_path, "db", "current")
    assert result.returncode == 0, result.stderr
    assert "(head)" in result.stdout
