"""How long a sweep of 50,000 due follow-ups takes, Slack's time excluded.

    python bench/nudges.py [--followups 50000] [--batch 2000] [--database-url URL]

Builds a fresh database (a temporary SQLite file, or a temporary database on the PostgreSQL
server named by --database-url, dropped at the end), migrates it and fills it: 500 reps in New
York, London and Berlin, 200 accounts, N follow-ups due before a Tuesday afternoon when every rep
is at work, plus 150,000 open follow-ups due later (the claim must not read them). Then runs one
sweep (handlers.nudges.sweep_nudges) against a Web API client that answers every call at once
and with pacing off, and prints the time spent claiming, rendering the DMs and recording them,
apart, and in all. Goal: claimed in under 2 s, all of it under 10 s.
"""

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import db
from handlers.deps import Deps
from handlers.nudges import Pacer, sweep_nudges
from models.accounts import Account
from models.followups import Followup
from models.reps import Rep
from tests.databases import temporary_database

TEAM_ID = "T0BENCH"
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday: 10:00 New York, 16:00 Berlin
ZONES = ["America/New_York", "Europe/London", "Europe/Berlin"]
REPS, ACCOUNTS, LATER, CHUNK = 500, 200, 150_000, 10_000


class InstantSlack(WebClient):
    """Answers chat.postMessage, conversations.open and auth.test at once, like Slack would."""

    def __init__(self) -> None:
        super().__init__(token="xoxb-bench", base_url="http://127.0.0.1:9/api/")
        self.ts = count(1)

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        data: dict[str, Any] = {"ok": True}
        if api_method == "auth.test":
            data["team_id"] = TEAM_ID
        elif api_method == "chat.postMessage":
            channel = (kwargs.get("json") or kwargs.get("params") or {}).get("channel")
            data |= {"channel": channel, "ts": f"1764000000.{next(self.ts):06d}"}
        elif api_method == "conversations.open":
            users = (kwargs.get("params") or kwargs.get("data") or {}).get("users", "U0")
            data["channel"] = {"id": "D" + str(users)[1:]}
        return SlackResponse(
            client=self, http_verb="POST", api_url=api_method, req_args={}, data=data,
            headers={}, status_code=200,
        ).validate()  # fmt: skip


def fill(engine: Engine, n: int) -> None:
    with engine.begin() as connection:
        reps = [
            {"team_id": TEAM_ID, "slack_user_id": f"U{i:06d}", "name": f"rep {i}",
             "tz": ZONES[i % 3], "is_admin": False, "active": True, "is_guest": False,
             "is_bot": False, "deleted": False, "home_team_id": TEAM_ID, "locale": "",
             "created_at": NOW, "updated_at": NOW, "checked_at": NOW,
             "dm_channel": f"D{i:06d}"}
            for i in range(REPS)
        ]  # fmt: skip
        rep_ids = (
            connection.execute(insert(Rep).returning(Rep.id, sort_by_parameter_order=True), reps)
            .scalars()
            .all()
        )
        accounts = [
            {"team_id": TEAM_ID, "name": f"Account {i}", "normalized_name": f"account {i}",
             "owner_id": rep_ids[i % REPS], "created_by_id": rep_ids[i % REPS],
             "created_at": NOW, "updated_at": NOW, "last_touched_at": NOW - timedelta(days=i)}
            for i in range(ACCOUNTS)
        ]  # fmt: skip
        account_ids = (
            connection.execute(
                insert(Account).returning(Account.id, sort_by_parameter_order=True), accounts
            )
            .scalars()
            .all()
        )
        rows = []
        for i in range(n + LATER):
            due = NOW - timedelta(seconds=i + 1) if i < n else NOW + timedelta(hours=1 + i % 900)
            rep = rep_ids[i % REPS]
            rows.append(
                {"team_id": TEAM_ID, "rep_id": rep, "created_by_id": rep,
                 "account_id": account_ids[i % ACCOUNTS] if i % 4 else None, "due_at": due,
                 "next_attempt_at": due, "note": f"call back about the renewal #{i}",
                 "status": "open", "snoozed_count": 0, "nudge_attempts": 0,
                 "created_at": NOW - timedelta(days=3)}
            )  # fmt: skip
            if len(rows) == CHUNK:
                connection.execute(insert(Followup), rows)
                rows = []
        if rows:
            connection.execute(insert(Followup), rows)


def run(engine: Engine, n: int, batch: int) -> None:
    started = time.perf_counter()
    db.upgrade(engine)
    fill(engine, n)
    print(f"{engine.dialect.name}: {n:,} due follow-ups, {LATER:,} later, {REPS} reps; "
          f"setup {time.perf_counter() - started:.1f} s")  # fmt: skip
    deps = Deps(db=db.make_session_factory(engine), now=lambda: NOW)
    began = time.perf_counter()
    result = sweep_nudges(
        deps=deps, client=InstantSlack(), now=NOW, pacer=Pacer.off(), batch=batch,
        raw_client=True,
    )  # fmt: skip
    total = time.perf_counter() - began
    with engine.connect() as connection:
        left = connection.scalar(
            select(func.count())
            .select_from(Followup)
            .where(
                Followup.nudged_at.is_(None),
                Followup.due_at <= NOW,  # type: ignore[union-attr]
            )
        )
    times = result.timings
    print(f"sent {result.sent:,} (left unsent: {left}), batches of {batch}")
    print(f"  claim   {times.get('claim', 0):6.2f} s")
    print(f"  render  {times.get('render', 0):6.2f} s")
    print(f"  record  {times.get('record', 0):6.2f} s")
    print(f"  all     {total:6.2f} s  (the rest: the instant client and bookkeeping)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followups", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    if not 1_000 <= args.followups <= 500_000 or not 1 <= args.batch <= 5_000:
        parser.error("use 1,000 to 500,000 follow-ups and batches of 1 to 5,000")
    with temporary_database(args.database_url, prefix="rapport_bench") as url:
        engine = db.make_engine(url, timeouts=db.MAINTENANCE_TIMEOUTS)
        try:
            run(engine, args.followups, args.batch)
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
