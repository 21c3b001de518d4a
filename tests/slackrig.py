"""Plays Slack's side of the HTTP contract: signed requests with recorded payload shapes.

Payload shapes follow ../shared/SLACK-CONTRACT.md §2 (slack-bolt 1.30): every field real Slack
sends, so Bolt sees what it would see in production.
"""

import json
import time
import urllib.parse
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import httpx
from slack_sdk.signature import SignatureVerifier

from tests.fakeslack import FakeSlack, message_problems

TEAM_ID = "T0001"
APP_ID = "A0CRMBOT1"
_ids = count(1)


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


@dataclass
class SlackDriver:
    """Sends what Slack sends to `base_url` + /slack/events, signed with `secret`."""

    base_url: str
    secret: str
    fake: FakeSlack
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10, trust_env=False))

    def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        signed = sign(self.secret, body) | {"Content-Type": content_type} | (headers or {})
        return self.http.post(
            f"{self.base_url}/slack/events", content=body.encode(), headers=signed
        )

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = "U0ALICE",
        team_id: str = TEAM_ID,
        channel_id: str = "C0SALES01",
        channel_name: str = "sales",
    ) -> "CommandResult":
        response_url = self.fake.response_url("cmd")
        n = next(_ids)
        form = {
            "token": "legacy",
            "team_id": team_id,
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{n}.222.{n:06x}",
        }
        response = self.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")
        return CommandResult(response=response, response_url=response_url, fake=self.fake)

    def interactive(self, payload: dict[str, Any]) -> httpx.Response:
        body = "payload=" + urllib.parse.quote(json.dumps(payload))
        return self.post(body, "application/x-www-form-urlencoded")

    def event(
        self, event: dict[str, Any], *, team_id: str = TEAM_ID, retry: int | None = None
    ) -> httpx.Response:
        n = next(_ids)
        envelope = {
            "token": "legacy",
            "team_id": team_id,
            "context_team_id": team_id,
            "context_enterprise_id": None,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{n:010d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": "U0CRMBOT1",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{n}",
        }
        headers = (
            {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            if retry
            else None
        )
        return self.post(json.dumps(envelope), "application/json", headers)

    def shortcut(
        self,
        callback_id: str,
        *,
        user_id: str = "U0ALICE",
        team_id: str = TEAM_ID,
        message: dict[str, Any] | None = None,
    ) -> httpx.Response:
        n = next(_ids)
        payload: dict[str, Any] = {
            "type": "message_action" if message else "shortcut",
            "token": "legacy",
            "action_ts": f"{int(time.time())}.{n:06d}",
            "team": {"id": team_id, "domain": "acme"},
            "user": {
                "id": user_id,
                "username": user_id.lower(),
                "name": user_id.lower(),
                "team_id": team_id,
            },
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": f"{n}.333.{n:06x}",
        }
        if message:
            payload |= {
                "channel": {"id": "C0SALES01", "name": "sales"},
                "message_ts": message["ts"],
                "message": message,
                "response_url": self.fake.response_url("shortcut"),
            }
        return self.interactive(payload)


@dataclass
class CommandResult:
    response: httpx.Response
    response_url: str
    fake: FakeSlack

    def ack_json(self) -> dict[str, Any]:
        """The message in the ack body, held to the same Block Kit limits as any message."""
        assert self.response.status_code == 200, self.response.text
        body = self.response.json()
        assert not message_problems(body), message_problems(body)
        return body

    def reply(self, timeout: float = 3.0) -> dict[str, Any]:
        """The one message posted to this command's response_url after the ack."""
        assert self.response.status_code == 200, self.response.text
        hooks = self.fake.wait_for_hook(self.response_url, timeout=timeout)
        return hooks[0].body


def text_of(message: dict[str, Any]) -> str:
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


def _user(user_id: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def click(
    driver: SlackDriver,
    message: dict[str, Any],
    action_id: str,
    *,
    user_id: str = "U0ALICE",
    team_id: str = TEAM_ID,
    channel_id: str = "C0SALES01",
) -> tuple[httpx.Response, str]:
    """Click the button `action_id` (or one whose id starts with it) in a message Rapport sent.

    Returns the response and the response_url Slack gave the click (for the follow-up reply).
    """
    for block in message.get("blocks", []):
        for element in block.get("elements", []):
            if (
                element.get("action_id", "").startswith(action_id)
                and element.get("type") == "button"
            ):
                break
        else:
            continue
        break
    else:
        raise AssertionError(f"no button {action_id} in {message}")
    n = next(_ids)
    response_url = driver.fake.response_url("action")
    payload = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": "legacy",
        "trigger_id": f"{n}.444.{n:06x}",
        "team": {"id": team_id, "domain": "acme"},
        "container": {
            "type": "message",
            "message_ts": "1700000300.000400",
            "channel_id": channel_id,
            "is_ephemeral": True,
        },
        "channel": {"id": channel_id, "name": "sales"},
        "message": {
            "type": "message",
            "bot_id": "B0CRMBOT1",
            "ts": "1700000300.000400",
            "text": message.get("text", ""),
            "blocks": message.get("blocks", []),
        },
        "response_url": response_url,
        "state": {"values": {}},
        "actions": [
            {
                "type": "button",
                "action_id": element["action_id"],
                "block_id": block["block_id"],
                "value": element.get("value", ""),
                "text": element["text"],
                "action_ts": f"{int(time.time())}.{n:06d}",
            }
        ],
    }
    return driver.interactive(payload), response_url


def submit(
    driver: SlackDriver,
    view: dict[str, Any],
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    user_id: str = "U0ALICE",
    team_id: str = TEAM_ID,
    view_id: str | None = None,
) -> httpx.Response:
    """Submit a modal Rapport opened (as recorded by the fake's views.open) with state `values`."""
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "acme"},
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": "legacy",
        "trigger_id": f"{next(_ids)}.555.abc",
        "view": {
            "id": view_id or f"V{next(_ids):08d}",
            "team_id": team_id,
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view.get("private_metadata", ""),
            "hash": "1700000400.AbCdEf12",
            "title": view["title"],
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view["blocks"],
            "state": {"values": values},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": "B0CRMBOT1",
            "clear_on_close": False,
            "notify_on_close": False,
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return driver.interactive(payload)


def suggest(
    driver: SlackDriver,
    view: dict[str, Any],
    block_id: str,
    action_id: str,
    typed: str,
    *,
    values: dict[str, Any] | None = None,
    user_id: str = "U0ALICE",
    team_id: str = TEAM_ID,
) -> httpx.Response:
    """What Slack sends as someone types in an external_select (block_suggestion)."""
    payload = {
        "type": "block_suggestion",
        "user": _user(user_id, team_id),
        "container": {"type": "view", "view_id": "V0LOG0001"},
        "api_app_id": APP_ID,
        "token": "legacy",
        "action_id": action_id,
        "block_id": block_id,
        "value": typed,
        "team": {"id": team_id, "domain": "acme"},
        "view": {
            "id": "V0LOG0001",
            "team_id": team_id,
            "type": "modal",
            "callback_id": view["callback_id"],
            "blocks": view["blocks"],
            "private_metadata": view.get("private_metadata", ""),
            "state": {"values": values or {}},
            "hash": "1700000400.x",
        },
    }
    return driver.interactive(payload)


def text_input(block: str, action: str, value: str | None) -> dict[str, dict[str, Any]]:
    return {block: {action: {"type": "plain_text_input", "value": value}}}


def selected(
    block: str, action: str, value: str | None, label: str = "x", kind: str = "static_select"
) -> dict[str, dict[str, Any]]:
    option = (
        {"text": {"type": "plain_text", "text": label, "emoji": True}, "value": value}
        if value
        else None
    )
    return {block: {action: {"type": kind, "selected_option": option}}}
