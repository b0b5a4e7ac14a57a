"""Every code example in docs/ and examples/ runs, so none can drift.

For each page of docs/*.rst, the ``.. code-block:: python`` blocks (and
``::`` literal blocks, which Sphinx highlights as Python) run in order in
one fresh module namespace, in a temporary working directory that is also
on ``sys.path``. On top of that:

* A block of any language with a file-name caption (``:caption:
  templates/page.html``) is written to that file before the page runs, and
  not run itself: that is how a page shows the template, the SQL schema or
  the module (``:caption: shop/views.py``) its other blocks use.
* A page that imports ``quart_flask_patch`` runs in an interpreter of its
  own (the shim must be imported before Flask, and stays).
* Top-level ``await`` is allowed in a Python block.
* Each ``test_*`` function a block defines is run (awaited if async); its
  parameters are looked up in the page's namespace (``app``, or a pytest
  fixture defined on the page), ``client`` falling back to
  ``app.test_client()``.
* A ``console`` block's ``$ export NAME=value`` lines set environment
  variables for the rest of the page (``$PWD`` is its working directory).
* A ``console`` or ``text`` block's ``$ curl ...`` commands are sent to the
  page's current ``app`` through its test client, and the output the page
  shows under each command must be what the app answers (JSON compared as
  data; with ``-i``, the status and the headers shown; with no output
  shown, a status below 400).

A Python block that cannot run on its own (a fragment, a Flask-only
snippet, code that serves forever) is marked in the page by an rst comment
on the line before its directive, with the reason::

    .. skip-example: needs a running Redis server

    .. code-block:: python

``MAX_SKIPPED`` keeps that list short. examples/*.py are imported afresh
and their routes exercised, including the ``curl`` commands their
docstrings show.
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import inspect
import json
import os
import re
import shlex
import sys
import textwrap
import types
from collections.abc import AsyncIterator
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from example_apps import load_example

from quart import Quart

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"

#: The most Python blocks the docs may mark ``.. skip-example:`` in all.
MAX_SKIPPED = 5

_DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)\.\.[ \t]+(?:code-block|code|sourcecode)::[ \t]*"
    r"(?P<language>\S*)[ \t]*$"
)
_SKIP = re.compile(r"^[ \t]*\.\.[ \t]+skip-example:[ \t]*(?P<reason>.*\S)?[ \t]*$")
_OPTION = re.compile(r"^:(?P<name>[\w-]+):[ \t]*(?P<value>.*)$")
_FILE_NAME = re.compile(r"^[\w.-]+(?:/[\w.-]+)*\.\w+$")
_PYTHON = {"python", "python3", "py", ""}


@dataclasses.dataclass
class Block:
    """One code block of a page."""

    page: str
    line: int  # 1-based line of the first line of code
    language: str
    code: str
    caption: str | None = None
    skip: str | None = None

    @property
    def where(self) -> str:
        return f"docs/{self.page}:{self.line}"

    @property
    def is_python(self) -> bool:
        return self.language in _PYTHON

    @property
    def file_name(self) -> str | None:
        if self.caption is not None and _FILE_NAME.match(self.caption):
            return self.caption
        return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _body(lines: list[str], start: int, indent: int) -> tuple[int, list[str]]:
    """The indented content from ``start``; returns the index after it."""
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
        end += 1
    body = lines[start:end]
    while body and not body[-1].strip():
        body.pop()
    return end, body


def parse_blocks(path: Path) -> list[Block]:
    """The code blocks of an rst file, in order."""
    return parse_rst(path.read_text(encoding="utf-8"), path.name)


def parse_rst(text: str, name: str) -> list[Block]:
    """The code blocks of rst ``text`` (from the file ``name``), in order."""
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = _DIRECTIVE.match(line)
        literal = (
            directive is None
            and line.rstrip().endswith("::")
            and not line.lstrip().startswith("..")
        )
        if not directive and not literal:
            index += 1
            continue
        indent = _indent(line)
        previous = next(
            (lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), ""
        )
        skip_match = _SKIP.match(previous)
        index += 1
        options: dict[str, str] = {}
        if directive:
            while index < len(lines) and lines[index].strip():
                option = _OPTION.match(lines[index].strip())
                if option is None or _indent(lines[index]) <= indent:
                    break
                options[option["name"]] = option["value"].strip()
                index += 1
        while index < len(lines) and not lines[index].strip():
            index += 1
        if index >= len(lines) or _indent(lines[index]) <= indent:
            continue  # ``::`` ending a paragraph with no block after it
        first = index
        index, body = _body(lines, index, indent)
        skip = None
        if skip_match is not None:
            skip = skip_match["reason"] or ""
        blocks.append(
            Block(
                name,
                first + 1,
                directive["language"] if directive else "python",
                textwrap.dedent("\n".join(body)) + "\n",
                options.get("caption"),
                skip,
            )
        )
    return blocks


def doc_pages() -> list[Path]:
    return sorted(DOCS.glob("*.rst"))


# -- running a page ---------------------------------------------------------------
@dataclasses.dataclass
class Curl:
    """A ``curl`` command a page shows, with the output it shows."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    data: str | None
    json: str | None
    include_headers: bool
    expected: str


