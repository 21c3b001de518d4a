"""How fast account names resolve in a big workspace, on SQLite or PostgreSQL.

    python bench/resolve.py [--accounts 100000] [--queries 200] [--database-url URL]

Builds a fresh database (a temporary SQLite file, or a temporary database on the PostgreSQL
server named by --database-url, dropped at the end), migrates it, inserts N company names for
one workspace plus a few hundred for another and some deleted ones, then times
`resolve_account` and `guess_account_in_text` one transaction per call, as a handler would.
Last, a sweep of --sweep one-slip typos (1,500 by default) prints how often the account meant
is the match or among the choices or nearest names offered: the quality bar is 99%.
"""

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import db
from models.accounts import Account, AccountStatus, normalize_name
from models.matching import Candidate, Resolution, guess_account_in_text, resolve_account
from tests.databases import temporary_database

TEAM_ID = "T0BENCH"
OTHER_TEAM_ID = "T0OTHER"
OTHER_TEAM_ACCOUNTS = 300
DELETED_ACCOUNTS = 500
# Names the queries below rely on, whatever the generator produces around them.
ANCHORS = ["Acme Widgets Inc.", "Acme Robotics", "Globex Corporation", "Initech", "Umbrella Corp"]


def _words(text: str) -> list[str]:
    return text.split()


_STARTS = _words(
    "ac al am ar as bel bri cal cor cy dav del el en fen gal gor hel hy in jun kel lum mar mer "
    "nov or pal quin ros sol tal tor ul ver wes xan yor zen zy"
)
_MIDDLES = ["a", "e", "i", "o", "u", "ar", "en", "is", "on", "el", "ri", "ta", "", "", ""]
_ENDS = _words("tech tex ra ion ex ix ova ium ly co ant ence gen via dyne logic soft net tron")
_INDUSTRIES = _words(
    "Analytics Systems Logistics Robotics Labs Partners Holdings Foods Energy Capital Software "
    "Health Media Consulting Group Industries Solutions Networks Pharma Motors Studios Ventures "
    "Dynamics Marine Foundry Textiles Bakery Brewing Insurance Architects Freight"
)
_SURNAMES = _words(
    "Smith Müller García Nguyen Kowalski Rossi Dubois Olsen Tanaka Kessler Okafor Silva Novak "
    "Horvat Jensen Becker Moreau Costa Lindqvist Patel Ferreira O'Brien Schäfer Ivanova Çelik"
)
_ADJECTIVES = _words(
    "Blue Red Silver Golden Bright Swift Prime Apex Summit Evergreen Northern Pacific Atlantic "
    "Urban Rapid Noble True Nova Alpine Coastal Société Générale"
)
_NOUNS = _words(
    "Harbor River Peak Fox Falcon Oak Cedar Bridge Anchor Beacon Lantern Meadow Forge Arrow "
    "Crown Compass Harvest Orbit Signal Tide"
)
_LEGAL = ["", "", "", "", "", " Inc", " Inc.", ", Inc.", " LLC", " Ltd", " GmbH", " Corp"]
_LEGAL += [" Co", " SA", " AG", " BV", " plc"]


def company_name(rng: random.Random) -> str:
    """A plausible company name: coined words, surnames, places and industries, legal forms."""
    coined = (rng.choice(_STARTS) + rng.choice(_MIDDLES) + rng.choice(_ENDS)).capitalize()
    industry, surname = rng.choice(_INDUSTRIES), rng.choice(_SURNAMES)
    base = rng.choice(
        [
            coined,
            f"{coined} {industry}",
            f"{surname} {industry}",
            f"{surname} & {rng.choice(_SURNAMES)}",
            f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {industry}",
            f"{coined} {rng.choice(_NOUNS)} {industry}",
        ]
    )
    return base + rng.choice(_LEGAL)


def company_names(count: int, rng: random.Random, *, taken: set[str]) -> list[str]:
    """`count` names whose normalized forms are new to `taken` (which is updated)."""
    names: list[str] = []
    while len(names) < count:
        name = company_name(rng)
        if normalize_name(name) not in taken:
            taken.add(normalize_name(name))
            names.append(name)
    return names


def typo(name: str, rng: random.Random) -> str:
    """The name with one slip of the finger: a letter dropped, doubled, swapped or replaced."""
    if len(name) < 4:
        return name + name[-1]
    at = rng.randrange(1, len(name) - 2)
    kind = rng.choice(["drop", "double", "swap", "replace"])
    if kind == "drop":
        return name[:at] + name[at + 1 :]
    if kind == "double":
        return name[:at] + name[at] + name[at:]
    if kind == "swap":
        return name[:at] + name[at + 1] + name[at] + name[at + 2 :]
    return name[:at] + rng.choice("aeiourstn") + name[at + 1 :]


def fill(engine: Engine, names: list[str], other: list[str], deleted: list[str]) -> None:
    now = datetime.now(UTC)
    rows = [(TEAM_ID, name, AccountStatus.ACTIVE) for name in names]
    rows += [(OTHER_TEAM_ID, name, AccountStatus.ACTIVE) for name in other]
    rows += [(TEAM_ID, name, AccountStatus.DELETED) for name in deleted]
    with engine.begin() as connection:
        for start in range(0, len(rows), 10_000):
            connection.execute(
                insert(Account),
                [
                    {
                        "team_id": team_id,
                        "name": name,
                        "normalized_name": normalize_name(name),
                        "status": status.value,
                        "created_at": now,
                    }
                    for team_id, name, status in rows[start : start + 10_000]
                ],
            )
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE accounts"))


Case = list[tuple[str, str | None]]  # (what is typed, the account meant, if any)


