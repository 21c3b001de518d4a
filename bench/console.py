"""How fast `rapport console` is ready on a big store: 100,000 interactions and more.

    python bench/console.py [--interactions 100000] [--runs 5] [--database-url URL]

Fills a fresh database as bench/history.py does (one account with N interactions, N/2 more on
200 others, deals, follow-ups, a second workspace), then runs `rapport console --script` with a
script of one line (`help`) N times and prints the median wall time from start to exit (Python's
start, the imports, building the app, the migration check, the stand-in Slack, the answer, the
shutdown), beside the median of `rapport --help` (Python's start and the CLI's imports alone),
and of `rapport console --demo` (a fresh SQLite store: migrated, then seeded with the sample team).
Goal (issue #14): under 2 s.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.history import fill
from bot import db
from tests.databases import temporary_database


def timed(command: list[str], env: dict[str, str], runs: int) -> float:
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        took.append(time.perf_counter() - started)
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    rapport = str(Path(sys.executable).with_name("rapport"))
    with temporary_database(args.database_url) as url, tempfile.TemporaryDirectory() as tmp:
        engine = db.make_engine(url)
        db.upgrade(engine)
        fill(engine, args.interactions)
        engine.dispose()
        script = Path(tmp) / "help.txt"
        script.write_text("help\n")
        env = os.environ | {"DATABASE_URL": url}
        console = timed([rapport, "console", "--script", str(script)], env, args.runs)
        bare = timed([rapport, "--help"], env, args.runs)
        demo_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        demo = timed([rapport, "console", "--demo", "--script", str(script)], demo_env, args.runs)
    kind = url.split(":")[0]
    print(
        f"{kind}: {args.interactions:,} interactions (+{args.interactions // 2:,} more): "
        f"console ready and answered in {console:.2f} s (median of {args.runs}); "
        f"`rapport --help` {bare:.2f} s; the console's own cost {console - bare:.2f} s; "
        f"`--demo` (a fresh SQLite store, migrated and seeded) {demo:.2f} s"
    )


if __name__ == "__main__":
    main()
