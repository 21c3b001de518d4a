"""A fault probe of `rapport serve --http`: fuzzed signed requests on every surface, then a
SIGKILL in the middle of a burst of /log-call commands.

    python bench/faults.py [--seed 1] [--requests 10000] [--concurrency 8] [--database-url URL]

1. Fuzz: `--requests` signed requests spread over every surface the manifest declares (each slash
   command, both shortcuts, every block action, view callback and options id of handlers/ids.py,
   and the events app_mention, message.im and app_home_opened), with the values people control
   fuzzed (text, button values, view state, other workspaces' row ids) and Slack's structure kept;
   about 15% are broken on the wire instead (unsigned, forged, stale or non-integer timestamps,
   non-UTF-8, broken JSON, a JSON array, `payload={broken`, 2 MB). It counts statuses per surface,
   then greps the server's log for tracebacks (Slack-side ones apart from unexpected handler
   errors, first few distinct shown with a request that caused them) and checks that no request
   failing verification made anything reach Slack.
2. SIGKILL: 500 `/log-call Acme: note-<n>` from 16 threads against 2 workers, the server's process
   group killed when half are answered; every note acknowledged with "Logged" must be in the
   database afterwards.

Each phase uses a fresh database: a temporary SQLite file, or a temporary database on the
PostgreSQL server --database-url names. Traffic goes only to 127.0.0.1; every loop is bounded in
time; servers are stopped at the end, on errors and on Ctrl-C. Exits 1 on any 5xx, traceback,
outbound call for a forged request, or lost acknowledged note.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ack import free_port, stop, wait_ready  # noqa: E402
from bot import db  # noqa: E402
from bot.standin.payloads import (  # noqa: E402
    block_suggestion_payload,
    button_payload,
    command_form,
    event_envelope,
    home_menu_payload,
    selected,
    shortcut_payload,
    text_input,
    view_submission_payload,
)
from bot.standin.webapi import FakeSlack  # noqa: E402
from bot.standin.wire import (  # noqa: E402
    FORM,
    event_request,
    form_request,
    interactive_request,
    signed,
)
from handlers.ids import HomeAction, LogAction, LogModal, LookupAction, Shortcut  # noqa: E402
from models.accounts import Account  # noqa: E402
from models.contacts import Contact  # noqa: E402
from models.followups import Followup  # noqa: E402
from models.interactions import Interaction  # noqa: E402
from models.pending import PendingAction  # noqa: E402
from models.reps import Rep  # noqa: E402
from tests.databases import temporary_database  # noqa: E402

SECRET = "faults-signing-secret"
TEAM, OTHER_TEAM = "T0001", "T0OTHER"
ALICE = "U0ALICE"
USERS = [ALICE] * 8 + ["U0BOB", "U0GUEST", "U0NOBODY"]  # a full member mostly; a guest; unknown
CHANNELS = ["C0SALES01"] * 4 + ["C0SHARED1", "D0ALICE"]
BAD_KINDS = [
    "unsigned", "forged", "stale-ts", "nonint-ts",  # fail verification: must reach nothing
    "non-utf8", "broken-json", "json-array", "payload={broken", "2mb",  # signed, broken bodies
]  # fmt: skip
FAILS_VERIFICATION = set(BAD_KINDS[:4])
BAD_SHARE = 0.15

# -- fuzzed values ------------------------------------------------------------------------------

MARKUP = [
    "<!channel>", "<!here>", "<!everyone>", "<@U123|x>", "<@U0ALICE>", "<#C0SALES01|sales>",
    "<https://x|y>", "<mailto:a@b.c|a>", "<!subteam^S1|@team>", "<!date^1392734382^{date}|x>",
    "&amp;lt;", "&lt;b&gt;", "&amp;", "&", "<", ">", "*bold*", "_it_", "~s~", "`code`",
    "```pre```", "> quote", "\n• item", "<>", "<|>", "<@>",
]  # fmt: skip
UNICODE = [
    "Ünïcödé", "日本語の会社", "😀👍🏽👨‍👩‍👧", "\u202eevil\u202c", "مرحبا Acme", "שלום",
    "\u200b\u200d\ufeff",
    "Z̸̢͓a̴l̶g̵o̷", "\x00", "\x01\x7f\x1b[31m", "\r\n\t", "\ue000\U0010fffd", "ß", "İı", "²", "١٢",
]  # fmt: skip
WORDS = [
    "Acme", "acme inc", "ACME, Inc.", "Globex", "Initech", "Acmee", ":", "Acme:", "follow up",
    "follow up tomorrow", "fu friday 3pm", "next tuesday", "in 2 weeks", "Dec 3", "31 feb",
    "in 99999999 years", "25:99", "yesterday", "now", "calls", "meetings", "deals", "who owns",
    "history", "what's new with", "help", "new", "assign", "contact", "link", "unlink",
    "pipeline", "@dana", "jane@acme.com", ",", "|", "$48,000", "€12,000", "-1", "0", "9" * 40,
    "'; DROP TABLE accounts;--", "%s%n%(x)s{0}{}", "\\", '"', "../../etc/passwd", "null", "NaN",
]  # fmt: skip
CURSORS = ["2026-11-23T15:00:00+00:00~3~42", "2026-11-23T15:00:00~3~42", "x~y~z", "~~", "1~2"]


def fuzz_text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.03:
        return rng.choice(UNICODE + MARKUP + WORDS) * 40_000
    if roll < 0.08:
        return ""
    if roll < 0.15:
        return "".join(chr(c) for c in rng.sample(range(0x20, 0xD7FF), rng.randrange(1, 40)))
    pools = (MARKUP, UNICODE, WORDS, WORDS)
    return " ".join(rng.choice(rng.choice(pools)) for _ in range(rng.randrange(1, 7)))


def fuzz_id(rng: random.Random, ids: list[int]) -> str:
    """A row id as Slack would send it back: ours, another workspace's, or garbage."""
    if rng.random() < 0.6:
        return str(rng.choice(ids))
    return rng.choice(
        ["0", "-1", str(2**63), "9" * 40, "", "abc", "1.5", " 1", "1|2|3", "²", "١٢", "1e3",
         rng.choice(CURSORS), fuzz_text(rng)[:200]]
    )  # fmt: skip


