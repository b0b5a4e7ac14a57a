"""URL routing on werkzeug's ``Map`` and ``Rule``.

Werkzeug rules already know about websockets (``Rule(websocket=True)``); the
subclasses add what the app needs on top, such as automatic ``OPTIONS``.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Map
from werkzeug.routing import MapAdapter
from werkzeug.routing import Rule

__all__ = ["MapAdapter", "QuartMap", "QuartRule"]


class QuartRule(Rule):
    """A URL rule; ``provide_automatic_options`` makes the app answer
    ``OPTIONS`` itself for this rule."""

    def __init__(
        self,
        string: str,
        *,
        provide_automatic_options: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(string, **kwargs)
        self.provide_automatic_options = provide_automatic_options


class QuartMap(Map):
    """The app's URL map."""
