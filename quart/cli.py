"""The ``quart`` command line, app discovery, and serving.

Two layers live here:

* **Discovery**: :class:`ScriptInfo` finds the app named by ``--app`` /
  ``QUART_APP`` (a module, ``module:name``, ``module:factory(args)`` or a
  file path) or by the conventional names, and loads ``.env`` files.
* **Commands**: :class:`AppGroup` (the type of ``app.cli``) runs its
  commands, sync or ``async def``, inside an app context;
  :class:`QuartGroup` is the ``quart`` command itself, with the built-in
  ``run``, ``routes`` and ``shell`` commands.

Commands come from plugins through the ``quart_cli_commands`` hook: the
built-in ``run``, ``routes``, ``shell`` and ``plugins`` commands are the
:mod:`quart.builtin.commands` plugin. Serving lives in :mod:`quart.serving`.
"""

from __future__ import annotations

import ast
import asyncio
import contextvars
import importlib
import importlib.metadata
import inspect
import os
import platform
import re
import sys
import traceback
from collections.abc import Awaitable
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import update_wrapper
from types import ModuleType
from typing import TYPE_CHECKING
from typing import Any
from typing import Concatenate
from typing import ParamSpec
from typing import TypeVar
from typing import cast

import click
from click.core import ParameterSource
from click.globals import pop_context
from click.globals import push_context

from .environment import load_dotenv as load_dotenv
from .globals import _cv_app
from .helpers import get_debug_flag
from .helpers import get_load_dotenv
from .sync import is_async_callable

if TYPE_CHECKING:
    from .app import Quart

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")

_DEFAULT_APP_FILES = ("asgi.py", "app.py")
_APP_NAMES = ("app", "application")
_FACTORY_NAMES = ("create_app", "make_app")


# -- discovery ------------------------------------------------------------------
class NoAppException(click.UsageError):
    """The app could not be found or loaded; the message says what was tried."""


def _quart_class() -> type[Quart]:
    from .app import Quart

    return Quart


def _run_coroutine(coroutine: Awaitable[T]) -> T:
    """Run ``coroutine`` to completion from sync code (in a helper thread if
    this thread already runs an event loop)."""

    async def main() -> T:
        return await coroutine

    return _without_running_loop(lambda: asyncio.run(main()))


def _as_app(value: Any) -> Any:
    """Await the result of an ``async def`` factory."""
    if inspect.isawaitable(value):
        return _run_coroutine(value)
    return value


def _called_with_wrong_args(function: Callable[..., Any]) -> bool:
    """True if the ``TypeError`` being handled came from calling
    ``function`` (bad arguments), not from code inside it."""
    tb = sys.exc_info()[2]
    try:
        while tb is not None:
            if tb.tb_frame.f_code is getattr(function, "__code__", None):
                return False  # the call got inside the function
            tb = tb.tb_next
        return True
    finally:
        del tb


def find_best_app(module: ModuleType) -> Quart:
    """The app in ``module``: an ``app`` or ``application`` attribute, else
    the only :class:`~quart.Quart` instance, else what a ``create_app`` or
    ``make_app`` factory returns when called without arguments."""
    quart_class = _quart_class()
    name = module.__name__
    for attribute in _APP_NAMES:
        candidate = getattr(module, attribute, None)
        if isinstance(candidate, quart_class):
            return candidate

    matches = {
        key: value
        for key, value in vars(module).items()
        if isinstance(value, quart_class)
    }
    if len(matches) == 1:
        return next(iter(matches.values()))
    if len(matches) > 1:
        found = ", ".join(sorted(matches))
        raise NoAppException(
            f"Detected several Quart applications in module {name!r} ({found})."
            f" Use '{name}:name' to choose one."
        )

    for attribute in _FACTORY_NAMES:
        factory = getattr(module, attribute, None)
        if not inspect.isfunction(factory):
            continue
        try:
            app = _as_app(factory())
        except TypeError as error:
            if not _called_with_wrong_args(factory):
                raise
            raise NoAppException(
                f"Detected the factory {attribute!r} in module {name!r}, but it"
                " cannot be called without arguments. Use"
                f" '{name}:{attribute}(args)' to pass them."
            ) from error
        if isinstance(app, quart_class):
            return app
        raise NoAppException(
            f"The factory {attribute!r} in module {name!r} returned"
            f" {type(app).__name__!r}, not a Quart application."
        )

    raise NoAppException(
        f"Failed to find a Quart application or factory in module {name!r}."
        " Tried the attributes 'app' and 'application', a single Quart instance"
        " under any name, and the factories 'create_app' and 'make_app'."
        f" Use '{name}:name' to name the application or factory."
    )


