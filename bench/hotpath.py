"""The hot path's stores, requests and in-process costs, for bench/ack.py.

- `build_store(url, size)`: migrates a fresh database and fills it (SQLAlchemy Core inserts):
  the workspace T0001 (Rapport's stand-in workspace) with `size.accounts` accounts, their
  interactions, open and closed follow-ups and deals, and a second workspace around it. "Acme" is
  the same in every store (120 interactions, 3 open follow-ups, 2 open deals and a won one):
  only the store around it grows, so a hot query whose cost grows with the store shows.
- `KINDS` and `request_body`: the five requests, as Slack sends them (bot.standin.payloads).
- `measure_in_process`: Rapport built with bot.runtime.build_runtime on the store, one request
  of each kind dispatched at a time (bot.standin.inprocess); what it answered, and the SQL
  statements each request ran, with their parameters (bench.history.captured_sql: a
  `before_cursor_execute` listener, every thread included; bench/plans.py explains them).
- `python -m bench.hotpath callgrind ...`: what bench/ack.py --callgrind runs under valgrind;
  see `callgrind_main` for how instructions per request are counted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from slack_bolt import App
from sqlalchemy import Engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.history import captured_sql, insert_rows, reps
from bot import db
from bot.standin.inprocess import dispatch_to
from bot.standin.listeners import ListenerWork
from bot.standin.payloads import TEAM_ID, button_payload, command_form
from bot.standin.wire import SlackRequest, form_request, interactive_request, signed
from models.accounts import Account, normalize_name
from models.deals import Deal, DealStageChange
from models.followups import Followup
from models.interactions import Interaction
from models.reps import Rep

SECRET = "bench-signing-secret"
USER, CHANNEL = "U0ALICE", "C0SALES01"
OTHER_TEAM_ID = "T0OTHER"
HISTORY_BUTTON = "history_show"  # handlers.ids.LookupAction.SHOW_HISTORY, on every owner card
# Each request kind: (slash command, its text) or, for the click, None.
KINDS: dict[str, tuple[str, str] | None] = {
    "who-owns": ("/who-owns", "acme"),
    "history": ("/history", "acme"),
    "log-call": ("/log-call", "Acme: talked about the renewal, ref {ref}"),
    "click-history": None,  # the History button of the /who-owns acme card
    "crm-help": ("/crm", "help"),
}
CHUNK = 50_000
ACME_INTERACTIONS = 120
KINDS_OF_TOUCH = ["call", "call", "meeting", "email", "note"]
TABLES = ["reps", "accounts", "interactions", "deals", "deal_stage_changes", "followups"]


@dataclass(frozen=True)
class StoreSize:
    name: str
    accounts: int
    interactions: int
    open_followups: int
    closed_followups: int
    deals: int  # each walked Lead -> ... in a few stage changes


SIZES = {
    "small": StoreSize("small", 300, 3_000, 150, 300, 60),
    "big": StoreSize("big", 100_000, 1_000_000, 200_000, 100_000, 20_000),
}


# -- the store -------------------------------------------------------------------------------------


def build_store(url: str, size: StoreSize) -> float:
    """Migrate the empty database at `url` and fill it; the seconds it took."""
    started = time.perf_counter()
    engine = db.make_engine(url, timeouts=db.MAINTENANCE_TIMEOUTS)  # a chunk may take seconds
    try:
        db.upgrade(engine)
        fill(engine, size, random.Random(2026), datetime.now(UTC))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def fill(engine: Engine, size: StoreSize, rng: random.Random, now: datetime) -> None:
    team_reps = insert_rows(engine, Rep, reps(TEAM_ID, 12))
    other_reps = insert_rows(engine, Rep, reps(OTHER_TEAM_ID, 3))
    [acme] = insert_rows(engine, Account, [account_row(TEAM_ID, "Acme", team_reps[0], now)])
    names = [f"Account {n:06}" for n in range(size.accounts - 1)]
    others = insert_rows(
        engine,
        Account,
        [account_row(TEAM_ID, name, team_reps[n % 12], now) for n, name in enumerate(names)],
    )
    other_team = max(10, size.accounts // 100)
    # The other workspace has an Acme too: "acme" must still mean one account here.
    other_accounts = insert_rows(
        engine,
        Account,
        [account_row(OTHER_TEAM_ID, "Acme", other_reps[0], now)]
        + [
            account_row(OTHER_TEAM_ID, f"Other {n}", other_reps[n % 3], now)
            for n in range(other_team)
        ],
    )
    span = timedelta(days=730)
    insert_chunked(
        engine,
        Interaction,
        interactions(rng, TEAM_ID, others, team_reps, size.interactions, now, span),
    )
    insert_chunked(
        engine,
        Interaction,
        interactions(rng, TEAM_ID, [acme], team_reps, ACME_INTERACTIONS, now, timedelta(days=120)),
    )
    insert_chunked(
        engine,
        Interaction,
        interactions(
            rng, OTHER_TEAM_ID, other_accounts, other_reps, size.interactions // 100, now, span
        ),
    )
    insert_chunked(engine, Followup, followups(rng, TEAM_ID, others, team_reps, size, now))
    insert_chunked(engine, Followup, acme_followups(acme, team_reps, now))
    deals(engine, rng, TEAM_ID, others[: size.deals], team_reps, now, open_=False)
    deals(engine, rng, TEAM_ID, [acme, acme], team_reps, now, open_=True)
    deals(engine, rng, TEAM_ID, [acme], team_reps, now, open_=False)
    if engine.dialect.name == "postgresql":
        # autovacuum analyzes a table soon after a bulk load; SQLite analyzes nothing by itself.
        with engine.begin() as connection:
            connection.execute(text("ANALYZE " + ", ".join(TABLES)))


def account_row(team_id: str, name: str, owner_id: int, now: datetime) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "name": name,
        "normalized_name": normalize_name(name),
        "status": "active",
        "owner_id": owner_id,
        "owner_since": now - timedelta(days=400),
        "created_at": now - timedelta(days=800),
    }


def insert_chunked(engine: Engine, table: Any, rows: Iterator[dict[str, Any]]) -> None:
    """Insert rows as they come, CHUNK at a time, in one transaction (no ids back)."""
    with engine.begin() as connection:
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                connection.execute(insert(table), chunk)
                chunk = []
        if chunk:
            connection.execute(insert(table), chunk)


def interactions(
    rng: random.Random,
    team_id: str,
    account_ids: list[int],
    rep_ids: list[int],
    count: int,
    now: datetime,
    span: timedelta,
) -> Iterator[dict[str, Any]]:
    seconds = int(span.total_seconds())
    for n in range(count):
        at = now - timedelta(seconds=rng.randrange(60, seconds))
        yield {
            "team_id": team_id,
            "account_id": account_ids[n % len(account_ids)],
            "rep_id": rep_ids[n % len(rep_ids)],
            "kind": rng.choice(KINDS_OF_TOUCH),
            "summary": f"Talked about the renewal, item {n}; they want SSO and a quote.",
            "occurred_at": at,
            "source": "import",
            "created_at": at,
        }


def followup_row(
    team_id: str, account_id: int, rep_id: int, due: datetime, status: str, now: datetime
) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "rep_id": rep_id,
        "account_id": account_id,
        "due_at": due,
        "note": "send the contract",
        "status": status,
        "snoozed_count": 0,
        "nudge_attempts": 0,
        "next_attempt_at": due if status == "open" else None,
        "completed_at": None if status == "open" else due,
        "created_at": now - timedelta(days=40),
    }


def followups(
    rng: random.Random,
    team_id: str,
    account_ids: list[int],
    rep_ids: list[int],
    size: StoreSize,
    now: datetime,
) -> Iterator[dict[str, Any]]:
    """Open follow-ups due from a month ago to two months ahead; closed ones in the past."""
    for n in range(size.open_followups + size.closed_followups):
        is_open = n < size.open_followups
        hours = rng.randrange(-24 * 30, 24 * 60) if is_open else -rng.randrange(24, 24 * 365)
        yield followup_row(
            team_id,
            account_ids[n % len(account_ids)],
            rep_ids[n % len(rep_ids)],
            now + timedelta(hours=hours),
            "open" if is_open else rng.choice(["done", "canceled"]),
            now,
        )


def acme_followups(acme: int, rep_ids: list[int], now: datetime) -> Iterator[dict[str, Any]]:
    for days in (3, 9, 20):
        yield followup_row(
            TEAM_ID, acme, rep_ids[days % len(rep_ids)], now + timedelta(days=days), "open", now
        )
    for days in (5, 15, 30, 60):
        yield followup_row(TEAM_ID, acme, rep_ids[0], now - timedelta(days=days), "done", now)


STAGES = ["Lead", "Qualified", "Demo", "Proposal", "Negotiation", "Won"]


def deals(
    engine: Engine,
    rng: random.Random,
    team_id: str,
    account_ids: list[int],
    rep_ids: list[int],
    now: datetime,
    *,
    open_: bool,
) -> None:
    """A deal per entry of `account_ids`: open ones at Demo or Proposal, the others Won."""
    rows: list[dict[str, Any]] = []
    for n, account_id in enumerate(account_ids):
        stage = STAGES[2 + n % 2] if open_ else STAGES[-1]
        rows.append(
            {
                "team_id": team_id,
                "account_id": account_id,
                "owner_id": rep_ids[n % len(rep_ids)],
                "name": f"Deal {n}",
                "stage": stage,
                "amount_minor": rng.randrange(100_000, 10_000_000),
                "currency": "USD",
                "stage_changed_at": now - timedelta(days=10),
                "closed_at": None if open_ else now - timedelta(days=10),
                "created_at": now - timedelta(days=100),
            }
        )
    deal_ids = insert_rows(engine, Deal, rows)
    changes = []
    for deal_id, deal in zip(deal_ids, rows, strict=True):
        walked = STAGES[: STAGES.index(deal["stage"]) + 1]
        for step, (from_stage, to_stage) in enumerate(zip([None, *walked], walked, strict=False)):
            changes.append(
                {
                    "team_id": team_id,
                    "deal_id": deal_id,
                    "account_id": deal["account_id"],
                    "from_stage": from_stage,
                    "to_stage": to_stage,
                    "changed_by_id": deal["owner_id"],
                    "changed_at": now - timedelta(days=100 - 15 * step),
                }
            )
    insert_chunked(engine, DealStageChange, iter(changes))


# -- the requests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requests:
    """What a client needs to make any request: where answers go, and the click's whole body."""

    response_url: str  # bench/ack.py's sink; Rapport posts the click's answer there
    click_body: str = ""  # form-encoded block_actions payload

    def body(self, kind: str, n: int, tag: str) -> str:
        """The n-th request of `kind` from the client `tag`: a /log-call writes something new."""
        command = KINDS[kind]
        if command is None:
            return self.click_body
        name, typed = command
        fields = command_form(
            name,
            typed.format(ref=tag + letters(n)),
            response_url=f"{self.response_url}/{kind}",
            trigger_id=f"{n}.{tag}",
            user_id=USER,
            channel_id=CHANNEL,
        )
        return urllib.parse.urlencode(fields)