def button_value(rng: random.Random, action_id: str, ids: list[int]) -> str:
    if rng.random() < 0.2:
        return fuzz_text(rng)[:2000]
    if action_id == LogAction.PICK_ACCOUNT:
        return f"{fuzz_id(rng, ids)}:{fuzz_id(rng, ids)}"
    if action_id in (LookupAction.OLDER, LookupAction.NEWER):
        only = rng.choice(["", "calls", "meetings", "emails", "notes", "deals", "bogus", "|"])
        return "|".join([fuzz_id(rng, ids), only, rng.choice([*CURSORS, fuzz_id(rng, ids)])])
    if action_id == HomeAction.FOLLOWUP:
        return (
            rng.choice(["done", "snooze1", "snooze7", "snooze999", "", "x"])
            + ":"
            + fuzz_id(rng, ids)
        )
    return fuzz_id(rng, ids)


# -- one fuzzed request per surface ---------------------------------------------------------------


@dataclass
class Probe:
    """One request to send: which surface, its bytes, its headers, its response_url."""

    surface: str
    body: bytes
    headers: dict[str, str]
    url: str = ""
    thread_ts: str = ""
    forged: bool = False


@dataclass
class Surfaces:
    fake: FakeSlack
    ids: list[int]
    commands: list[str]
    names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        actions = [*LogAction, *LookupAction, *HomeAction]
        views = [LogModal.CALLBACK, LogModal.EDIT_CALLBACK, LogModal.FOLLOWUP_CALLBACK]
        self.names = (
            [f"command {c}" for c in self.commands]
            + [f"shortcut {s}" for s in Shortcut]
            + [f"action {a}" for a in actions]
            + [f"view {v}" for v in views]
            + [f"options {o}" for o in (LogModal.ACCOUNT_SELECT, LogModal.CONTACT_SELECT)]
            + ["event app_mention", "event message.im", "event app_home_opened"]
        )

    def build(self, i: int, seed: int, *, replay: bool = False) -> Probe:
        """Request `i` of the run: the same payload for the same seed (only its urls differ, and a
        replayed event's id, so it isn't taken for Slack's retry)."""
        rng = random.Random(seed * 1_000_003 + i)
        bad = rng.choice(BAD_KINDS) if rng.random() < BAD_SHARE else None
        surface = rng.choice(self.names)
        kind, name = surface.split(" ", 1)
        user, channel = rng.choice(USERS), rng.choice(CHANNELS)
        team = TEAM if rng.random() < 0.95 else OTHER_TEAM
        url = self.fake.response_url(f"fz{i}", channel=channel, user=user)
        tag = f" zqf{i}" if bad in FAILS_VERIFICATION else ""  # found in nothing sent to Slack
        ts, trigger = f"{1_763_900_000 + i}.{i:06d}", f"{i}.222.{i:06x}"
        probe = Probe(surface, b"", {}, url, thread_ts=ts if kind == "event" else "")
        if kind == "command":
            text = rng.choice(["", "new ", "assign ", "contact ", "link ", "Acme: ", "Acme "])
            form = command_form(
                name, text + fuzz_text(rng) + tag, response_url=url, trigger_id=trigger,
                user_id=user, team_id=team, channel_id=channel,
            )  # fmt: skip
            request = form_request(form)
        elif kind == "event":
            event_id = (
                f"Ev{'R' if replay else ''}{i:010d}{time.time_ns() % 10**6 if replay else ''}"
            )
            request = event_request(self.event(rng, name, user, channel, ts, tag, team, event_id))
        else:
            payload = self.interactive(rng, kind, name, user, channel, team, url, ts, trigger, tag)
            request = interactive_request(payload)
        probe.body, probe.headers = request.body.encode(), dict(request.headers)
        if bad is None:
            probe.headers |= signed(request, SECRET).headers
        else:
            self.break_(rng, probe, bad, kind)
        return probe

    def event(
        self, rng: random.Random, name: str, user: str, channel: str, ts: str, tag: str,
        team: str, event_id: str,
    ) -> dict[str, Any]:  # fmt: skip
        words = rng.choice(["who owns ", "history ", "what's new with ", "", "called "])
        event: dict[str, Any] = {"user": user, "ts": ts, "event_ts": ts, "team": team}
        if name == "app_mention":
            event |= {"type": "app_mention", "channel": channel,
                      "text": f"<@U0CRMBOT1> {words}{fuzz_text(rng)}{tag}"}  # fmt: skip
        elif name == "message.im":
            event |= {"type": "message", "channel_type": "im", "channel": "D0ALICE",
                      "text": words + fuzz_text(rng) + tag}  # fmt: skip
            if rng.random() < 0.1:
                event |= rng.choice([{"subtype": "message_changed"}, {"bot_id": "B0OTHER"}])
        else:
            tab = rng.choice(["home", "home", "messages", fuzz_text(rng)[:50]])
            event |= {"type": "app_home_opened", "channel": "D0ALICE", "tab": tab}
        return event_envelope(event, event_id=event_id, event_time=int(time.time()),
                              team_id=team)  # fmt: skip

    def interactive(
        self, rng: random.Random, kind: str, name: str, user: str, channel: str, team: str,
        url: str, ts: str, trigger: str, tag: str,
    ) -> dict[str, Any]:  # fmt: skip
        who = {"user_id": user, "team_id": team}
        if kind == "shortcut":
            message = None
            if name == Shortcut.LOG_MESSAGE:
                message = {"type": "message", "user": rng.choice(USERS), "ts": ts, "team": team,
                           "text": fuzz_text(rng) + tag}  # fmt: skip
            return shortcut_payload(name, trigger_id=trigger, action_ts=ts, message=message,
                                    response_url=url, channel_id=channel, **who)  # fmt: skip
        if kind == "action":
            value = button_value(rng, name, self.ids) + tag
            if name == HomeAction.FOLLOWUP:
                option = {"text": {"type": "plain_text", "text": "Done"}, "value": value}
                return home_menu_payload(option, action_id=name, trigger_id=trigger,
                                         action_ts=ts, **who)  # fmt: skip
            suffix = f"_{rng.randrange(10**rng.randrange(1, 20))}" if name.endswith(
                ("pick_account", "who_owns_show", "history_show")
            ) else ""  # fmt: skip
            button = {"type": "button", "action_id": name + suffix, "value": value,
                      "text": {"type": "plain_text", "text": "x"}}  # fmt: skip
            clicked: dict[str, Any] = {
                "ts": ts,
                "text": fuzz_text(rng)[:3000],
                "blocks": [{"type": "actions", "block_id": "b1", "elements": [button]}],
            }
            return button_payload(clicked, name + suffix, response_url=url, trigger_id=trigger,
                                  action_ts=ts, channel_id=channel, **who)  # fmt: skip
        view = {
            "callback_id": name,
            "title": {"type": "plain_text", "text": "Log"},
            "blocks": [],
            "private_metadata": self.metadata(rng, url, channel, ts),
        }
        values = self.state(rng)
        if kind == "view":
            return view_submission_payload(view, values, trigger_id=trigger,
                                           view_id=f"V{ts[-6:]}", **who)  # fmt: skip
        block = (
            LogModal.ACCOUNT_BLOCK if name == LogModal.ACCOUNT_SELECT else LogModal.CONTACT_BLOCK
        )
        return block_suggestion_payload(view, block, name, fuzz_text(rng) + tag, values=values,
                                        **who)  # fmt: skip

    def metadata(self, rng: random.Random, url: str, channel: str, ts: str) -> str:
        """What the app put in private_metadata (Slack hands it back as is); rarely broken."""
        if rng.random() < 0.05:
            return rng.choice(["", "{", "[]", "null", '"x"', "x" * 3000, '{"source": 1}'])
        meta: dict[str, Any] = {"source": rng.choice(["modal", "home", "message_shortcut"]),
                                "response_url": url}  # fmt: skip
        if rng.random() < 0.5:
            meta |= {"channel_id": channel, "message_ts": ts, "author_id": rng.choice(USERS)}
        if rng.random() < 0.7:
            raw = fuzz_id(rng, self.ids)
            meta["interaction_id"] = int(raw) if re.fullmatch(r"-?\d{1,30}", raw) else raw
        return json.dumps(meta)

    def state(self, rng: random.Random) -> dict[str, Any]:
        values: dict[str, Any] = {}
        account = rng.choice([fuzz_id(rng, self.ids), "new:" + fuzz_text(rng)[:200], None])
        external, dates = "external_select", [*WORDS, None]
        parts = [
            selected(LogModal.ACCOUNT_BLOCK, LogModal.ACCOUNT_SELECT, account, kind=external),
            selected(LogModal.KIND_BLOCK, LogModal.KIND_SELECT,
                     rng.choice(["call", "meeting", "email", "note", fuzz_text(rng)[:50]])),
            selected(LogModal.CONTACT_BLOCK, LogModal.CONTACT_SELECT, fuzz_id(rng, self.ids),
                     kind=external),
            text_input(LogModal.NOTES_BLOCK, LogModal.NOTES_INPUT, fuzz_text(rng)),
            text_input(LogModal.WHEN_BLOCK, LogModal.WHEN_INPUT, rng.choice(dates)),
            text_input(LogModal.FOLLOWUP_BLOCK, LogModal.FOLLOWUP_INPUT, rng.choice(dates)),
            text_input(LogModal.FOLLOWUP_NOTE_BLOCK, LogModal.FOLLOWUP_NOTE_INPUT, fuzz_text(rng)),
        ]  # fmt: skip
        for part in parts:
            if rng.random() < 0.85:
                values |= part
        return values

    def break_(self, rng: random.Random, probe: Probe, bad: str, kind: str) -> None:
        """Break request `probe` on the wire the way `bad` says."""
        probe.surface, probe.forged = f"bad {bad}", bad in FAILS_VERIFICATION
        form = "payload=" if kind not in ("command", "event") else ""
        broken = '{"type": "event_callback", "event": {' if not form else '{"type": "block_'
        bodies = {
            "non-utf8": probe.body[: len(probe.body) // 2] + b"\xff\xfe\xc3(" + probe.body[-20:],
            "broken-json": (form + (urllib.parse.quote(broken) if form else broken)).encode(),
            "json-array": (form + ("[1, 2]" if not form else urllib.parse.quote("[]"))).encode(),
            "payload={broken": b"payload={broken",
            "2mb": probe.body + b"&x=" + b"A" * (2 * 1024 * 1024)
            if kind != "event" else probe.body[:-1] + b', "x": "' + b"A" * 2 * 1024 * 1024 + b'"}',
        }  # fmt: skip
        if bad == "payload={broken":
            probe.headers["Content-Type"] = FORM
        probe.body = bodies.get(bad, probe.body)
        now = int(time.time())
        timestamp = {"stale-ts": str(now - 600), "nonint-ts": rng.choice(["abc", "1e9", "", "1.5"])}
        ts = timestamp.get(bad, str(now))
        signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + probe.body,
                                     hashlib.sha256).hexdigest()  # fmt: skip
        if bad in ("forged", "nonint-ts"):  # a forger's: they don't have the secret
            signature = "v0=" + "".join(rng.choice("0123456789abcdef") for _ in range(64))
        if bad != "unsigned":
            probe.headers |= {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


# -- the server, and talking to it --------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def kill(self) -> None:
        """SIGKILL the whole process group: gunicorn's master and every worker, at once."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@contextmanager
def serving(fake: FakeSlack, database_url: str, folder: Path, workers: int) -> Iterator[Server]:
    """`rapport serve --http --no-sweep` on a free loopback port; stopped however we leave."""
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if "proxy" not in k.lower() and not k.startswith(("SLACK_", "RAPPORT_", "WEB_CONC"))
    } | {
        "SLACK_BOT_TOKEN": "xoxb-faults",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
    }
    log = folder / f"server-{port}.log"
    command = [sys.executable, "-m", "bot.cli", "serve", "--http", "--no-sweep"]
    command += ["--port", str(port), "--workers", str(workers)]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, env=env, cwd=folder, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        wait_ready(port, process, log)
        yield Server(process, port, log)
    finally:
        stop(process)


def post(
    port: int, body: bytes, headers: dict[str, str], connection: http.client.HTTPConnection | None
) -> tuple[int | str, str, http.client.HTTPConnection | None]:
    """(status or the error's name, body, the connection to reuse) for one POST."""
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers)
        response = connection.getresponse()
        data = response.read().decode(errors="replace")
        if (response.getheader("connection") or "").lower() == "close":
            connection.close()
            return response.status, data, None
        return response.status, data, connection
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        return type(error).__name__, "", None


def command(server: Server, fake: FakeSlack, name: str, text_: str, user: str = ALICE) -> str:
    """One signed slash command; its ack body."""
    url = fake.response_url("setup", channel="C0SALES01", user=user)
    form = command_form(name, text_, response_url=url, trigger_id="1.2.3", user_id=user)
    request = signed(form_request(form), SECRET)
    status, body, connection = post(server.port, request.body.encode(), request.headers, None)
    if connection is not None:
        connection.close()
    if status != 200:
        raise RuntimeError(f"{name} {text_} answered {status}: {body[:300]}")
    return body


def wait_quiet(fake: FakeSlack, server: Server, *, still: float = 2.0, timeout: float = 30) -> None:
    """Until nothing new reached the fake Slack or the log for `still` seconds (or `timeout`)."""
    deadline, last, since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        now = (len(fake.calls), len(fake.hooks), server.log.stat().st_size)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= still:
            return
        time.sleep(0.1)


def add_people(fake: FakeSlack) -> None:
    fake.add_user(ALICE, name="alice", real_name="Alice Ng", tz="Europe/Berlin")
    fake.add_user("U0BOB", name="bob", real_name="Bob Li")
    fake.add_user("U0GUEST", name="guest", is_restricted=True)
    fake.add_channel("C0SALES01")
    fake.add_channel("C0SHARED1", name="acme-shared", is_ext_shared=True)
    fake.add_channel("D0ALICE", name="alice", is_private=True)


def seed(server: Server, fake: FakeSlack, database_url: str) -> list[int]:
    """Rows of ours made through Slack, another workspace's written directly; the ids to fuzz."""
    for text_ in ("new Acme", "new Globex", "new Acme Labs", "contact Acme: Jane Roe, j@a.co, VP"):
        command(server, fake, "/crm", text_)
    command(server, fake, "/log-call", "Acme: seeded call. Follow up tomorrow")
    command(server, fake, "/log-call", "Acm: which one?")
    engine, now = db.make_engine(database_url), datetime.now(UTC)

    def add(table: Any, **row: Any) -> int:
        with engine.begin() as connection:
            return int(connection.execute(insert(table).returning(table.id), row).scalar_one())

    rep = add(Rep, team_id=OTHER_TEAM, slack_user_id=ALICE, name="other alice", tz="UTC",
              is_admin=True, active=True, created_at=now, updated_at=now)  # fmt: skip
    account = add(Account, team_id=OTHER_TEAM, name="Acme", normalized_name="acme",
                  status="active", owner_id=rep, created_at=now)  # fmt: skip
    ids = [rep, account]
    ids.append(add(Contact, team_id=OTHER_TEAM, account_id=account, name="Eve", email="e@x.co",
                   title=None, created_at=now))  # fmt: skip
    interaction = add(Interaction, team_id=OTHER_TEAM, account_id=account, rep_id=rep,
                      kind="call", summary="theirs", occurred_at=now, source="import",
                      created_at=now)  # fmt: skip
    ids.append(interaction)
    ids.append(add(Followup, team_id=OTHER_TEAM, rep_id=rep, account_id=account,
                   interaction_id=interaction, due_at=now + timedelta(days=1), note="",
                   status="open", snoozed_count=0, nudge_attempts=0, created_at=now))  # fmt: skip
    ids.append(add(PendingAction, team_id=OTHER_TEAM, slack_user_id=ALICE, kind="log_call",
                   payload={"notes": "theirs"}, created_at=now))  # fmt: skip
    engine.dispose()
    return sorted(set(range(1, 10)) | set(ids))


def slash_commands() -> list[str]:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    return [entry["command"] for entry in manifest["features"]["slash_commands"]]


# -- phase 1: fuzz ------------------------------------------------------------------------------


@dataclass
class Sent:
    surface: str
    status: int | str
    ended: float  # wall clock, to line up with the server's log
    body: str
    url: str
    thread_ts: str
    forged: bool


def fire(server: Server, surfaces: Surfaces, args: argparse.Namespace) -> dict[int, Sent]:
    """Every request once, from `--concurrency` keep-alive connections, within --max-seconds."""
    sent: dict[int, Sent] = {}
    numbers, lock = iter(range(args.requests)), threading.Lock()
    deadline = time.monotonic() + args.max_seconds

    def worker() -> None:
        connection = None
        while time.monotonic() < deadline:
            with lock:
                i = next(numbers, None)
            if i is None:
                return
            probe = surfaces.build(i, args.seed)
            status, body, connection = post(server.port, probe.body, probe.headers, connection)
            sent[i] = Sent(probe.surface, status, time.time(), body[:4000], probe.url,
                           probe.thread_ts, probe.forged)  # fmt: skip
            if len(sent) % 2000 == 0:
                print(f"  {len(sent)} sent", flush=True)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.max_seconds + 60)
    return sent


