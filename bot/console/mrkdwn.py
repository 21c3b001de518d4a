"""Slack's mrkdwn as a terminal shows it: bold, italic, strike, code, links, quotes, mentions as
names, `<!date>` tokens in the reader's time zone, and `&amp; &lt; &gt;` shown as typed.

Pure: the caller gives the names of people and channels. `<…>` tokens are found first (what a
person typed is escaped, so a raw `<` only ever opens one) and stand in the text as single
private-use characters while code and emphasis are read, so a URL's `_` or a date token's
fallback `*` never turns the rest italic or bold.
"""

import re
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from rich.emoji import Emoji
from rich.style import Style
from rich.text import Span, Text

Names = Callable[[str], str]

BOLD = Style(bold=True)
ITALIC = Style(italic=True)
STRIKE = Style(strike=True)
CODE = Style(color="magenta")
MENTION = Style(color="cyan", bold=True)
QUOTE_BAR = Style(dim=True)
PLAIN = Style()

_TOKEN = re.compile(r"<([^<>\n]+)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_BASE = 0xE000  # placeholders: private-use characters, one per token or code span
_PLACEHOLDER = re.compile("[\ue000-\uf8ff]")
_PRE = re.compile(r"```(.*?)```", re.DOTALL)
_CODE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
# Slack's emphasis: the marks sit at word edges (not inside snake_case), hug non-space text,
# and stay on one line.
_EMPHASIS = {
    mark: re.compile(rf"(?<![\w{m}]){m}(?=\S)([^\n]*?\S){m}(?!\w)")
    for mark, m in ((mark, re.escape(mark)) for mark in "*_~")
}
_STYLE_OF = {"*": BOLD, "_": ITALIC, "~": STRIKE}
_FIELD = re.compile(r"\{(\w+)\}")
_BROADCASTS = {"here", "channel", "everyone"}


def unescape(text: str) -> str:
    """`&amp;`, `&lt;` and `&gt;` as the characters typed, in one pass (`&amp;lt;` is `&lt;`)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def emoji(text: str) -> str:
    """Slack's `:shortcodes:` as emoji where rich knows the name; others stay as typed."""
    return Emoji.replace(text) if ":" in text else text


def underlay(text: Text, style: Style) -> Text:
    """`text` with `style` beneath its own styles (a bold mention stays a mention's colour)."""
    if style and len(text):
        own = [Span(0, len(text), text.style)] if text.style else []
        text.spans[:0] = [Span(0, len(text), style), *own]
        text.style = ""
    return text


def mrkdwn(text: str, *, names: Names, channels: Names, tz: str, now: datetime) -> Text:
    """Built mrkdwn as styled terminal text (newlines kept; the caller splits lines)."""
    reader = _Reader(names=names, channels=channels, tz=tz, now=now)
    return reader.read(text)


class _Reader:
    def __init__(self, *, names: Names, channels: Names, tz: str, now: datetime) -> None:
        self.names, self.channels, self.zone, self.now = names, channels, ZoneInfo(tz), now
        self.pieces: list[Text] = []

    def read(self, text: str) -> Text:
        held = _TOKEN.sub(lambda m: self._hold(self._token(m.group(1))), text)
        out = Text()
        last = 0
        for block in _PRE.finditer(held):
            out.append_text(self._lines(held[last : block.start()]))
            out.append_text(self._expand(block.group(1).strip("\n"), CODE))
            last = block.end()
        out.append_text(self._lines(held[last:]))
        return out

    def _hold(self, piece: Text) -> str:
        self.pieces.append(piece)
        return chr(_BASE + len(self.pieces) - 1)

    def _lines(self, text: str) -> Text:
        """Text outside ``` blocks: `>` quotes line by line, then code and emphasis."""
        out = Text()
        for n, line in enumerate(text.split("\n")):
            if n:
                out.append("\n")
            if line.startswith(">"):
                out.append("▌ ", QUOTE_BAR)
                line = line[1:].removeprefix(" ")
            held = _CODE.sub(lambda m: self._hold(self._expand(m.group(1), CODE)), line)
            out.append_text(self._emphasis(held, PLAIN))
        return out

    def _emphasis(self, text: str, style: Style) -> Text:
        out = Text()
        while text:
            found = [m for m in (p.search(text) for p in _EMPHASIS.values()) if m]
            if not found:
                out.append_text(self._expand(text, style, words=True))
                break
            first = min(found, key=lambda m: m.start())
            out.append_text(self._expand(text[: first.start()], style, words=True))
            out.append_text(self._emphasis(first.group(1), style + _STYLE_OF[first.group()[0]]))
            text = text[first.end() :]
        return out

    def _expand(self, text: str, style: Style, *, words: bool = False) -> Text:
        """Placeholders back into their pieces, and typed text unescaped, all in `style`."""
        out = Text()
        last = 0
        for held in _PLACEHOLDER.finditer(text):
            out.append_text(self._typed(text[last : held.start()], style, words))
            out.append_text(underlay(self.pieces[ord(held.group()) - _BASE].copy(), style))
            last = held.end()
        out.append_text(self._typed(text[last:], style, words))
        return out

    @staticmethod
    def _typed(text: str, style: Style, words: bool) -> Text:
        shown = unescape(emoji(text) if words else text)
        return Text(shown, style=style) if shown else Text()

    def _token(self, inner: str) -> Text:
        """One `<…>`: a mention, a channel, a broadcast, a date or a link."""
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return Text(f"@{self.names(target[1:])}", MENTION)
        if target.startswith("#"):
            name = unescape(label) if label else self.channels(target[1:])
            return Text(f"#{name.removeprefix('#')}", MENTION)
        if target.startswith("!date^"):
            return self._date(target, unescape(label))
        if target.startswith("!subteam^"):
            return Text(unescape(label) or f"@{target.split('^')[1]}", MENTION)
        if target.startswith("!"):
            word = target[1:]
            shown = f"@{word}" if word in _BROADCASTS else unescape(label) or f"<{word}>"
            return Text(shown, MENTION)
        url = unescape(target)
        return Text(unescape(label) or url, Style(underline=True, color="blue", link=url))

    def _date(self, target: str, fallback: str) -> Text:
        """`!date^1700000000^{date_short_pretty} at {time}^link`: the reader's local time, or
        the fallback verbatim when the format has a token Slack can't read."""
        parts = target.split("^")
        try:
            moment = datetime.fromtimestamp(int(parts[1]), self.zone)
            shown = _FIELD.sub(lambda m: _date_field(m.group(1), moment, self.now), parts[2])
        except (IndexError, ValueError, OverflowError, OSError):
            return Text(fallback)
        link = parts[3] if len(parts) > 3 else None
        return Text(unescape(shown), Style(link=link, underline=True) if link else PLAIN)


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _relative(day: date, today: date) -> str | None:
    return {0: "Today", -1: "Yesterday", 1: "Tomorrow"}.get((day - today).days)


def _ago(moment: datetime, now: datetime) -> str:
    seconds = int((now - moment).total_seconds())
    for size, unit in ((86400 * 365, "year"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if abs(seconds) >= size:
            n = abs(seconds) // size
            words = f"{n} {unit}{'s' * (n != 1)}"
            return f"{words} ago" if seconds > 0 else f"in {words}"
    return "just now"


def _date_field(field: str, moment: datetime, now: datetime) -> str:
    """One of Slack's date tokens; anything else raises ValueError (the fallback is shown)."""
    d = moment
    hour = f"{d.hour % 12 or 12}"
    plain = {
        "date_num": f"{d:%Y-%m-%d}",
        "date": f"{d:%B} {_ordinal(d.day)}, {d.year}",
        "date_short": f"{d:%b} {d.day}, {d.year}",
        "date_long": f"{d:%A, %B} {_ordinal(d.day)}, {d.year}",
        "time": f"{hour}:{d:%M %p}",
        "time_secs": f"{hour}:{d:%M:%S %p}",
        "ago": _ago(d, now),
    }
    if field in plain:
        return plain[field]
    if field.endswith("_pretty") and field.removesuffix("_pretty") in plain:
        relative = _relative(d.date(), now.astimezone(d.tzinfo).date())
        return relative or plain[field.removesuffix("_pretty")]
    raise ValueError(field)
