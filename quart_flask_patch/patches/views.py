"""``quart.views.View.as_view`` as Flask's: a view class with a sync
``dispatch_request`` (a Flask-RESTful resource) gives a sync view function,
which extensions may wrap with sync decorators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from quart.sync import is_async_callable
from quart.views import View
from quart.views import finish_view_function


def apply() -> None:
    """Make ``View.as_view`` build sync view functions for sync views."""
    original = View.as_view.__func__  # type: ignore[attr-defined]

    def as_view(
        cls: type[View], name: str, *class_args: Any, **class_kwargs: Any
    ) -> Callable[..., Any]:
        """As Flask's: a view class with a sync ``dispatch_request`` (a
        Flask-RESTful resource) gives a sync view function, which extensions
        may wrap with sync decorators; an async one gives Quart's view."""
        if is_async_callable(cls.dispatch_request):
            return original(cls, name, *class_args, **class_kwargs)  # type: ignore[no-any-return]
        if cls.init_every_request:

            def view(**kwargs: Any) -> Any:
                self = view.view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
                return self.dispatch_request(**kwargs)

        else:
            instance = cls(*class_args, **class_kwargs)

            def view(**kwargs: Any) -> Any:
                return instance.dispatch_request(**kwargs)

        # Rebinding ``view`` makes the function above read ``view_class``
        # from the decorated function, as Flask's does.
        view = finish_view_function(cls, name, view)
        return view

    View.as_view = classmethod(as_view)  # type: ignore[assignment]