def parse_curls(text: str) -> list[Curl]:
    """The ``$ curl ...`` commands of a console transcript and their output
    (the lines up to the next ``$`` prompt)."""
    commands: list[Curl] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("$ curl "):
            continue
        output = []
        for following in lines[index + 1 :]:
            if following.strip().startswith("$"):
                break
            output.append(following)
        words = shlex.split(stripped[2:])[1:]
        method: str | None = None
        headers: dict[str, str] = {}
        data = body_json = None
        include = False
        url = ""
        words_iter = iter(words)
        for word in words_iter:
            if word in {"-X", "--request"}:
                method = next(words_iter)
            elif word in {"-H", "--header"}:
                name, _, value = next(words_iter).partition(":")
                headers[name.strip()] = value.strip()
            elif word in {"-d", "--data", "--data-raw"}:
                value = next(words_iter)  # curl joins repeated -d with &
                data = value if data is None else f"{data}&{value}"
            elif word == "--json":
                body_json = next(words_iter)
            elif word in {"-i", "--include"}:
                include = True
            elif word in {"-s", "--silent", "-N", "--no-buffer", "-S"}:
                pass
            elif word.startswith("-"):
                raise AssertionError(f"curl option {word!r} is not understood here")
            else:
                url = word
        parts = urlsplit(url)
        if method is None:
            method = "POST" if data is not None or body_json is not None else "GET"
        commands.append(
            Curl(
                method,
                parts.path or "/",
                parts.query,
                headers,
                data,
                body_json,
                include,
                "\n".join(output).strip(),
            )
        )
    return commands


async def check_curl(app: Quart, curl: Curl, where: str) -> None:
    """Send ``curl``'s request to ``app`` and compare with the shown output."""
    headers = dict(curl.headers)
    body: bytes | None = None
    if curl.json is not None:
        headers.setdefault("Content-Type", "application/json")
        headers.setdefault("Accept", "application/json")
        body = curl.json.encode()
    elif curl.data is not None:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        body = curl.data.encode()
    response = await app.test_client().open(
        curl.path,
        method=curl.method,
        query_string=curl.query or None,
        headers=headers,
        data=body,
    )
    text = (await response.get_data(as_text=True)).strip()
    expected = curl.expected
    if not expected:  # no output shown: the command must just work
        assert response.status_code < 400, f"{where}: {curl.method} {curl.path}"
        return
    if curl.include_headers:
        head, _, expected = expected.partition("\n\n")
        status_line, *header_lines = head.splitlines()
        assert status_line.split()[1] == str(response.status_code), where
        for header in header_lines:
            name, _, value = header.partition(":")
            assert response.headers.get(name.strip()) == value.strip(), (
                f"{where}: header {name}"
            )
        expected = expected.strip()
        if not expected:
            return  # the page shows the status and headers only
    if expected.startswith(("{", "[")):
        assert json.loads(text) == json.loads(expected), f"{where}: {curl}"
    else:
        assert text == expected, f"{where}: {curl.method} {curl.path}"