def letters(n: int) -> str:
    """n in letters ("b", "ba", ...): a /log-call's reference that no date parser reads."""
    out = ""
    while True:
        n, digit = divmod(n, 26)
        out = chr(ord("a") + digit) + out
        if n == 0:
            return out


def click_body(card: dict[str, Any], response_url: str) -> str:
    """A click on the History button of `card` (a /who-owns answer: ephemeral, so no message)."""
    payload = button_payload(
        card,
        HISTORY_BUTTON,
        response_url=f"{response_url}/click-history",
        trigger_id="1.222.0000a1",
        action_ts=f"{int(time.time())}.000100",
        user_id=USER,
        channel_id=CHANNEL,
        is_ephemeral=True,
    )
    return interactive_request(payload).body


def form_of(body: str) -> SlackRequest:
    return SlackRequest(body, form_request({}).headers)


# -- the response_url sink -------------------------------------------------------------------------


class ResponseSink:
    """A response_url endpoint on 127.0.0.1 that takes every post (200 "ok"); it keeps the count
    and the last body per path."""

    def __init__(self) -> None:
        sink = self
        self.lock = threading.Lock()
        self.posts: dict[str, int] = {}
        self.last: dict[str, bytes] = {}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps a connection open for a client that asks

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.lock:
                    sink.posts[self.path] = sink.posts.get(self.path, 0) + 1
                    sink.last[self.path] = raw
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> ResponseSink:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def last_json(self, kind: str) -> dict[str, Any]:
        with self.lock:
            return json.loads(self.last[f"/hooks/{kind}"])

    def count(self, kind: str) -> int:
        with self.lock:
            return self.posts.get(f"/hooks/{kind}", 0)


