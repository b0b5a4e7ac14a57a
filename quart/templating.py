"""Jinja2 templates: the app's async environment, the loader that searches the
app's and the blueprints' template folders, and the render functions.

The environment is created once per app (``app.jinja_env``) with
``enable_async=True``; Jinja caches compiled templates, so a render does no
loader or environment work once a template has been loaded.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeAlias

from jinja2 import BaseLoader
from jinja2 import Environment as BaseEnvironment
from jinja2 import Template
from jinja2 import TemplateNotFound
from jinja2.runtime import Context
from jinja2.runtime import new_context

from .globals import _cv_app
from .globals import _cv_request
from .helpers import get_template_attribute as get_template_attribute
from .helpers import stream_with_context
from .signals import before_render_template
from .signals import send_signal
from .signals import template_rendered
from .typing import T_template_filter as T_template_filter
from .typing import T_template_global as T_template_global
from .typing import T_template_test as T_template_test
from .typing import TemplateFilterCallable as TemplateFilterCallable
from .typing import TemplateGlobalCallable as TemplateGlobalCallable
from .typing import TemplateTestCallable as TemplateTestCallable

if TYPE_CHECKING:
    from .app import Quart
    from .scaffold import Scaffold


_Source: TypeAlias = tuple[str, str | None, Callable[[], bool] | None]

__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "get_template_attribute",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]


class _Template(Template):
    """Jinja's template, whose render context is made at C speed.

    Jinja gives each template a :class:`~collections.ChainMap` of its own
    globals over the environment's, and copies it into every render's
    context with ``dict(chainmap, **vars)``: a Python ``__getitem__`` per
    global, each raising and catching a :exc:`KeyError` in the (usually
    empty) template map first. Merging the maps with :meth:`dict.update`
    gives the same context: the vars win over the template's globals,
    which win over the environment's, read at each render.
    """

    def new_context(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: Mapping[str, Any] | None = None,
    ) -> Context:
        chain = self.globals
        if shared or type(chain) is not ChainMap:
            return super().new_context(vars, shared, locals)
        merged: dict[str, Any] = {}
        for mapping in reversed(chain.maps):
            merged.update(mapping)
        parent = merged.copy()
        if vars:
            parent.update(vars)
        # Shared: Jinja takes ``parent`` as the context's variables as it is.
        # The globals are given merged too: the context keeps only the set
        # of their names, and a set of a ChainMap's names is made in Python.
        return new_context(
            self.environment, self.name, self.blocks, parent, True, merged, locals
        )


class Environment(BaseEnvironment):
    """A Jinja2 environment bound to a Quart app, always in async mode.

    Unless a ``loader`` is given it uses the app's
    :meth:`~quart.Quart.create_global_jinja_loader`, which searches the app's
    template folder and then each blueprint's.
    """

    template_class = _Template

    def __init__(self, app: Quart, **options: Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        options["enable_async"] = True
        super().__init__(**options)
        self.app = app


class DispatchingJinjaLoader(BaseLoader):
    """Find a template in the app's template folder first, then in each
    blueprint's, in registration order.

    With ``EXPLAIN_TEMPLATE_LOADING`` set, every lookup logs (at ``INFO`` on
    the app's logger) which loaders were tried and which one matched.
    """

    def __init__(self, app: Quart) -> None:
        self.app = app

    def get_source(self, environment: BaseEnvironment, template: str) -> _Source:
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        for _owner, loader in self._iter_loaders():
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise TemplateNotFound(template)

    def _get_source_explained(
        self, environment: BaseEnvironment, template: str
    ) -> _Source:
        attempts: list[tuple[Scaffold, BaseLoader, _Source | None]] = []
        found: _Source | None = None
        for owner, loader in self._iter_loaders():
            try:
                source: _Source | None = loader.get_source(environment, template)
            except TemplateNotFound:
                source = None
            if found is None:
                found = source
            attempts.append((owner, loader, source))
        _explain_attempts(self.app, template, attempts)
        if found is None:
            raise TemplateNotFound(template)
        return found

    def _iter_loaders(self) -> Iterator[tuple[Scaffold, BaseLoader]]:
        app = self.app
        if app.jinja_loader is not None:
            yield app, app.jinja_loader
        for blueprint in app.iter_blueprints():
            if blueprint.jinja_loader is not None:
                yield blueprint, blueprint.jinja_loader

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for _owner, loader in self._iter_loaders():
            names.update(loader.list_templates())
        return sorted(names)


def _explain_attempts(
    app: Quart,
    template: str,
    attempts: list[tuple[Scaffold, BaseLoader, _Source | None]],
) -> None:
    lines = [f"Locating template {template!r}:"]
    matches = 0
    for number, (owner, loader, source) in enumerate(attempts, 1):
        kind = "application" if owner is app else "blueprint"
        lines.append(
            f"{number:5}: trying loader of {kind} {owner.name!r} ({owner.import_name})"
        )
        lines.append(f"       class: {type(loader).__module__}.{type(loader).__name__}")
        searchpath = getattr(loader, "searchpath", None)
        if searchpath is not None:
            lines.append("       searchpath:")
            lines.extend(f"         {path}" for path in searchpath)
        if source is None:
            lines.append("       -> no match")
        else:
            matches += 1
            lines.append(f"       -> found ({source[1] or '<string>'!r})")
    if matches == 0:
        lines.append("Error: the template could not be found.")
    elif matches > 1:
        lines.append(
            "Warning: multiple loaders returned a match for the template;"
            " the first one is used."
        )
    if not attempts:
        lines.append("Error: no loaders are configured (no template folders).")
    app.logger.info("\n".join(lines))


def _current_app() -> Quart:
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError(
            "Rendering a template needs an application context: use it in a"
            " request, or inside 'async with app.app_context():'."
        )
    return ctx.app


async def _render(app: Quart, template: Template, context: dict[str, Any]) -> str:
    await app.update_template_context(context)
    if before_render_template.receivers:
        await send_signal(
            before_render_template, app, template=template, context=context
        )
    rendered = await template.render_async(context)
    if template_rendered.receivers:
        await send_signal(template_rendered, app, template=template, context=context)
    return rendered


async def render_template(
    template_name_or_list: str | Template | list[str | Template], **context: Any
) -> str:
    """Render the template with this name (the first that exists, for a
    list) with ``context`` as its variables, and return the text.

    The default context adds ``config``, ``request``, ``session``, ``g``,
    ``url_for`` and ``get_flashed_messages``, and whatever the context
    processors of the app and the current blueprints return; values passed
    here win over both.
    """
    app = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return await _render(app, template, context)


async def render_template_string(source: str, **context: Any) -> str:
    """Render a template given as source text (compiled on every call; use
    :func:`render_template` for anything rendered often)."""
    app = _current_app()
    template = app.jinja_env.from_string(source)
    return await _render(app, template, context)


async def _stream(
    app: Quart, template: Template, context: dict[str, Any]
) -> AsyncIterator[str]:
    await app.update_template_context(context)
    if before_render_template.receivers:
        await send_signal(
            before_render_template, app, template=template, context=context
        )

    async def generate() -> AsyncIterator[str]:
        async for chunk in template.generate_async(context):
            yield chunk
        if template_rendered.receivers:
            await send_signal(
                template_rendered, app, template=template, context=context
            )

    if _cv_request.get(None) is not None:
        # The body is sent after the view returns: keep the request context.
        return stream_with_context(generate)()
    return generate()


async def stream_template(
    template_name_or_list: str | Template | list[str | Template], **context: Any
) -> AsyncIterator[str]:
    """Like :func:`render_template`, but return an async iterator of text
    chunks, rendered as the response body is sent::

        return await stream_template("report.html", rows=rows)

    The request context stays available while the template renders.
    """
    app = _current_app()
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return await _stream(app, template, context)


async def stream_template_string(source: str, **context: Any) -> AsyncIterator[str]:
    """Like :func:`render_template_string`, streamed as
    :func:`stream_template` does."""
    app = _current_app()
    template = app.jinja_env.from_string(source)
    return await _stream(app, template, context)
