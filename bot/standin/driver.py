"""Plays Slack's side of the request contract: what Slack sends the app, signed as Slack signs it.

Payloads carry every field real Slack sends (slack-bolt 1.30 reads them; a payload missing one can
make Bolt answer 500), as recorded from Slack. Builders are pure: `*_payload` / `command_form`
return what Slack would send, `*_request` encode it as Slack puts it on the wire, `signed` adds the
v0 signature. `SlackDriver` strings them together and hands each request to a transport: HTTP to
/slack/events (`bot.standin.http`) for tests, in-process dispatch (`bot.standin.inprocess`).
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.signature import SignatureVerifier

from bot.standin.checks import message_problems
from bot.standin.webapi import FakeSlack

JSON = dict[str, Any]
TEAM_ID = "T0001"
APP_ID = "A0CRMBOT1"
BOT_ID, BOT_USER_ID = "B0CRMBOT1", "U0CRMBOT1"
CLICKED_TS = "1700000300.000400"  # the clicked message's ts when the caller's copy has none
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class SlackRequest:
    """One request as Slack sends it: the raw body (what gets signed) and its headers."""

    body: str
    headers: dict[str, str]


@dataclass(frozen=True)
class SlackResponse:
    """The app's answer to one request."""

    status_code: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


Transport = Callable[[SlackRequest], SlackResponse]

# -- the wire -----------------------------------------------------------------------------------


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers; Slack rejects (and Bolt 401s) a timestamp 300 s off."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None  # slack_sdk returns None only without a timestamp or body
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def signed(request: SlackRequest, secret: str, timestamp: int | None = None) -> SlackRequest:
    return SlackRequest(request.body, request.headers | sign(secret, request.body, timestamp))


def form_request(fields: dict[str, str]) -> SlackRequest:
    """A slash command: flat form fields."""
    return SlackRequest(urllib.parse.urlencode(fields), {"Content-Type": FORM})


def interactive_request(payload: JSON) -> SlackRequest:
    """Shortcuts, block actions, view submissions, suggestions: one form field of JSON."""
    return SlackRequest(
        "payload=" + urllib.parse.quote(json.dumps(payload)), {"Content-Type": FORM}
    )


def event_request(envelope: JSON, *, retry: int | None = None) -> SlackRequest:
    """An Events API delivery; a retry says so in headers (Slack retries after 3 s unanswered)."""
    headers = {"Content-Type": "application/json"}
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return SlackRequest(json.dumps(envelope), headers)


# -- payloads -----------------------------------------------------------------------------------


