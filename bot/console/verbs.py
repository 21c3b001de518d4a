"""What a person types in `rapport console`, done as they would do it in Slack.

    /log-call Acme: talked renewal        any slash command, in the current channel
    dm called Acme: they signed           a message in Rapport's Messages tab
    @rapport who owns globex?             a mention in the current channel
    shortcut log                          the global shortcut "Log a call"
    log message <text>                    the message shortcut "Log to CRM" on a new message
    home                                  open the App Home tab
    as @bob / in #deal-acme               act as another rep / move to a channel
    click 2 / pick 3                      press a button / choose an option shown
    time +3d / time 2026-12-01 09:05 America/New_York    move the clock and run the sweep

While a modal is open each line answers its next field: an empty line or `.` keeps what it
shows, `-` leaves it empty, a number picks an option; `back` re-asks the previous one, `cancel`
closes it; after the last field it is submitted.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.console.forms import ConsoleError, Form, Forms
from bot.console.render import Choice, Screen, render_message, render_view
from bot.console.session import JSON, Shown, Slack
from bot.standin.conversations import Message
from bot.standin.payloads import APP_ID, home_opened_event, user_of
from handlers.ids import Command, Shortcut

STEP = re.compile(r"^([+-]?\d+)\s*(m|min|minutes?|h|hours?|d|days?|w|weeks?)$")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
PICKERS = {  # element type: (the action's field, what it needs, an example)
    "datepicker": ("selected_date", "a date", "2026-12-05"),
    "timepicker": ("selected_time", "a time", "14:30"),
    "users_select": ("selected_user", "a person", "@lena"),
    "conversations_select": ("selected_conversation", "a channel", "#sales"),
    "channels_select": ("selected_channel", "a channel", "#sales"),
}
HELP = __doc__ or ""


@dataclass
class Console(Forms):
    slack: Slack
    show: Callable[[Screen | str], None]
    buttons: list[tuple[Choice, Shown]] = field(default_factory=list)
    options: list[tuple[Choice, Shown]] = field(default_factory=list)
    form: Form | None = None

    # -- one line --------------------------------------------------------------------------------

    def run(self, line: str) -> None:
        """Do what `line` says and show what Slack showed; a bad line is told in one sentence."""
        line = line.strip()
        if not line or line.startswith("#!"):
            return
        try:
            if self.form is not None:
                self._answer(line)
            else:
                self._do(line)
        except ConsoleError as error:
            self.show(f"! {error}")

    def _do(self, line: str) -> None:
        verb, _, rest = line.partition(" ")
        rest = rest.strip()
        if line.startswith("/"):
            self._command(verb, rest)
        elif verb == "dm":
            self._dm(rest)
        elif verb.lower() in ("@rapport", "@crm"):
            self._mention(rest)
        elif verb == "shortcut":
            self._shortcut(rest)
        elif verb == "log" and rest.startswith("message"):
            self._log_message(rest.removeprefix("message").strip())
        elif verb == "home":
            self._home()
        elif verb == "as":
            self._as(rest)
        elif verb == "in":
            self._in(rest)
        elif verb in ("click", "pick"):
            self._choose(verb, rest)
        elif verb == "time":
            self._time(rest)
        elif verb in ("help", "?"):
            self.show(HELP)
        else:
            raise ConsoleError(f"“{verb}” isn't something you can do here; type help.")

    # -- what people do in Slack -------------------------------------------------------------

    def _command(self, command: str, text: str) -> None:
        if command not in set(Command):
            known = ", ".join(Command)
            raise ConsoleError(f"{command} isn't one of Rapport's commands ({known}).")
        slack = self.slack
        slack.driver.command(
            command, text, user_id=slack.user, channel_id=slack.channel,
            channel_name=slack.channel_name(slack.channel),
        )  # fmt: skip
        self._after()

    def _dm(self, text: str) -> None:
        slack = self.slack
        channel = slack.dm_of(slack.user)
        ts = self._post_as_user(channel, text).ts
        slack.driver.event(
            {"type": "message", "channel_type": "im", "user": slack.user, "text": text,
             "ts": ts, "channel": channel, "event_ts": ts}
        )  # fmt: skip
        self._after()

    def _mention(self, text: str) -> None:
        slack = self.slack
        said = f"<@{slack.fake.bot_user_id}> {text}"
        ts = self._post_as_user(slack.channel, said).ts
        slack.driver.event(
            {"type": "app_mention", "user": slack.user, "text": said, "ts": ts,
             "channel": slack.channel, "event_ts": ts}
        )  # fmt: skip
        self._after()

    def _shortcut(self, which: str) -> None:
        if which.strip() not in ("log", "log a call", Shortcut.LOG_CALL):
            raise ConsoleError("The global shortcut is “shortcut log” (Log a call).")
        self.slack.driver.shortcut(Shortcut.LOG_CALL, user_id=self.slack.user)
        self._after()

    def _log_message(self, text: str) -> None:
        if not text:
            raise ConsoleError("Say the message to log: log message <text>.")
        slack = self.slack
        message = self._post_as_user(slack.channel, text).to_dict()
        slack.driver.shortcut(
            Shortcut.LOG_MESSAGE, user_id=slack.user, message=message, channel_id=slack.channel
        )
        self._after()

    def _home(self) -> None:
        slack = self.slack
        event = home_opened_event(slack.user) | {"channel": slack.dm_of(slack.user)}
        slack.driver.event(event)
        self._after(always_home=True)

    def _as(self, who: str) -> None:
        name = who.strip().lstrip("@").casefold()
        for person in self.slack.people.values():
            if name in (person.id.casefold(), person.name.casefold(),
                        person.name.split()[0].casefold()):  # fmt: skip
                self.slack.user = person.id
                self.show(f"(you are {person.name}, {person.tz})")
                return
        known = ", ".join(p.name.split()[0].lower() for p in self.slack.people.values())
        raise ConsoleError(f"There is nobody called {who} here (try {known}).")

    def _in(self, where: str) -> None:
        name = where.strip().lstrip("#")
        if not re.fullmatch(r"[a-z0-9_-]{1,80}", name):
            raise ConsoleError("Channel names are lower case, like #deal-acme.")
        self.slack.channel = self.slack.add_channel(name)
        self.show(f"(in #{name})")

    def _post_as_user(self, channel: str, text: str) -> Message:
        """What the person types appears in the conversation, as Slack shows it."""
        posted = self.slack.fake.conversations.add(_user_message(self.slack, channel, text))
        self.slack.mark()
        return posted

    # -- what people do with what the app showed ---------------------------------------------

    def _choose(self, verb: str, rest: str) -> None:
        chosen = self.buttons if verb == "click" else self.options
        rest, _, value = rest.partition(" ")
        if not rest.isdigit() or not 1 <= int(rest) <= len(chosen):
            what = "buttons" if verb == "click" else "options"
            if not chosen:
                raise ConsoleError(f"There are no {what} on the screen.")
            raise ConsoleError(f"{verb} takes a number from 1 to {len(chosen)} ({what} shown).")
        choice, where = chosen[int(rest) - 1]
        payload = self._action_payload(choice, where)
        kind = choice.element.get("type", "button")
        if kind in PICKERS:  # a date, a time, a person or a channel: what was picked rides along
            if not value.strip():
                raise ConsoleError(f"{verb} {rest} needs {PICKERS[kind][1]}, e.g. {verb} {rest} "
                                   f"{PICKERS[kind][2]}.")  # fmt: skip
            action = payload["actions"][0]
            action.pop("selected_option", None)
            action[PICKERS[kind][0]] = self._id_of(value.strip())
        self.slack.driver.interactive(payload)
        self._after()

    def _action_payload(self, choice: Choice, where: Shown) -> JSON:
        slack, element = self.slack, choice.element
        _, trigger_id, action_ts = slack.driver.ids()
        action: JSON = {
            "type": element.get("type", "button"), "action_id": element.get("action_id", ""),
            "block_id": choice.block_id or "b", "action_ts": action_ts,
        }  # fmt: skip
        if element.get("type") == "button":
            action |= {"text": element["text"], "value": element.get("value", "")}
            action = {k: v for k, v in action.items() if k != "value" or "value" in element}
        else:
            action["selected_option"] = choice.option
            if element.get("initial_option"):
                action["initial_option"] = element["initial_option"]
        team = {"id": slack.fake.team_id, "domain": slack.fake.team_domain}
        base = {
            "type": "block_actions", "user": user_of(slack.user, slack.fake.team_id),
            "api_app_id": APP_ID, "token": "legacy", "trigger_id": trigger_id, "team": team,
            "state": {"values": {}}, "actions": [action],
        }  # fmt: skip
        if where.kind in ("home", "modal"):
            view = where.payload
            return base | {
                "container": {"type": "view", "view_id": view.get("id", "V0HOME")},
                "view": view | {"state": {"values": {}}},
            }
        message = where.payload
        channel = self._channel_of(where)
        url = slack.fake.response_url(
            "action", channel=channel, user=slack.user, message_ts=message.get("ts")
        )
        payload = base | {
            "container": {"type": "message", "message_ts": message.get("ts"),
                          "channel_id": channel, "is_ephemeral": where.ephemeral},
            "channel": {"id": channel, "name": slack.channel_name(channel)},
            "response_url": url,
        }  # fmt: skip
        if not where.ephemeral:  # Slack sends the message clicked on, unless only you saw it
            clicked = {
                "type": "message", "user": slack.fake.bot_user_id, "bot_id": slack.fake.bot_id,
                "ts": message.get("ts"), "text": message.get("text", ""),
                "blocks": message.get("blocks", []),
            }  # fmt: skip
            if message.get("thread_ts"):
                clicked["thread_ts"] = message["thread_ts"]
            payload["message"] = clicked
        return payload

    def _channel_of(self, where: Shown) -> str:
        ts = where.payload.get("ts")
        for channel in self.slack.fake.conversations.channels():
            if ts and self.slack.fake.message(channel, ts) is not None:
                return channel
        return self.slack.channel

    # -- showing -------------------------------------------------------------------------------

    def _after(self, *, always_home: bool = False, opened: JSON | None = None) -> None:
        changes = self.slack.changes()
        self.buttons, self.options = [], []
        modal: tuple[JSON, Screen] | None = None
        for shown in changes:
            if shown.kind == "note":
                self.show(shown.text)
                continue
            if shown.where.startswith("DM to "):  # another's DM: shown, theirs to press
                shown = replace(shown, payload=_without_controls(shown.payload))
            screen = self.render(shown)
            self.show(self.heading(shown))
            self.show(screen)
            self.buttons += [(choice, shown) for choice in screen.buttons]
            self.options += [(choice, shown) for choice in screen.options]
            if shown.kind == "modal":
                modal = (shown.payload, screen)
        if opened is not None and modal is None:
            screen = self.render(Shown("modal", "modal", opened))
            self.show(screen)
            modal = (opened, screen)
        if always_home and not any(s.kind == "home" for s in changes):
            home = self.slack.fake.home(self.slack.user)
            if home:
                shown = Shown("home", "Home", home)
                screen = self.render(shown)
                self.show(screen)
                self.buttons += [(choice, shown) for choice in screen.buttons]
        if modal is not None:
            self._open_form(*modal)

    def render(self, shown: Shown) -> Screen:
        slack = self.slack
        common: dict[str, Any] = {
            "names": slack.name_of, "channels": slack.channel_name, "tz": slack.tz(),
            "now": slack.clock.now(), "first_button": len(self.buttons) + 1,
            "first_option": len(self.options) + 1,
        }  # fmt: skip
        if shown.kind in ("modal", "home"):
            return render_view(shown.payload, **common)
        return render_message(
            shown.payload, ephemeral=shown.ephemeral, updated=shown.updated,
            author=shown.author, **common,
        )  # fmt: skip

    def heading(self, shown: Shown) -> str:
        """Where it appeared and who said it: "── #sales · Rapport (updated)"."""
        if shown.kind == "modal":
            return "── modal"
        if shown.kind == "home":
            return f"── Home of {self.slack.name_of(self.slack.user)}"
        return f"── {shown.where}"

    # -- time ------------------------------------------------------------------------------------

    def _time(self, rest: str) -> None:
        """`time +3d` or `time 2026-12-01 09:05 America/New_York`: move the clock, then sweep."""
        slack = self.slack
        step = STEP.match(rest.replace(" ", ""))
        if step:
            amount, unit = int(step[1]), UNITS[step[2][0]]
            slack.clock.at = slack.clock.now() + timedelta(**{unit: amount})
        else:
            slack.clock.at = parse_moment(rest, default_tz=slack.tz())
        local = slack.clock.now().astimezone(ZoneInfo(slack.tz()))
        self.show(f"(it is now {local:%a %b %-d %Y, %H:%M} {slack.tz()})")
        slack.mark()
        slack.run_sweep()
        self._after()


def parse_moment(text: str, *, default_tz: str) -> datetime:
    """ "2026-12-01 09:05 America/New_York", "2026-12-01T09:05Z", "2026-12-01" (09:00)."""
    words = text.split()
    zone = default_tz
    if (len(words) > 1 and "/" in words[-1]) or (words and words[-1] == "UTC"):
        zone, words = words[-1], words[:-1]
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        raise ConsoleError(f"{zone} isn't a time zone; write it like America/New_York.") from None
    try:
        moment = datetime.fromisoformat(" ".join(words))
    except ValueError:
        raise ConsoleError(
            "time takes +3d, +2h, +30m, or a moment like 2026-12-01 09:05 America/New_York."
        ) from None
    if len(words) == 1 and "T" not in words[0] and ":" not in words[0]:
        moment = moment.replace(hour=9)
    moment = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment
    return moment.astimezone(UTC)


def _without_controls(message: JSON) -> JSON:
    """A message someone else got, as you may read it: its text, not their buttons (`as @them`
    to act on what they get next)."""
    blocks = [
        {key: value for key, value in block.items() if key != "accessory"}
        for block in message.get("blocks", [])
        if block.get("type") != "actions"
    ]
    return message | {"blocks": blocks}


def _user_message(slack: Slack, channel: str, text: str) -> Message:
    """A message the person sent: after everything in the conversation (a frozen clock too)."""
    last = max((_micros(m.ts) for m in slack.fake.messages(channel)), default=0)
    at = max(int(slack.clock.epoch() * 1_000_000), last + 1)
    ts = f"{at // 1_000_000}.{at % 1_000_000:06d}"
    return Message(channel=channel, ts=ts, text=text, user=slack.user, via="user")


def _micros(ts: str) -> int:
    seconds, _, micros = ts.partition(".")
    return int(seconds or 0) * 1_000_000 + int(micros or 0)