STAMP = r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})"
OURS = re.compile(rf"^{STAMP} (\w+) (\S+) \[([\w-]+)\] (.*)$")
GUNICORN = re.compile(r"^\[[^\]]+\] \[\d+\] \[(\w+)\] (.*)$")
ACCESS = re.compile(r"^POST /slack/events (\S+) ")
SLACK_SIDE = ("SlackApiError", "AnswerLost", "slack_sdk.errors")


@dataclass
class Record:
    at: float
    cid: str
    name: str
    message: str
    more: list[str] = field(default_factory=list)

    @property
    def traceback(self) -> bool:
        return any(line.startswith("Traceback") for line in self.more)

    def kind(self) -> str:
        last = self.more[-1] if self.more else ""
        if any(mark in last for mark in SLACK_SIDE):
            return "slack-side"
        return "unexpected" if "unexpected error" in self.message else "other"

    def signature(self) -> str:
        frames = [line.strip() for line in self.more if re.search(r"/(bot|handlers|models)/", line)]
        where = (
            re.sub(r'^File ".*?/((bot|handlers|models)/[^"]+)"', r"\1", frames[-1])
            if frames
            else ""
        )
        last = re.split(r"""['"]""", self.more[-1].strip())[0] if self.more else ""
        shape = f"{self.kind()} | {self.message} | {last} | {where}"
        return re.sub(r"\d+", "N", re.sub(r"'[^']{0,80}'|\"[^\"]{0,80}\"", "'…'", shape))[:300]


