"""What Slack sends the app, as pure builders: `*_payload` / `command_form` / `event_envelope`.

Payloads carry every field real Slack sends (slack-bolt 1.30 reads them; a payload missing one can
make Bolt answer 500), as recorded from Slack. `text_input` / `selected` build a modal's state
values; `text_of` is everything a person would read in a message.
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]
TEAM_ID = "T0001"
APP_ID = "A0CRMBOT1"
BOT_ID, BOT_USER_ID = "B0CRMBOT1", "U0CRMBOT1"
CLICKED_TS = "1700000300.000400"  # the clicked message's ts when the caller's copy has none


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


def home_opened_event(user_id: str = "U0ALICE", *, tab: str = "home") -> JSON:
    """The app_home_opened event Slack sends when someone opens Rapport's Home (or Messages) tab."""
    return {"type": "app_home_opened", "user": user_id, "channel": "D0HOME001", "tab": tab,
            "event_ts": "1763900500.000100"}  # fmt: skip


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
    is_ephemeral: bool = True,
) -> JSON:
    """A click on a button of a message the app sent (block_actions from a message).

    Clicks on an ephemeral message (a command's answer, chat.postEphemeral) say so in
    `container.is_ephemeral` and carry no `message`: Slack keeps no copy of one. Clicks on a
    message everyone in the channel reads carry it whole, with its `thread_ts` in a thread."""
    block, button = find_button(message, action_id)
    ts = message.get("ts", CLICKED_TS)
    action = {
        "type": "button", "action_id": button["action_id"], "block_id": block["block_id"],
        "value": button.get("value", ""), "text": button["text"], "action_ts": action_ts,
    }  # fmt: skip
    payload = {
        "type": "block_actions", "user": user_of(user_id, team_id), "api_app_id": APP_ID,
        "token": "legacy", "trigger_id": trigger_id, "team": {"id": team_id, "domain": "acme"},
        "container": {"type": "message", "message_ts": ts, "channel_id": channel_id,
                      "is_ephemeral": is_ephemeral},
        "channel": {"id": channel_id, "name": "sales"},
        "response_url": response_url, "state": {"values": {}}, "actions": [action],
    }  # fmt: skip
    if not is_ephemeral:
        clicked = {
            "type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts,
            "text": message.get("text", ""), "blocks": message.get("blocks", []),
        }  # fmt: skip
        if message.get("thread_ts"):
            clicked["thread_ts"] = message["thread_ts"]
        payload["message"] = clicked
    return payload


def is_ephemeral_message(message: JSON, kept: bool | None) -> bool:
    """Whether a message the app sent is ephemeral: `kept` when the conversation says (its
    `ephemeral_to` is set), else by its shape: a command's ack or a response_url body is
    ephemeral unless `in_channel`, chat.postEphemeral's arguments name a `user`, and
    chat.postMessage's name only a `channel`."""
    if kept is not None:
        return kept
    if "response_type" in message or "channel" not in message:
        return message.get("response_type") != "in_channel"
    return "user" in message


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


def home_button_payload(
    view: JSON,
    block_id: str | None,
    button: JSON,
    *,
    trigger_id: str,
    action_ts: str,
    user_id: str,
    team_id: str = TEAM_ID,
) -> JSON:
    """A click on a button of the App Home view the app published (block_actions from a view:
    no response_url, no channel)."""
    action = {"type": "button", "action_id": button["action_id"], "block_id": block_id or "b",
              "text": button["text"], "action_ts": action_ts}  # fmt: skip
    if "value" in button:
        action["value"] = button["value"]
    return {
        "type": "block_actions", "user": user_of(user_id, team_id), "api_app_id": APP_ID,
        "token": "legacy", "trigger_id": trigger_id, "team": {"id": team_id, "domain": "acme"},
        "container": {"type": "view", "view_id": "V0HOME"},
        "view": {"id": "V0HOME", "type": "home", "blocks": view.get("blocks", []),
                 "state": {"values": {}}},
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