def _parse_app_expression(
    module_name: str, text: str
) -> tuple[str, list[Any], dict[str, Any]]:
    """Split ``name`` or ``name(args)`` into the name and literal arguments."""
    where = f"'{module_name}:{text}'"
    try:
        expression = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        expression = None
    if isinstance(expression, ast.Name):
        return expression.id, [], {}
    if not isinstance(expression, ast.Call):
        raise NoAppException(
            f"Failed to parse {text!r} in {where} as an attribute name or a"
            " function call."
        )
    if not isinstance(expression.func, ast.Name):
        raise NoAppException(f"The factory in {where} must be a simple name.")
    try:
        args = [ast.literal_eval(arg) for arg in expression.args]
        kwargs = {
            keyword.arg: ast.literal_eval(keyword.value)
            for keyword in expression.keywords
            if keyword.arg is not None
        }
    except ValueError:
        raise NoAppException(
            f"The arguments in {where} must be Python literals."
        ) from None
    return expression.func.id, args, kwargs


def find_app_by_string(module: ModuleType, app_name: str) -> Quart:
    """The app named by ``app_name`` in ``module``: an attribute, or a
    factory called with literal arguments (``create_app('dev', debug=True)``)."""
    quart_class = _quart_class()
    name, args, kwargs = _parse_app_expression(module.__name__, app_name)
    try:
        attribute = getattr(module, name)
    except AttributeError:
        raise NoAppException(
            f"Failed to find the attribute {name!r} in module {module.__name__!r}."
        ) from None
    if inspect.isfunction(attribute):
        try:
            app = _as_app(attribute(*args, **kwargs))
        except TypeError as error:
            if not _called_with_wrong_args(attribute):
                raise
            raise NoAppException(
                f"The factory {app_name!r} in module {module.__name__!r} could not"
                " be called with the given arguments."
            ) from error
    elif args or kwargs:
        raise NoAppException(
            f"{name!r} in module {module.__name__!r} is not a function, so it"
            " cannot be called."
        )
    else:
        app = attribute
    if isinstance(app, quart_class):
        return app
    raise NoAppException(
        f"'{module.__name__}:{app_name}' is a {type(app).__name__!r}, not a"
        " Quart application."
    )


def prepare_import(path: str) -> str:
    """The module name for ``path`` (a file, package folder or module name),
    after putting the folder that holds its top-level package on ``sys.path``."""
    path = os.path.realpath(path)
    stem, extension = os.path.splitext(path)
    if extension == ".py":
        path = stem
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)
    parts: list[str] = []
    while True:  # climb out of the package folders
        path, name = os.path.split(path)
        parts.append(name)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break
    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


def _is_missing_module(error: ImportError, module_name: str) -> bool:
    """True if ``error`` says ``module_name`` (or a package above it) does
    not exist, rather than that an import inside it failed."""
    missing = getattr(error, "name", None)
    if not isinstance(error, ModuleNotFoundError) or missing is None:
        return False
    return module_name == missing or module_name.startswith(f"{missing}.")