def read_log(text_: str) -> list[Record]:
    records: list[Record] = []
    for line in text_.splitlines():
        if match := OURS.match(line):
            at = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            records.append(Record(at, match[4], match[3], match[5]))
        elif match := GUNICORN.match(line):
            records.append(Record(0.0, "-", "gunicorn", f"[{match[1]}] {match[2]}"))
        elif records:
            records[-1].more.append(line)
    return records


def attribute(
    records: list[Record], sent: dict[int, Sent], fake: FakeSlack
) -> dict[str, list[int]]:
    """cid -> the requests it may have been: the one whose answer names it (ref <cid>), else
    those answered when the server logged that cid's request, with the same status."""
    by_url = {s.url: i for i, s in sent.items()}
    by_ts = {s.thread_ts: i for i, s in sent.items() if s.thread_ts}
    named: dict[str, list[int]] = {}
    for i, s in sent.items():
        for cid in re.findall(r"ref ([0-9a-f]{12})", s.body):
            named[cid] = [i]
    for hook in list(fake.hooks):
        for cid in re.findall(r"ref ([0-9a-f]{12})", json.dumps(hook.body)):
            if hook.url in by_url:
                named[cid] = [by_url[hook.url]]
    for call in list(fake.calls):
        for cid in re.findall(r"ref ([0-9a-f]{12})", json.dumps(call.args, default=str)):
            if str(call.args.get("thread_ts")) in by_ts:
                named[cid] = [by_ts[str(call.args.get("thread_ts"))]]
    for record in records:
        if record.cid in named or not (match := ACCESS.match(record.message)):
            continue
        near = [
            (abs(s.ended - record.at - 0.05), i)
            for i, s in sent.items()
            if str(s.status) == match[1] and -0.02 <= s.ended - record.at <= 0.3
        ]
        named[record.cid] = [i for _, i in sorted(near)[:8]]
    return named