def _unwrap_fixture(value: Any) -> Any:
    """The plain function behind a ``@pytest.fixture``, or ``None``."""
    getter = getattr(value, "_get_wrapped_function", None)
    if getter is not None:
        return getter()
    return getattr(value, "__pytest_wrapped__", None) and value.__pytest_wrapped__.obj


async def _resolve(
    name: str, namespace: dict[str, Any], cleanups: list[Any], where: str
) -> Any:
    """The value of a test (or fixture) parameter, from the page."""
    value = namespace.get(name)
    function = _unwrap_fixture(value) if value is not None else None
    if function is not None:
        kwargs = {
            parameter: await _resolve(parameter, namespace, cleanups, where)
            for parameter in inspect.signature(function).parameters
        }
        result = function(**kwargs)
        if inspect.isasyncgen(result):
            cleanups.append(result)
            return await anext(result)
        if inspect.isgenerator(result):
            cleanups.append(result)
            return next(result)
        if inspect.isawaitable(result):
            return await result
        return result
    if value is not None:
        return value
    if name == "client" and "app" in namespace:
        return namespace["app"].test_client()
    raise AssertionError(f"{where}: a test needs {name!r}, which the page lacks")


async def run_test_function(
    function: Any, namespace: dict[str, Any], where: str
) -> None:
    cleanups: list[Any] = []
    kwargs = {
        name: await _resolve(name, namespace, cleanups, where)
        for name in inspect.signature(function).parameters
    }
    try:
        result = function(**kwargs)
        if inspect.isawaitable(result):
            await asyncio.wait_for(result, timeout=5)
    finally:
        for generator in reversed(cleanups):
            if inspect.isasyncgen(generator):
                with pytest.raises(StopAsyncIteration):
                    await anext(generator)
            else:
                with pytest.raises(StopIteration):
                    next(generator)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working directory on ``sys.path``; modules imported from it are
    forgotten afterwards."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("QUART_DISABLE_PLUGIN_AUTOLOAD", "1")
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        module = sys.modules[name]
        where = [getattr(module, "__file__", None) or ""]
        where.extend(getattr(module, "__path__", None) or ())
        if any(str(place).startswith(str(tmp_path)) for place in where):
            del sys.modules[name]


def _new_module(name: str, folder: Path) -> types.ModuleType:
    """A module whose file is in ``folder``, so ``Quart(__name__)`` finds
    templates and static files there."""
    module = types.ModuleType(name)
    module.__file__ = str(folder / f"{name}.py")
    return module


async def run_page(page: Path, folder: Path) -> None:
    blocks = parse_blocks(page)
    for block in blocks:
        if block.file_name is not None:
            target = folder / block.file_name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.code, encoding="utf-8")
    module = _new_module(f"docs_{page.stem}", folder)
    namespace = module.__dict__
    sys.modules[module.__name__] = module
    environment = dict(os.environ)
    try:
        for block in blocks:
            if block.skip is not None or block.file_name is not None:
                continue
            if block.is_python:
                seen = {id(value) for value in namespace.values()}
                code = compile(
                    block.code,
                    block.where,
                    "exec",
                    flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
                    dont_inherit=True,
                )
                result = eval(code, namespace)  # the docs' own code
                if inspect.isawaitable(result):
                    await asyncio.wait_for(result, timeout=5)
                for name, value in list(namespace.items()):
                    if (
                        name.startswith("test_")
                        and inspect.isfunction(value)
                        and id(value) not in seen
                    ):
                        await run_test_function(value, namespace, block.where)
            elif block.language in {"console", "text", "shell-session"}:
                for line in block.code.splitlines():
                    if line.startswith("$ export "):
                        for assignment in shlex.split(line[len("$ export ") :]):
                            name, _, value = assignment.partition("=")
                            value = value.replace("$PWD", str(folder))
                            os.environ[name] = value
                curls = parse_curls(block.code)
                if curls:
                    app = namespace.get("app")
                    assert isinstance(app, Quart), (
                        f"{block.where}: curl commands but no app above them"
                    )
                    for curl in curls:
                        await check_curl(app, curl, block.where)
    finally:
        del sys.modules[module.__name__]
        os.environ.clear()
        os.environ.update(environment)


