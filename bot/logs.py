"""Logging with a correlation id on every line, carried from HTTP into Bolt's threads."""

import contextvars
import logging
import sys
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from handlers.errors import correlation_id

__all__ = ["ContextThreadPoolExecutor", "configure_logging", "correlation_id", "new_correlation_id"]


def new_correlation_id() -> str:
    return uuid.uuid4().hex[:12]


class CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.cid = correlation_id.get()
        return True


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(CorrelationFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(cid)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Two INFO lines per sweep otherwise; its warnings (missed runs, overlapping sweeps) stay.
    logging.getLogger("apscheduler.executors").setLevel(max(level, logging.WARNING))


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """Bolt's listener pool; each task keeps the context (correlation id) it was submitted from."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)