def confirm(
    server: Server, fake: FakeSlack, surfaces: Surfaces, seed_: int, record: Record,
    candidates: list[int],
) -> int | None:  # fmt: skip
    """Replay candidates one at a time until one logs the same kind of traceback again."""
    if len(candidates) == 1:
        return candidates[0]
    for i in candidates:
        offset = server.log.stat().st_size
        probe = surfaces.build(i, seed_, replay=True)
        post(server.port, probe.body, probe.headers, None)
        wait_quiet(fake, server, still=0.5, timeout=5)
        with server.log.open(errors="replace") as log:
            log.seek(offset)
            again = read_log(log.read())
        if any(r.traceback and r.signature() == record.signature() for r in again):
            return i
    return None


def shown(probe: Probe) -> str:
    """The parts of a request that were fuzzed, as a person can read them, cut short."""
    raw = probe.body.decode(errors="replace")
    try:
        if raw.startswith("payload="):
            body = json.loads(urllib.parse.unquote_plus(raw[8:]))
        elif raw.startswith("{"):
            body = json.loads(raw)
        else:
            body = dict(urllib.parse.parse_qsl(raw, strict_parsing=True))
    except ValueError:
        body = None
    if isinstance(body, dict):
        keep = ("type", "command", "text", "user_id", "channel_id", "callback_id", "value", "event")
        picked = {k: body[k] for k in keep if k in body}
        if body.get("actions"):
            action = body["actions"][0]
            picked["action"] = {k: action.get(k) for k in ("action_id", "value", "selected_option")}
        if isinstance(body.get("view"), dict):
            view = body["view"]
            picked["view"] = {k: view.get(k) for k in ("callback_id", "private_metadata", "state")}
        if isinstance(body.get("user"), dict):
            picked["user"] = body["user"].get("id")
        raw = json.dumps(picked, ensure_ascii=False)
    raw = re.sub(r"(.)\1{100,}", lambda m: f"{m[1] * 10}...({len(m[0])} x {m[1]!r})", raw)
    return raw[:900]


