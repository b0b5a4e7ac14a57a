"""The serving lifespan: what runs before, while and after the app serves,
and the tasks it runs in the background meanwhile; and running the app
with a server (:meth:`Lifespan.run`, :meth:`Lifespan.run_task`).

:class:`Lifespan` is part of :class:`~quart.Quart` (the app inherits it);
``quart.asgi`` drives :meth:`Lifespan.startup` and :meth:`Lifespan.shutdown`
from the ASGI lifespan protocol, and the test app (``app.test_app()``)
drives them in tests.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Coroutine
from typing import TYPE_CHECKING
from typing import Any
from typing import cast

from .scaffold import setupmethod
from .signals import got_background_exception
from .signals import got_serving_exception
from .signals import send_signal
from .typing import T_after_serving
from .typing import T_before_serving
from .typing import T_while_serving

if TYPE_CHECKING:
    from .app import Quart
    from .sansio.app import App as _AppBase
else:
    _AppBase = object


_startup_heap_frozen = False


def freeze_startup_heap() -> None:
    """Collect garbage, then leave every object alive now (modules, the app,
    its routes and templates) out of later collections with
    :func:`gc.freeze`; once per process. A full collection then scans only
    what requests made, instead of the whole start-up heap, which adds its
    time (about 10 ms for a small app) to every request in flight. Called
    by the ASGI lifespan after startup when ``GC_FREEZE_AT_STARTUP`` is
    true."""
    global _startup_heap_frozen
    if not _startup_heap_frozen:
        _startup_heap_frozen = True
        gc.collect()
        gc.freeze()


class Lifespan(_AppBase):
    """Startup and shutdown functions, and background tasks, of the app."""

    if TYPE_CHECKING:
        # Defined by Quart, which this class is part of.
        def _freeze(self) -> None: ...

        def ensure_async(
            self, func: Callable[..., Any]
        ) -> Callable[..., Awaitable[Any]]: ...

    @setupmethod
    def before_serving(self, func: T_before_serving) -> T_before_serving:
        """Run ``func()`` at startup, before the first request is served."""
        self.before_serving_funcs.append(func)
        return func

    @setupmethod
    def while_serving(self, func: T_while_serving) -> T_while_serving:
        """An async generator that runs to its ``yield`` at startup and
        resumes after it at shutdown: set-up and tear-down in one place."""
        self.while_serving_funcs.append(func)
        return func

    @setupmethod
    def after_serving(self, func: T_after_serving) -> T_after_serving:
        """Run ``func()`` at shutdown, after serving stopped."""
        self.after_serving_funcs.append(func)
        return func

    async def startup(self) -> None:
        """Freeze the app and run the startup functions (in an app context)."""
        self._freeze()
        try:
            async with self.app_context():
                for func in self.before_serving_funcs:
                    await self.ensure_async(func)()
                for gen_func in self.while_serving_funcs:
                    gen = gen_func()
                    await gen.__anext__()
                    self.while_serving_gens.append(gen)
                await self.plugins.call_all("quart_startup", self)
        except Exception as error:
            await self._report_serving_error(error)
            raise

    async def shutdown(self) -> None:
        """Give background tasks ``BACKGROUND_TASK_SHUTDOWN_TIMEOUT`` seconds
        (then cancel them), then run the shutdown functions, so that tasks
        can still use what ``after_serving`` closes."""
        await self._finish_background_tasks()
        try:
            async with self.app_context():
                for func in self.after_serving_funcs:
                    await self.ensure_async(func)()
                while self.while_serving_gens:
                    gen = self.while_serving_gens.pop()
                    try:
                        await gen.__anext__()
                    except StopAsyncIteration:
                        continue
                    raise RuntimeError("While serving generator didn't terminate")
                await self.plugins.call_all("quart_shutdown", self)
        except Exception as error:
            await self._report_serving_error(error)
            raise

    async def _report_serving_error(self, error: Exception) -> None:
        """Signal ``got_serving_exception`` and log the error that is ending
        :meth:`startup` or :meth:`shutdown`."""
        if got_serving_exception.receivers:
            app = cast("Quart", self)  # the Quart this class is part of
            await send_signal(got_serving_exception, app, exception=error)
        self.log_exception(sys.exc_info())

    async def _finish_background_tasks(self) -> None:
        tasks = set(self.background_tasks)
        if not tasks:
            return
        _, pending = await asyncio.wait(
            tasks, timeout=self.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"]
        )
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)

    def add_background_task(
        self, func: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> None:
        """Run ``func(*args, **kwargs)`` in the background, in an app
        context, without delaying the response. Errors are logged; at
        shutdown the task gets ``BACKGROUND_TASK_SHUTDOWN_TIMEOUT`` seconds."""

        async def _run() -> None:
            try:
                async with self.app_context():
                    await self.ensure_async(func)(*args, **kwargs)
            except Exception as error:
                await self.handle_background_exception(error)

        task = asyncio.get_running_loop().create_task(_run())
        self.background_tasks.add(task)
        task.add_done_callback(self.background_tasks.discard)

    async def handle_background_exception(self, error: Exception) -> None:
        """Report a background task's error (signal, then log)."""
        if got_background_exception.receivers:
            app = cast("Quart", self)
            await send_signal(got_background_exception, app, exception=error)
        self.log_exception((type(error), error, error.__traceback__))

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        use_reloader: bool | None = None,
        certfile: str | None = None,
        keyfile: str | None = None,
        server: str | None = None,
        load_dotenv: bool = True,
        **kwargs: Any,
    ) -> None:
        """Serve the app until SIGINT/SIGTERM, then shut down gracefully
        (development use; see the deployment docs for production).

        :param host: interface to bind (``SERVER_NAME``'s host, else
            ``127.0.0.1``).
        :param port: port to bind (``SERVER_NAME``'s port, else 5000).
        :param debug: set :attr:`debug` first.
        :param use_reloader: restart on code changes (default: debug mode).
        :param certfile: serve HTTPS with this PEM certificate...
        :param keyfile: ...and this private key.
        :param server: the server backend (``"hypercorn"`` by default).
        :param load_dotenv: load ``.env``/``.quartenv`` first.
        :param kwargs: backend options (Hypercorn ``Config`` attributes).

        Does nothing when called while the ``quart`` command loads the app.
        """
        if TYPE_CHECKING:  # serving needs a Quart: it is one
            assert isinstance(self, Quart)
        from .serving import _run_app

        _run_app(
            self,
            host=host,
            port=port,
            debug=debug,
            use_reloader=use_reloader,
            certfile=certfile,
            keyfile=keyfile,
            server=server,
            load_dotenv_files=load_dotenv,
            server_options=kwargs,
        )

    def run_task(
        self,
        host: str = "127.0.0.1",
        port: int = 5000,
        debug: bool | None = None,
        ca_certs: str | None = None,
        certfile: str | None = None,
        keyfile: str | None = None,
        shutdown_trigger: Callable[..., Awaitable[Any]] | None = None,
        server: str | None = None,
        **kwargs: Any,
    ) -> Coroutine[None, None, None]:
        """The coroutine that serves the app in the running event loop until
        ``shutdown_trigger()`` completes (without one: until SIGINT/SIGTERM),
        then shuts down gracefully: ``await app.run_task()``, or
        ``asyncio.create_task(app.run_task(...))`` to serve beside other
        work.

        :param ca_certs: CA certificates file, to verify client certificates.
        :param server: the server backend (``"hypercorn"`` by default).
        :param kwargs: backend options (Hypercorn ``Config`` attributes).
        """
        if TYPE_CHECKING:  # serving needs a Quart: it is one
            assert isinstance(self, Quart)
        from .serving import DEFAULT_SERVER
        from .serving import ServeOptions
        from .serving import serve_async

        if debug is not None:
            self.debug = debug
        if ca_certs is not None:
            kwargs["ca_certs"] = ca_certs
        options = ServeOptions(
            host=host,
            port=port,
            debug=bool(self.debug),
            certfile=certfile,
            keyfile=keyfile,
            server=server or DEFAULT_SERVER,
            shutdown_trigger=shutdown_trigger,
            server_options=kwargs,
        )

        async def serve() -> None:
            await serve_async(self, options)

        return serve()
