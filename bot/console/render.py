"""What the bot answers, laid out for a terminal: pure, no I/O, no Slack, no DB.

A message, a modal or the App Home becomes a `Screen`: styled lines, the buttons numbered
[1] [2]… and the options of selects, overflows, radios and checkboxes numbered (1) (2)… in
reading order (so `click 2` and `pick 3` can find them), and a modal's input blocks as `Field`s
to ask one by one. Elements that need a typed value rather than a press (external, user and
channel selects, date and time pickers) are numbered with the buttons: clicking one is where
the console asks for that value.
"""

from collections.abc import Iterator
from datetime import datetime
from itertools import zip_longest
from typing import Any

from rich.style import Style
from rich.text import Text

from bot.console.elements import initials, options_of, value_of
from bot.console.mrkdwn import BOLD, MENTION, PLAIN, Names, emoji, mrkdwn, underlay
from bot.console.rich_text import rich_text
from bot.console.screen import Choice, Field, Screen

__all__ = ["Choice", "Field", "Screen", "render_message", "render_suggestions", "render_view"]

INDENT = "  "
RULE = "─" * 48
COLUMN_MAX = 40  # a section's left column of fields, at most
DIM = Style(dim=True)
HINT = Style(dim=True, italic=True)
BUTTON_STYLES = {
    "primary": Style(bold=True, color="green"),
    "danger": Style(bold=True, color="red"),
    None: BOLD,
}
OPTION_ELEMENTS = {
    "static_select", "multi_static_select", "overflow", "radio_buttons", "checkboxes"
}  # fmt: skip
SYMBOLS = {"datepicker": "📅", "timepicker": "🕒", "datetimepicker": "📅"}