def fuzz(args: argparse.Namespace, folder: Path) -> bool:
    with (
        FakeSlack() as fake,
        temporary_database(args.database_url, prefix="rapport_faults") as url,
        serving(fake, url, folder, workers=2) as server,
    ):
        add_people(fake)
        surfaces = Surfaces(fake, seed(server, fake, url), slash_commands())
        fake.reset()
        add_people(fake)
        started = time.monotonic()
        sent = fire(server, surfaces, args)
        seconds = time.monotonic() - started
        wait_quiet(fake, server)
        records = read_log(server.log.read_text(errors="replace"))
        failures = [r for r in records if r.traceback]
        forged = forged_outbound(fake, sent)
        print_statuses(sent, args, seconds)
        distinct: dict[str, list[Record]] = defaultdict(list)
        for record in failures:
            distinct[record.signature()].append(record)
        kinds = Counter(r.kind() for r in failures)
        unexpected = sum("unexpected error" in r.message for r in records)
        fivexx = sum(isinstance(s.status, int) and s.status >= 500 for s in sent.values())
        print(
            f"\n5xx {fivexx}; tracebacks {len(failures)} ({kinds['unexpected']} unexpected handler "
            f"errors, {kinds['slack-side']} Slack-side API errors, {kinds['other']} other; "
            f"{unexpected} 'unexpected error' lines), {len(distinct)} distinct; "
            f"fake Slack violations {len(fake.violations)}; outbound calls for requests failing "
            f"verification {len(forged)}"
        )
        print_failures(server, fake, surfaces, sent, records, distinct, args)
        print_odd_statuses(surfaces, sent, args)
        print_forged(fake, surfaces, sent, forged, args)
        for violation in sorted({re.sub(r"\d+", "N", v)[:240] for v in fake.violations})[:5]:
            print(f"  violation: {violation}")
        return not (fivexx or failures or forged)


