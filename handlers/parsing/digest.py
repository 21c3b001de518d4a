"""`/crm digest [on|off]`."""

from handlers.parsing.text import CommandError

SWITCH = {
    **dict.fromkeys(("on", "yes", "start", "resume", "enable"), True),
    **dict.fromkeys(("off", "no", "stop", "pause", "disable", "mute"), False),
}


def parse_digest(text: str) -> bool | None:
    """True for on, False for off, None for the question "is it on, and when?"."""
    word = " ".join(text.split()).lower().strip(".!")
    if not word or word in ("status", "?", "help"):
        return None
    if word in SWITCH:
        return SWITCH[word]
    raise CommandError(
        "Say `/crm digest off` to stop the morning digest, or `/crm digest on` to get it."
    )
