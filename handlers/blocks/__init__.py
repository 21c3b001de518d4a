"""Pure Block Kit builders (`build_*`): typed values in, message or view dicts out.

Built with slack_sdk.models so Slack's length limits are checked on `to_dict()`.
"""

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

Message = dict[str, Any]


def message(text: str, blocks: Sequence[Block]) -> Message:
    """A message payload: `text` is the notification and screen-reader fallback."""
    return {"text": text, "blocks": [block.to_dict() for block in blocks]}
