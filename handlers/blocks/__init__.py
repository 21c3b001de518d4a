"""Pure Block Kit builders (`build_*`): typed values in, message or view dicts out.

Built with slack_sdk.models so Slack's length limits are checked on `to_dict()`; the answers on
the hot path build plain dicts with `kit`, which checks the same limits at a fraction of the cost.
Text that quotes what people typed goes through `section` and `context` (or their `kit` twins,
and `text.quote`, `text.label`), which cut it to Slack's limits after escaping: a long name gets
an answer.
"""

from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    Block,
    BlockElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from handlers.blocks.text import SECTION_MAX, fallback, fit

Message = dict[str, Any]
MESSAGE_BLOCKS_MAX = 50


def message(text: str, blocks: Sequence[Block | dict[str, Any]]) -> Message:
    """A message payload: `text` is the notification and screen-reader fallback. Blocks are
    slack_sdk's (validated here) or `kit`'s dicts (validated as they were built)."""
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        raise SlackObjectFormationError(f"a message holds at most {MESSAGE_BLOCKS_MAX} blocks")
    built = [b if isinstance(b, dict) else b.to_dict() for b in blocks]
    return {"text": fit(fallback(text), SECTION_MAX), "blocks": built}


def section(text: str, *, accessory: BlockElement | None = None) -> SectionBlock:
    """A section of built mrkdwn, cut to Slack's 3,000 characters (never through an entity)."""
    return SectionBlock(text=MarkdownTextObject(text=fit(text, SECTION_MAX)), accessory=accessory)


def context(text: str) -> ContextBlock:
    """A context line of built mrkdwn, cut like a section."""
    return ContextBlock(elements=[MarkdownTextObject(text=fit(text, SECTION_MAX))])
