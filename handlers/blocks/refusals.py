"""What a guest or someone of another organisation sees instead of Rapport: one sentence."""

from slack_sdk.models.blocks import PlainTextObject
from slack_sdk.models.views import View

from handlers.blocks import section


def build_refusal_modal(sentence: str) -> dict:
    """A small modal for surfaces that have only a trigger_id (a global shortcut, a modal)."""
    return View(
        type="modal",
        title=PlainTextObject(text="Rapport"),
        close=PlainTextObject(text="OK"),
        blocks=[section(sentence)],
    ).to_dict()


def build_refusal_home(sentence: str) -> dict:
    """The Home tab: it keeps what was published last, so it must say this rather than show
    what a former member saw there."""
    return View(type="home", blocks=[section(sentence)]).to_dict()
