"""The traceback page of debug mode.

With ``app.debug`` on (and ``PROPAGATE_EXCEPTIONS`` unset, outside
testing), an exception no error handler handled is answered with
:func:`traceback_response`: a 500 HTML page showing the exception, its
chained causes and the frames of each, with a few lines of source around
every frame. Everything taken from the exception is HTML-escaped. Without
debug mode the plain 500 page is sent and nothing of the error is shown.
"""

from __future__ import annotations

import linecache
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING

import jinja2

from .globals import _cv_app

if TYPE_CHECKING:
    from .wrappers import Response

__all__ = ["TEMPLATE", "traceback_response"]

#: The Jinja template of the page (rendered with autoescaping). It gets
#: ``title`` and ``errors``: the exception and its causes, oldest first,
#: each with ``name``, ``message``, ``frames`` (``filename``, ``lineno``,
#: ``function`` and ``lines``: ``(number, text, is_current)`` tuples),
#: ``relation`` (how it leads to the next one) and ``plain`` (the Python
#: traceback as text).
TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; color: #a00; word-break: break-word; }
h2 { font-size: 1.1em; }
.frame { margin: 0.8em 0; border-left: 3px solid #ccc; padding-left: 0.8em; }
.where { font-family: monospace; color: #555; }
pre { margin: 0.3em 0; background: #f6f6f6; padding: 0.4em; overflow-x: auto; }
.current { background: #ffe4e4; display: block; }
.relation { font-style: italic; margin: 1.5em 0; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
{% for error in errors %}
<section class="error">
<h2>{{ error.name }}: {{ error.message }}</h2>
<p>Traceback <small>(most recent call last)</small></p>
{% for frame in error.frames %}
<div class="frame">
<div class="where">File "{{ frame.filename }}", line {{ frame.lineno }},
in <strong>{{ frame.function }}</strong></div>
{% if frame.lines %}<pre>
{%- for number, text, current in frame.lines -%}
<span{% if current %} class="current"{% endif %}>{{ "%5d" % number }}  {{ text }}
</span>
{%- endfor -%}
</pre>{% endif %}
</div>
{% endfor %}
<details><summary>Plain text</summary><pre>{{ error.plain }}</pre></details>
</section>
{% if error.relation %}<p class="relation">{{ error.relation }}</p>{% endif %}
{% endfor %}
<p><small>This page is shown because the app runs in debug mode; never
enable debug mode in production.</small></p>
</body>
</html>
"""

_CONTEXT_LINES = 2
_CAUSE = "The above exception was the direct cause of the following exception:"
_CONTEXT = "During handling of the above exception, another exception occurred:"
_environment: jinja2.Environment | None = None


@dataclass
class _Frame:
    filename: str
    lineno: int
    function: str
    lines: list[tuple[int, str, bool]]


@dataclass
class _Error:
    name: str
    message: str
    frames: list[_Frame]
    plain: str
    relation: str


def _template() -> jinja2.Template:
    global _environment
    if _environment is None:
        _environment = jinja2.Environment(autoescape=True)
    return _environment.from_string(TEMPLATE)


def _chain(error: BaseException) -> list[tuple[BaseException, str]]:
    """The exception and what led to it, oldest first, each with the
    sentence that links it to the next one (as Python prints them)."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    relation = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, relation))
        if current.__cause__ is not None:
            current, relation = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, relation = current.__context__, _CONTEXT
        else:
            current = None
    chain.reverse()  # a cause's sentence now follows it, as Python prints
    return chain


def _frames(error: BaseException) -> list[_Frame]:
    frames = []
    for summary in traceback.extract_tb(error.__traceback__):
        lineno = summary.lineno or 0
        source = linecache.getlines(summary.filename)
        first = max(lineno - _CONTEXT_LINES, 1)
        last = min(lineno + _CONTEXT_LINES, len(source))
        lines = [
            (number, source[number - 1].rstrip(), number == lineno)
            for number in range(first, last + 1)
        ]
        frames.append(_Frame(summary.filename, lineno, summary.name, lines))
    return frames


def _describe(error: BaseException, relation: str) -> _Error:
    kind = type(error)
    name = kind.__qualname__
    if kind.__module__ not in ("builtins", "__main__"):
        name = f"{kind.__module__}.{name}"
    plain = "".join(
        traceback.format_exception(kind, error, error.__traceback__, chain=False)
    )
    return _Error(name, str(error), _frames(error), plain, relation)


def render_traceback(error: BaseException) -> str:
    """The HTML page for ``error`` (see :data:`TEMPLATE`)."""
    errors = [_describe(exc, relation) for exc, relation in _chain(error)]
    last = errors[-1]
    title = f"{last.name}: {last.message}" if last.message else last.name
    return _template().render(title=title, errors=errors)


async def traceback_response(error: Exception) -> Response:
    """A 500 ``text/html`` response showing ``error``'s traceback; the
    answer to an unhandled exception in debug mode. Never send it outside
    debug mode: it shows source code and paths."""
    app_ctx = _cv_app.get(None)
    response_class: type[Response]
    if app_ctx is not None:
        response_class = app_ctx.app.response_class
    else:
        from .wrappers import Response as default_class

        response_class = default_class
    return response_class(
        render_traceback(error),
        status=500,
        content_type="text/html; charset=utf-8",
    )
