"""``quart.Response`` with Flask's (werkzeug's) sync API: ``get_data()``,
``data``, ``json``, ``iter_encoded()``, ``freeze()``... give sync code the
value, async code the awaitable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from quart.wrappers.response import DataBody
from quart.wrappers.response import Response
from quart.wrappers.response import ResponseBody

from ..sync_bridge import call_sync
from ..sync_bridge import caller_is_async
from ..sync_bridge import hybrid


def _iterate_body(body: ResponseBody) -> Iterator[bytes]:
    if isinstance(body, DataBody):
        yield body.data[body.begin : body.end]
        return
    what = "response.iter_encoded()"
    chunks = aiter(call_sync(body.__aenter__(), what))
    error: BaseException | None = None
    try:
        while True:
            try:
                chunk = call_sync(chunks.__anext__(), what)
            except StopAsyncIteration:
                return
            yield chunk
    except BaseException as raised:
        error = raised
        raise
    finally:
        tb = error.__traceback__ if error is not None else None
        call_sync(body.__aexit__(type(error) if error else None, error, tb), what)


def apply() -> None:
    """Give ``Response`` Flask's sync API."""
    original_get_data = Response.get_data
    original_get_json = Response.get_json

    def sync_data(self: Response, as_text: bool, what: str) -> Any:
        body = self.response
        if isinstance(body, DataBody):  # in memory: no trip to the loop
            data = body.data[body.begin : body.end]
            return data.decode() if as_text else data
        return call_sync(original_get_data(self, as_text), what)

    def get_data(self: Response, as_text: bool = False) -> Any:
        if caller_is_async():
            return original_get_data(self, as_text)
        return sync_data(self, as_text, "response.get_data()")

    def get_json(self: Response, force: bool = False, silent: bool = False) -> Any:
        awaitable = original_get_json(self, force, silent)
        if caller_is_async():
            return awaitable
        return call_sync(awaitable, "response.get_json()")

    def data_get(self: Response) -> Any:
        if caller_is_async():
            return original_get_data(self)
        return sync_data(self, False, "response.data")

    def data_set(self: Response, value: str | bytes) -> None:
        self.set_data(value)

    def json_get(self: Response) -> Any:
        awaitable = original_get_json(self)
        if caller_is_async():
            return awaitable
        return call_sync(awaitable, "response.json")

    def is_streamed(self: Response) -> bool:
        """True unless the body is data held in memory."""
        return not isinstance(self.response, DataBody)

    def is_sequence(self: Response) -> bool:
        """True when the body is data held in memory."""
        return isinstance(self.response, DataBody)

    def calculate_content_length(self: Response) -> int | None:
        """The body length if known without reading it."""
        return self.response.length

    def iter_encoded(self: Response) -> Iterator[bytes]:
        """The body as a sync iterator of ``bytes`` (werkzeug's API): data
        at once, a streamed body chunk by chunk through the loop. The body
        is the one the response has now (callers often replace it with a
        wrapper around this iterator)."""
        return _iterate_body(self.response)

    Response.get_data = get_data  # type: ignore[method-assign]
    Response.get_json = get_json  # type: ignore[method-assign]
    Response.data = property(data_get, data_set)  # type: ignore[assignment]
    Response.json = property(json_get)  # type: ignore[assignment]
    Response.is_streamed = property(is_streamed)  # type: ignore[attr-defined]
    Response.is_sequence = property(is_sequence)  # type: ignore[attr-defined]
    Response.direct_passthrough = False  # type: ignore[attr-defined]
    Response.freeze = hybrid(Response.freeze, "response.freeze")  # type: ignore[method-assign]
    Response.calculate_content_length = calculate_content_length  # type: ignore[attr-defined]
    Response.iter_encoded = iter_encoded  # type: ignore[attr-defined]
    # make_conditional never waits: run it in place on any thread.
    Response.make_conditional = hybrid(  # type: ignore[method-assign]
        Response.make_conditional, "response.make_conditional", in_place=True
    )
    Response.add_etag = hybrid(Response.add_etag, "response.add_etag")  # type: ignore[method-assign]
