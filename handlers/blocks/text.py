"""Text helpers every builder shares: what a user typed is always escaped before Slack sees it."""

import re
from datetime import datetime

from models.base import zone

# Slack's limits on text a person reads: section and context text, and a button's label.
SECTION_MAX = 3000
BUTTON_MAX = 75
ELLIPSIS = "…"


def escape(text: str) -> str:
    """Escape &, < and > so typed text can't ping (<!channel>), link or mention anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Slack's mrkdwn has no escape character (a backslash shows as itself), and a zero-width space
# next to `*` makes a word boundary, so it can *start* formatting. What reliably reads as typed
# is a date token with a format Slack can't read: clients show its fallback text verbatim and
# format nothing inside it (the approach of jsx-slack's <Escape>).
_FORMATTING = re.compile(r"[*_~`]+")
_VERBATIM = "<!date^00000000^{{_}}|{}>"


def literal(text: str) -> str:
    """A typed name for mrkdwn that reads as typed: escaped (&, <, >), and `*`, `_`, `~` and
    backticks shown as themselves rather than turning the rest bold, italic or code."""
    return _FORMATTING.sub(lambda run: _VERBATIM.format(run.group()), escape(text))


_VERBATIM_TOKEN = re.compile(r"<!date\^00000000\^\{_\}\|([*_~`]+)>")


def fallback(mrkdwn: str) -> str:
    """Built mrkdwn as a message's top-level `text` (notifications, screen readers): names read
    as typed there without `literal`'s date tokens, which only clients render."""
    return _VERBATIM_TOKEN.sub(lambda token: token.group(1), mrkdwn)


def bold(name: str) -> str:
    """A typed name in bold, as every answer shows account names: `*Acme*`."""
    return f"*{literal(name)}*"


def quote_name(typed: str, limit: int) -> str:
    """A typed name as a one-glance excerpt of at most `limit` characters, reading as typed."""
    return literal(preview(typed, limit))


def fit(mrkdwn: str, limit: int = SECTION_MAX) -> str:
    """Built (escaped) mrkdwn cut to `limit` characters with an ellipsis, never through an
    entity (`&amp;`) or a `<…>` token (a mention, a date, a link): those go whole or not at all."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    cut = mrkdwn[: limit - len(ELLIPSIS)]
    for opener, closer in (("&", ";"), ("<", ">")):
        start = cut.rfind(opener)
        if start != -1 and closer not in cut[start:]:
            cut = cut[:start]
    return cut + ELLIPSIS


def quote(typed: str, limit: int) -> str:
    """What a person typed, as a one-glance excerpt, escaped, and at most `limit` characters
    once escaped (escaping makes text longer: `&` is `&amp;`)."""
    return fit(escape(preview(typed, limit)), limit)


def label(text: str, limit: int = BUTTON_MAX) -> str:
    """A plain_text label (a button, an option): no escaping, cut on a word to fit."""
    return preview(text, limit)


def mention(slack_user_id: str) -> str:
    return f"<@{slack_user_id}>"


def preview(text: str, limit: int = 280) -> str:
    """A one-glance excerpt: whitespace collapsed, cut on a word with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0] + "…"


# strftime's %a and %b in English, as the C locale Rapport runs in names them: strftime costs
# a few microseconds a call, and a history page shows ten to thirty moments.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def local_time(moment: datetime, tz: str) -> str:
    """A moment as the reader reads it: Slack renders <!date> in each reader's own time zone;
    the fallback (notifications, old clients) is in `tz`, the rep's zone."""
    local = moment.astimezone(zone(tz))
    day, month = _DAYS[local.weekday()], _MONTHS[local.month - 1]
    fallback = f"{day} {month} {local.day}, {local.hour:02}:{local.minute:02} {local.tzname()}"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def local_input(moment: datetime, tz: str) -> str:
    """A moment as a modal's "When" field shows it, in the rep's zone."""
    return f"{moment.astimezone(zone(tz)):%Y-%m-%d %H:%M}"
