"""What real Slack would reject: required arguments, Block Kit and view limits.

Rules come from Slack's Web API spec (`spec`, a floor) plus the stricter ones real Slack enforces
(docs.slack.dev method pages, Block Kit reference); slack_sdk's own model validators run on every
block and view.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.standin import spec

JSON = dict[str, Any]
MESSAGE_BLOCKS_MAX, VIEW_BLOCKS_MAX, VIEW_TEXT_MAX = 50, 100, 24
PRIVATE_METADATA_MAX, TEXT_MAX, RESPONSE_URL_USES = 3000, 40_000, 5
CONTENT = ("text", "blocks", "attachments", "markdown_text")

# Rules the October 2020 spec is too permissive about. Each tuple is a group of alternatives, at
# least one of which must be present; they replace spec rules on the same arguments.
CONTRACT_REQUIRED: dict[str, list[tuple[str, ...]]] = {
    "chat.postMessage": [("channel",), CONTENT],
    "chat.postEphemeral": [("channel",), ("user",), CONTENT],
    "chat.update": [("channel",), ("ts",), CONTENT],
    "chat.delete": [("channel",), ("ts",)],
    "chat.getPermalink": [("channel",), ("message_ts",)],
    "conversations.members": [("channel",)],
    "conversations.open": [("users", "channel")],
    "views.open": [("view",), ("trigger_id", "interactivity_pointer")],
    "views.update": [("view",), ("view_id", "external_id")],
    "views.publish": [("user_id",), ("view",)],
    "views.push": [("view",), ("trigger_id", "interactivity_pointer")],
    "users.info": [("user",)],
    "users.lookupByEmail": [("email",)],
    "files.getUploadURLExternal": [("filename",), ("length",)],
    "files.completeUploadExternal": [("files",)],
}


def known_method(method: str) -> bool:
    return method in spec.required_args()


def required_groups(method: str, *, use_spec: bool = True) -> list[tuple[str, ...]]:
    """The contract's rules plus (with `use_spec`) the spec's required args, as alternatives."""
    groups = list(CONTRACT_REQUIRED.get(method, []))
    if not use_spec:
        return groups
    covered = {name for group in groups for name in group}
    extra = sorted(spec.required_args().get(method, frozenset()) - covered)
    return groups + [(name,) for name in extra]


def missing_groups(method: str, args: JSON, *, use_spec: bool = True) -> list[tuple[str, ...]]:
    return [
        group
        for group in required_groups(method, use_spec=use_spec)
        if not any(present(args.get(name)) for name in group)
    ]


def present(value: Any) -> bool:
    return value is not None and value != "" and value != []


def decoded(value: Any) -> Any:
    """A blocks/view argument; form bodies carry it as a JSON string."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def block_problems(blocks: Any, limit: int = MESSAGE_BLOCKS_MAX) -> list[str]:
    """What Slack would reject in a blocks array, with slack_sdk's own validators run."""
    blocks = decoded(blocks)
    if not isinstance(blocks, list):
        return [f"blocks must be a JSON array, got {type(blocks).__name__}"]
    problems = [f"{len(blocks)} blocks, at most {limit} allowed"] if len(blocks) > limit else []
    for index, raw in enumerate(blocks):
        try:
            block = Block.parse(raw) if isinstance(raw, dict) else None
            if block is None:
                problems.append(f"block {index} is not a known block: {str(raw)[:80]}")
            else:
                block.to_dict()
        except SlackObjectFormationError as error:
            problems.append(f"block {index} ({raw.get('type')}): {error}")
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            problems.append(f"block {index} is malformed: {error!r}")
    return problems


def view_problems(view: Any) -> list[str]:
    """What Slack would reject in a modal or Home tab view."""
    view = decoded(view)
    if not isinstance(view, dict):
        return [f"view must be a JSON object, got {type(view).__name__}"]
    problems: list[str] = []
    if view.get("type") == "modal" and not view.get("title"):
        problems.append("a modal needs a title")
    for key in ("title", "submit", "close"):
        text = view.get(key)
        text = text.get("text", "") if isinstance(text, dict) else text
        if isinstance(text, str) and len(text) > VIEW_TEXT_MAX:
            problems.append(f"{key} is {len(text)} chars, at most {VIEW_TEXT_MAX} allowed")
    metadata = view.get("private_metadata")
    if isinstance(metadata, str) and len(metadata) > PRIVATE_METADATA_MAX:
        problems.append(
            f"private_metadata is {len(metadata)} chars, at most {PRIVATE_METADATA_MAX}"
        )
    problems += block_problems(view.get("blocks", []), VIEW_BLOCKS_MAX)
    try:
        View(**view).validate_json()
    except SlackObjectFormationError as error:
        if not problems:
            problems.append(str(error))
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        problems.append(f"view is malformed: {error!r}")
    return problems


def message_problems(body: JSON) -> list[str]:
    """Block and text limits shared by chat.* calls, response_url posts and ack bodies."""
    problems = []
    if "blocks" in body:
        problems += block_problems(body["blocks"], MESSAGE_BLOCKS_MAX)
    text = body.get("text")
    if isinstance(text, str) and len(text) > TEXT_MAX:
        problems.append(f"text is {len(text)} chars, at most {TEXT_MAX}")
    return problems


def call_problems(
    method: str, args: JSON, *, use_spec: bool = True
) -> tuple[str | None, list[str]]:
    """(the error Slack would answer a Web API call, or None; every problem found)."""
    missing = missing_groups(method, args, use_spec=use_spec)
    messages = [f"missing required argument {' or '.join(group)}" for group in missing]
    error = None
    if missing:
        error = "no_text" if missing[0] == CONTENT else "invalid_arguments"
    if method.startswith("chat.") and (content := message_problems(args)):
        messages += content
        if error is None:
            error = "msg_too_long" if content[-1].startswith("text is") else "invalid_blocks"
    view = view_problems(args["view"]) if method.startswith("views.") else []
    if "view" in args and view:
        messages += view
        error = error or "invalid_arguments"
    return error, messages


def response_url_problems(body: Any, content_type: str, uses: int) -> list[str]:
    """What Slack would refuse in a response_url post (the `uses`-th one to that URL)."""
    if not isinstance(body, dict) or "json" not in content_type:
        return [f"body is not a JSON object ({content_type})"]
    problems = message_problems(body)
    content = present(body.get("text")) or present(body.get("blocks"))
    if not content and not body.get("attachments") and body.get("delete_original") is not True:
        problems.insert(0, "needs text or blocks")
    if body.get("response_type", "ephemeral") not in ("ephemeral", "in_channel"):
        problems.append(f"response_type {body['response_type']!r} is not ephemeral/in_channel")
    if uses > RESPONSE_URL_USES:
        problems.append(f"post #{uses}; a response_url takes at most {RESPONSE_URL_USES}")
    return problems
