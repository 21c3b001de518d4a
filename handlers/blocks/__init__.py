"""Pure Block Kit builders (`build_*`): typed values in, message or view dicts out.

Built with slack_sdk.models so Slack's length limits are checked on `to_dict()`.
Text that quotes what people typed goes through `section` and `context` (and `text.quote`,
`text.label`), which cut it to Slack's limits after escaping: a long name gets an answer.
"""

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    BlockElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from handlers.blocks.text import SECTION_MAX, fallback, fit

Message = dict[str, Any]


def message(text: str, blocks: Sequence[Block]) -> Message:
    """A message payload: `text` is the notification and screen-reader fallback."""
    return {"text": fit(fallback(text), SECTION_MAX), "blocks": [b.to_dict() for b in blocks]}


def section(text: str, *, accessory: BlockElement | None = None) -> SectionBlock:
    """A section of built mrkdwn, cut to Slack's 3,000 characters (never through an entity)."""
    return SectionBlock(text=MarkdownTextObject(text=fit(text, SECTION_MAX)), accessory=accessory)


def context(text: str) -> ContextBlock:
    """A context line of built mrkdwn, cut like a section."""
    return ContextBlock(elements=[MarkdownTextObject(text=fit(text, SECTION_MAX))])
