"""Slack's rich_text blocks (what people post from the composer) as terminal text: sections,
lists, quotes and preformatted code, with the inline styles, links, mentions and dates."""

from datetime import datetime
from typing import Any

from rich.style import Style
from rich.text import Text

from bot.console.mrkdwn import BOLD, CODE, ITALIC, PLAIN, QUOTE_BAR, STRIKE, Names, mrkdwn

_INLINE_STYLES = {"bold": BOLD, "italic": ITALIC, "strike": STRIKE, "code": CODE}


def rich_text(
    block: dict[str, Any], *, names: Names, channels: Names, tz: str, now: datetime
) -> Text:
    """A rich_text block, its parts one after another (newlines kept; the caller splits)."""

    def token(inner: str) -> Text:  # mentions and dates read as mrkdwn reads them
        return mrkdwn(f"<{inner}>", names=names, channels=channels, tz=tz, now=now)

    def inline(element: dict[str, Any]) -> Text:
        kind = element.get("type")
        flags = element.get("style") or {}
        style = sum((_INLINE_STYLES[k] for k in _INLINE_STYLES if flags.get(k)), PLAIN)
        if kind == "text":
            shown = Text(element.get("text", ""))
        elif kind == "link":
            url = element.get("url", "")
            shown = Text(element.get("text") or url, Style(underline=True, color="blue", link=url))
        elif kind == "user":
            shown = token(f"@{element.get('user_id', '')}")
        elif kind == "channel":
            shown = token(f"#{element.get('channel_id', '')}")
        elif kind == "usergroup":
            shown = token(f"!subteam^{element.get('usergroup_id', '')}")
        elif kind == "broadcast":
            shown = token(f"!{element.get('range', 'here')}")
        elif kind == "date":
            fallback = element.get("fallback", "")
            shown = token(f"!date^{element.get('timestamp')}^{element.get('format')}|{fallback}")
        elif kind == "emoji":
            code = element.get("unicode")
            shown = Text(
                "".join(chr(int(c, 16)) for c in code.split("-"))
                if code
                else f":{element.get('name', '')}:"
            )
        else:
            shown = Text(str(element.get("text", "")))
        shown.stylize(style)
        return shown

    def joined(elements: list[dict[str, Any]]) -> Text:
        return Text("").join(inline(e) for e in elements)

    out: list[Text] = []
    for part in block.get("elements", []):
        kind, elements = part.get("type"), part.get("elements", [])
        if kind == "rich_text_list":
            pad = "  " * int(part.get("indent", 0))
            for n, item in enumerate(elements, start=1 + int(part.get("offset", 0))):
                mark = f"{n}. " if part.get("style") == "ordered" else "• "
                out.append(Text(pad + mark) + joined(item.get("elements", [])))
        elif kind == "rich_text_quote":
            body = joined(elements)
            out.append(Text("\n").join(Text("▌ ", QUOTE_BAR) + line for line in body.split("\n")))
        elif kind == "rich_text_preformatted":
            out.append(joined(elements).copy())
            out[-1].stylize(CODE)
        else:
            out.append(joined(elements))
    return Text("\n").join(out)