def _needs_own_interpreter(page: Path) -> bool:
    return any(
        "quart_flask_patch" in block.code
        for block in parse_blocks(page)
        if block.is_python and block.skip is None
    )


@pytest.mark.parametrize("page", doc_pages(), ids=lambda page: page.name)
async def test_docs_page_examples_run(page: Path, sandbox: Path) -> None:
    if not _needs_own_interpreter(page):
        await run_page(page, sandbox)
        return
    code = (
        "import asyncio, sys, pathlib; sys.path[:0] = [sys.argv[1], ''];"
        "import test_docs_examples as t;"
        "asyncio.run(t.run_page(pathlib.Path(sys.argv[2]), pathlib.Path.cwd()))"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        str(Path(__file__).parent),
        str(page),
        cwd=sandbox,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, output.decode()


def test_skipped_examples_are_few_and_explained() -> None:
    skipped = [
        block
        for page in doc_pages()
        for block in parse_blocks(page)
        if block.skip is not None
    ]
    unexplained = [block.where for block in skipped if not block.skip]
    assert not unexplained, f"skip-example needs a reason: {unexplained}"
    assert len(skipped) <= MAX_SKIPPED, [
        f"{block.where}: {block.skip}" for block in skipped
    ]
    # A skip marker must sit on a block, not float around a page.
    for page in doc_pages():
        marks = sum(1 for line in page.read_text().splitlines() if _SKIP.match(line))
        on_blocks = sum(1 for block in parse_blocks(page) if block.skip is not None)
        assert marks == on_blocks, f"{page.name}: a skip-example is not on a block"


def test_every_page_has_its_python_blocks_found() -> None:
    """The parser sees the blocks Sphinx sees (guards the harness itself)."""
    blocks = parse_blocks(DOCS / "quickstart.rst")
    python = [block for block in blocks if block.is_python]
    assert len(python) >= 8
    assert python[0].code.startswith("from quart import Quart\n")
    assert all(block.line > 1 for block in blocks)


def test_parser_handles_captions_skips_and_literal_blocks(tmp_path: Path) -> None:
    page = tmp_path / "page.rst"
    page.write_text(
        textwrap.dedent(
            """\
            Title
            =====

            .. code-block:: html+jinja
               :caption: templates/hello.html

               <p>{{ name }}</p>

            .. skip-example: shows a fragment

            .. code-block:: python

               await something()

            A literal block::

               x = 1

                 y = 2

            Done.
            """
        )
    )
    first, second, third = parse_blocks(page)
    assert (first.language, first.file_name) == ("html+jinja", "templates/hello.html")
    assert first.code == "<p>{{ name }}</p>\n"
    assert (second.skip, second.code) == ("shows a fragment", "await something()\n")
    assert third.language == "python"
    assert third.code == "x = 1\n\n  y = 2\n"
    assert third.line == 17


def test_curl_transcripts_are_parsed() -> None:
    (get, post) = parse_curls(
        textwrap.dedent(
            """\
            $ hypercorn hello:app
            $ curl http://127.0.0.1:8000/hello?lang=fr
            Bonjour
            $ curl -H 'X-Token: 1' --json '{"a": 1}' http://localhost:5000/echo
            {"a": 1}
            """
        )
    )
    assert (get.method, get.path, get.query, get.expected) == (
        "GET",
        "/hello",
        "lang=fr",
        "Bonjour",
    )
    assert (post.method, post.json, post.headers) == (
        "POST",
        '{"a": 1}',
        {"X-Token": "1"},
    )


# -- examples/ ------------------------------------------------------------------
def example_names() -> list[str]:
    names = [p.stem for p in EXAMPLES.glob("*.py") if p.stem != "__init__"]
    # An example with templates or static files is a folder: examples/chat/app.py
    names += [f"{p.parent.name}/app" for p in EXAMPLES.glob("*/app.py")]
    return sorted(names)


@pytest.mark.parametrize("name", example_names())
async def test_example_docstring_commands_work(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each example's docstring says how to serve it, on which port, and
    what its ``curl`` commands answer."""
    monkeypatch.setenv("QUART_DISABLE_PLUGIN_AUTOLOAD", "1")
    module = load_example(name)
    doc = module.__doc__ or ""
    assert isinstance(module.app, Quart)
    for url in re.findall(r"(?:http|ws)://127\.0\.0\.1:(\d+)", doc):
        assert url == "5000", f"examples/{name}.py: the commands serve on 5000"
    assert "quart --app examples." in doc or "scripts/run-example" in doc
    curls = [
        curl
        for block in parse_rst(textwrap.dedent(doc), f"{name}.py")
        for curl in parse_curls(block.code)
    ]
    assert curls, f"examples/{name}.py: show a curl command to try it"
    for curl in curls:
        await check_curl(module.app, curl, f"examples/{name}.py")


async def test_example_hello(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUART_DISABLE_PLUGIN_AUTOLOAD", "1")
    client = load_example("hello").app.test_client()
    assert await (await client.get("/")).get_data(as_text=True) == "Hello, World!"
    response = await client.get("/hello/ada", query_string={"lang": "fr"})
    assert await response.get_json() == {"greeting": "Hello, ada!", "lang": "fr"}
    response = await client.post("/echo", json={"a": [1, 2]})
    assert await response.get_json() == {"a": [1, 2]}
    assert (await client.post("/echo", form={"a": "1"})).status_code == 415


async def _first_events(response: Any, count: int) -> AsyncIterator[str]:
    """The first ``count`` events of a streamed test response."""
    buffer = ""
    async for chunk in response.response:
        buffer += chunk.decode()
        while "\n\n" in buffer and count:
            event, buffer = buffer.split("\n\n", 1)
            count -= 1
            yield event
        if not count:
            return


async def test_example_sse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUART_DISABLE_PLUGIN_AUTOLOAD", "1")
    module = load_example("sse")
    app = module.app
    client = app.test_client()
    page = await (await client.get("/")).get_data(as_text=True)
    assert 'new EventSource("/events")' in page
    assert module.event("a\nb", name="n", event_id="1") == (
        "event: n\nid: 1\ndata: a\ndata: b\n\n"
    )
    async with client.request("/events") as connection:
        await connection.send_complete()

        async def said() -> None:
            while not module.listeners:
                await asyncio.sleep(0.01)
            response = await app.test_client().post("/say", form={"text": "hi"})
            assert await response.get_json() == {"listeners": 1}

        async def read() -> list[str]:
            data = b""
            while data.count(b"\n\n") < 2:
                data += await connection.receive()
            return data.decode().split("\n\n")[:2]

        events, _ = await asyncio.wait_for(asyncio.gather(read(), said()), 5)
        assert connection.headers is not None
        assert connection.headers["Content-Type"].startswith("text/event-stream")
        assert connection.headers["Cache-Control"] == "no-cache"
        assert events == ["retry: 3000", "data: hi"]
        await connection.disconnect()


async def test_example_websocket_echo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUART_DISABLE_PLUGIN_AUTOLOAD", "1")
    app = load_example("websocket_echo").app
    client = app.test_client()
    assert "new WebSocket(" in await (await client.get("/")).get_data(as_text=True)
    async with client.websocket("/ws", subprotocols=["echo"]) as socket:
        await socket.send("hello")
        assert await asyncio.wait_for(socket.receive(), 5) == "hello"
        await socket.send(b"\x00bytes")
        assert await asyncio.wait_for(socket.receive(), 5) == b"\x00bytes"
