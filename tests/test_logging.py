"""``quart.logging``: the app logger and the in-process queue handler."""

from __future__ import annotations

import logging
import queue
from logging.handlers import QueueHandler
from logging.handlers import QueueListener

from quart.logging import LocalQueueHandler


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


def _log_through(handler_class: type[QueueHandler]) -> Collect:
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    collect = Collect()
    collect.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    listener = QueueListener(records, collect)
    logger = logging.getLogger(f"test_logging.{handler_class.__name__}")
    logger.propagate = False
    handler = handler_class(records)
    logger.addHandler(handler)
    listener.start()
    try:
        logger.warning("%s items", 3)
        try:
            raise ValueError("bad")
        except ValueError:
            logger.exception("failed %s", "here")
    finally:
        listener.stop()
        logger.removeHandler(handler)
    return collect


def test_local_queue_handler_queues_records_as_they_are() -> None:
    collect = _log_through(LocalQueueHandler)
    first, second = collect.records
    # Not pre-formatted: the listener's handler sees the original record.
    assert (first.msg, first.args) == ("%s items", (3,))
    assert second.exc_info is not None and second.exc_info[0] is ValueError
    assert collect.lines[0] == "WARNING 3 items"
    assert collect.lines[1].startswith("ERROR failed here\nTraceback")
    assert collect.lines[1].endswith("ValueError: bad")


def test_the_base_queue_handler_would_flatten_them() -> None:
    # What LocalQueueHandler avoids: formatting on the logging thread and
    # dropping args and exc_info.
    collect = _log_through(QueueHandler)
    first, second = collect.records
    assert (first.msg, first.args) == ("3 items", None)
    assert second.exc_info is None