def locate_app(module_name: str, app_name: str | None) -> Quart:
    """Import ``module_name`` and find the app in it (``app_name`` as in
    :func:`find_app_by_string`, or ``None`` for :func:`find_best_app`)."""
    try:
        importlib.import_module(module_name)
    except ImportError as error:
        if _is_missing_module(error, module_name):
            raise NoAppException(
                f"Could not import {module_name!r} (searched {sys.path[0]!r}"
                " and the rest of sys.path)."
            ) from None
        raise NoAppException(
            f"While importing {module_name!r}, an ImportError was raised:"
            f"\n\n{traceback.format_exc()}"
        ) from None
    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


def _split_import_path(import_path: str) -> tuple[str, str | None]:
    """``path:name`` -> (path, name); a Windows drive colon is not a split."""
    match = re.search(r":(?![\\/])", import_path)
    if match is None:
        return import_path, None
    return import_path[: match.start()], import_path[match.end() :]


class ScriptInfo:
    """What the ``quart`` command knows about the app to load: the import
    path (``--app``), or a ``create_app`` callable. Created by
    :class:`QuartGroup` and passed to commands as the click ``obj``.

    :param app_import_path: ``module``, ``module:name``,
        ``module:factory(args)`` or a file path.
    :param create_app: called without arguments to build the app (wins over
        ``app_import_path``).
    :param set_debug_flag: set ``app.debug`` from ``QUART_DEBUG`` on load.
    :param load_dotenv_defaults: whether ``.env``/``.quartenv`` are loaded
        (a reference for the ``--env-file`` handling).
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: Callable[..., Quart] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        #: Free-form data commands may share.
        self.data: dict[Any, Any] = {}
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self._loaded_app: Quart | None = None

    def load_app(self) -> Quart:
        """Find, import and return the app (once; later calls return it)."""
        if self._loaded_app is not None:
            return self._loaded_app
        if self.create_app is not None:
            app = _as_app(self.create_app())
        elif self.app_import_path:
            path, name = _split_import_path(self.app_import_path)
            app = locate_app(prepare_import(path), name)
        else:
            for filename in _DEFAULT_APP_FILES:
                if os.path.isfile(filename):
                    app = locate_app(prepare_import(filename), None)
                    break
            else:
                raise NoAppException(
                    "Could not locate a Quart application. Tried the '--app'"
                    " option and the 'QUART_APP' environment variable (neither"
                    " is set) and the files "
                    + " and ".join(repr(name) for name in _DEFAULT_APP_FILES)
                    + f" in {os.getcwd()!r} (not found)."
                )
        if not isinstance(app, _quart_class()):
            raise NoAppException(
                f"create_app returned {type(app).__name__!r}, not a Quart application."
            )
        if self.set_debug_flag:
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app


def pass_script_info(f: Callable[Concatenate[ScriptInfo, P], R]) -> Callable[P, R]:
    """Decorate a click callback to receive the command line's
    :class:`ScriptInfo` (made if missing) as its first argument."""

    def new_func(*args: P.args, **kwargs: P.kwargs) -> R:
        ctx = click.get_current_context()
        return ctx.invoke(f, ctx.ensure_object(ScriptInfo), *args, **kwargs)

    return update_wrapper(new_func, f)


# -- running command functions ---------------------------------------------------
def _without_running_loop(function: Callable[[], T]) -> T:
    """Call ``function`` here, or in a helper thread if this thread already
    runs an event loop (``asyncio.run`` cannot nest; this happens when a
    command is invoked from an async test). The click context and the
    context variables follow it into the thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function()
    click_ctx = click.get_current_context(silent=True)

    def in_thread() -> T:
        if click_ctx is not None:
            push_context(click_ctx)
        try:
            return function()
        finally:
            if click_ctx is not None:
                pop_context()

    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, in_thread).result()


def _maybe_await(result: Any) -> Any:
    if inspect.isawaitable(result):
        return _run_coroutine(result)
    return result


