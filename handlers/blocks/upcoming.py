"""Builders for surfaces whose feature arrives in a later release: honest answers, not errors."""

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from handlers.blocks import Message, message
from handlers.blocks.crm import HELP_COMMANDS, HELP_CRM, _lines
from handlers.ids import Command

WHAT_WORKS = (
    f"Today I log calls (`{Command.LOG_CALL} Acme: talked renewal. Follow up Tuesday`, or DM me "
    f"“called Acme: they signed”), create accounts and change owners (`{Command.CRM} new Acme`, "
    f"`{Command.CRM} assign Acme @lee`). `{Command.CRM} help` lists everything."
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
