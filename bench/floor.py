"""Where the floor of a store-reading command is: `/who-owns`'s store work, counted by callgrind.

    python bench/floor.py [--runs 200]

Builds the small store of bench/ack.py in a temporary SQLite file, captures the statements
`models.summaries.owner_card_named` runs for "Acme" (what `/who-owns acme` reads), then counts
instructions per run (callgrind over a process doing it `--runs` times, less one doing it 0
times) of the same reads three ways: through the models (a Session and Core `read`, as Rapport
runs them), the same SQL on a Session's DB-API cursor, and on a bare `sqlite3` connection. The
bare Bolt app's whole request, from bench/ack.py --callgrind, is about 1.1 M: a command whose
store reads alone cost a large part of that can't come within 10% of it.
"""

import argparse
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.hotpath import SIZES, build_store
from bot import db
from models.summaries import owner_card_named

TEAM_ID = "T0001"  # bench/hotpath.py's workspace
WAYS = {
    "models": "Session + Core read (Rapport)",
    "cursor": "Session + DB-API cursor",
    "sqlite3": "bare sqlite3 connection",
}


def captured(url: str) -> list[tuple[str, list[Any]]]:
    """The statements of one card, as the driver got them (enums and times as it bound them)."""
    engine = db.make_engine(url)
    seen: list[tuple[str, list[Any]]] = []

    def capture(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, list(parameters)))

    event.listen(engine, "before_cursor_execute", capture)
    with db.make_session_factory(engine).begin() as session:
        assert owner_card_named(session=session, team_id=TEAM_ID, name="acme") is not None
    engine.dispose()
    return [(s, [str(v) if hasattr(v, "value") else v for v in p]) for s, p in seen]


def run(way: str, url: str, statements: list[tuple[str, list[Any]]], runs: int) -> None:
    """`runs` cards' reads, one way (the child process callgrind counts)."""
    path = url.removeprefix("sqlite:///")
    if way == "sqlite3":
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

        def once() -> None:
            for statement, parameters in statements:
                connection.execute(statement, parameters).fetchall()
    else:
        factory = db.make_session_factory(db.make_engine(url))

        def once() -> None:
            with factory.begin() as session:
                if way == "models":
                    owner_card_named(session=session, team_id=TEAM_ID, name="acme")
                    return
                driver = session.connection().connection.driver_connection
                for statement, parameters in statements:
                    driver.execute(statement, parameters).fetchall()

    for _ in range(3 + runs):  # three to warm up, in both counts alike
        once()


def instructions(way: str, url: str, statements_file: Path, runs: int) -> int:
    command = [sys.executable, __file__, "--child", way, url, str(statements_file), str(runs)]
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    found = re.search(r"Collected : (\d+)", out)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{out[-2000:]}")
    return int(found.group(1))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        way, url, statements_file, runs = sys.argv[2:6]
        run(way, url, json.loads(Path(statements_file).read_text()), int(runs))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("needs valgrind (callgrind counts the instructions)")
    with tempfile.TemporaryDirectory(prefix="rapport-floor-") as folder:
        url = f"sqlite:///{folder}/store.db"
        build_store(url, SIZES["small"])
        statements = captured(url)
        statements_file = Path(folder) / "statements.json"
        statements_file.write_text(json.dumps(statements))
        print(f"/who-owns acme reads {len(statements)} statements; instructions per card:")
        for way, label in WAYS.items():
            base = instructions(way, url, statements_file, 0)
            more = instructions(way, url, statements_file, args.runs)
            print(f"  {label:<32} {(more - base) / args.runs / 1e6:6.2f} M")


if __name__ == "__main__":
    main()
