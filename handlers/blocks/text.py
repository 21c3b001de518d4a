"""Text helpers every builder shares: what a user typed is always escaped before Slack sees it."""

from datetime import datetime

from models.base import zone


def escape(text: str) -> str:
    """Escape &, < and > so typed text can't ping (<!channel>), link or mention anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(slack_user_id: str) -> str:
    return f"<@{slack_user_id}>"


def preview(text: str, limit: int = 280) -> str:
    """A one-glance excerpt: whitespace collapsed, cut on a word with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def local_time(moment: datetime, tz: str) -> str:
    """A moment as the reader reads it: Slack renders <!date> in each reader's own time zone;
    the fallback (notifications, old clients) is in `tz`, the rep's zone."""
    local = moment.astimezone(zone(tz))
    fallback = f"{local:%a %b} {local.day}, {local:%H:%M} {local.tzname()}"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def local_input(moment: datetime, tz: str) -> str:
    """A moment as a modal's "When" field shows it, in the rep's zone."""
    return f"{moment.astimezone(zone(tz)):%Y-%m-%d %H:%M}"
