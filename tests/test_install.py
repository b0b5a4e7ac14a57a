"""Installing a Quart extension with pip keeps this project as ``quart``.

Every Quart extension requires ``quart>=`` some version (up to 0.19 today).
If this distribution's version did not meet that, ``pip install quart-cors``
would replace it with the ``quart`` from the package index. The test builds
this project into a fresh virtualenv, installs extensions there the normal way
(dependencies on), and checks that ``import quart`` is still this project and
that the extension works on it.

One deviation from a bare ``pip install``: a constraints file pins ``quart`` to
the version just installed, so that a regression fails here with a resolver
error instead of fetching the index's ``quart`` (which this project must never
download). A constraint never changes what pip does when the installed quart
already satisfies every requirement, which is what is being tested.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.network

ROOT = Path(__file__).resolve().parent.parent
# Each pip run: seconds with pip's cache warm, tens of seconds with it cold.
PIP_TIMEOUT = 300
RUN_TIMEOUT = 60
EXTENSIONS = ["quart-cors", "quart-schema"]  # quart>=0.15 and quart>=0.19


def _env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
        and not key.startswith("QUART_")
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def _run(
    command: list[str], cwd: Path, timeout: float = RUN_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command,
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    return result


def _source_copy(destination: Path) -> Path:
    """What a source distribution of this project holds, away from the work tree.

    Building from a copy keeps setuptools' build/ and egg-info out of the
    shared checkout.
    """
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    destination.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, destination / name)
    for package in ("quart", "quart_flask_patch"):
        shutil.copytree(ROOT / package, destination / package, ignore=skip)
    return destination


INSPECT = """
import importlib.metadata, json, sysconfig
import quart, quart.plugins
dist = importlib.metadata.distribution("quart")
print(json.dumps({
    "file": quart.__file__,
    "purelib": sysconfig.get_paths()["purelib"],
    "plugins_file": quart.plugins.__file__,
    "plugin_manager": hasattr(quart.plugins, "PluginManager"),
    "version": dist.version,
    "direct_url": json.loads(dist.read_text("direct_url.json") or "null"),
    "files": sorted(str(f) for f in dist.files or ()),
}))
"""

CORS_APP = """
import asyncio
from quart import Quart
from quart_cors import cors, route_cors

app = cors(Quart(__name__), allow_origin="https://allowed.example")


@app.get("/")
async def index():
    return "hello"


@app.post("/open")
@route_cors(allow_origin="*", allow_methods=["POST"])
async def open_view():
    return {"open": True}


async def main():
    client = app.test_client()
    response = await client.get("/", headers={"Origin": "https://allowed.example"})
    assert response.status_code == 200, response.status_code
    assert await response.get_data(as_text=True) == "hello"
    assert response.headers["Access-Control-Allow-Origin"] == "https://allowed.example"
    assert "Origin" in response.headers.get("Vary", "")

    response = await client.get("/", headers={"Origin": "https://other.example"})
    assert "Access-Control-Allow-Origin" not in response.headers

    response = await client.options(
        "/open",
        headers={
            "Origin": "https://anywhere.example",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert response.status_code == 200, response.status_code
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    print("cors ok")


asyncio.run(main())
"""


def test_pip_install_of_an_extension_keeps_this_quart(tmp_path: Path) -> None:
    source = _source_copy(tmp_path / "source")
    venv_dir = tmp_path / "venv"
    # No pip of its own: the test's pip installs into it (pip --python),
    # which spares the several seconds ensurepip takes.
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv_dir)], cwd=tmp_path)
    python = str(venv_dir / "bin" / "python")
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "-q"]

    _run([*pip, str(source)], cwd=tmp_path, timeout=PIP_TIMEOUT)
    before = json.loads(_run([python, "-c", INSPECT], cwd=tmp_path).stdout)

    constraints = tmp_path / "constraints.txt"
    constraints.write_text(f"quart=={before['version']}\n")
    _run([*pip, "-c", str(constraints), *EXTENSIONS], cwd=tmp_path, timeout=PIP_TIMEOUT)
    after = json.loads(_run([python, "-c", INSPECT], cwd=tmp_path).stdout)

    assert after == before
    # This project's wheel, installed into the venv from the source copy ...
    assert Path(after["file"]).is_relative_to(Path(after["purelib"]))
    assert after["direct_url"]["url"] == source.as_uri()
    # ... with a module only this project has, recorded as part of it.
    purelib = Path(after["purelib"])
    plugins_file = Path(after["plugins_file"])
    assert plugins_file.is_relative_to(purelib)
    assert plugins_file.relative_to(purelib).as_posix() in after["files"]
    assert after["plugin_manager"]

    _run([sys.executable, "-m", "pip", "--python", python, "check"], cwd=tmp_path)
    version = _run([str(venv_dir / "bin" / "quart"), "--version"], cwd=tmp_path)
    assert f"Quart {before['version']}" in version.stdout.splitlines()

    app = tmp_path / "cors_app.py"
    app.write_text(CORS_APP)
    assert _run([python, str(app)], cwd=tmp_path).stdout.strip() == "cors ok"