class _Layout:
    def __init__(
        self,
        *,
        names: Names,
        channels: Names,
        tz: str,
        now: datetime,
        first_button: int,
        first_option: int,
    ) -> None:
        self.names, self.channels, self.tz, self.now = names, channels, tz, now
        self.screen = Screen()
        self.next_button, self.next_option = first_button, first_option

    # -- text --------------------------------------------------------------------------------

    def text(self, obj: dict[str, Any] | str | None) -> Text:
        """A text object (mrkdwn read; plain_text with its emoji) or a bare string of mrkdwn."""
        if obj is None:
            return Text()
        if isinstance(obj, str):
            obj = {"type": "mrkdwn", "text": obj}
        if obj.get("type") == "plain_text":
            return Text(emoji(obj["text"]) if obj.get("emoji", True) else obj["text"])
        return mrkdwn(
            obj["text"], names=self.names, channels=self.channels, tz=self.tz, now=self.now
        )

    def label(self, obj: dict[str, Any] | None) -> str:
        return self.text(obj).plain

    def value(self, element: dict[str, Any]) -> str | None:
        return value_of(element, names=self.names, channels=self.channels, tz=self.tz,
                        label=self.label)  # fmt: skip

    def add(self, text: Text, *, indent: str = INDENT, style: Style | None = None) -> None:
        for line in text.split("\n", allow_blank=True):
            self.screen.lines.append(Text(indent) + underlay(line, style or PLAIN))

    # -- blocks ------------------------------------------------------------------------------

    def blocks(self, blocks: list[dict[str, Any]]) -> None:
        for block in blocks:
            kind = block.get("type")
            getattr(self, f"_{kind}", self._unknown)(block)

    def _section(self, block: dict[str, Any]) -> None:
        if block.get("text"):
            self.add(self.text(block["text"]))
        fields = [self.text(f) for f in block.get("fields", [])]
        for left, right in zip_longest(fields[::2], fields[1::2], fillvalue=Text()):
            self._columns(left, right)
        if block.get("accessory"):
            self.elements([block["accessory"]], block.get("block_id"))

    def _columns(self, left: Text, right: Text) -> None:
        lefts, rights = left.split("\n", allow_blank=True), right.split("\n", allow_blank=True)
        width = min(COLUMN_MAX, max(line.cell_len for line in lefts))
        for one, two in zip_longest(lefts, rights, fillvalue=Text()):
            row = one.copy()
            if two.plain:
                row.append(" " * (max(width - one.cell_len, 0) + 3))
                row.append_text(two)
            self.add(row)

    def _header(self, block: dict[str, Any]) -> None:
        self.add(self.text(block["text"]), style=BOLD)

    def _context(self, block: dict[str, Any]) -> None:
        parts = [self._context_part(e) for e in block.get("elements", [])]
        self.add(Text("  ").join(parts), style=DIM)

    def _context_part(self, element: dict[str, Any]) -> Text:
        if element.get("type") == "image":
            return Text(f"[{element.get('alt_text', 'image')}]")
        return self.text(element)

    def _divider(self, block: dict[str, Any]) -> None:
        self.add(Text(RULE), style=DIM)

    def _image(self, block: dict[str, Any]) -> None:
        title = f" {self.label(block['title'])}" if block.get("title") else ""
        self.add(Text(f"[image: {block.get('alt_text', '')}]{title}"), style=DIM)

    def _actions(self, block: dict[str, Any]) -> None:
        self.elements(block.get("elements", []), block.get("block_id"))

    def _rich_text(self, block: dict[str, Any]) -> None:
        self.add(rich_text(block, names=self.names, channels=self.channels, tz=self.tz,
                           now=self.now))  # fmt: skip

    def _markdown(self, block: dict[str, Any]) -> None:
        self.add(self.text(block.get("text", "")))

    def _unknown(self, block: dict[str, Any]) -> None:
        self.add(Text(f"[{block.get('type')} block]"), style=DIM)

    # -- interactive elements ----------------------------------------------------------------

    def elements(self, elements: list[dict[str, Any]], block_id: str | None) -> None:
        """Buttons side by side on a line; each select on its own line, its options below."""
        row: list[Text] = []
        for element in elements:
            kind = element.get("type", "")
            if kind.endswith("button") or (kind not in OPTION_ELEMENTS and kind != "image"):
                row.append(self._button(element, block_id))
                continue
            if row:
                self.add(Text("  ").join(row))
                row = []
            if kind == "image":
                self.add(Text(f"[image: {element.get('alt_text', '')}]"), style=DIM)
            else:
                self._option_list(element, block_id)
        if row:
            self.add(Text("  ").join(row))

    def _button(self, element: dict[str, Any], block_id: str | None) -> Text:
        number, self.next_button = self.next_button, self.next_button + 1
        kind = element["type"]
        if kind.endswith("button"):
            label = self.label(element.get("text"))
            shown = label + (" ↗" if element.get("url") else "")
            style = BUTTON_STYLES.get(element.get("style"), BOLD)
        else:
            label = self.value(element) or self.label(element.get("placeholder")) or kind
            shown, style = f"{SYMBOLS.get(kind, '▾')} {label}", BOLD
        self.screen.buttons.append(Choice(number, label, block_id, element))
        return Text.assemble((f"[{number} ", style), (shown, style), ("]", style))

    def _option_list(
        self,
        element: dict[str, Any],
        block_id: str | None,
        offered: list[dict[str, Any]] | None = None,
    ) -> None:
        kind, chosen_options = element["type"], initials(element)
        chosen = {o.get("value") for o in chosen_options}
        if kind == "overflow":
            self.add(Text("⋯ more", style=DIM))
        elif kind.endswith("static_select"):
            head = ", ".join(self.label(o["text"]) for o in chosen_options)
            placeholder = self.label(element.get("placeholder")) or "Choose…"
            self.add(Text(f"▾ {head}") if head else Text(f"▾ {placeholder}", style=HINT))
        for option in options_of(element) if offered is None else offered:
            number, self.next_option = self.next_option, self.next_option + 1
            label = self.label(option.get("text"))
            line = Text.assemble((f"({number}) ", BOLD), label)
            if option.get("value") in chosen:
                line.append(" ✓", BOLD)
            if option.get("description"):
                line.append(f"  {self.label(option['description'])}", DIM)
            self.add(line, indent=INDENT * 2)
            self.screen.options.append(Choice(number, label, block_id, element, option))

    # -- modal inputs ------------------------------------------------------------------------

    def _input(self, block: dict[str, Any]) -> None:
        element, optional = block.get("element", {}), bool(block.get("optional"))
        label, kind = self.label(block.get("label")), element.get("type", "")
        head = Text(label, style=BOLD)
        if optional:
            head.append(" (optional)", DIM)
        self.add(head)
        initial, placeholder = self.value(element), self.label(element.get("placeholder"))
        multiline = bool(element.get("multiline"))
        mark = "┆ " if multiline else SYMBOLS.get(kind, "▾" if "select" in kind else "✎") + " "
        if kind in ("radio_buttons", "checkboxes"):
            chosen = {o.get("value") for o in initials(element)}
            for option in options_of(element):
                on = option.get("value") in chosen
                dot = ("◉ " if on else "○ ") if kind == "radio_buttons" else ("☑ " if on else "☐ ")
                self.add(Text(dot) + self.text(option.get("text")), indent=INDENT * 2)
        elif initial:
            for line in initial.split("\n"):
                self.add(Text(mark + line), indent=INDENT * 2)
        else:
            self.add(Text(mark + (placeholder or "")), indent=INDENT * 2, style=HINT)
        hint = self.label(block.get("hint")) or None
        if hint:
            self.add(Text(hint), indent=INDENT * 2, style=DIM)
        self.screen.fields.append(
            Field(block_id=block.get("block_id", ""), action_id=element.get("action_id", ""),
                  label=label, hint=hint, optional=optional, kind=kind, multiline=multiline,
                  initial=initial, options=options_of(element), placeholder=placeholder or None,
                  element=element)
        )  # fmt: skip


