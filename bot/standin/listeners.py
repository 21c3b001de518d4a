"""Knowing when a Bolt app has finished the work its requests started.

Bolt answers Slack as soon as a listener acks; the rest of the listener (and any lazy listener)
goes on in the app's listener executor. To say "nothing else happened" a test, or a console
drawing its next prompt, waits until that executor has no work in flight.
"""

from __future__ import annotations

import threading
from concurrent.futures import Executor, Future
from typing import Any

from slack_bolt import App


class ListenerWork:
    """Counts the listener tasks of `app` in flight, from submission to completion."""

    def __init__(self, app: App) -> None:
        executor: Executor = app.listener_runner.listener_executor
        self._submit = executor.submit
        self._pending = 0
        self._idle = threading.Condition()
        # Bolt's listener and lazy-listener runners share this executor object; wrapping its
        # submit on the instance counts both without replacing anything Bolt holds on to.
        setattr(executor, "submit", self._counted_submit)  # noqa: B010

    @property
    def pending(self) -> int:
        with self._idle:
            return self._pending

    def _counted_submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        with self._idle:
            self._pending += 1
        try:
            future = self._submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _: Future | None) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Block until no listener work is in flight; TimeoutError if it takes over `timeout`.

        Work a task submits before it ends is counted before that task stops counting, so idle
        means every follow-on task has finished too.
        """
        with self._idle:
            if not self._idle.wait_for(lambda: self._pending == 0, timeout=timeout):
                raise TimeoutError(
                    f"{self._pending} listener task(s) still running after {timeout}s"
                )
