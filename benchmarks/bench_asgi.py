"""In-process ASGI benchmark: Quart against Starlette and a hand-written floor.

No server and no sockets: the harness builds ASGI scopes up front and awaits
``app(scope, receive, send)`` in a tight loop, so what is measured is the
framework's own per-request cost. Every response is checked after each timed
run (status, body bytes or parsed JSON, chosen headers), so an app that
answers wrongly fails loudly instead of looking fast.

Run ``.venv/bin/python benchmarks/bench_asgi.py --help`` for the options and
see ``benchmarks/README.md`` for how to read the figures.

Adding a workload means writing one :class:`Workload` subclass decorated with
:func:`register`: give it the :class:`Case` list to send and one builder per
app (``quart_app``, ``starlette_app``, ``raw_app``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import MutableMapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import ClassVar
from typing import cast
from urllib.parse import parse_qsl
from urllib.parse import urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

APP_NAMES = ("quart", "starlette", "raw")
RATIOS = ("quart/starlette", "quart/raw", "starlette/raw")
"""Ratios of best times reported; a table shows those whose apps both ran."""
TARGET_RATIO = 1.25
"""Project target: Quart's time per request within this factor of Starlette's
(the performance issue's in-process target; it was 2.0 before)."""

_MISSING: Any = object()


# --------------------------------------------------------------------------
# Requests, responses and checks
# --------------------------------------------------------------------------


class CheckError(AssertionError):
    """A response differed from what the workload expects."""


@dataclass
class Response:
    """The messages an app sent for one request, folded into one response."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> str | None:
        """Return the first value of header ``name`` (case-insensitive)."""
        key = name.lower().encode("latin-1")
        for k, v in self.headers:
            if k.lower() == key:
                return v.decode("latin-1")
        return None


@dataclass(frozen=True)
class Case:
    """One request to send and what its response must be."""

    method: str
    path: str
    query: str = ""
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    status: int = 200
    expect_body: bytes | None = None
    expect_json: Any = _MISSING
    content_type: str | None = None
    """Required prefix of the response Content-Type (e.g. ``"text/"``)."""
    expect_headers: dict[str, str] = field(default_factory=dict)
    """Response headers (name, case-insensitive, to exact value) to require."""
    check: Callable[[Response], None] | None = None
    """Extra check; raise :class:`CheckError` on a wrong response."""

    def scope(self) -> dict[str, Any]:
        """Build the HTTP scope a server would pass for this request."""
        headers = [(b"host", b"testserver"), (b"user-agent", b"bench-asgi/1")]
        if self.body:
            headers.append((b"content-length", str(len(self.body)).encode()))
        headers.extend(
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers
        )
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": self.method,
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode("ascii"),
            "query_string": self.query.encode("ascii"),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 51000),
            "server": ("127.0.0.1", 8000),
            "extensions": {},
        }

    def verify(self, response: Response) -> None:
        """Raise :class:`CheckError` unless ``response`` is the expected one."""
        if response.status != self.status:
            raise CheckError(
                f"status {response.status} != {self.status}; "
                f"body {response.body!r:.200}"
            )
        if self.expect_body is not None and response.body != self.expect_body:
            raise CheckError(f"body {response.body!r:.200} != {self.expect_body!r}")
        if self.expect_json is not _MISSING:
            try:
                data = json.loads(response.body)
            except ValueError as exc:
                raise CheckError(f"body is not JSON: {response.body!r:.200}") from exc
            if data != self.expect_json:
                raise CheckError(f"JSON {data!r} != {self.expect_json!r}")
        if self.content_type is not None:
            ctype = response.header("content-type") or ""
            if not ctype.startswith(self.content_type):
                raise CheckError(
                    f"content-type {ctype!r} does not start with {self.content_type!r}"
                )
        for name, value in self.expect_headers.items():
            got = response.header(name)
            if got != value:
                raise CheckError(f"header {name}: {got!r} != {value!r}")
        if self.check is not None:
            self.check(response)


class Exchange:
    """The receive/send pair of one request, recording what the app sends.

    ``receive`` hands out the request body once; any later call waits until
    the response is complete and then reports ``http.disconnect``, as a
    server does when the client goes away.
    """

    __slots__ = ("_complete", "_request", "_waiter", "messages")

    def __init__(self, body: bytes) -> None:
        self._request: Message | None = {
            "type": "http.request",
            "body": body,
            "more_body": False,
        }
        self.messages: list[Message] = []
        self._complete = False
        self._waiter: asyncio.Future[None] | None = None

    async def receive(self) -> Message:
        message = self._request
        if message is not None:
            self._request = None
            return message
        if not self._complete:
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.body" and not message.get(
            "more_body", False
        ):
            self._complete = True
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    @property
    def complete(self) -> bool:
        return self._complete

    def response(self) -> Response:
        """Fold the sent messages into a :class:`Response`, checking their order."""
        msgs = self.messages
        if not msgs:
            raise CheckError("app sent nothing")
        start = msgs[0]
        if start.get("type") != "http.response.start":
            raise CheckError(f"first message is {start.get('type')!r}")
        chunks: list[bytes] = []
        for i, msg in enumerate(msgs[1:], 1):
            if msg.get("type") != "http.response.body":
                raise CheckError(f"message {i} is {msg.get('type')!r}")
            chunks.append(bytes(msg.get("body", b"")))
            if not msg.get("more_body", False) and i != len(msgs) - 1:
                raise CheckError("messages sent after the final body")
        if not self._complete:
            raise CheckError("response never finished (no final body message)")
        headers = [(bytes(k), bytes(v)) for k, v in start.get("headers", [])]
        return Response(int(start["status"]), headers, b"".join(chunks))


async def call_app(app: ASGIApp, case: Case) -> Response:
    """Send one request to ``app`` outside any timing and return its response.

    Workloads can use this in :meth:`Workload.cases_for` to do set-up
    requests (for instance to obtain a session cookie).
    """
    exchange = Exchange(case.body)
    await app(case.scope(), exchange.receive, exchange.send)
    return exchange.response()


# --------------------------------------------------------------------------
# Lifespan
# --------------------------------------------------------------------------


class Lifespan:
    """Run an app's ASGI ``lifespan`` protocol in a background task."""

    def __init__(self, app: ASGIApp, timeout: float = 10.0) -> None:
        self.app = app
        self.timeout = timeout
        self.supported = False
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._error: BaseException | None = None

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        try:
            await self.app(scope, self._to_app.get, self._from_app.put)
        except Exception as exc:  # an app without lifespan support may raise
            self._error = exc

    async def _expect(self, ok: str, failed: str) -> bool:
        assert self._task is not None
        getter = asyncio.ensure_future(self._from_app.get())
        done, _ = await asyncio.wait(
            {getter, self._task},
            timeout=self.timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if getter not in done:
            getter.cancel()
            if not done:
                raise RuntimeError(f"lifespan: no {ok!r} within {self.timeout}s")
            return False  # the app's lifespan returned or raised: unsupported
        message = getter.result()
        if message["type"] == failed:
            raise RuntimeError(f"lifespan: {failed}: {message.get('message', '')}")
        if message["type"] != ok:
            raise RuntimeError(f"lifespan: expected {ok!r}, got {message['type']!r}")
        return True

    async def startup(self) -> None:
        self._task = asyncio.create_task(self._run())
        await self._to_app.put({"type": "lifespan.startup"})
        self.supported = await self._expect(
            "lifespan.startup.complete", "lifespan.startup.failed"
        )

    async def shutdown(self) -> None:
        if self._task is None:
            return
        if self.supported and not self._task.done():
            await self._to_app.put({"type": "lifespan.shutdown"})
            await self._expect("lifespan.shutdown.complete", "lifespan.shutdown.failed")
        try:
            await asyncio.wait_for(self._task, self.timeout)
        except TimeoutError:
            pass  # wait_for has cancelled it


# --------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------


class Workload:
    """One benchmark scenario: the requests to send and the apps that serve them.

    Subclasses set ``name`` and ``description``, return their requests from
    :meth:`cases` and build one app per entry of :data:`APP_NAMES` in
    ``quart_app``, ``starlette_app`` and ``raw_app``. Framework imports belong
    inside the builders so that ``--apps`` can leave a framework out.
    """

    name: ClassVar[str]
    description: ClassVar[str]

    def __init__(self) -> None:
        self.notes: list[str] = []
        """Caveats found while building apps, printed with the results."""

    def cases(self) -> list[Case]:
        """Requests to send, cycled through by the timed loop."""
        raise NotImplementedError

    async def cases_for(self, app_name: str, app: ASGIApp) -> list[Case]:
        """Requests for one app, after its lifespan startup; override for set-up."""
        return self.cases()

    def build(self, app_name: str) -> ASGIApp:
        builder: Callable[[], ASGIApp] = getattr(self, f"{app_name}_app")
        return builder()

    def quart_app(self) -> ASGIApp:
        raise NotImplementedError

    def starlette_app(self) -> ASGIApp:
        raise NotImplementedError

    def raw_app(self) -> ASGIApp:
        raise NotImplementedError


WORKLOADS: dict[str, type[Workload]] = {}


def register(cls: type[Workload]) -> type[Workload]:
    """Class decorator adding a workload to :data:`WORKLOADS` under its name."""
    WORKLOADS[cls.name] = cls
    return cls


# Helpers shared by the hand-written raw apps. They are the floor: the least
# work that still routes, reads the request and answers correctly.


async def raw_lifespan(receive: Receive, send: Send) -> None:
    """Minimal lifespan handler for the raw apps."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def raw_respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    extra: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def raw_read_body(receive: Receive) -> bytes:
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


TEXT = b"text/plain; charset=utf-8"
HELLO = "Hello, World!"

# Measure the framework, not whatever plugins happen to be installed (the
# first-party ones in plugins/ are): workloads that want a plugin add it.
os.environ.setdefault("QUART_DISABLE_PLUGIN_AUTOLOAD", "1")


@register
class Hello(Workload):
    name = "hello"
    description = "GET / returning a short text body: routing plus response overhead"

    def cases(self) -> list[Case]:
        return [
            Case("GET", "/", expect_body=HELLO.encode(), content_type="text/"),
        ]

    def quart_app(self) -> ASGIApp:
        from quart import Quart

        app = Quart(__name__)

        @app.route("/")
        async def index() -> str:
            return HELLO

        return cast(ASGIApp, app)

    def starlette_app(self) -> ASGIApp:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route

        async def index(request: Request) -> PlainTextResponse:
            return PlainTextResponse(HELLO)

        return Starlette(routes=[Route("/", index)])

    def raw_app(self) -> ASGIApp:
        body = HELLO.encode()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan":
                return await raw_lifespan(receive, send)
            if scope["path"] == "/" and scope["method"] == "GET":
                await raw_respond(send, 200, body, TEXT)
            else:
                await raw_respond(send, 404, b"Not Found", TEXT)

        return app


@register
class HelloPlugin(Hello):
    name = "hello-plugin"
    description = (
        "hello plus one plugin implementing quart_request_started (Starlette:"
        " one pass-through ASGI middleware): the cost of a per-request hook"
    )

    def quart_app(self) -> ASGIApp:
        from quart import Quart
        from quart import hookimpl

        class Started:
            @hookimpl
            def quart_request_started(self, request: Any) -> None:
                request.seen_by_plugin = True

        app = Quart(__name__, plugins=[Started()])

        @app.route("/")
        async def index() -> str:
            return HELLO

        return cast(ASGIApp, app)

    def starlette_app(self) -> ASGIApp:
        inner = super().starlette_app()

        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            scope.setdefault("state", {})["seen_by_middleware"] = True
            await inner(scope, receive, send)

        return middleware


@register
class Json(Workload):
    name = "json"
    description = (
        "GET /users/<int:user_id>?q=abc returning JSON: converter, query args, "
        "JSON serialisation"
    )
    user_ids = (1, 42, 987654)

    def cases(self) -> list[Case]:
        return [
            Case(
                "GET",
                f"/users/{uid}",
                query="q=abc",
                expect_json={"id": uid, "q": "abc"},
                content_type="application/json",
            )
            for uid in self.user_ids
        ]

    def quart_app(self) -> ASGIApp:
        from quart import Quart
        from quart import jsonify
        from quart import request

        app = Quart(__name__)

        @app.route("/users/<int:user_id>")
        async def user(user_id: int) -> Any:
            return jsonify({"id": user_id, "q": request.args.get("q")})

        return cast(ASGIApp, app)

    def starlette_app(self) -> ASGIApp:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def user(request: Request) -> JSONResponse:
            return JSONResponse(
                {
                    "id": request.path_params["user_id"],
                    "q": request.query_params.get("q"),
                }
            )

        return Starlette(routes=[Route("/users/{user_id:int}", user)])

    def raw_app(self) -> ASGIApp:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan":
                return await raw_lifespan(receive, send)
            path: str = scope["path"]
            tail = path[7:]
            if path.startswith("/users/") and tail.isdigit():
                args = dict(parse_qsl(scope["query_string"].decode("latin-1")))
                body = json.dumps(
                    {"id": int(tail), "q": args.get("q")}, separators=(",", ":")
                ).encode()
                await raw_respond(send, 200, body, b"application/json")
            else:
                await raw_respond(send, 404, b"Not Found", TEXT)

        return app


FORM_FIELDS = {f"field{i}": f"value {i} & more" for i in range(10)}
FORM_FIELDS["field3"] = "café & crème"
FORM_BODY = urlencode(FORM_FIELDS).encode("ascii")
FORM_EXPECT = f"{len(FORM_FIELDS)} {FORM_FIELDS['field3']}".encode()


@register
class Form(Workload):
    name = "form"
    description = (
        "POST /form with a 10-field urlencoded body: body receive and form parsing"
    )

    def cases(self) -> list[Case]:
        return [
            Case(
                "POST",
                "/form",
                headers=[("content-type", "application/x-www-form-urlencoded")],
                body=FORM_BODY,
                expect_body=FORM_EXPECT,
                content_type="text/",
            )
        ]

    def quart_app(self) -> ASGIApp:
        from quart import Quart
        from quart import request

        app = Quart(__name__)

        @app.post("/form")
        async def form() -> str:
            data = await request.form
            return f"{len(data)} {data['field3']}"

        return cast(ASGIApp, app)

    def starlette_app(self) -> ASGIApp:
        from starlette.applications import Starlette
        from starlette.datastructures import FormData
        from starlette.datastructures import UploadFile
        from starlette.requests import Request
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route

        multipart_missing = all(
            importlib.util.find_spec(mod) is None
            for mod in ("python_multipart", "multipart")
        )

        if multipart_missing:
            # Starlette's request.form() asserts python-multipart is installed
            # even for urlencoded bodies. Fall back to the same parse done by
            # hand (cheaper than request.form() would be).
            self.notes.append(
                "starlette form: python-multipart is not installed and "
                "request.form() needs it even for urlencoded bodies; used "
                "request.body() + urllib.parse.parse_qsl instead, which "
                "likely flatters Starlette"
            )

            async def form(request: Request) -> PlainTextResponse:
                body = await request.body()
                pairs: list[tuple[str, str | UploadFile]] = []
                pairs += parse_qsl(body.decode("latin-1"), keep_blank_values=True)
                data = FormData(pairs)
                return PlainTextResponse(f"{len(data)} {data['field3']}")

        else:

            async def form(request: Request) -> PlainTextResponse:
                data = await request.form()
                return PlainTextResponse(f"{len(data)} {data['field3']}")

        return Starlette(routes=[Route("/form", form, methods=["POST"])])

    def raw_app(self) -> ASGIApp:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan":
                return await raw_lifespan(receive, send)
            if scope["path"] == "/form" and scope["method"] == "POST":
                body = await raw_read_body(receive)
                data = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
                text = f"{len(data)} {data['field3']}"
                await raw_respond(send, 200, text.encode(), TEXT)
            else:
                await raw_respond(send, 404, b"Not Found", TEXT)

        return app


PAGE_TEMPLATE = """\
<!doctype html>
<title>{{ title }}</title>
<h1>{{ title }}</h1>
<ul>
{% for item in items %}  <li class="{{ loop.cycle('odd', 'even') }}">{{ item }}</li>
{% endfor %}</ul>
"""
PAGE_TITLE = "Items & more"
PAGE_ITEMS = [f"item {i} <{i}>" for i in range(10)]


@register
class TemplatePage(Workload):
    name = "template"
    description = (
        "GET /page rendering a cached HTML template (autoescaped variable and a "
        "10-item loop): template lookup, context and rendering"
    )

    def cases(self) -> list[Case]:
        import jinja2

        env = jinja2.Environment(autoescape=True)
        expected = env.from_string(PAGE_TEMPLATE).render(
            title=PAGE_TITLE, items=PAGE_ITEMS
        )
        assert "&lt;3&gt;" in expected and "&amp;" in expected
        return [
            Case(
                "GET",
                "/page",
                expect_body=expected.encode(),
                content_type="text/html",
            )
        ]

    def quart_app(self) -> ASGIApp:
        import jinja2

        from quart import Quart
        from quart import render_template

        app = Quart(__name__, template_folder=None)
        # The app's loader, as a template folder would give it, minus the disk.
        app.jinja_loader = jinja2.DictLoader({"page.html": PAGE_TEMPLATE})

        @app.route("/page")
        async def page() -> str:
            return await render_template(
                "page.html", title=PAGE_TITLE, items=PAGE_ITEMS
            )

        return cast(ASGIApp, app)

    def starlette_app(self) -> ASGIApp:
        import jinja2
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import Response as StarletteResponse
        from starlette.routing import Route
        from starlette.templating import Jinja2Templates

        env = jinja2.Environment(
            loader=jinja2.DictLoader({"page.html": PAGE_TEMPLATE}), autoescape=True
        )
        templates = Jinja2Templates(env=env)

        async def page(request: Request) -> StarletteResponse:
            return templates.TemplateResponse(
                request, "page.html", {"title": PAGE_TITLE, "items": PAGE_ITEMS}
            )

        return Starlette(routes=[Route("/page", page)])

    def raw_app(self) -> ASGIApp:
        import jinja2

        env = jinja2.Environment(
            loader=jinja2.DictLoader({"page.html": PAGE_TEMPLATE}), autoescape=True
        )
        html = b"text/html; charset=utf-8"

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan":
                return await raw_lifespan(receive, send)
            if scope["path"] == "/page" and scope["method"] == "GET":
                template = env.get_template("page.html")
                body = template.render(title=PAGE_TITLE, items=PAGE_ITEMS).encode()
                await raw_respond(send, 200, body, html)
            else:
                await raw_respond(send, 404, b"Not Found", TEXT)

        return app


@register
class Hooks(Workload):
    name = "hooks"
    description = (
        "GET / with 5 before_request and 2 after_request functions: "
        "hook dispatch and response header mutation"
    )

    def cases(self) -> list[Case]:
        # The after hooks copy values the before hooks stored, so the headers
        # prove both kinds of hook ran for this request.
        return [
            Case(
                "GET",
                "/",
                expect_body=HELLO.encode(),
                content_type="text/",
                expect_headers={"x-user": "alice", "x-request-id": "req-1"},
            )
        ]

    def quart_app(self) -> ASGIApp:
        from quart import Quart
        from quart import g

        app = Quart(__name__)

        @app.before_request
        async def set_user() -> None:
            g.user = "alice"

        @app.before_request
        async def set_request_id() -> None:
            g.request_id = "req-1"

        @app.before_request
        async def nothing_1() -> None:
            pass

        @app.before_request
        async def set_flag() -> None:
            g.flag = True

        @app.before_request
        async def nothing_2() -> None:
            pass

        @app.after_request
        async def user_header(response: Any) -> Any:
            response.headers["X-User"] = g.user
            return response

        @app.after_request
        async def request_id_header(response: Any) -> Any:
            response.headers["X-Request-Id"] = g.request_id
            return response

        @app.route("/")
        async def index() -> str:
            return HELLO

        return cast(ASGIApp, app)

    def starlette_app(self) -> ASGIApp:
        # Starlette has no request hooks; the closest analogue is a stack of
        # pure ASGI middlewares: five that run before the endpoint (three
        # store something in the request state, two pass through) and two
        # that add a header to the response start message.
        from starlette.applications import Starlette
        from starlette.datastructures import MutableHeaders
        from starlette.middleware import Middleware
        from starlette.requests import Request
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route

        class SetState:
            def __init__(self, app: ASGIApp, key: str | None, value: object) -> None:
                self.app = app
                self.key = key
                self.value = value

            async def __call__(
                self, scope: Scope, receive: Receive, send: Send
            ) -> None:
                if self.key is not None and scope["type"] == "http":
                    scope.setdefault("state", {})[self.key] = self.value
                await self.app(scope, receive, send)

        class HeaderFromState:
            def __init__(self, app: ASGIApp, header: str, key: str) -> None:
                self.app = app
                self.header = header
                self.key = key

            async def __call__(
                self, scope: Scope, receive: Receive, send: Send
            ) -> None:
                if scope["type"] != "http":
                    await self.app(scope, receive, send)
                    return

                async def send_with_header(message: Message) -> None:
                    if message["type"] == "http.response.start":
                        headers = MutableHeaders(scope=message)
                        headers[self.header] = scope["state"][self.key]
                    await send(message)

                await self.app(scope, receive, send_with_header)

        async def index(request: Request) -> PlainTextResponse:
            return PlainTextResponse(HELLO)

        return Starlette(
            routes=[Route("/", index)],
            middleware=[
                Middleware(HeaderFromState, header="X-Request-Id", key="request_id"),
                Middleware(HeaderFromState, header="X-User", key="user"),
                Middleware(SetState, key="user", value="alice"),
                Middleware(SetState, key="request_id", value="req-1"),
                Middleware(SetState, key=None, value=None),
                Middleware(SetState, key="flag", value=True),
                Middleware(SetState, key=None, value=None),
            ],
        )

    def raw_app(self) -> ASGIApp:
        body = HELLO.encode()
        extra = [(b"x-user", b"alice"), (b"x-request-id", b"req-1")]

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan":
                return await raw_lifespan(receive, send)
            if scope["path"] == "/" and scope["method"] == "GET":
                await raw_respond(send, 200, body, TEXT, extra)
            else:
                await raw_respond(send, 404, b"Not Found", TEXT)

        return app


SESSION_SECRET = "bench session secret"
SESSION_CHAIN = 4
"""Set-up visits per app; each timed case replays one of the cookies they got."""


def _set_session_cookie(response: Response) -> str:
    """The value of the ``session`` cookie ``response`` sets (CheckError if none)."""
    header = response.header("set-cookie") or ""
    name, _, rest = header.partition("=")
    value = rest.split(";", 1)[0]
    if name != "session" or not value:
        raise CheckError(f"no session cookie set: {header!r:.120}")
    return value


def _check_sets_session_cookie(response: Response) -> None:
    _set_session_cookie(response)


@register
class Session(Workload):
    name = "session"
    description = (
        "GET /visit reading a counter from the signed session cookie and "
        "writing it back incremented: cookie parsing, verify, sign, Set-Cookie"
    )

    def cases(self) -> list[Case]:
        raise NotImplementedError("session cases come from set-up visits")

    async def cases_for(self, app_name: str, app: ASGIApp) -> list[Case]:
        # Visit as a browser would, carrying each response's cookie to the
        # next request. The k-th cookie holds count k, so replaying it must
        # answer k + 1 and set a new cookie: the read and the write are both
        # checked on every timed request.
        cases: list[Case] = []
        headers: list[tuple[str, str]] = []
        for count in range(1, SESSION_CHAIN + 1):
            response = await call_app(app, Case("GET", "/visit", headers=headers))
            Case("GET", "/visit", expect_body=str(count).encode()).verify(response)
            headers = [("cookie", f"session={_set_session_cookie(response)}")]
            cases.append(
                Case(
                    "GET",
                    "/visit",
                    headers=headers,
                    expect_body=str(count + 1).encode(),
                    content_type="text/",
                    check=_check_sets_session_cookie,
                )
            )
        return cases

    def quart_app(self) -> ASGIApp:
        from quart import Quart
        from quart import session

        app = Quart(__name__)
        app.secret_key = SESSION_SECRET

        @app.route("/visit")
        async def visit() -> str:
            count = session.get("count", 0) + 1
            session["count"] = count
            return str(count)

        return cast(ASGIApp, app)

    def starlette_app(self) -> ASGIApp:
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.middleware.sessions import SessionMiddleware
        from starlette.requests import Request
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route

        async def visit(request: Request) -> PlainTextResponse:
            count = request.session.get("count", 0) + 1
            request.session["count"] = count
            return PlainTextResponse(str(count))

        return Starlette(
            routes=[Route("/visit", visit)],
            middleware=[Middleware(SessionMiddleware, secret_key=SESSION_SECRET)],
        )

    def raw_app(self) -> ASGIApp:
        # The floor: JSON in base64 with an HMAC-SHA1 tag, checked and
        # re-signed by hand (no timestamp, no key rotation, no options).
        import base64
        import hashlib
        import hmac
        from http.cookies import SimpleCookie

        key = SESSION_SECRET.encode()

        def sign(data: dict[str, Any]) -> str:
            payload = base64.urlsafe_b64encode(json.dumps(data).encode())
            tag = hmac.new(key, payload, hashlib.sha1).digest()
            return f"{payload.decode()}.{base64.urlsafe_b64encode(tag).decode()}"

        def load(value: str) -> dict[str, Any]:
            payload, _, tag = value.encode().partition(b".")
            expected = hmac.new(key, payload, hashlib.sha1).digest()
            try:
                if hmac.compare_digest(base64.urlsafe_b64decode(tag), expected):
                    data = json.loads(base64.urlsafe_b64decode(payload))
                    if isinstance(data, dict):
                        return data
            except ValueError:
                pass
            return {}

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan":
                return await raw_lifespan(receive, send)
            if scope["path"] == "/visit" and scope["method"] == "GET":
                session: dict[str, Any] = {}
                for name, value in scope["headers"]:
                    if name == b"cookie":
                        morsel = SimpleCookie(value.decode("latin-1")).get("session")
                        if morsel is not None:
                            session = load(morsel.value)
                session["count"] = session.get("count", 0) + 1
                cookie = f"session={sign(session)}; HttpOnly; Path=/".encode()
                await raw_respond(
                    send,
                    200,
                    str(session["count"]).encode(),
                    TEXT,
                    [(b"set-cookie", cookie), (b"vary", b"Cookie")],
                )
            else:
                await raw_respond(send, 404, b"Not Found", TEXT)

        return app


# --------------------------------------------------------------------------
# Harness
# --------------------------------------------------------------------------


@dataclass
class Options:
    n: int
    repeat: int
    warmup: int
    task_per_request: bool


@dataclass
class Runner:
    """One app of one workload, with everything needed to time it."""

    app_name: str
    app: ASGIApp
    cases: list[Case]
    lifespan: Lifespan
    times_ns: list[int] = field(default_factory=list)


Item = tuple[Scope, Receive, Send]
LOOP_YIELD_EVERY = 64


def prepare(cases: list[Case], n: int) -> tuple[list[Item], list[Exchange]]:
    """Pre-build ``n`` requests (cycling through ``cases``) outside any timing."""
    templates = [case.scope() for case in cases]
    items: list[Item] = []
    exchanges: list[Exchange] = []
    for i in range(n):
        k = i % len(cases)
        ex = Exchange(cases[k].body)
        exchanges.append(ex)
        items.append((dict(templates[k]), ex.receive, ex.send))
    return items, exchanges


def verify(
    workload: str, app_name: str, cases: list[Case], exchanges: list[Exchange]
) -> None:
    for i, ex in enumerate(exchanges):
        case = cases[i % len(cases)]
        try:
            case.verify(ex.response())
        except CheckError as exc:
            raise CheckError(
                f"{workload}/{app_name}: request {i} ({case.method} {case.path}"
                f"{'?' + case.query if case.query else ''}): {exc}"
            ) from None


async def run_batch(app: ASGIApp, items: list[Item], in_tasks: bool) -> int:
    """Send every pre-built request to ``app``; return elapsed nanoseconds."""
    if in_tasks:
        create_task = asyncio.get_running_loop().create_task
        start = time.perf_counter_ns()
        for scope, receive, send in items:
            await create_task(app(scope, receive, send))  # type: ignore[arg-type]
        return time.perf_counter_ns() - start
    # A server runs the event loop between requests; a loop that never
    # iterates would keep every cancelled timer and callback handle alive
    # until the end of the batch. Yield to it every LOOP_YIELD_EVERY
    # requests, the same for every app, so housekeeping happens as it does
    # in production without adding a measurable per-request cost.
    start = time.perf_counter_ns()
    for i, (scope, receive, send) in enumerate(items):
        await app(scope, receive, send)
        if i % LOOP_YIELD_EVERY == 0:
            await asyncio.sleep(0)
    return time.perf_counter_ns() - start


async def timed_run(
    workload: str, runner: Runner, n: int, opts: Options, record: bool
) -> None:
    items, exchanges = prepare(runner.cases, n)
    gc.collect()
    try:
        elapsed = await run_batch(runner.app, items, opts.task_per_request)
    except Exception as exc:
        failed = next((i for i, ex in enumerate(exchanges) if not ex.complete), "?")
        raise CheckError(
            f"{workload}/{runner.app_name}: request {failed} raised "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    verify(workload, runner.app_name, runner.cases, exchanges)
    if record:
        runner.times_ns.append(elapsed)


async def bench_workload(
    workload: Workload, app_names: Sequence[str], opts: Options
) -> dict[str, Any]:
    runners: list[Runner] = []
    try:
        for app_name in app_names:
            app = workload.build(app_name)
            lifespan = Lifespan(app)
            runners.append(Runner(app_name, app, [], lifespan))
            await lifespan.startup()
            if not lifespan.supported:
                workload.notes.append(f"{app_name}: no lifespan support")
            runners[-1].cases = await workload.cases_for(app_name, app)
        for runner in runners:
            await timed_run(workload.name, runner, opts.warmup, opts, record=False)
        # Interleave the apps' repeats so slow drift on the machine (other
        # processes, thermal limits) hits every app alike.
        for _ in range(opts.repeat):
            for runner in runners:
                await timed_run(workload.name, runner, opts.n, opts, record=True)
    finally:
        for runner in runners:
            await runner.lifespan.shutdown()

    apps: dict[str, Any] = {}
    for runner in runners:
        per_req = [t / opts.n / 1000 for t in runner.times_ns]
        apps[runner.app_name] = {
            "best_us": min(per_req),
            "median_us": statistics.median(per_req),
            "runs_us": per_req,
        }
    ratios: dict[str, float | None] = {}
    for key in RATIOS:
        top, bottom = key.split("/")
        if top in apps and bottom in apps:
            ratios[key] = apps[top]["best_us"] / apps[bottom]["best_us"]
        else:
            ratios[key] = None
    return {
        "workload": workload.name,
        "description": workload.description,
        "apps": apps,
        "ratios": ratios,
        "notes": list(workload.notes),
    }


async def bench_all(
    names: Sequence[str], app_names: Sequence[str], opts: Options
) -> list[dict[str, Any]]:
    return [await bench_workload(WORKLOADS[name](), app_names, opts) for name in names]


# --------------------------------------------------------------------------
# Output and command line
# --------------------------------------------------------------------------


def format_table(results: list[dict[str, Any]], app_names: Sequence[str]) -> list[str]:
    ratio_keys = [k for k in RATIOS if all(part in app_names for part in k.split("/"))]
    head = ["workload", *(f"{a} µs" for a in app_names), *ratio_keys]
    rows = [head]
    for res in results:
        row = [res["workload"]]
        row += [f"{res['apps'][a]['best_us']:.2f}" for a in app_names]
        for key in ratio_keys:
            ratio = res["ratios"][key]
            miss = key == "quart/starlette" and ratio > TARGET_RATIO
            row.append(f"{ratio:.2f}x" + (" !" if miss else ""))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for j, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def counting_parser(doc: str, default_workloads: str) -> argparse.ArgumentParser:
    """The command line shared by the scripts that count per request
    (``bench_instructions.py``, ``bench_bytecodes.py``): ``--workload``
    (repeatable) and ``--apps``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument(
        "--workload",
        action="append",
        choices=sorted(WORKLOADS),
        help=f"repeatable (default: {default_workloads})",
    )
    parser.add_argument("--apps", default="quart,starlette")
    return parser


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="In-process ASGI benchmark: Quart vs Starlette vs raw ASGI.",
    )
    parser.add_argument(
        "--workload",
        action="append",
        choices=sorted(WORKLOADS),
        metavar="NAME",
        help=f"workload to run, repeatable (default: all of {', '.join(WORKLOADS)})",
    )
    parser.add_argument(
        "--apps",
        default=",".join(APP_NAMES),
        help="comma-separated apps to run (default: %(default)s)",
    )
    parser.add_argument(
        "-n", type=int, default=5000, help="requests per timed run (default: 5000)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="timed runs per app; the best is reported (default: 5)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="untimed requests per app first (default: min(n, 1000))",
    )
    parser.add_argument(
        "--json", action="store_true", help="print results as JSON instead of a table"
    )
    parser.add_argument(
        "--uvloop", action="store_true", help="use uvloop's event loop if installed"
    )
    parser.add_argument(
        "--task-per-request",
        action="store_true",
        help="run each request in its own asyncio task, as a server does",
    )
    parser.add_argument(
        "--flask-patch",
        action="store_true",
        help="import quart_flask_patch first (to measure the Flask shim's cost)",
    )
    parser.add_argument(
        "--check-target",
        action="store_true",
        help=f"exit 1 if any quart/starlette ratio exceeds {TARGET_RATIO}",
    )
    args = parser.parse_args(argv)
    apps = [a.strip() for a in args.apps.split(",") if a.strip()]
    unknown = [a for a in apps if a not in APP_NAMES]
    if unknown or not apps:
        parser.error(f"--apps: choose from {', '.join(APP_NAMES)} (got {args.apps!r})")
    args.apps = [a for a in APP_NAMES if a in apps]
    if args.n < 1 or args.repeat < 1:
        parser.error("-n and --repeat must be at least 1")
    if args.warmup is None:
        args.warmup = min(args.n, 1000)
    return args


REQUIRED_NAMES = {
    "quart": ("Quart", "request", "jsonify", "g"),
    "starlette": ("applications", "routing", "responses", "middleware"),
}
"""What each framework must provide before the benchmark starts."""


def check_imports(app_names: Sequence[str]) -> str | None:
    """Return an error message if a framework in ``app_names`` is unusable."""
    for name in app_names:
        if name == "raw":
            continue
        others = ",".join(a for a in app_names if a != name) or "raw"
        try:
            module = __import__(name)
            for attr in REQUIRED_NAMES.get(name, ()):
                if hasattr(module, attr):
                    continue
                try:
                    __import__(f"{name}.{attr}")
                except ModuleNotFoundError:
                    raise ImportError(f"{name} does not provide {attr!r}") from None
        except Exception as exc:
            return (
                f"cannot use {name}: {type(exc).__name__}: {exc}\n"
                f"(run without it with --apps {others})"
            )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    names = args.workload or list(WORKLOADS)
    names = list(dict.fromkeys(names))
    if args.flask_patch:
        import quart_flask_patch  # noqa: F401  (before any app is built)
    error = check_imports(args.apps)
    if error:
        print(error, file=sys.stderr)
        return 2

    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    loop_name = "asyncio"
    if args.uvloop:
        try:
            import uvloop
        except ImportError:
            print("uvloop is not installed; using asyncio's loop", file=sys.stderr)
        else:
            loop_factory = uvloop.new_event_loop
            loop_name = f"uvloop {importlib.metadata.version('uvloop')}"

    opts = Options(args.n, args.repeat, args.warmup, args.task_per_request)
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            results = runner.run(bench_all(names, args.apps, opts))
    except CheckError as exc:
        print(f"CHECK FAILED: {exc}", file=sys.stderr)
        return 1

    versions = {"python": platform.python_version()}
    for name in args.apps:
        if name != "raw":
            mod = sys.modules[name]
            versions[name] = str(getattr(mod, "__version__", "?"))
    misses = [
        r["workload"]
        for r in results
        if (r["ratios"]["quart/starlette"] or 0.0) > TARGET_RATIO
    ]
    if args.json:
        report = {
            "versions": versions,
            "loop": loop_name,
            "n": opts.n,
            "repeat": opts.repeat,
            "warmup": opts.warmup,
            "task_per_request": opts.task_per_request,
            "target_ratio": TARGET_RATIO,
            "results": results,
            "target_misses": misses,
        }
        print(json.dumps(report, indent=2))
    else:
        print(
            " ".join(f"{k} {v}" for k, v in versions.items())
            + f"; loop {loop_name}; n={opts.n}, best of {opts.repeat}, "
            f"warm-up {opts.warmup}"
            + ("; task per request" if opts.task_per_request else "")
        )
        print("times are µs per request (lower is better)")
        print()
        for line in format_table(results, args.apps):
            print(line)
        notes = [n for r in results for n in r["notes"]]
        if notes:
            print()
            for note in dict.fromkeys(notes):
                print(f"note: {note}")
        if "quart" in args.apps and "starlette" in args.apps:
            print()
            if misses:
                print(
                    f"target missed (quart/starlette > {TARGET_RATIO}x, marked !): "
                    + ", ".join(misses)
                )
            else:
                print(f"target met: every workload within {TARGET_RATIO}x Starlette")
    if args.check_target and misses:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
