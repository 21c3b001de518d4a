"""What an interactive element offers and holds to begin with, as a reader reads it."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.console.mrkdwn import Names

Label = Callable[[dict[str, Any] | None], str]


def options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    """An element's options, option_groups flattened."""
    groups = element.get("option_groups") or []
    return [*element.get("options", []), *(o for g in groups for o in g.get("options", []))]


def initials(element: dict[str, Any]) -> list[dict[str, Any]]:
    """The option or options chosen to begin with."""
    one = element.get("initial_option")
    return [one] if one else list(element.get("initial_options", []))


def value_of(
    element: dict[str, Any], *, names: Names, channels: Names, tz: str, label: Label
) -> str | None:
    """What an element holds to begin with: a typed value, a date, people, channels or the
    labels of its chosen options; None when it starts empty."""
    if element.get("initial_value") is not None:
        return str(element["initial_value"])
    for key in ("initial_date", "initial_time"):
        if element.get(key):
            return str(element[key])
    if element.get("initial_date_time"):
        moment = datetime.fromtimestamp(int(element["initial_date_time"]), ZoneInfo(tz))
        return f"{moment:%Y-%m-%d %H:%M}"
    people = [element.get("initial_user"), *element.get("initial_users", [])]
    rooms = [
        *(element.get(key) for key in ("initial_conversation", "initial_channel")),
        *element.get("initial_conversations", []),
        *element.get("initial_channels", []),
    ]
    shown = [f"@{names(u)}" for u in people if u]
    shown += [f"#{channels(c)}" for c in rooms if c]
    shown += [label(option.get("text")) for option in initials(element)]
    return ", ".join(shown) or None