def _call_in_app_context(app: Quart, call: Callable[[], Any]) -> Any:
    """Call ``call()`` inside an app context of ``app``. A sync function
    runs on this thread with no loop running (so it may itself call
    ``asyncio.run``); a returned awaitable is awaited in the same context."""

    def run() -> Any:
        context = contextvars.copy_context()
        with asyncio.Runner() as runner:
            app_ctx = app.app_context()
            runner.run(app_ctx.push(), context=context)
            error: BaseException | None = None
            try:
                result = context.run(call)
                if inspect.isawaitable(result):

                    async def wait() -> Any:
                        return await result

                    result = runner.run(wait(), context=context)
                return result
            except BaseException as raised:
                error = raised
                raise
            finally:
                runner.run(app_ctx.pop(error), context=context)

    return _without_running_loop(run)


def with_appcontext(f: F) -> F:
    """Run the decorated click callback inside the app's context (loading
    the app through the :class:`ScriptInfo`); ``async def`` callbacks are
    run to completion. Commands registered on ``app.cli`` get this
    automatically."""

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        def call() -> Any:
            return ctx.invoke(f, *args, **kwargs)

        if _cv_app.get(None) is not None:
            return _maybe_await(call())
        app = ctx.ensure_object(ScriptInfo).load_app()
        return _call_in_app_context(app, call)

    return cast(F, update_wrapper(decorator, f))


def _sync_callback(f: Callable[..., Any]) -> Callable[..., Any]:
    """A sync click callback that runs the coroutine function ``f``."""

    def run(*args: Any, **kwargs: Any) -> Any:
        return _run_coroutine(f(*args, **kwargs))

    return update_wrapper(run, f)


class AppGroup(click.Group):
    """A click group whose commands run inside the app context and may be
    ``async def``; the type of ``app.cli`` and of blueprints' ``cli``.

    ``@group.command(with_appcontext=False)`` opts a command out of the app
    context; :meth:`group` makes nested groups of this class.
    """

    def command(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], click.Command] | click.Command:
        """Like :meth:`click.Group.command`, wrapping the callback in
        :func:`with_appcontext` unless ``with_appcontext=False``."""
        if args and callable(args[0]):  # bare @group.command
            return self.command(*args[1:], **kwargs)(args[0])
        wrap_for_ctx = kwargs.pop("with_appcontext", True)

        def decorator(f: Callable[..., Any]) -> click.Command:
            if wrap_for_ctx:
                f = with_appcontext(f)
            elif is_async_callable(f):
                f = _sync_callback(f)
            return cast(click.Command, click.Group.command(self, *args, **kwargs)(f))

        return decorator

    def group(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], click.Group] | click.Group:
        """Like :meth:`click.Group.group`, making an :class:`AppGroup`."""
        kwargs.setdefault("cls", AppGroup)
        return super().group(*args, **kwargs)  # type: ignore[no-any-return]


# -- the quart group ---------------------------------------------------------------
def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value


