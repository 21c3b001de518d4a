"""Builders for surfaces whose feature arrives in a later release: honest answers, not errors."""

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from handlers.blocks import Message, message
from handlers.blocks.crm import HELP_COMMANDS, HELP_CRM, _lines
from handlers.ids import Command
from handlers.ids import View as ViewId

WHAT_WORKS = (
    f"Today I can create accounts and change owners: `{Command.CRM} new Acme @dana`, "
    f"`{Command.CRM} assign Acme @lee`. `{Command.CRM} help` lists everything."
)


def build_reply_what_works() -> Message:
    return message(WHAT_WORKS, [SectionBlock(text=WHAT_WORKS)])


def build_home_welcome() -> dict:
    blocks = [
        HeaderBlock(text="Rapport"),
        SectionBlock(text="Your CRM, in Slack. Here is what you can do:"),
        SectionBlock(text=MarkdownTextObject(text=_lines(HELP_CRM, prefix=f"{Command.CRM} "))),
        SectionBlock(text=MarkdownTextObject(text=_lines(HELP_COMMANDS))),
        ContextBlock(
            elements=[MarkdownTextObject(text="Your follow-ups and deals will show here.")]
        ),
    ]
    return View(type="home", blocks=blocks).to_dict()


def build_modal_not_yet(*, what: str) -> dict:
    text = f"{what} isn't in this version of Rapport yet.\n\n{WHAT_WORKS}"
    return View(
        type="modal",
        callback_id=ViewId.UPCOMING,
        title="Rapport",
        close="Close",
        blocks=[SectionBlock(text=text)],
    ).to_dict()