def user_of(user_id: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def command_form(
    command: str,
    text: str,
    *,
    response_url: str,
    trigger_id: str,
    user_id: str,
    team_id: str = TEAM_ID,
    channel_id: str = "C0SALES01",
    channel_name: str = "sales",
) -> dict[str, str]:
    """A slash command's form fields (text as typed; escaped by Slack when should_escape)."""
    return {
        "token": "legacy", "team_id": team_id, "team_domain": "acme", "channel_id": channel_id,
        "channel_name": channel_name, "user_id": user_id, "user_name": user_id.lower(),
        "command": command, "text": text, "api_app_id": APP_ID, "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": trigger_id,
    }  # fmt: skip


def event_envelope(event: JSON, *, event_id: str, event_time: int, team_id: str = TEAM_ID) -> JSON:
    return {
        "token": "legacy", "team_id": team_id, "context_team_id": team_id,
        "context_enterprise_id": None, "api_app_id": APP_ID, "event": event,
        "type": "event_callback", "event_id": event_id, "event_time": event_time,
        "authorizations": [{"enterprise_id": None, "team_id": team_id, "user_id": BOT_USER_ID,
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False, "event_context": f"4-{event_id}",
    }  # fmt: skip


def shortcut_payload(
    callback_id: str,
    *,
    trigger_id: str,
    action_ts: str,
    user_id: str,
    team_id: str = TEAM_ID,
    message: JSON | None = None,
    response_url: str | None = None,
    channel_id: str = "C0SALES01",
) -> JSON:
    """A global shortcut, or with `message` a message shortcut (only those carry a channel)."""
    payload: JSON = {
        "type": "message_action" if message else "shortcut", "token": "legacy",
        "action_ts": action_ts, "team": {"id": team_id, "domain": "acme"},
        "user": user_of(user_id, team_id), "is_enterprise_install": False, "enterprise": None,
        "callback_id": callback_id, "trigger_id": trigger_id,
    }  # fmt: skip
    if message:
        payload |= {
            "channel": {"id": channel_id, "name": "sales"}, "message_ts": message["ts"],
            "message": message, "response_url": response_url,
        }  # fmt: skip
    return payload


def find_button(message: JSON, action_id: str) -> tuple[JSON, JSON]:
    """(block, button) of the button `action_id`, or one whose id starts with it."""
    for block in message.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("type") == "button" and element.get("action_id", "").startswith(
                action_id
            ):
                return block, element
    raise AssertionError(f"no button {action_id} in {message}")


def button_payload(
    message: JSON,
    action_id: str,
    *,
    response_url: str,
    trigger_id: str,
    action_ts: str,
    user_id: str,
    team_id: str = TEAM_ID,
    channel_id: str = "C0SALES01",
) -> JSON:
    """A click on a button of a message the app sent (block_actions from a message)."""
    block, button = find_button(message, action_id)
    ts = message.get("ts", CLICKED_TS)
    clicked = {"type": "message", "bot_id": BOT_ID, "ts": ts, "text": message.get("text", ""),
               "blocks": message.get("blocks", [])}  # fmt: skip
    action = {
        "type": "button", "action_id": button["action_id"], "block_id": block["block_id"],
        "value": button.get("value", ""), "text": button["text"], "action_ts": action_ts,
    }  # fmt: skip
    return {
        "type": "block_actions", "user": user_of(user_id, team_id), "api_app_id": APP_ID,
        "token": "legacy", "trigger_id": trigger_id, "team": {"id": team_id, "domain": "acme"},
        "container": {"type": "message", "message_ts": ts, "channel_id": channel_id,
                      "is_ephemeral": True},
        "channel": {"id": channel_id, "name": "sales"}, "message": clicked,
        "response_url": response_url, "state": {"values": {}}, "actions": [action],
    }  # fmt: skip


def home_menu_payload(
    option: JSON,
    *,
    action_id: str,
    trigger_id: str,
    action_ts: str,
    user_id: str,
    team_id: str = TEAM_ID,
) -> JSON:
    """A pick from an overflow menu on the App Home tab (block_actions from a view: no
    response_url, no channel)."""
    action = {"type": "overflow", "action_id": action_id, "block_id": "b",
              "selected_option": option, "action_ts": action_ts}  # fmt: skip
    return {
        "type": "block_actions", "user": user_of(user_id, team_id), "api_app_id": APP_ID,
        "token": "legacy", "trigger_id": trigger_id, "team": {"id": team_id, "domain": "acme"},
        "container": {"type": "view", "view_id": "V0HOME"},
        "view": {"id": "V0HOME", "type": "home", "blocks": [], "state": {"values": {}}},
        "state": {"values": {}}, "actions": [action],
    }  # fmt: skip


def view_submission_payload(
    view: JSON,
    values: dict[str, dict[str, JSON]],
    *,
    trigger_id: str,
    view_id: str,
    user_id: str,
    team_id: str = TEAM_ID,
) -> JSON:
    """Submitting a modal the app opened (as views.open recorded it) with state `values`."""
    submitted = {
        "id": view_id, "team_id": team_id, "type": "modal", "callback_id": view["callback_id"],
        "private_metadata": view.get("private_metadata", ""), "hash": "1700000400.AbCdEf12",
        "title": view["title"], "submit": view.get("submit"), "close": view.get("close"),
        "blocks": view["blocks"], "state": {"values": values}, "previous_view_id": None,
        "root_view_id": view_id, "app_id": APP_ID, "external_id": "",
        "app_installed_team_id": team_id, "bot_id": BOT_ID, "clear_on_close": False,
        "notify_on_close": False,
    }  # fmt: skip
    return {
        "type": "view_submission", "team": {"id": team_id, "domain": "acme"},
        "user": user_of(user_id, team_id), "api_app_id": APP_ID, "token": "legacy",
        "trigger_id": trigger_id, "view": submitted, "response_urls": [],
        "is_enterprise_install": False, "enterprise": None,
    }  # fmt: skip


def block_suggestion_payload(
    view: JSON,
    block_id: str,
    action_id: str,
    typed: str,
    *,
    values: JSON | None = None,
    user_id: str,
    team_id: str = TEAM_ID,
    view_id: str = "V0LOG0001",
) -> JSON:
    """What Slack sends as someone types in an external_select of a modal."""
    shown = {
        "id": view_id, "team_id": team_id, "type": "modal", "callback_id": view["callback_id"],
        "blocks": view["blocks"], "private_metadata": view.get("private_metadata", ""),
        "state": {"values": values or {}}, "hash": "1700000400.x",
    }  # fmt: skip
    return {
        "type": "block_suggestion", "user": user_of(user_id, team_id),
        "container": {"type": "view", "view_id": view_id}, "api_app_id": APP_ID,
        "token": "legacy", "action_id": action_id, "block_id": block_id, "value": typed,
        "team": {"id": team_id, "domain": "acme"}, "view": shown,
    }  # fmt: skip


def text_input(block: str, action: str, value: str | None) -> dict[str, JSON]:
    """A plain_text_input's entry in view state values."""
    return {block: {action: {"type": "plain_text_input", "value": value}}}


def selected(
    block: str, action: str, value: str | None, label: str = "x", kind: str = "static_select"
) -> dict[str, JSON]:
    """A select's entry in view state values (None: nothing picked)."""
    option = (
        {"text": {"type": "plain_text", "text": label, "emoji": True}, "value": value}
        if value
        else None
    )
    return {block: {action: {"type": kind, "selected_option": option}}}


def text_of(message: JSON) -> str:
    """Everything a person would read in a message: its text and every block's text."""
    parts = [message.get("text", "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks", []))
    return "\n".join(parts)


# -- the driver ---------------------------------------------------------------------------------


@dataclass
class CommandResult:
    response: SlackResponse
    response_url: str
    fake: FakeSlack

    def ack_json(self) -> JSON:
        """The message in the ack body, held to the same Block Kit limits as any message."""
        assert self.response.status_code == 200, self.response.text
        body = self.response.json()
        assert not message_problems(body), message_problems(body)
        return body

    def reply(self, timeout: float = 3.0) -> JSON:
        """The one message posted to this command's response_url after the ack."""
        assert self.response.status_code == 200, self.response.text
        hooks = self.fake.wait_for_hook(self.response_url, timeout=timeout)
        return hooks[0].body


class SlackDriver:
    """Sends what Slack sends, signed with `secret`, through `transport`; `fake` hands out the
    response_urls and ids, and keeps what the answers do to each conversation. `settle`, when
    given, blocks until the app has finished the work its requests started."""

    def __init__(
        self,
        transport: Transport,
        secret: str,
        fake: FakeSlack,
        *,
        settle: Callable[[], None] | None = None,
    ) -> None:
        self.transport, self.secret, self.fake = transport, secret, fake
        self._settle = settle

    def settle(self) -> None:
        """Wait until the app is quiet: every listener, and its work after the ack, is done."""
        if self._settle is None:
            raise RuntimeError("this SlackDriver was given no way to know when the app is quiet")
        self._settle()

    def send(self, request: SlackRequest) -> SlackResponse:
        """Send as is (tests use it for forged or unsigned requests)."""
        return self.transport(request)

    def post(self, request: SlackRequest) -> SlackResponse:
        return self.transport(signed(request, self.secret))

    def ids(self) -> tuple[int, str, str]:
        """(n, trigger_id, action_ts) for one new request; n is unique within the fake."""
        n = self.fake.next_id()
        return n, f"{n}.222.{n:06x}", f"{int(time.time())}.{n:06d}"

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = "U0ALICE",
        team_id: str = TEAM_ID,
        channel_id: str = "C0SALES01",
        channel_name: str = "sales",
    ) -> CommandResult:
        url = self.fake.response_url("cmd", channel=channel_id, user=user_id)
        _, trigger_id, _ = self.ids()
        form = command_form(
            command, text, response_url=url, trigger_id=trigger_id, user_id=user_id,
            team_id=team_id, channel_id=channel_id, channel_name=channel_name,
        )  # fmt: skip
        response = self.post(form_request(form))
        self.fake.show_ack(url, response.status_code, response.content_type, response.text)
        return CommandResult(response=response, response_url=url, fake=self.fake)

    def interactive(self, payload: JSON) -> SlackResponse:
        return self.post(interactive_request(payload))

    def event(
        self,
        event: JSON,
        *,
        team_id: str = TEAM_ID,
        retry: int | None = None,
        event_id: str | None = None,
    ) -> SlackResponse:
        """Deliver an event; Slack's retries of one delivery carry its `event_id` again."""
        n, _, _ = self.ids()
        envelope = event_envelope(
            event, event_id=event_id or f"Ev{n:010d}", event_time=int(time.time()), team_id=team_id
        )
        return self.post(event_request(envelope, retry=retry))

    def shortcut(
        self,
        callback_id: str,
        *,
        user_id: str = "U0ALICE",
        team_id: str = TEAM_ID,
        message: JSON | None = None,
        channel_id: str = "C0SALES01",
    ) -> SlackResponse:
        _, trigger_id, action_ts = self.ids()
        url = None
        if message:
            url = self.fake.response_url(
                "shortcut", channel=channel_id, user=user_id, message_ts=message["ts"]
            )
        payload = shortcut_payload(
            callback_id, trigger_id=trigger_id, action_ts=action_ts, user_id=user_id,
            team_id=team_id, message=message, response_url=url, channel_id=channel_id,
        )  # fmt: skip
        return self.interactive(payload)


# -- what a person does to what the app showed ---------------------------------------------------


def click(
    driver: SlackDriver,
    message: JSON,
    action_id: str,
    *,
    user_id: str = "U0ALICE",
    team_id: str = TEAM_ID,
    channel_id: str = "C0SALES01",
) -> tuple[SlackResponse, str]:
    """Click a button in `message`; returns the answer and the click's response_url."""
    _, trigger_id, action_ts = driver.ids()
    url = driver.fake.response_url(
        "action", channel=channel_id, user=user_id, message_ts=message.get("ts")
    )
    payload = button_payload(
        message, action_id, response_url=url, trigger_id=trigger_id, action_ts=action_ts,
        user_id=user_id, team_id=team_id, channel_id=channel_id,
    )  # fmt: skip
    return driver.interactive(payload), url


def submit(
    driver: SlackDriver,
    view: JSON,
    values: dict[str, dict[str, JSON]],
    *,
    user_id: str = "U0ALICE",
    team_id: str = TEAM_ID,
    view_id: str | None = None,
) -> SlackResponse:
    """Submit a modal the app opened (as the fake's views.open recorded it)."""
    n, trigger_id, _ = driver.ids()
    payload = view_submission_payload(
        view, values, trigger_id=trigger_id, view_id=view_id or f"V{n:08d}",
        user_id=user_id, team_id=team_id,
    )  # fmt: skip
    return driver.interactive(payload)


def suggest(
    driver: SlackDriver,
    view: JSON,
    block_id: str,
    action_id: str,
    typed: str,
    *,
    values: JSON | None = None,
    user_id: str = "U0ALICE",
    team_id: str = TEAM_ID,
) -> SlackResponse:
    """Type `typed` into an external_select of a modal."""
    payload = block_suggestion_payload(
        view, block_id, action_id, typed, values=values, user_id=user_id, team_id=team_id
    )
    return driver.interactive(payload)
