"""Block Kit as plain dicts, for the answers on the hot path (/who-owns, /history, a log, /crm).

slack_sdk.models validate by reflection on every `to_dict()`: a fifth of a /who-owns request.
These build the very dicts slack_sdk builds (same keys, in its order: sorted, but for a confirm
dialog) and check the same limits, raising the same SlackObjectFormationError. Text slack_sdk
would silently drop when empty (leaving a block Slack refuses) raises here instead.
"""

from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackObjectFormationError

from handlers.blocks.text import BUTTON_MAX, SECTION_MAX, fit

Json = dict[str, Any]

# slack_sdk's own limits: HeaderBlock.text_max_length, ButtonElement.value_max_length,
# Block.block_id_max_length and InteractiveElement.action_id_max_length, ActionsBlock's
# elements_max_length, ConfirmObject's title/text/confirm/deny max lengths.
HEADER_MAX, VALUE_MAX, ID_MAX, ACTIONS_MAX = 150, 2000, 255, 25
CONFIRM_MAX = {"title": 100, "text": 300, "confirm": 30, "deny": 30}
STYLES = ("primary", "danger")


def _fits(text: str, limit: int, what: str) -> None:
    if not 0 < len(text) <= limit:
        raise SlackObjectFormationError(f"{what} must be 1 to {limit} characters, not {len(text)}")


def _plain(text: str) -> Json:
    return {"emoji": True, "text": text, "type": "plain_text"}


def _mrkdwn(text: str) -> Json:
    return {"text": text, "type": "mrkdwn"}


def section(text: str) -> Json:
    """A section of built mrkdwn, cut to Slack's 3,000 characters (never through an entity)."""
    if not text:
        raise SlackObjectFormationError("text or fields attribute must be specified")
    return {"text": _mrkdwn(fit(text, SECTION_MAX)), "type": "section"}


def context(text: str) -> Json:
    """A context line of built mrkdwn, cut like a section."""
    if not text:
        raise SlackObjectFormationError("a context line needs text")
    return {"elements": [_mrkdwn(fit(text, SECTION_MAX))], "type": "context"}


def header(text: str) -> Json:
    _fits(text, HEADER_MAX, "header text")
    return {"text": _plain(text), "type": "header"}


def divider() -> Json:
    return {"type": "divider"}


def confirm(*, title: str, text: str, confirm: str, deny: str) -> Json:
    """A button's confirm dialog (`text` is mrkdwn); its keys in slack_sdk's order, not sorted."""
    parts = {"title": title, "text": text, "confirm": confirm, "deny": deny}
    for name, value in parts.items():
        _fits(value, CONFIRM_MAX[name], name)
    return {name: _mrkdwn(v) if name == "text" else _plain(v) for name, v in parts.items()}


def button(
    text: str,
    *,
    action_id: str,
    value: str = "",
    style: str | None = None,
    confirm: Json | None = None,
) -> Json:
    """A button; an empty `value` is left out, as slack_sdk leaves it out."""
    _fits(text, BUTTON_MAX, "button text")
    _fits(action_id, ID_MAX, "action_id")
    if len(value) > VALUE_MAX:
        raise SlackObjectFormationError(f"value attribute cannot exceed {VALUE_MAX} characters")
    if style is not None and style not in STYLES:
        raise SlackObjectFormationError(f"style must be one of {', '.join(STYLES)}, not {style!r}")
    built: Json = {"action_id": action_id}
    if confirm:
        built["confirm"] = confirm
    if style:
        built["style"] = style
    built["text"] = _plain(text)
    built["type"] = "button"
    if value:
        built["value"] = value
    return built


def actions(elements: Sequence[Json], *, block_id: str) -> Json:
    if not 0 < len(elements) <= ACTIONS_MAX:
        raise SlackObjectFormationError(f"an actions block holds 1 to {ACTIONS_MAX} elements")
    _fits(block_id, ID_MAX, "block_id")
    return {"block_id": block_id, "elements": list(elements), "type": "actions"}