# -- in process ------------------------------------------------------------------------------------


class InProcessApp:
    """Requests dispatched straight into a Bolt app, each waited for to the end of its work."""

    def __init__(self, app: App, settle: Callable[[], None] = lambda: None) -> None:
        self.send = dispatch_to(app)
        self.work = ListenerWork(app)
        self.settle_more = settle

    def request(self, body: str) -> tuple[int, str]:
        response = self.send(signed(form_of(body), SECRET))
        self.work.wait_idle(timeout=30)
        self.settle_more()
        return response.status_code, response.text


def rapport_settings(url: str, api_url: str) -> Any:
    from bot.config import Settings

    return Settings(
        _env_file=None,
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=api_url,
        DATABASE_URL=url,
    )


@contextmanager
def rapport_in_process(url: str, api_url: str) -> Iterator[tuple[InProcessApp, Engine]]:
    from bot.runtime import build_runtime

    runtime = build_runtime(rapport_settings(url, api_url))
    directory = runtime.deps.directory
    try:
        yield InProcessApp(runtime.app, settle=directory.wait_idle), runtime.engine
    finally:
        directory.close()
        runtime.close()


@dataclass
class InProcess:
    answers: dict[str, dict[str, Any]]  # per kind: the ack's message, or the click's post
    statements: dict[str, float]  # per kind: SQL statements per request
    requests: Requests  # with the click's body, made from Rapport's own card
    sql: dict[str, list[tuple[str, Any]]]  # per kind: each statement run, with its parameters