def build_cases(names: list[str], rng: random.Random, queries: int) -> dict[str, Case]:
    first_words = Counter(name.split()[0] for name in names if len(name.split()) > 1)
    keys = {normalize_name(name) for name in names}
    shared = [w for w, count in first_words.items() if count > 1 and normalize_name(w) not in keys]
    unknown = company_names(queries, random.Random(99), taken=keys)
    exact, typos = rng.sample(names, queries), rng.sample(names, queries)
    casings: list[Callable[[str], str]] = [str.upper, str.lower, str.strip]
    cases: dict[str, Case] = {
        "exact hit": [(rng.choice(casings)(name), name) for name in exact],
        "typo": [(typo(name, rng), name) for name in typos],
        "ambiguous": [("Acme", None), *((rng.choice(shared), None) for _ in range(queries - 1))],
        "unknown": [(name, None) for name in unknown],
    }
    return cases


def timed(
    call: Callable[[Session, str], Resolution | Candidate | None],
    factory: sessionmaker[Session],
    case: Case,
) -> tuple[list[float], Counter[str]]:
    timings: list[float] = []
    outcomes: Counter[str] = Counter()
    for query, meant in case:
        started = time.perf_counter()
        with factory.begin() as session:
            result = call(session, query)
        timings.append((time.perf_counter() - started) * 1000)
        outcomes[outcome(result, meant)] += 1
    return timings, outcomes


def outcome(result: Resolution | Candidate | None, meant: str | None) -> str:
    """What the user saw, and for a known target whether it was the one they meant."""
    if isinstance(result, Resolution):
        shown = [result.match] if result.match else result.choices or result.nearest
        kind = "match" if result.match else "choices" if result.choices else "nearest"
        kind = kind if shown else "nothing"
    else:
        shown, kind = [result] if result else [], "found" if result else "nothing"
    if meant is None or not shown:
        return kind
    return f"{kind} {'(right)' if meant in [c.name for c in shown if c] else '(wrong)'}"


def intended(outcomes: Counter[str]) -> str:
    """How often the account meant was the match, or among the names offered."""
    total = sum(outcomes.values())
    right = sum(count for kind, count in outcomes.items() if kind.endswith("(right)"))
    matched = outcomes["match (right)"]
    return (
        f"meant account matched {matched:,} ({matched / total:.1%}), matched or offered "
        f"{right:,} of {total:,} ({right / total:.1%})"
    )


def _spells_another(typed: str, meant: str | None, keys: set[str]) -> bool:
    key = normalize_name(typed)
    return meant is not None and key != normalize_name(meant) and key in keys


def report(label: str, timings: list[float], outcomes: Counter[str]) -> None:
    ordered = sorted(timings)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    tally = ", ".join(f"{kind} {count}" for kind, count in sorted(outcomes.items()))
    print(f"  {label:<22} n={len(timings):<4} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  {tally}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200, help="queries per case")
    parser.add_argument("--sweep", type=int, default=1500, help="typos in the quality sweep")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    if args.accounts < 1000 or not 10 <= args.queries <= 1000:
        parser.error("use at least 1,000 accounts and 10 to 1,000 queries per case")

    rng = random.Random(2026)
    taken = {normalize_name(name) for name in ANCHORS}
    names = ANCHORS + company_names(args.accounts - len(ANCHORS), rng, taken=taken)
    deleted = company_names(DELETED_ACCOUNTS, rng, taken=taken)
    other = company_names(OTHER_TEAM_ACCOUNTS, rng, taken=set())
    cases = build_cases(names, rng, args.queries)
    sentences: Case = [
        (f"Spoke with Dana at {name} today, they want a quote", name)
        for name in rng.sample(names, args.queries)
    ]
    sweep_rng = random.Random(1500)  # its own seed: the cases above stay the same
    sweep: Case = [
        (typo(name, sweep_rng), name)
        for name in sweep_rng.sample(names, min(args.sweep, len(names)))
    ]

    with temporary_database(args.database_url, prefix="rapport_bench") as url:
        engine = db.make_engine(url)
        try:
            started = time.perf_counter()
            db.upgrade(engine)
            fill(engine, names, other, deleted)
            setup = time.perf_counter() - started
            print(
                f"{engine.dialect.name}: {len(names):,} accounts in {TEAM_ID}, {len(other)} in "
                f"{OTHER_TEAM_ID}, {len(deleted)} deleted; setup {setup:.1f} s"
            )
            factory = db.make_session_factory(engine)
            resolve = lambda s, q: resolve_account(session=s, team_id=TEAM_ID, name=q)  # noqa: E731
            timed(resolve, factory, cases["exact hit"][:5] + cases["unknown"][:5])  # warm up
            for label, case in cases.items():
                report(f"resolve: {label}", *timed(resolve, factory, case))
            guess = lambda s, q: guess_account_in_text(session=s, team_id=TEAM_ID, text=q)  # noqa: E731
            report("guess_account_in_text", *timed(guess, factory, sentences))
            timings, outcomes = timed(resolve, factory, sweep)
            report("resolve: typo sweep", timings, outcomes)
            print(f"  typo sweep: {intended(outcomes)}")
            # A slip can spell another account's name exactly ("Calaant" -> "Calant"): that
            # account is the match, rightly; no resolver can tell it was meant as the other.
            keys = {normalize_name(name) for name in names}
            spelled = [(q, meant) for q, meant in sweep if _spells_another(q, meant, keys)]
            others = [case for case in sweep if case not in spelled]
            print(
                f"  typo sweep: {len(spelled)} typos spell another account's name exactly; "
                f"of the other {len(others):,}: {intended(timed(resolve, factory, others)[1])}"
            )
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
