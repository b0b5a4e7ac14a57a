"""Blueprints: groups of routes, hooks and handlers defined without an app,
recorded, and replayed onto an app when registered.

A blueprint's own registries (``before_request_funcs[None]``, ...) are
copied onto the app under the blueprint's dotted name, so the app finds
blueprint hooks, error handlers, URL processors and context processors in
the same registries as its own (as in Flask).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from functools import cached_property
from functools import update_wrapper
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeAlias
from typing import cast

from .cli import AppGroup
from .scaffold import Scaffold
from .scaffold import _adding_decorator
from .scaffold import _endpoint_from_view_func
from .scaffold import _sentinel
from .scaffold import setupmethod
from .templating import T_template_filter
from .templating import T_template_global
from .templating import T_template_test
from .templating import TemplateFilterCallable
from .templating import TemplateGlobalCallable
from .templating import TemplateTestCallable
from .typing import AppOrBlueprintKey
from .typing import T_after_request
from .typing import T_after_serving as T_after_serving
from .typing import T_after_websocket as T_after_websocket
from .typing import T_before_request
from .typing import T_before_serving as T_before_serving
from .typing import T_before_websocket as T_before_websocket
from .typing import T_error_handler
from .typing import T_teardown
from .typing import T_template_context_processor
from .typing import T_url_defaults
from .typing import T_url_value_preprocessor
from .typing import T_websocket as T_websocket
from .typing import T_while_serving as T_while_serving

if TYPE_CHECKING:
    from .app import Quart
    from .wrappers import Response

DeferredSetupFunction: TypeAlias = "Callable[[BlueprintSetupState], None]"

__all__ = ["Blueprint", "BlueprintSetupState"]


class BlueprintSetupState:
    """What a :meth:`Blueprint.record` function receives when the blueprint
    is registered: the app, the registration options and the resolved
    prefix, subdomain, name and URL defaults."""

    def __init__(
        self,
        blueprint: Blueprint,
        app: Quart,
        options: dict[str, Any],
        first_registration: bool,
    ) -> None:
        #: The app the blueprint is being registered on.
        self.app = app
        #: The blueprint being registered.
        self.blueprint = blueprint
        #: The keyword arguments given to ``register_blueprint``.
        self.options = options
        #: False when this blueprint object was registered on the app before
        #: (under another name); :meth:`Blueprint.record_once` uses it.
        self.first_registration = first_registration

        subdomain = options.get("subdomain")
        #: The subdomain the blueprint's routes match (``None``: any).
        self.subdomain: str | None = (
            blueprint.subdomain if subdomain is None else subdomain
        )
        url_prefix = options.get("url_prefix")
        #: The prefix of every URL rule of the blueprint.
        self.url_prefix: str | None = (
            blueprint.url_prefix if url_prefix is None else url_prefix
        )
        #: The name the blueprint is registered under (without parents).
        self.name: str = options.get("name", blueprint.name)
        #: The dotted name of the parent blueprints ("" at the top level).
        self.name_prefix: str = options.get("name_prefix", "")
        #: URL defaults added to every rule of the blueprint.
        self.url_defaults: dict[str, Any] = {
            **blueprint.url_values_defaults,
            **options.get("url_defaults", {}),
        }

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        **options: Any,
    ) -> None:
        """Register a rule on the app with the blueprint's URL prefix,
        subdomain and defaults, and its dotted name before ``endpoint``."""
        if self.url_prefix is not None:
            if rule:
                rule = self.url_prefix.rstrip("/") + "/" + rule.lstrip("/")
            else:
                rule = self.url_prefix
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)  # type: ignore[arg-type]
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = {**defaults, **(options.pop("defaults") or {})}
        full_endpoint = f"{self.name_prefix}.{self.name}.{endpoint}".lstrip(".")
        self.app.add_url_rule(
            rule, full_endpoint, view_func, defaults=defaults, **options
        )


class Blueprint(Scaffold):
    """A set of routes, hooks, error handlers and template helpers that can
    be registered on an app (even several times, or nested in another
    blueprint) later.

    :param name: prefix of the blueprint's endpoint names (``"admin"`` gives
        ``url_for("admin.index")``); no dots.
    :param import_name: normally ``__name__``; used to find ``root_path``.
    :param static_folder: folder served at ``static_url_path`` (relative to
        ``root_path``); blueprints have none by default.
    :param static_url_path: URL of the static route (default: the folder's
        name, under ``url_prefix``).
    :param template_folder: folder added to the template search path, after
        the app's own folder.
    :param url_prefix: prefix of every URL of the blueprint.
    :param subdomain: subdomain every route of the blueprint matches.
    :param url_defaults: default view arguments for every route.
    :param root_path: override the folder found from ``import_name``.
    :param cli_group: name of the command group for :attr:`cli` commands
        (default: the blueprint's name; ``None`` merges them into the app's).
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _sentinel,
    ) -> None:
        super().__init__(
            import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError("'name' may not contain a dot '.' character.")
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.url_values_defaults: dict[str, Any] = url_defaults or {}
        #: The command group name; the sentinel default means "the name the
        #: blueprint is registered under".
        self.cli_group = cli_group
        self.deferred_functions: list[DeferredSetupFunction] = []
        self._blueprints: list[tuple[Blueprint, dict[str, Any]]] = []

    @cached_property
    def cli(self) -> AppGroup:
        """Click group for commands of this blueprint (``quart NAME CMD``);
        attached to the app's command line when the blueprint is registered."""
        return AppGroup(self.name)

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the"
                f" blueprint '{self.name}'. It has already been registered at"
                " least once, any changes will not be applied consistently.\n"
                "Make sure all imports, decorators, functions, etc. needed to"
                " set up the blueprint are done before registering it."
            )

    # -- recording ----------------------------------------------------------
    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` with a :class:`BlueprintSetupState` every time
        the blueprint is registered."""
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Like :meth:`record`, but only for the first registration of this
        blueprint on an app."""

        def wrapper(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(update_wrapper(wrapper, func))

    def make_setup_state(
        self, app: Quart, options: dict[str, Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """The state passed to the recorded functions (override to use a
        subclass of :class:`BlueprintSetupState`)."""
        return BlueprintSetupState(self, app, options, first_registration)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Nest ``blueprint`` in this one: its endpoints become
        ``outer.inner.view``, URL prefixes and subdomains combine, and its
        hooks run after this blueprint's. Options are those of
        :meth:`Quart.register_blueprint <quart.Quart.register_blueprint>`."""
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself")
        self._blueprints.append((blueprint, options))

    def register(self, app: Quart, options: dict[str, Any]) -> None:
        """Register the blueprint on ``app`` (called by
        ``app.register_blueprint``): copy its hooks and handlers onto the
        app under its dotted name, run the recorded functions, then register
        the nested blueprints.

        :raises ValueError: if the name is already registered; pass
            ``name=`` to register a blueprint a second time.
        """
        name_prefix = options.get("name_prefix", "")
        self_name = options.get("name", self.name)
        name = f"{name_prefix}.{self_name}".lstrip(".")
        if name in app.blueprints:
            which = "this" if app.blueprints[name] is self else "a different"
            where = f" '{name}'" if self_name != name else ""
            raise ValueError(
                f"The name '{self_name}' is already registered for {which}"
                f" blueprint{where}. Use 'name=' to provide a unique name."
            )
        first_registration = not any(bp is self for bp in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_registration)

        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        self._merge_into(app, name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_cli(app, name, options)

        for blueprint, nested_options in self._blueprints:
            nested = dict(nested_options)
            subdomain = nested.get("subdomain")
            if subdomain is None:
                subdomain = blueprint.subdomain
            if subdomain is not None and state.subdomain is not None:
                nested["subdomain"] = f"{subdomain}.{state.subdomain}"
            elif subdomain is not None or state.subdomain is not None:
                nested["subdomain"] = (
                    subdomain if subdomain is not None else state.subdomain
                )
            prefix = nested.get("url_prefix")
            if prefix is None:
                prefix = blueprint.url_prefix
            if prefix is not None and state.url_prefix is not None:
                nested["url_prefix"] = (
                    state.url_prefix.rstrip("/") + "/" + prefix.lstrip("/")
                )
            elif prefix is not None or state.url_prefix is not None:
                nested["url_prefix"] = (
                    prefix if prefix is not None else state.url_prefix
                )
            nested["name_prefix"] = name
            blueprint.register(app, nested)

    def _merge_into(self, app: Quart, name: str) -> None:
        """Copy the blueprint's registries onto the app, keyed by ``name``
        (a fresh copy per registered name, so two names do not share)."""

        def scoped(key: AppOrBlueprintKey) -> str:
            return name if key is None else f"{name}.{key}"

        for key, by_code in self.error_handler_spec.items():
            app.error_handler_spec[scoped(key)] = defaultdict(
                dict,
                {code: dict(handlers) for code, handlers in by_code.items()},
            )
        app.view_functions.update(self.view_functions)
        for attribute in (
            "before_request_funcs",
            "after_request_funcs",
            "teardown_request_funcs",
            "url_default_functions",
            "url_value_preprocessors",
            "template_context_processors",
            "before_websocket_funcs",
            "after_websocket_funcs",
            "teardown_websocket_funcs",
        ):
            ours: dict[AppOrBlueprintKey, list[Callable[..., Any]]] = getattr(
                self, attribute
            )
            theirs: dict[AppOrBlueprintKey, list[Callable[..., Any]]] = getattr(
                app, attribute
            )
            for key, funcs in ours.items():
                theirs.setdefault(scoped(key), []).extend(funcs)

    def _register_cli(self, app: Quart, name: str, options: dict[str, Any]) -> None:
        """Attach :attr:`cli` commands to the app's command group (as a
        group named after ``cli_group`` or the blueprint, or merged in)."""
        app_cli = app.cli
        if "cli" not in self.__dict__ or not self.cli.commands:
            return
        group = options.get("cli_group", self.cli_group)
        if group is None:
            app_cli.commands.update(self.cli.commands)
            return
        self.cli.name = name if group is _sentinel else group
        app_cli.add_command(self.cli)

    # -- routes ---------------------------------------------------------------
    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Record a URL rule; on registration it gets the blueprint's URL
        prefix and its endpoint the blueprint's dotted name."""
        if endpoint and "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        if view_func is not None and "." in getattr(view_func, "__name__", ""):
            raise ValueError("'view_func' name may not contain a dot '.' character.")
        self.record(
            lambda state: state.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )
        )

    async def send_static_file(self, filename: str) -> Response:
        """Serve ``filename`` from the blueprint's static folder (the view of
        its ``static`` endpoint)."""
        if not self.has_static_folder:
            raise RuntimeError("'static_folder' must be set to serve static_files.")
        from .helpers import send_from_directory

        return await send_from_directory(
            cast(str, self.static_folder),
            filename,
            max_age=self.get_send_file_max_age(filename),
        )

    # -- app-wide registration ----------------------------------------------
    def _on_app(self, func: Callable[[Quart], Any]) -> None:
        self.record_once(lambda state: func(state.app))

    @setupmethod
    def before_app_request(self, f: T_before_request) -> T_before_request:
        """Like :meth:`before_request`, for every request of the app."""
        self._on_app(lambda app: app.before_request_funcs[None].append(f))
        return f

    @setupmethod
    def after_app_request(self, f: T_after_request) -> T_after_request:
        """Like :meth:`after_request`, for every request of the app."""
        self._on_app(lambda app: app.after_request_funcs[None].append(f))
        return f

    @setupmethod
    def teardown_app_request(self, f: T_teardown) -> T_teardown:
        """Like :meth:`teardown_request`, for every request of the app."""
        self._on_app(lambda app: app.teardown_request_funcs[None].append(f))
        return f

    @setupmethod
    def before_app_websocket(self, f: T_before_request) -> T_before_request:
        """Like :meth:`before_websocket`, for every websocket of the app."""
        self._on_app(lambda app: app.before_websocket_funcs[None].append(f))
        return f

    @setupmethod
    def after_app_websocket(self, f: T_after_request) -> T_after_request:
        """Like :meth:`after_websocket`, for every websocket of the app."""
        self._on_app(lambda app: app.after_websocket_funcs[None].append(f))
        return f

    @setupmethod
    def teardown_app_websocket(self, f: T_teardown) -> T_teardown:
        """Like :meth:`teardown_websocket`, for every websocket of the app."""
        self._on_app(lambda app: app.teardown_websocket_funcs[None].append(f))
        return f

    @setupmethod
    def app_context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Like :meth:`context_processor`, for every template of the app."""
        self._on_app(lambda app: app.template_context_processors[None].append(f))
        return f

    @setupmethod
    def app_errorhandler(
        self, code_or_exception: type[BaseException] | int
    ) -> Callable[[T_error_handler], T_error_handler]:
        """Like :meth:`errorhandler`, for errors anywhere in the app."""

        def decorator(f: T_error_handler) -> T_error_handler:
            self._on_app(lambda app: app.register_error_handler(code_or_exception, f))
            return f

        return decorator

    @setupmethod
    def app_url_value_preprocessor(
        self, f: T_url_value_preprocessor
    ) -> T_url_value_preprocessor:
        """Like :meth:`url_value_preprocessor`, for every request of the app."""
        self._on_app(lambda app: app.url_value_preprocessors[None].append(f))
        return f

    @setupmethod
    def app_url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Like :meth:`url_defaults`, for every URL the app builds."""
        self._on_app(lambda app: app.url_default_functions[None].append(f))
        return f

    @setupmethod
    def before_app_serving(self, f: T_before_serving) -> T_before_serving:
        """Run ``f()`` at app startup (see :meth:`Quart.before_serving
        <quart.Quart.before_serving>`)."""
        self._on_app(lambda app: app.before_serving_funcs.append(f))
        return f

    @setupmethod
    def while_app_serving(self, f: T_while_serving) -> T_while_serving:
        """An async generator around the app's serving lifetime (see
        :meth:`Quart.while_serving <quart.Quart.while_serving>`)."""
        self._on_app(lambda app: app.while_serving_funcs.append(f))
        return f

    @setupmethod
    def after_app_serving(self, f: T_after_serving) -> T_after_serving:
        """Run ``f()`` at app shutdown (see :meth:`Quart.after_serving
        <quart.Quart.after_serving>`)."""
        self._on_app(lambda app: app.after_serving_funcs.append(f))
        return f

    # -- template helpers -----------------------------------------------------
    @setupmethod
    def app_template_filter(
        self, name: str | None = None
    ) -> Callable[[T_template_filter], T_template_filter]:
        """Register a Jinja filter for every template of the app (filters
        are app-wide): ``@bp.app_template_filter()`` or with a name."""

        return _adding_decorator(self.add_app_template_filter, name)

    @setupmethod
    def add_app_template_filter(
        self, f: TemplateFilterCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`app_template_filter`."""
        self._on_app(lambda app: app.add_template_filter(f, name=name))

    @setupmethod
    def app_template_test(
        self, name: str | None = None
    ) -> Callable[[T_template_test], T_template_test]:
        """Register a Jinja test for every template of the app."""

        return _adding_decorator(self.add_app_template_test, name)

    @setupmethod
    def add_app_template_test(
        self, f: TemplateTestCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`app_template_test`."""
        self._on_app(lambda app: app.add_template_test(f, name=name))

    @setupmethod
    def app_template_global(
        self, name: str | None = None
    ) -> Callable[[T_template_global], T_template_global]:
        """Register a Jinja global for every template of the app."""

        return _adding_decorator(self.add_app_template_global, name)

    @setupmethod
    def add_app_template_global(
        self, f: TemplateGlobalCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`app_template_global`."""
        self._on_app(lambda app: app.add_template_global(f, name=name))
