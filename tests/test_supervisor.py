"""The supervisor of `rapport serve --http`: a dead sweeper comes back, the web server decides."""

import subprocess
import sys

from bot.supervisor import Supervisor

SLEEPS = [sys.executable, "-c", "import time; time.sleep(60)"]
DIES = [sys.executable, "-c", "raise SystemExit(3)"]


class Clock:
    def __init__(self) -> None:
        self.at = 0.0

    def __call__(self) -> float:
        return self.at


def died(process: subprocess.Popen | None) -> None:
    assert process is not None
    process.wait(timeout=10)


def test_a_dead_sweeper_is_restarted_after_a_pause_that_grows_while_it_keeps_dying() -> None:
    clock = Clock()
    supervisor = Supervisor(SLEEPS, DIES, first_delay=1, max_delay=4, healthy_after=30, clock=clock)
    supervisor.start()
    try:
        pauses = []
        for _ in range(4):
            died(supervisor.sweeper)
            died_at = clock.at
            assert supervisor.poll() is None and supervisor.sweeper is None
            assert supervisor.restart_at is not None
            pauses.append(supervisor.restart_at - died_at)
            clock.at = supervisor.restart_at - 0.1
            assert supervisor.poll() is None and supervisor.sweeper is None  # still pausing
            clock.at += 0.1
            assert supervisor.poll() is None and supervisor.sweeper is not None
        assert pauses == [1, 2, 4, 4] and supervisor.restarts == 4

        died(supervisor.sweeper)
        clock.at += 31  # it had been sweeping for a while: back to the first pause
        supervisor.poll()
        assert supervisor.restart_at == clock.at + 1
    finally:
        supervisor.stop()
    assert supervisor.web is not None and supervisor.web.returncode is not None


def test_the_supervisor_exits_with_the_web_server_and_stops_the_sweeper() -> None:
    web = [sys.executable, "-c", "raise SystemExit(4)"]
    supervisor = Supervisor(web, SLEEPS, stop_timeout=10)
    assert supervisor.run() == 4
    assert supervisor.sweeper is not None and supervisor.sweeper.returncode is not None
