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

from tests.fakeslack import FakeSlack

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
        assert self.response.status_code == 200, self.response.text
        return self.response.json()

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
