"""Class-based views: ``View`` and ``MethodView``."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any

import pytest

from quart import Quart
from quart import g
from quart import request
from quart.testing import QuartClient
from quart.views import MethodView
from quart.views import View


async def test_view_dispatch_and_default_methods(
    app: Quart, client: QuartClient
) -> None:
    class Index(View):
        async def dispatch_request(self) -> str:
            return f"index {request.method}"

    app.add_url_rule("/", view_func=Index.as_view("index"))
    response = await client.get("/")
    assert await response.get_data() == b"index GET"
    assert (await client.post("/")).status_code == 405
    options = await client.options("/")
    assert options.status_code == 200
    assert set(options.allow) == {"GET", "HEAD", "OPTIONS"}


async def test_view_methods(app: Quart, client: QuartClient) -> None:
    class Echo(View):
        methods = ["GET", "POST"]  # type: ignore[assignment]

        async def dispatch_request(self) -> str:
            return request.method

    app.add_url_rule("/", view_func=Echo.as_view("echo"))
    assert await (await client.get("/")).get_data() == b"GET"
    assert await (await client.post("/")).get_data() == b"POST"
    assert (await client.put("/")).status_code == 405


async def test_view_sync_dispatch_runs_in_thread(
    app: Quart, client: QuartClient
) -> None:
    threads: list[threading.Thread] = []

    class Sync(View):
        def dispatch_request(self) -> str:
            threads.append(threading.current_thread())
            return f"sync {request.path}"

    app.add_url_rule("/sync", view_func=Sync.as_view("sync"))
    response = await client.get("/sync")
    assert await response.get_data() == b"sync /sync"
    assert threads and threads[0] is not threading.current_thread()


async def test_view_url_args_and_constructor_args(
    app: Quart, client: QuartClient
) -> None:
    class Greet(View):
        def __init__(self, greeting: str, *, punctuation: str) -> None:
            self.greeting = greeting
            self.punctuation = punctuation

        async def dispatch_request(self, name: str, count: int) -> str:
            return f"{self.greeting} {name}{self.punctuation * count}"

    app.add_url_rule(
        "/greet/<name>/<int:count>",
        view_func=Greet.as_view("greet", "Hello", punctuation="!"),
    )
    response = await client.get("/greet/bob/3")
    assert await response.get_data() == b"Hello bob!!!"


async def test_view_decorators(app: Quart, client: QuartClient) -> None:
    def add_header(name: str) -> Callable[[Any], Any]:
        def decorator(view: Any) -> Any:
            async def wrapped(**kwargs: Any) -> Any:
                response = await app.make_response(await view(**kwargs))
                response.headers["X-Order"] = response.headers.get("X-Order", "") + name
                return response

            return wrapped

        return decorator

    class Decorated(View):
        # The first decorator is applied first (innermost).
        decorators = [add_header("a"), add_header("b")]

        async def dispatch_request(self) -> str:
            return "decorated"

    view_func = Decorated.as_view("decorated")
    assert view_func.__name__ == "decorated"
    assert view_func.view_class is Decorated  # type: ignore[attr-defined]
    app.add_url_rule("/", view_func=view_func)
    response = await client.get("/")
    assert await response.get_data() == b"decorated"
    assert response.headers["X-Order"] == "ab"


async def test_view_init_every_request(app: Quart, client: QuartClient) -> None:
    created: dict[str, int] = {"per": 0, "shared": 0}
    instances: set[int] = set()

    class PerRequest(View):
        def __init__(self) -> None:
            created["per"] += 1

        async def dispatch_request(self) -> str:
            return "per"

    class Shared(View):
        init_every_request = False

        def __init__(self) -> None:
            created["shared"] += 1

        async def dispatch_request(self) -> str:
            instances.add(id(self))
            return "shared"

    app.add_url_rule("/per", view_func=PerRequest.as_view("per"))
    app.add_url_rule("/shared", view_func=Shared.as_view("shared"))
    # The shared instance is created once, when the view function is made.
    assert created == {"per": 0, "shared": 1}
    for _ in range(3):
        assert await (await client.get("/per")).get_data() == b"per"
        assert await (await client.get("/shared")).get_data() == b"shared"
    assert created == {"per": 3, "shared": 1}
    assert len(instances) == 1


async def test_view_uses_g_and_request(app: Quart, client: QuartClient) -> None:
    @app.before_request
    async def before() -> None:
        g.user = request.args.get("user", "anon")

    class Profile(View):
        async def dispatch_request(self) -> str:
            return f"profile of {g.user}"

    app.add_url_rule("/profile", view_func=Profile.as_view("profile"))
    response = await client.get("/profile", query_string={"user": "ann"})
    assert await response.get_data() == b"profile of ann"


# -- MethodView ----------------------------------------------------------------
async def test_method_view_dispatch_by_method(app: Quart, client: QuartClient) -> None:
    class Items(MethodView):
        async def get(self) -> str:
            return "list"

        async def post(self) -> tuple[str, int]:
            data = await request.get_json()
            return f"created {data['name']}", 201

        async def delete(self) -> tuple[str, int]:
            return "", 204

    assert Items.methods == {"GET", "POST", "DELETE"}
    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert await (await client.get("/items")).get_data() == b"list"
    response = await client.post("/items", json={"name": "pen"})
    assert response.status_code == 201
    assert await response.get_data() == b"created pen"
    assert (await client.delete("/items")).status_code == 204
    assert (await client.put("/items")).status_code == 405
    options = await client.options("/items")
    assert set(options.allow) == {"GET", "HEAD", "POST", "DELETE", "OPTIONS"}


async def test_method_view_head_falls_back_to_get(
    app: Quart, client: QuartClient
) -> None:
    calls: list[str] = []

    class Resource(MethodView):
        async def get(self) -> Any:
            calls.append(request.method)
            return "body", 200, {"X-From-Get": "1"}

    app.add_url_rule("/", view_func=Resource.as_view("resource"))
    response = await client.head("/")
    assert response.status_code == 200
    assert response.headers["X-From-Get"] == "1"
    assert await response.get_data() == b""
    assert calls == ["HEAD"]


async def test_method_view_explicit_head(app: Quart, client: QuartClient) -> None:
    class Resource(MethodView):
        async def get(self) -> str:
            return "get"

        async def head(self) -> Any:
            return "", 200, {"X-Head": "own"}

    app.add_url_rule("/", view_func=Resource.as_view("resource"))
    response = await client.head("/")
    assert response.headers["X-Head"] == "own"


async def test_method_view_sync_and_async_methods(
    app: Quart, client: QuartClient
) -> None:
    loop_thread = threading.current_thread()
    threads: dict[str, threading.Thread] = {}

    class Mixed(MethodView):
        def get(self) -> str:
            threads["get"] = threading.current_thread()
            return f"sync get {request.args['q']}"

        async def post(self) -> str:
            threads["post"] = threading.current_thread()
            return f"async post {(await request.form)['f']}"

    app.add_url_rule("/", view_func=Mixed.as_view("mixed"))
    response = await client.get("/", query_string={"q": "1"})
    assert await response.get_data() == b"sync get 1"
    response = await client.post("/", form={"f": "2"})
    assert await response.get_data() == b"async post 2"
    assert threads["get"] is not loop_thread
    assert threads["post"] is loop_thread


async def test_method_view_url_args(app: Quart, client: QuartClient) -> None:
    class User(MethodView):
        async def get(self, user_id: int) -> dict[str, Any]:
            return {"id": user_id, "type": type(user_id).__name__}

        def put(self, user_id: int) -> str:
            return f"updated {user_id}"

    app.add_url_rule("/users/<int:user_id>", view_func=User.as_view("user"))
    response = await client.get("/users/42")
    assert await response.get_json() == {"id": 42, "type": "int"}
    response = await client.put("/users/7")
    assert await response.get_data() == b"updated 7"


def test_method_view_methods_inheritance() -> None:
    class Base(MethodView):
        def get(self) -> str:
            return "base"

    class Child(Base):
        def post(self) -> str:
            return "child"

    class Explicit(Child):
        methods = ["PUT"]  # type: ignore[assignment]

    class GrandChild(Explicit):
        def delete(self) -> str:
            return "grandchild"

    class Empty(MethodView):
        pass

    assert Base.methods == {"GET"}
    assert Child.methods == {"GET", "POST"}
    assert Explicit.methods == ["PUT"]
    assert GrandChild.methods == {"GET", "POST", "PUT", "DELETE"}
    assert Empty.methods is None


async def test_method_view_inherited_handlers(app: Quart, client: QuartClient) -> None:
    class Base(MethodView):
        async def get(self) -> str:
            return f"get from {type(self).__name__}"

    class Child(Base):
        async def post(self) -> str:
            return "post from child"

    app.add_url_rule("/child", view_func=Child.as_view("child"))
    assert await (await client.get("/child")).get_data() == b"get from Child"
    assert await (await client.post("/child")).get_data() == b"post from child"


async def test_add_url_rule_methods_override_view_methods(
    app: Quart, client: QuartClient
) -> None:
    class Both(MethodView):
        async def get(self) -> str:
            return "get"

        async def post(self) -> str:
            return "post"

    app.add_url_rule("/", view_func=Both.as_view("both"), methods=["POST"])
    assert (await client.get("/")).status_code == 405
    assert await (await client.post("/")).get_data() == b"post"


async def test_dispatch_request_is_a_coroutine_function(app: Quart) -> None:
    # As Quart's, so ``await super().dispatch_request()`` and introspection
    # see a coroutine function; the base class has nothing to dispatch.
    assert inspect.iscoroutinefunction(View.dispatch_request)
    assert inspect.iscoroutinefunction(MethodView.dispatch_request)

    class Unimplemented(View):
        pass

    app.add_url_rule("/", view_func=Unimplemented.as_view("nothing"))
    with pytest.raises(NotImplementedError):
        await app.test_client().get("/")
