"""The opt-in pytest plugin ``quart.testing.pytest_plugin``, run in a
separate pytest process per case (bounded in time) as a user would."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TIMEOUT = 120  # seconds per inner pytest run

CONFTEST = """
import pytest
from quart import Quart, g

pytest_plugins = ["quart.testing.pytest_plugin"]


@pytest.fixture
def app():
    app = Quart("project")
    app.config.update(TESTING=True)

    @app.get("/")
    async def index():
        return {"hello": "world"}

    @app.cli.command("greet")
    def greet():
        print("hello from the CLI")

    return app
"""

TESTS = """
import pytest
from quart import current_app, g
from quart.testing import QuartClient, QuartCliRunner


async def test_client(client):
    assert isinstance(client, QuartClient)
    response = await client.get("/")
    assert response.status_code == 200
    assert await response.get_json() == {"hello": "world"}


def test_runner(runner):
    assert isinstance(runner, QuartCliRunner)
    result = runner.invoke(args=["greet"])
    assert result.exit_code == 0, result.output
    assert "hello from the CLI" in result.output


async def test_app_ctx(app, app_ctx):
    assert current_app._get_current_object() is app
    g.answer = 42
    assert app_ctx.g.answer == 42


def test_app_ctx_in_a_sync_test(app, app_ctx):
    assert current_app.name == app.name
"""


def _outcomes(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:randomly", *args, timeout=TIMEOUT
    )


def test_fixtures_in_strict_mode_with_the_marker(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    marked = TESTS.replace("\nasync def", "\n@pytest.mark.asyncio\nasync def")
    pytester.makepyfile(test_project=marked)
    pytester.makeini("[pytest]\nasyncio_mode = strict\n")
    result = _outcomes(pytester)
    result.assert_outcomes(passed=4)


def test_async_tests_without_pytest_asyncio_fail_as_the_docs_warn(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_project="""
async def test_index():
    pass
"""
    )
    result = _outcomes(pytester, "-p", "no:asyncio")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*async def functions are not natively supported*"])


def test_missing_app_fixture_is_explained(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["quart.testing.pytest_plugin"]\n')
    pytester.makepyfile(
        test_project="""
async def test_index(client):
    pass
"""
    )
    pytester.makeini("[pytest]\nasyncio_mode = auto\n")
    result = _outcomes(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*needs an 'app' fixture*"])


def _captioned_files(page: Path) -> dict[str, str]:
    """The code blocks of an rst page that carry a file-name caption."""
    files = {}
    pattern = re.compile(
        r"^\.\. code-block:: \S+\n   :caption: (?P<name>\S+)\n\n"
        r"(?P<body>(?:   .*\n|\n)+)",
        re.MULTILINE,
    )
    for match in pattern.finditer(page.read_text(encoding="utf-8")):
        files[match["name"]] = textwrap.dedent(match["body"])
    return files


def test_the_documented_project_passes(pytester: pytest.Pytester) -> None:
    """docs/testing.rst's project (app, conftest, tests, pyproject.toml),
    exactly as the page shows it."""
    page = Path(__file__).parent.parent / "docs" / "testing.rst"
    files = _captioned_files(page)
    assert set(files) == {"pyproject.toml", "hello.py", "conftest.py", "test_hello.py"}
    for name, text in files.items():
        (pytester.path / name).write_text(text, encoding="utf-8")
    result = _outcomes(pytester)
    result.assert_outcomes(passed=4)