def measure_in_process(
    url: str, api_url: str, sink: ResponseSink, kinds: list[str], *, repeat: int = 5, tag: str = ""
) -> InProcess:
    """Rapport's answer to each kind, and the statements `repeat` requests of it ran, with their
    parameters (after two unmeasured ones: the caller and the channel are looked up once, then
    cached). `tag` (letters) makes this run's /log-call texts new in a store used before."""
    requests = Requests(sink.url)
    answers: dict[str, dict[str, Any]] = {}
    statements: dict[str, float] = {}
    sql: dict[str, list[tuple[str, Any]]] = {}
    with rapport_in_process(url, api_url) as (app, engine):
        status, card = app.request(requests.body("who-owns", 0, "warm" + tag))
        check_answer("who-owns", status, card)
        requests = Requests(sink.url, click_body(json.loads(card), sink.url))
        for kind in kinds:
            for n in range(2):
                app.request(requests.body(kind, n, "warm" + tag))
            with captured_sql(engine) as captured:
                for n in range(repeat):
                    status, answer = app.request(requests.body(kind, n, "count" + tag))
                    check_answer(kind, status, answer)
            statements[kind] = len(captured) / repeat
            sql[kind] = captured
            answers[kind] = sink.last_json(kind) if KINDS[kind] is None else json.loads(answer)
    return InProcess(answers, statements, requests, sql)


def check_answer(kind: str, status: int, body: str) -> None:
    """A command's answer rides in its ack; a click's ack is empty (its answer is posted)."""
    if status != 200 or (KINDS[kind] is not None and not body.strip()):
        raise SystemExit(f"{kind}: Rapport answered {status} {body[:300]!r}")
    if kind == "log-call" and "Logged" not in body:
        raise SystemExit(f"log-call logged nothing: {body[:300]!r}")


# -- under callgrind -------------------------------------------------------------------------------


def mark() -> None:
    """A phase boundary: bench/ack.py runs this process with --dump-before=os_getppid, so
    callgrind writes the counts so far to a file of their own and starts again from zero."""
    os.getppid()


def callgrind_main(argv: list[str]) -> None:
    """Instructions per request, counted by callgrind over the whole process (every thread).

    The apps are built and each kind is warmed up (3 requests), then for Rapport and for the
    bare app, kind by kind: a mark, N requests (each waited for to the end of its after-ack
    work), and a last mark. So dump 1 is start-up and warm-up, dump 2+i the i-th (app, kind)
    in that order, each one's instructions / N being the figure; the rest is teardown.
    The fake Slack API and the response_url sink run in bench/ack.py, outside valgrind."""
    parser = argparse.ArgumentParser(prog="python -m bench.hotpath callgrind")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--answers", required=True, help="bench/bare_app.py's answers file")
    parser.add_argument("--kinds", required=True)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args(argv)
    from bench import bare_app
    from bot import write_turns

    # SQLite's background checkpoint runs 0.2 s after a commit: at full speed once per hundreds
    # of /log-calls (about 0.5 M instructions each: a few thousand a commit), but under valgrind,
    # 50 times slower, after nearly every one, and into the next phase's counts. Left out.
    write_turns.Checkpoints.soon = lambda self: None  # type: ignore[method-assign]

    kinds = args.kinds.split(",")
    saved = json.loads(Path(args.answers).read_text())
    requests = Requests(saved["response_url"], saved["click_body"])
    with rapport_in_process(args.database_url, args.api_url) as (rapport, _):
        bare = InProcessApp(
            bare_app.build_app(
                saved["answers"], token="xoxb-bench", api_url=args.api_url, secret=SECRET
            )
        )
        apps = {"rapport": rapport, "bare": bare}
        for app in apps.values():
            for kind in kinds:
                for n in range(3):
                    app.request(requests.body(kind, n, "cgwarm"))
        for name, app in apps.items():
            for kind in kinds:
                mark()
                for n in range(args.requests):
                    status, body = app.request(requests.body(kind, n, f"cg{name}"))
                    if status != 200:
                        raise SystemExit(f"{name} {kind}: {status} {body[:200]!r}")
        mark()


if __name__ == "__main__":
    if sys.argv[1:2] != ["callgrind"]:
        sys.exit("usage: python -m bench.hotpath callgrind --help")
    callgrind_main(sys.argv[2:])
