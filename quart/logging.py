"""The app's logger."""

from __future__ import annotations

import logging
import sys
from logging.handlers import QueueHandler
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .app import Quart

#: Added to the app's logger when no handler is configured for it.
default_handler = logging.StreamHandler(sys.stderr)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


class LocalQueueHandler(QueueHandler):
    """A :class:`~logging.handlers.QueueHandler` for a queue in this
    process, read by a :class:`~logging.handlers.QueueListener` whose
    handlers do the slow writing off the event loop's thread.

    The base class prepares every record for another process: it formats
    the message and drops ``args`` and ``exc_info`` so the record pickles.
    In-process none of that is needed, so records are queued as they are
    (the listener's handlers format them), which is cheaper on the logging
    thread and keeps ``args`` and ``exc_info`` for them.
    """

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


def has_level_handler(logger: logging.Logger) -> bool:
    """True if a handler in the logger's hierarchy handles its level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


def create_logger(app: Quart) -> logging.Logger:
    """The logger named after the app, at DEBUG level in debug mode."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
