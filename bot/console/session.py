"""The console's Slack: the real Rapport app in this process, driven by the stand-in.

`open_console` builds the app exactly as `rapport serve` does (bot.runtime), with its Web API
client pointed at the stand-in Slack on loopback and its clock injected. Every request is
signed and dispatched through Bolt's whole pipeline (`bot.standin.inprocess`), so each answer
comes from the handlers Slack reaches. After each request the console waits until the app is
quiet and shows what changed in Slack: messages posted, updated in place or replaced, the modal
opened, the Home tab published.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient

from bot import db
from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from bot.scheduler import sweep, sweep_jobs
from bot.standin.conversations import Message, ts_key
from bot.standin.driver import SlackDriver
from bot.standin.inprocess import dispatch_to
from bot.standin.listeners import ListenerWork
from bot.standin.payloads import TEAM_ID
from bot.standin.webapi import FakeSlack
from models import reps

BOT_TOKEN = "xoxb-rapport-console"
JSON = dict[str, Any]


@dataclass
class Clock:
    """The time the app and its scheduler see: the machine's, until `time` sets it; from then
    on it stands still where it was put (a transcript reads the same on every run)."""

    at: datetime | None = None

    def now(self) -> datetime:
        return self.at or datetime.now(UTC)

    def epoch(self) -> float:
        return self.now().timestamp()


@dataclass
class Person:
    id: str
    name: str  # as Slack shows it: "Dana Scully"
    tz: str
    is_admin: bool = False
    email: str | None = None


@dataclass
class Shown:
    """One thing Slack showed after a step: a message (new or updated), a modal or a Home tab."""

    kind: str  # "message", "modal", "home", "note"
    where: str = ""  # "#sales", "DM with Rapport", "thread in #sales"
    payload: JSON = field(default_factory=dict)
    ephemeral: bool = False
    updated: bool = False
    author: str = "Rapport"
    text: str = ""  # for a note


@dataclass
class Slack:
    """The app and its stand-in Slack, and who is where."""

    runtime: Runtime
    fake: FakeSlack
    driver: SlackDriver
    clock: Clock
    secret: str
    people: dict[str, Person]
    channels: dict[str, str]  # id -> name
    user: str
    channel: str
    _seen: dict[tuple[str, str], Message] = field(default_factory=dict)
    _calls: int = 0

    # -- who and where -------------------------------------------------------------------------

    def name_of(self, user_id: str) -> str:
        if user_id == self.fake.bot_user_id:
            return "Rapport"
        person = self.people.get(user_id)
        return person.name if person else user_id

    def channel_name(self, channel_id: str) -> str:
        return self.channels.get(channel_id, channel_id)

    def tz(self) -> str:
        return self.people[self.user].tz

    def dm_of(self, user_id: str) -> str:
        """Rapport's DM with `user_id` (the stand-in derives it from the user id)."""
        return "D" + user_id[1:]

    def add_channel(self, name: str) -> str:
        for channel_id, known in self.channels.items():
            if known == name:
                return channel_id
        channel_id = "C0" + "".join(ch for ch in name.upper() if ch.isalnum())[:9]
        self.fake.add_channel(channel_id, name=name)
        self.channels[channel_id] = name
        return channel_id

    # -- after a step --------------------------------------------------------------------------

    def settle(self) -> None:
        self.driver.settle()

    def changes(self) -> list[Shown]:
        """What Slack shows now that it didn't after the last step, in the order it arrived."""
        self.settle()
        changed: list[tuple[tuple[int, int], Shown]] = []
        for channel in self.fake.conversations.channels():
            for message in self.fake.messages(channel):
                key = (channel, message.ts)
                before = self._seen.get(key)
                if before is message:
                    continue
                self._seen[key] = message
                if message.ephemeral_to not in (None, self.user) and before is None:
                    continue  # someone else's ephemeral answer
                shown = self._message(message, updated=before is not None)
                changed.append((ts_key(message.ts), shown))
        changed.sort(key=lambda pair: pair[0])  # as Slack received them, across conversations
        return [shown for _, shown in changed] + self._views()

    def _message(self, message: Message, *, updated: bool) -> Shown:
        where = self._where(message)
        payload = {"text": message.text, "blocks": message.blocks, "ts": message.ts}
        if message.thread_ts:
            payload["thread_ts"] = message.thread_ts
        author = self.name_of(message.user or "") if message.user else "Rapport"
        return Shown(
            "message", where, payload, ephemeral=message.ephemeral_to is not None,
            updated=updated or message.edited, author=author,
        )  # fmt: skip

    def _where(self, message: Message) -> str:
        channel = message.channel
        if channel.startswith("D"):
            person = self.name_of("U" + channel[1:])
            place = "DM with Rapport" if "U" + channel[1:] == self.user else f"DM to {person}"
        else:
            place = f"#{self.channel_name(channel)}"
        return f"thread in {place}" if message.thread_ts else place

    def _views(self) -> list[Shown]:
        calls = self.fake.calls[self._calls :]
        self._calls += len(calls)
        shown: list[Shown] = []
        if any(call.method in ("views.open", "views.push", "views.update") for call in calls):
            modal = self.fake.top_modal()
            if modal is not None and modal.get("type") == "modal":
                shown.append(Shown("modal", "modal", modal))
        if any(call.method == "views.publish" for call in calls):
            home = self.fake.home(self.user)
            if home is not None:
                shown.append(Shown("home", "Home", home))
        for call in calls:
            if call.method == "files.completeUploadExternal":
                shown.append(Shown("note", text=f"(a file was shared: {call.args.get('files')})"))
        return shown

    def mark(self) -> None:
        """Forget what is on the screen so far: the next `changes` shows only what's new."""
        self.changes()

    # -- time ----------------------------------------------------------------------------------

    def run_sweep(self) -> int:
        """One sweep at the clock's time, as `rapport sweep` runs it."""
        failures = sweep(
            sweep_jobs(self.runtime.settings), deps=self.runtime.deps, client=self.runtime.client
        )
        return failures

    def close(self) -> None:
        try:
            self.settle()
        finally:
            self.runtime.deps.directory.close()
            self.runtime.close()
            self.fake.stop()


