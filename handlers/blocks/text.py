"""Text helpers every builder shares: what a user typed is always escaped before Slack sees it."""


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
