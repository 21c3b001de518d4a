"""handlers/blocks/kit.py builds what slack_sdk.models builds, key order included, and refuses
what they refuse (SlackObjectFormationError), at the same lengths and counts."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    DividerBlock,
    HeaderBlock,
)

from handlers.blocks import context, kit, message, section

TYPED = "<!here> R&D *bold* " * 200  # 3,800 characters, entities at the 3,000 cut


def same(built: Callable[[], Any], reference: Callable[[], Any]) -> None:
    """Both build the same JSON text, or both refuse with SlackObjectFormationError."""
    try:
        expected = json.dumps(reference().to_dict())
    except SlackObjectFormationError:
        with pytest.raises(SlackObjectFormationError):
            built()
        return
    assert json.dumps(built()) == expected


@pytest.mark.parametrize("text", ["x", "a & b", "y" * 3000, "z" * 3001, TYPED, "&amp;" * 700])
def test_sections_and_context_lines_are_slack_sdks_cut_alike(text: str) -> None:
    same(lambda: kit.section(text), lambda: section(text))
    same(lambda: kit.context(text), lambda: context(text))
    assert len(kit.section(text)["text"]["text"]) <= 3000


@pytest.mark.parametrize("length", [1, 150, 151])
def test_a_header_holds_150_characters(length: int) -> None:
    same(lambda: kit.header("h" * length), lambda: HeaderBlock(text="h" * length))


def test_a_divider_is_slack_sdks() -> None:
    same(kit.divider, DividerBlock)


BUTTONS: list[dict[str, Any]] = [
    {"text": "History", "action_id": "show_history", "value": "7"},
    {"text": "Take", "action_id": "take", "value": "7", "style": "primary"},
    {"text": "Delete", "action_id": "delete", "value": "7", "style": "danger"},
    {"text": "Bad", "action_id": "bad", "value": "7", "style": "loud"},
    {"text": "No value", "action_id": "none"},
    {"text": "Empty value", "action_id": "empty", "value": ""},
    {"text": "b" * 75, "action_id": "a" * 255, "value": "v" * 2000},
    {"text": "b" * 76, "action_id": "long_text", "value": "7"},
    {"text": "Long id", "action_id": "a" * 256, "value": "7"},
    {"text": "Long value", "action_id": "long_value", "value": "v" * 2001},
]


@pytest.mark.parametrize("fields", BUTTONS)
def test_buttons_are_slack_sdks_within_the_same_limits(fields: dict[str, Any]) -> None:
    text, rest = fields["text"], {k: v for k, v in fields.items() if k != "text"}
    same(lambda: kit.button(text, **rest), lambda: ButtonElement(text=text, **rest))


DIALOGS = [
    ("Undo this log?", "It will be removed.", "Undo", "Keep"),
    ("t" * 100, "*x*" * 100, "c" * 30, "d" * 30),
    ("t" * 101, "It will be removed.", "Undo", "Keep"),
    ("Undo?", "x" * 301, "Undo", "Keep"),
    ("Undo?", "It will be removed.", "c" * 31, "Keep"),
    ("Undo?", "It will be removed.", "Undo", "d" * 31),
]


@pytest.mark.parametrize(("title", "text", "yes", "no"), DIALOGS)
def test_a_confirmed_button_is_slack_sdks(title: str, text: str, yes: str, no: str) -> None:
    def built() -> dict:
        dialog = kit.confirm(title=title, text=text, confirm=yes, deny=no)
        return kit.button("Undo", action_id="undo", value="9", confirm=dialog)

    def reference() -> ButtonElement:
        dialog = ConfirmObject(title=title, text=text, confirm=yes, deny=no)
        return ButtonElement(text="Undo", action_id="undo", value="9", confirm=dialog)

    same(built, reference)


@pytest.mark.parametrize(
    ("count", "block_id"), [(1, "card_7"), (25, "b" * 255), (26, "x"), (1, "b" * 256)]
)
def test_an_actions_block_holds_25_buttons_under_a_255_character_id(
    count: int, block_id: str
) -> None:
    def built() -> dict:
        return kit.actions(
            [kit.button(f"B{n}", action_id=f"b_{n}", value=str(n)) for n in range(count)],
            block_id=block_id,
        )

    def reference() -> ActionsBlock:
        buttons = [
            ButtonElement(text=f"B{n}", action_id=f"b_{n}", value=str(n)) for n in range(count)
        ]
        return ActionsBlock(block_id=block_id, elements=buttons)

    same(built, reference)


@pytest.mark.parametrize(
    "build",
    [
        lambda: kit.section(""),
        lambda: kit.context(""),
        lambda: kit.header(""),
        lambda: kit.button("", action_id="a", value="1"),
        lambda: kit.button("B", action_id="", value="1"),
        lambda: kit.actions([], block_id="b"),
        lambda: kit.actions([kit.button("B", action_id="a")], block_id=""),
        lambda: kit.confirm(title="", text="t", confirm="c", deny="d"),
    ],
)
def test_what_slack_sdk_would_silently_drop_is_refused_rather_than_sent(
    build: Callable[[], Any],
) -> None:
    """slack_sdk leaves an empty text or list out, and Slack then refuses the block."""
    with pytest.raises(SlackObjectFormationError):
        build()


def test_a_message_takes_kit_and_slack_sdk_blocks_alike_up_to_fifty() -> None:
    built = message("Acme & co", [kit.section("one"), section("two"), DividerBlock()])
    assert built == {
        "text": "Acme & co",
        "blocks": [kit.section("one"), kit.section("two"), kit.divider()],
    }
    assert len(message("full", [kit.divider()] * 50)["blocks"]) == 50
    with pytest.raises(SlackObjectFormationError):
        message("too many", [kit.divider()] * 51)