def print_failures(
    server: Server, fake: FakeSlack, surfaces: Surfaces, sent: dict[int, Sent],
    records: list[Record], distinct: dict[str, list[Record]], args: argparse.Namespace,
) -> None:  # fmt: skip
    """Every distinct traceback on one line; the most frequent with their stack's end and a
    request that causes them (replayed to make sure when several could have)."""
    ranked = sorted(distinct.items(), key=lambda item: -len(item[1]))
    for signature, group in ranked[:30]:
        print(f"  x{len(group):<5} {signature[:220]}")
    if len(ranked) > 30:
        print(f"  … and {len(ranked) - 30} more")
    candidates = attribute(records, sent, fake)
    for n, (signature, group) in enumerate(ranked[: args.show]):
        record = group[0]
        found = confirm(server, fake, surfaces, args.seed, record,
                        candidates.get(record.cid, [])[:8])  # fmt: skip
        print(f"\n[{n + 1}] x{len(group)}  {signature}")
        stack = [line for line in record.more if line.strip().strip("^~")]
        print("    " + "\n    ".join([record.message, *stack[-5:]]))
        if found is not None:
            probe = surfaces.build(found, args.seed)
            print(f"    e.g. request #{found} ({probe.surface}): {shown(probe)}")


def print_odd_statuses(surfaces: Surfaces, sent: dict[int, Sent], args: argparse.Namespace) -> None:
    """Requests Slack would send that weren't answered 200: a few of each surface."""
    odd: dict[str, list[int]] = defaultdict(list)
    for i, s in sorted(sent.items()):
        if not s.surface.startswith("bad ") and s.status != 200:
            odd[f"{s.surface} -> {s.status}"].append(i)
    for what, numbers in sorted(odd.items()):
        for i in numbers[:2]:
            print(
                f"\n{what} (x{len(numbers)}): request #{i}: {shown(surfaces.build(i, args.seed))}"
            )
            print(f"    answered: {sent[i].body[:200]!r}")


def print_forged(
    fake: FakeSlack, surfaces: Surfaces, sent: dict[int, Sent], forged: list[int],
    args: argparse.Namespace,
) -> None:  # fmt: skip
    kinds = Counter(f"{sent[i].surface} -> {sent[i].status}" for i in forged)
    if forged:
        print(f"\nrequests failing verification that made Rapport post to Slack: {dict(kinds)}")
    for i in forged[:3]:
        probe = surfaces.build(i, args.seed)
        posted = [h.body.get("text") for h in fake.hooks_to(sent[i].url)]
        print(f"  #{i} ({sent[i].surface}): {shown(probe)}\n    headers {probe.headers}\n"
              f"    posted to its response_url: {posted}")  # fmt: skip


def forged_outbound(fake: FakeSlack, sent: dict[int, Sent]) -> list[int]:
    """The requests failing verification on whose behalf something reached Slack: a post to
    their response_url, or any call or post carrying their tag."""
    forged = {i for i, s in sent.items() if s.forged}
    seen = json.dumps([c.args for c in fake.calls] + [h.body for h in fake.hooks], default=str)
    tagged = {int(i) for i in re.findall(r"zqf(\d+)", seen)} & forged
    return sorted(tagged | {i for i in forged if fake.hooks_to(sent[i].url)})


