"""`rapport serve --http` as a small supervisor: the web server and one sweeper, as two children.

Why a parent of its own rather than the sweeper inside gunicorn: gunicorn's master reaps every
child it has (waitpid(-1)), so it can't watch a sweeper it spawned, and a supervising thread in
the master would be copied, with any lock it holds, into each worker the master forks later.
Here the sweeper is restarted when it dies (after a growing pause if it keeps dying), and both
children are stopped with the server; when the web server exits, so does the supervisor.
"""

import logging
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence

logger = logging.getLogger("rapport.supervisor")


class Supervisor:
    def __init__(
        self,
        web: Sequence[str],
        sweeper: Sequence[str],
        *,
        first_delay: float = 1.0,
        max_delay: float = 60.0,
        healthy_after: float = 30.0,  # a sweeper that ran this long starts over at first_delay
        stop_timeout: float = 15.0,  # gunicorn's graceful_timeout (10 s) and some
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.web_command, self.sweeper_command = list(web), list(sweeper)
        self.first_delay, self.max_delay, self.healthy_after = first_delay, max_delay, healthy_after
        self.stop_timeout, self.clock = stop_timeout, clock
        self.web: subprocess.Popen | None = None
        self.sweeper: subprocess.Popen | None = None
        self.sweeper_started = 0.0
        self.delay = first_delay
        self.restart_at: float | None = None
        self.restarts = 0
        self.stopping = threading.Event()

    def start(self) -> None:
        self.web = subprocess.Popen(self.web_command)
        self._start_sweeper()

    def poll(self) -> int | None:
        """Look at the children once: restart a dead sweeper when its pause is over; return the
        web server's exit code once it has exited."""
        assert self.web is not None, "start() first"
        code = self.web.poll()
        if code is not None:
            return code
        now = self.clock()
        if self.sweeper is not None and (status := self.sweeper.poll()) is not None:
            if now - self.sweeper_started >= self.healthy_after:
                self.delay = self.first_delay
            logger.warning(
                "sweeper (pid %d) exited with %s; restarting it in %.0fs",
                self.sweeper.pid,
                status,
                self.delay,
            )
            self.sweeper, self.restart_at = None, now + self.delay
            self.delay = min(self.max_delay, self.delay * 2)
        if self.sweeper is None and self.restart_at is not None and now >= self.restart_at:
            self.restarts += 1
            self._start_sweeper()
        return None

    def stop(self) -> None:
        """SIGTERM both children (gunicorn stops gracefully, a running sweep finishes), then
        SIGKILL whatever is still alive after stop_timeout."""
        children = [child for child in (self.web, self.sweeper) if child is not None]
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + self.stop_timeout
        for child in children:
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.error(
                    "pid %d did not stop in %.0fs; killing it", child.pid, self.stop_timeout
                )
                child.kill()
                child.wait()

    def run(self) -> int:
        """Until SIGTERM/SIGINT or the web server's exit; returns the web server's exit code."""
        previous = {
            signum: signal.signal(signum, lambda *_: self.stopping.set())
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        self.start()
        try:
            while not self.stopping.wait(0.5):
                if (code := self.poll()) is not None:
                    logger.error("web server exited with %s; stopping", code)
                    break
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        assert self.web is not None
        code = self.web.returncode
        return code if code >= 0 else 128 - code  # killed by a signal: the shell's convention

    def _start_sweeper(self) -> None:
        self.sweeper, self.restart_at = subprocess.Popen(self.sweeper_command), None
        self.sweeper_started = self.clock()
        logger.info("sweeper started (pid %d)", self.sweeper.pid)