# Eager, so that the app's commands show up in --help.
_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    help=(
        "The Quart application or factory to load, as 'module:name'. The module"
        " may be a dotted import or a file path. The name may be left out if it"
        " is 'app', 'application', 'create_app' or 'make_app', and may be"
        " 'factory(args)' to pass literal arguments."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    source = ctx.get_parameter_source(param.name or "debug")
    if source in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return  # not given: leave QUART_DEBUG alone
    # Through the environment so that a factory sees it too.
    os.environ["QUART_DEBUG"] = "1" if value else "0"


_debug_option = click.Option(
    ["--debug/--no-debug"],
    help="Set debug mode (QUART_DEBUG).",
    expose_value=False,
    callback=_set_debug,
)


def _env_file_callback(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> None:
    try:
        import dotenv  # noqa: F401
    except ImportError:
        if value is not None:
            raise click.BadParameter(
                "python-dotenv must be installed to load an env file"
                " (pip install 'quart[dotenv]').",
                ctx=ctx,
                param=param,
            ) from None
    info = ctx.ensure_object(ScriptInfo)
    if value is not None or info.load_dotenv_defaults:
        load_dotenv(value, load_defaults=info.load_dotenv_defaults)


# Eager and first, so the variables are set before --app is used.
_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help=(
        "Load environment variables from this file; they take precedence over"
        " '.env' and '.quartenv'. Variables already set in the environment win."
        " Needs python-dotenv."
    ),
    is_eager=True,
    expose_value=False,
    callback=_env_file_callback,
)


def _distribution_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def version_lines() -> list[str]:
    """The lines ``quart --version`` prints."""
    from .plugins import PluginManager

    lines = [
        f"Python {platform.python_version()}",
        f"Quart {_distribution_version('quart')}",
        f"Werkzeug {_distribution_version('werkzeug')}",
        f"Hypercorn {_distribution_version('hypercorn')}",
    ]
    plugins = [info.describe() for info in PluginManager().list_plugins()]
    lines.append(f"Plugins: {', '.join(plugins) or 'none'}")
    return lines


def get_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """The ``--version`` option's callback: print :func:`version_lines`
    and exit."""
    if not value or ctx.resilient_parsing:
        return
    click.echo("\n".join(version_lines()), color=ctx.color)
    ctx.exit()


version_option = click.Option(
    ["--version"],
    help="Show the Quart, Werkzeug and Python versions.",
    expose_value=False,
    callback=get_version,
    is_flag=True,
    is_eager=True,
)


def _add_plugin_commands(group: click.Group, add_default_commands: bool) -> None:
    """Let every plugin add its commands (``quart_cli_commands``); the
    built-in ``run``, ``routes``, ``shell`` and ``plugins`` come from the
    ``quart.commands`` plugin."""
    from .plugins import PluginManager

    block = () if add_default_commands else ("quart.commands",)
    PluginManager(block=block).hook.quart_cli_commands(cli=group)


class QuartGroup(AppGroup):
    """The ``quart`` command: the built-in commands plus the loaded app's
    ``app.cli`` commands, with the ``--app``, ``--env-file``, ``--debug``
    and ``--version`` options. Make one to write a custom management script.

    :param add_default_commands: add ``run``, ``routes``, ``shell`` and
        ``plugins`` (the ``quart.commands`` plugin); other plugins' commands
        are added either way.
    :param create_app: build the app with this callable instead of
        ``--app`` discovery.
    :param add_version_option: add ``--version``.
    :param load_dotenv: load ``.env`` and ``.quartenv`` files.
    :param set_debug_flag: set ``app.debug`` from ``QUART_DEBUG``.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: Callable[..., Quart] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: Any,
    ) -> None:
        params: list[click.Parameter] = list(extra.pop("params", None) or ())
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(version_option)
        extra["context_settings"] = {
            "auto_envvar_prefix": "QUART",
            **(extra.get("context_settings") or {}),
        }
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        self.add_default_commands = add_default_commands
        self._plugin_commands_added = False

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        # Built-in commands work even when the app does not load.
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        info = ctx.ensure_object(ScriptInfo)
        try:
            app = info.load_app()
        except NoAppException as error:
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
            return None
        return app.cli.get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        info = ctx.ensure_object(ScriptInfo)
        try:
            names.update(info.load_app().cli.list_commands(ctx))
        except NoAppException as error:
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # Makes app.run() a no-op should the app module call it on import.
        os.environ["QUART_RUN_FROM_CLI"] = "true"
        if not self._plugin_commands_added:  # at CLI start, not at import
            self._plugin_commands_added = True
            _add_plugin_commands(self, self.add_default_commands)
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            # Help skips eager processing; read --env-file and QUART_APP now
            # so that the app's commands are listed.
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


cli = QuartGroup(
    name="quart",
    help="""\
A utility script for Quart applications.

The app to load is given with the '--app' option, the 'QUART_APP'
environment variable, or an 'asgi.py' or 'app.py' file in the current
directory.
""",
)


def main() -> None:
    """The ``quart`` console script and ``python -m quart``."""
    cli.main()


# The built-in commands are the ``quart.commands`` plugin's; they are
# importable from here as in Quart (imported last: they use this module).
from .builtin.commands import routes_command as routes_command  # noqa: E402
from .builtin.commands import run_command as run_command  # noqa: E402
from .builtin.commands import shell_command as shell_command  # noqa: E402
