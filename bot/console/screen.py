"""What a rendered message, modal or Home is: lines to show, and what can be pressed, picked
or filled in."""

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text


@dataclass(frozen=True)
class Choice:
    number: int  # as shown, [1] for buttons, (1) for options
    label: str  # the button's text, or the option's text
    block_id: str | None
    element: dict[str, Any]  # the Block Kit element pressed or picked from
    option: dict[str, Any] | None = None  # for an option of a select/overflow/radio: the option


@dataclass(frozen=True)
class Field:
    """An input block of a modal, to be asked field by field."""

    block_id: str
    action_id: str
    label: str
    hint: str | None
    optional: bool
    kind: str  # the element type: plain_text_input, static_select, datepicker, …
    multiline: bool
    initial: str | None  # the initial value (or option labels) shown as the default
    options: list[dict[str, Any]]  # for static selects, radios and checkboxes (groups flattened)
    placeholder: str | None
    element: dict[str, Any] = field(default_factory=dict)  # the input's Block Kit element


@dataclass
class Screen:
    lines: list[Text] = field(default_factory=list)
    buttons: list[Choice] = field(default_factory=list)
    options: list[Choice] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)

    def plain(self) -> str:
        """The same layout with no styling, for transcripts (tests compare it)."""
        return "\n".join(line.plain.rstrip() for line in self.lines)
