"""The one answer to a name that isn't clearly an account, on every surface: the close names as
buttons (a click continues what was asked), and Create account "X" (owner: you) where creating
makes sense. When nothing is close, it says so rather than offering unrelated names."""

from collections.abc import Callable
from dataclasses import dataclass

from handlers.blocks import Message, kit, message
from handlers.blocks.text import bold, label, quote_name
from models.accounts import MAX_NAME_LENGTH

MAX_CHOICES = 5


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True)
class Buttons:
    """What the buttons do: `pick` is the action id prefix (`<pick>_<n>`) and `value` the value
    of each choice's button; `create` (with `create_value`) offers Create, when it makes sense."""

    pick: str
    value: Callable[[Choice], str]
    create: str | None = None
    create_value: str = ""
    block_id: str = "pick"
    note: str | None = None  # a line under the buttons ("Your notes are saved; ...")
    owner: str = "you"  # whom Create makes the owner, as the button says it


def build_unknown_name(
    *, typed: str, choices: list[Choice], close: bool, buttons: Buttons
) -> Message:
    """Several close names ("Which account do you mean?"), only nearer ones ("Did you mean?"), or
    none ("No account is close to"); a button each, and Create."""
    shown = quote_name(typed, 80)
    if close and choices:
        text = f"Which account do you mean by “{shown}”?"
    elif choices:
        text = f"No account matches “{shown}”. Did you mean one of these?"
    else:
        text = f"No account is close to “{shown}”."
    elements = [
        kit.button(label(c.name), action_id=f"{buttons.pick}_{i}", value=buttons.value(c))
        for i, c in enumerate(choices[:MAX_CHOICES])
    ]
    if buttons.create and len(" ".join(typed.split())) <= MAX_NAME_LENGTH:
        elements.append(
            kit.button(
                label(f"Create account “{' '.join(typed.split())}” (owner: {buttons.owner})"),
                action_id=buttons.create,
                value=buttons.create_value,
                style=None if close and choices else "primary",
            )
        )
    elif buttons.create and not choices:
        text += f" Account names are at most {MAX_NAME_LENGTH} characters."
    blocks = [kit.section(text)]
    if elements:
        blocks.append(kit.actions(elements, block_id=buttons.block_id))
        if buttons.note:
            blocks.append(kit.context(buttons.note))
    return message(text, blocks)


def build_created(answer: Message, name: str) -> Message:
    """An answer after Create: it says the account was created first."""
    line = kit.section(f":white_check_mark: Created {bold(name)} (owner: you).")
    return answer | {"blocks": [line, *answer["blocks"]]}