def console_settings(settings: Settings, fake: FakeSlack, secret: str) -> Settings:
    return settings.model_copy(
        update={
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": secret,
            "slack_app_token": None,
            "slack_api_url": fake.api_url,
        }
    )


@contextmanager
def open_slack(
    settings: Settings, people: list[Person], channels: dict[str, str]
) -> Iterator[Slack]:
    """The real app against the stand-in, on the settings' store (migrated first)."""
    fake = FakeSlack(team_id=TEAM_ID).start()
    secret = secrets.token_hex(16)
    clock = Clock()
    fake.use_clock(clock.epoch)
    settings = console_settings(settings, fake, secret)
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    runtime = build_runtime(settings, client=client, now=clock.now, warm_up=False)
    if not db.is_current(runtime.engine):
        db.upgrade(runtime.engine)
    known = {person.id for person in people}
    people = people + [p for p in people_in_store(runtime) if p.id not in known]
    for person in people:
        fake.add_user(person.id, name=person.name.split()[0].lower(), real_name=person.name,
                      tz=person.tz, is_admin=person.is_admin, email=person.email)  # fmt: skip
    for channel_id, name in channels.items():
        fake.add_channel(channel_id, name=name)
    work = ListenerWork(runtime.app)

    def settle() -> None:
        work.wait_idle(timeout=30)
        runtime.deps.directory.wait_idle()

    driver = SlackDriver(dispatch_to(runtime.app), secret, fake, settle=settle)
    slack = Slack(runtime, fake, driver, clock, secret, {p.id: p for p in people},
                  dict(channels), people[0].id, next(iter(channels)))  # fmt: skip
    try:
        yield slack
    finally:
        slack.close()


def people_in_store(runtime: Runtime) -> list[Person]:
    """The reps the store knows in the stand-in's workspace, as the console's people."""
    with runtime.deps.db() as session:
        known = reps.list_reps(session=session, team_id=TEAM_ID)
        return [
            Person(
                rep.slack_user_id, rep.name or rep.slack_user_id, rep.tz, rep.is_admin, rep.email
            )
            for rep in known
            if not rep.is_guest
        ]