def print_statuses(sent: dict[int, Sent], args: argparse.Namespace, seconds: float) -> None:
    per: dict[str, Counter] = defaultdict(Counter)
    for s in sent.values():
        per[s.surface][s.status] += 1
    print(
        f"\nfuzz: {len(sent)} of {args.requests} requests in {seconds:.0f} s, seed {args.seed}, "
        f"{args.concurrency} connections, {db.normalize_url(args.database_url or 'sqlite://').get_backend_name()}"
    )
    print(f"{'surface':<34} {'n':>5} {'2xx':>5} {'4xx':>5} {'5xx':>5} {'none':>5}  statuses")
    for surface in sorted(per):
        counts = per[surface]

        def band(low: int, c: Counter = counts) -> int:
            return sum(v for k, v in c.items() if isinstance(k, int) and low <= k < low + 100)

        none = sum(v for k, v in counts.items() if not isinstance(k, int))
        codes = " ".join(f"{k}:{v}" for k, v in sorted(counts.items(), key=str))
        print(
            f"{surface:<34} {sum(counts.values()):5d} {band(200):5d} {band(400):5d} "
            f"{band(500):5d} {none:5d}  {codes}"
        )


# -- phase 2: SIGKILL in the middle of a burst --------------------------------------------------


def burst(args: argparse.Namespace, folder: Path) -> bool:
    with temporary_database(args.database_url, prefix="rapport_faults") as url:
        with FakeSlack() as fake, serving(fake, url, folder, workers=2) as server:
            add_people(fake)
            assert "Created" in command(server, fake, "/crm", "new Acme")
            acked, deferred, outcomes = fire_and_kill(server, fake, args)
            wait_quiet(fake, server, still=1, timeout=10)
            later = {
                i for i, hook_url in deferred.items()
                if any("Logged" in json.dumps(h.body) for h in fake.hooks_to(hook_url))
            }  # fmt: skip
        engine = db.make_engine(url)
        with engine.connect() as connection:
            summaries = connection.execute(text("SELECT summary FROM interactions")).scalars()
            written = {int(n) for s in summaries for n in re.findall(r"note-(\d+)\b", s)}
        engine.dispose()
    confirmed = acked | later
    missing, unacked = confirmed - written, written - confirmed
    print(
        f"\nSIGKILL mid-burst ({db.normalize_url(url).get_backend_name()}, 2 workers, "
        f"{args.burst_threads} threads): {args.burst} commands, killed after {args.burst // 2} "
        f"answers\n  outcomes: {dict(sorted(outcomes.items(), key=str))}\n"
        f"  acked 'Logged' {len(acked)} (+{len(later)} on the response_url after an empty ack); "
        f"in the database {len(written)}; acked but MISSING {len(missing)}"
        f"{' ' + str(sorted(missing)[:20]) if missing else ''}; written, not acked {len(unacked)}"
    )
    return not missing


def fire_and_kill(
    server: Server, fake: FakeSlack, args: argparse.Namespace
) -> tuple[set[int], dict[int, str], Counter]:
    acked: set[int] = set()
    deferred: dict[int, str] = {}
    outcomes: Counter = Counter()
    numbers, lock, answered = iter(range(args.burst)), threading.Lock(), [0]
    deadline = time.monotonic() + 120

    def worker() -> None:
        connection = None
        while time.monotonic() < deadline and server.process.poll() is None:
            with lock:
                n = next(numbers, None)
            if n is None:
                return
            hook_url = fake.response_url(f"burst{n}", channel="C0SALES01", user=ALICE)
            form = command_form("/log-call", f"Acme: note-{n}", response_url=hook_url,
                                trigger_id=f"{n}.1.1", user_id=ALICE)  # fmt: skip
            request = signed(form_request(form), SECRET)
            status, body, connection = post(
                server.port, request.body.encode(), request.headers, connection
            )
            with lock:
                outcomes[status] += 1
                if status == 200 and "Logged" in body:
                    acked.add(n)
                elif status == 200 and not body.strip():
                    deferred[n] = hook_url
                if isinstance(status, int):
                    answered[0] += 1
                kill = answered[0] == args.burst // 2
            if kill:
                server.kill()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.burst_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=150)
    outcomes["not sent"] = sum(1 for _ in numbers)
    return acked, deferred, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default=None, help="postgresql://… (default: SQLite)")
    parser.add_argument("--max-seconds", type=float, default=900, help="bound on the fuzz run")
    parser.add_argument("--show", type=int, default=10, help="distinct tracebacks to show")
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--burst-threads", type=int, default=16)
    parser.add_argument("--phase", choices=["all", "fuzz", "kill"], default="all")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop servers on kill, as on ^C
    signal.signal(signal.SIGINT, signal.default_int_handler)
    ok = True
    with tempfile.TemporaryDirectory(prefix="rapport-faults-") as tmp:
        if args.phase in ("all", "fuzz"):
            ok &= fuzz(args, Path(tmp))
        if args.phase in ("all", "kill"):
            ok &= burst(args, Path(tmp))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
