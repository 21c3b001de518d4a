"""How fast `rapport import` takes a big file, and whether its memory stays flat as files grow.

    python bench/import.py [--accounts 100000] [--database-url URL] [--sizes 25000,50000]

For each size (the last is --accounts) it writes an accounts file (name, domain, an owner by
email among 20 reps) and a contacts file (one contact per account), imports both into a fresh
database in a child process, and prints the seconds and the child's peak memory (ru_maxrss).
Then it imports the accounts file again (every row unchanged) to time the second pass.
Goal (issue #13): 100,000 accounts in under 30 s on SQLite, memory flat as the file grows.
"""

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.resolve import TEAM_ID, company_names

REPS = 20


def write_files(directory: Path, count: int) -> tuple[Path, Path]:
    rng = random.Random(7)
    names = company_names(count, rng, taken=set())
    accounts, contacts = directory / f"accounts-{count}.csv", directory / f"contacts-{count}.csv"
    with accounts.open("w", newline="") as a, contacts.open("w", newline="") as c:
        account_rows, contact_rows = csv.writer(a), csv.writer(c)
        account_rows.writerow(
            ["Company name", "Company Domain Name", "Company owner", "Create Date"]
        )
        contact_rows.writerow(
            ["First Name", "Last Name", "Email", "Associated Company", "Job Title"]
        )
        for n, name in enumerate(names):
            domain = f"c{n}.example"
            account_rows.writerow([name, domain, f"rep{n % REPS}@bench.test", "2025-03-14 09:12"])
            contact_rows.writerow([f"First{n}", f"Last{n}", f"p{n}@{domain}", name, "Buyer"])
    return accounts, contacts


def child(url: str, files: list[str]) -> None:
    """In its own process: migrate, add the reps, import each file; print JSON timings."""
    from bot import db
    from bot.clitools import Workspace
    from bot.config import Settings
    from bot.importing import run_import
    from bot.runtime import build_deps
    from models.reps import RepProfile, upsert_rep

    settings = Settings(DATABASE_URL=url)  # type: ignore[call-arg]
    engine = db.make_engine(url, pool_size=2)
    db.upgrade(engine)
    deps = build_deps(settings, engine)
    now = datetime.now(UTC)
    with deps.db.begin() as session:
        for n in range(REPS):
            profile = RepProfile(slack_user_id=f"U0REP{n:03d}", name=f"Rep {n}")
            rep = upsert_rep(session=session, team_id=TEAM_ID, profile=profile, now=now)
            rep.email = f"rep{n}@bench.test"
    ws = Workspace(settings, engine, deps, TEAM_ID, "cli:bench", None)
    timings = []
    for name in files:
        started = time.perf_counter()
        summary = run_import(ws, Path(name))
        timings.append({
            "file": Path(name).name, "seconds": time.perf_counter() - started,
            "counts": {str(k): v for k, v in summary.counts.items()},
        })  # fmt: skip
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"timings": timings, "peak_mb": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--sizes", default="25000,50000", help="smaller sizes, for memory")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1:])
        return
    from tests.databases import temporary_database

    sizes = [int(s) for s in args.sizes.split(",") if s] + [args.accounts]
    with TemporaryDirectory() as tmp:
        for size in sizes:
            accounts, contacts = write_files(Path(tmp), size)
            with temporary_database(args.database_url) as url:
                out = subprocess.run(
                    [sys.executable, __file__, "--child", url, str(accounts), str(contacts),
                     str(accounts)],
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
            result = json.loads(out.stdout.strip().splitlines()[-1])
            kind = url.split(":")[0]
            first, people, again = result["timings"]
            mb = accounts.stat().st_size / 1e6 + contacts.stat().st_size / 1e6
            print(
                f"{kind}: {size:,} accounts {first['seconds']:.1f} s "
                f"({size / first['seconds']:,.0f} rows/s), {size:,} contacts "
                f"{people['seconds']:.1f} s, accounts again (unchanged) {again['seconds']:.1f} s; "
                f"files {mb:.1f} MB, peak memory {result['peak_mb']} MB"
            )
            print(f"  counts: {first['counts']}, {people['counts']}, {again['counts']}")


if __name__ == "__main__":
    main()