def render_message(
    message: dict[str, Any],
    *,
    names: Names,
    channels: Names,
    tz: str,
    now: datetime,
    first_button: int = 1,
    first_option: int = 1,
    ephemeral: bool = False,
    updated: bool = False,
    author: str = "Rapport",
) -> Screen:
    """A message under its author's name: its blocks, or its `text` when it has none."""
    layout = _Layout(names=names, channels=channels, tz=tz, now=now, first_button=first_button,
                     first_option=first_option)  # fmt: skip
    head = Text(author, style=MENTION)
    for note, shown in (("(updated)", updated), ("only visible to you", ephemeral)):
        if shown:
            head.append(f"  {note}", DIM)
    layout.screen.lines.append(head)
    if message.get("blocks"):
        layout.blocks(message["blocks"])
    elif message.get("text"):
        kind = "plain_text" if message.get("mrkdwn") is False else "mrkdwn"
        layout.add(layout.text({"type": kind, "text": message["text"]}))
    return layout.screen


def render_view(
    view: dict[str, Any],
    *,
    names: Names,
    channels: Names,
    tz: str,
    now: datetime,
    first_button: int = 1,
    first_option: int = 1,
) -> Screen:
    """A modal (its title, blocks and fields, then its submit and close labels) or the App
    Home tab (type "home")."""
    layout = _Layout(names=names, channels=channels, tz=tz, now=now, first_button=first_button,
                     first_option=first_option)  # fmt: skip
    home = view.get("type") == "home"
    title = "Home" if home else layout.label(view.get("title")) or "Modal"
    layout.screen.lines.append(Text(f"▣ {title}", style=BOLD))
    layout.blocks(view.get("blocks", []))
    if not home:
        layout.screen.lines.append(Text(" · ".join(_endings(layout, view)), style=DIM))
    return layout.screen


def _endings(layout: _Layout, view: dict[str, Any]) -> Iterator[str]:
    if view.get("submit"):
        yield f"submit: {layout.label(view['submit'])}"
    yield f"close: {layout.label(view.get('close')) or 'Cancel'}"


def render_suggestions(
    answer: dict[str, Any],
    *,
    element: dict[str, Any],
    block_id: str | None,
    names: Names,
    channels: Names,
    tz: str,
    now: datetime,
    first_option: int = 1,
) -> Screen:
    """What the app's options listener answers for an external select (`options` or
    `option_groups`), numbered (1) (2)… for `pick`; each Choice's element is `element`."""
    layout = _Layout(names=names, channels=channels, tz=tz, now=now, first_button=1,
                     first_option=first_option)  # fmt: skip
    offered = options_of(answer)
    if not offered:
        layout.add(Text("no matches", style=DIM))
    layout._option_list(element, block_id, offered)
    return layout.screen
