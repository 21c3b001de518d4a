"""Plays Slack's side of the request contract: what Slack sends the app, signed as Slack signs it.

Payloads carry every field real Slack sends, as recorded from Slack (`payloads`: pure builders);
`wire` encodes them as Slack puts them on the wire and adds the v0 signature. `SlackDriver`
strings them together and hands each request to a transport: HTTP to /slack/events
(`bot.standin.http`) for tests, in-process dispatch (`bot.standin.inprocess`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.standin.checks import message_problems
from bot.standin.payloads import (
    JSON,
    TEAM_ID,
    block_suggestion_payload,
    button_payload,
    command_form,
    event_envelope,
    home_menu_payload,
    is_ephemeral_message,
    selected,
    shortcut_payload,
    text_input,
    text_of,
    view_submission_payload,
)
from bot.standin.webapi import FakeSlack
from bot.standin.wire import (
    FORM,
    SlackRequest,
    SlackResponse,
    Transport,
    event_request,
    form_request,
    interactive_request,
    sign,
    signed,
)

# What tests, bench and the stand-in import from here; builders and the wire live beside it.
__all__ = [
    "FORM",
    "TEAM_ID",
    "CommandResult",
    "SlackDriver",
    "SlackRequest",
    "SlackResponse",
    "Transport",
    "click",
    "command_form",
    "form_request",
    "home_menu_payload",
    "interactive_request",
    "selected",
    "sign",
    "signed",
    "submit",
    "suggest",
    "text_input",
    "text_of",
]


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
        """The command's answer: in the ack itself, or (for work that missed the ack's deadline)
        the one message posted to its response_url after an empty ack."""
        assert self.response.status_code == 200, self.response.text
        if self.response.text.strip():
            return self.ack_json()
        hooks = self.fake.wait_for_hook(self.response_url, timeout=timeout)
        assert not message_problems(hooks[0].body), message_problems(hooks[0].body)
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
    ephemeral: bool | None = None,
) -> tuple[SlackResponse, str]:
    """Click a button in `message`; returns the answer and the click's response_url. Whether
    the message is ephemeral (which shapes the payload) is what the fake's conversation holds
    for its ts, else what its shape says (`payloads.is_ephemeral_message`), unless given."""
    _, trigger_id, action_ts = driver.ids()
    url = driver.fake.response_url(
        "action", channel=channel_id, user=user_id, message_ts=message.get("ts")
    )
    if ephemeral is None:
        kept = driver.fake.message(channel_id, message["ts"]) if message.get("ts") else None
        ephemeral = is_ephemeral_message(message, kept.ephemeral_to is not None if kept else None)
    payload = button_payload(
        message, action_id, response_url=url, trigger_id=trigger_id, action_ts=action_ts,
        user_id=user_id, team_id=team_id, channel_id=channel_id, is_ephemeral=ephemeral,
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
