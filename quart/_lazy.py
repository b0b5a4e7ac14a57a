"""An attribute computed on its first read, then a plain attribute."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from typing import Generic
from typing import TypeVar
from typing import overload

T = TypeVar("T")


class lazy_attribute(Generic[T]):
    """``func(instance)``, computed on the first read and stored as the
    instance's attribute. This is a non-data descriptor, so the stored
    value shadows it: later reads are plain attribute reads, and assigning
    the attribute (before or after) simply sets it.

    :func:`functools.cached_property` does the same, but takes a lock on
    every first read on Python 3.11; werkzeug's ``cached_property`` is a
    data descriptor, a Python call on every read. For what objects made
    per request hold but most requests never read.
    """

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type) -> lazy_attribute[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object | None, owner: type) -> T | lazy_attribute[T]:
        if instance is None:
            return self
        value = self.func(instance)
        # Not instance.__dict__[...] = value: touching __dict__ would turn
        # the instance's attributes into a real dict (slower to read).
        setattr(instance, self.name, value)
        return value
