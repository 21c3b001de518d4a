"""How fast `rapport duplicates` finds likely duplicates in a big workspace.

    python bench/duplicates.py [--accounts 100000] [--database-url URL]

Builds a fresh database (as bench/resolve.py does) with N generated company names, 1% of them
doubled with a one-letter typo, and times `models.duplicates.list_duplicates`: how many of the
planted pairs it finds, and how many pairs it reports in all.
"""

import argparse
import random
import sys
import time
from pathlib import Path

from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.resolve import TEAM_ID, company_names, fill, typo
from bot import db
from models.accounts import normalize_name
from models.duplicates import list_duplicates
from tests.databases import temporary_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    rng = random.Random(13)
    taken: set[str] = set()
    names = company_names(args.accounts, rng, taken=taken)
    planted = set()
    for name in rng.sample(names, args.accounts // 100):
        twin = typo(name, rng)
        if normalize_name(twin) and normalize_name(twin) not in taken:
            taken.add(normalize_name(twin))
            names.append(twin)
            planted.add(frozenset((name, twin)))
    with temporary_database(args.database_url) as url:
        engine = db.make_engine(url)
        db.upgrade(engine)
        fill(engine, names, [], [])
        with Session(engine) as session:
            started = time.perf_counter()
            pairs = list_duplicates(session=session, team_id=TEAM_ID)
            took = time.perf_counter() - started
        engine.dispose()
    found = {frozenset((p.first.name, p.second.name)) for p in pairs}
    print(
        f"{engine.dialect.name}: {len(names):,} accounts, {took:.2f} s, {len(pairs):,} pairs, "
        f"{len(found & planted)}/{len(planted)} planted typo pairs found"
    )


if __name__ == "__main__":
    main()
