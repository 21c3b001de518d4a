"""A modal in `rapport console`, filled in field by field as its labels, hints and defaults say:
an empty line or `.` keeps what a field shows, `-` leaves it empty, a number picks an option, an
account field asks the app's options listener as Slack does while someone types; validation
errors re-ask their field; `back` and `cancel`; after the last field the modal is submitted."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.console.render import Field, Screen
from bot.console.session import JSON, Slack
from bot.standin.driver import submit, suggest

PICKED = {
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
}


class ConsoleError(Exception):
    """A line the console can't do, in one sentence."""


@dataclass
class Form:
    """A modal being filled in: its view and the answers so far."""

    view: JSON
    fields: list[Field]
    answers: dict[str, dict[str, JSON]] = field(default_factory=dict)
    at: int = 0


class Forms:
    """What Console does with the modal on top: `form` is the one being filled in, or None."""

    slack: Slack
    show: Callable[[Any], None]
    form: Form | None

    def _after(self, *, always_home: bool = False, opened: JSON | None = None) -> None:
        raise NotImplementedError

    def _open_form(self, view: JSON, screen: Screen) -> None:
        self.form = Form(view, screen.fields)
        if not screen.fields:
            self.show("(this modal has nothing to fill in: type submit or cancel)")
        self._ask()

    def _ask(self) -> None:
        form = self.form
        assert form is not None
        if form.at >= len(form.fields):
            self.show("(type submit, or back to change an answer, or cancel)")
            return
        asked = form.fields[form.at]
        default = f" [{asked.initial}]" if asked.initial else ""
        optional = " (optional)" if asked.optional else ""
        listed = ""
        if asked.options:
            listed = "  " + "  ".join(
                f"({n}) {_label(option)}" for n, option in enumerate(asked.options, start=1)
            )
        hint = f" — {asked.hint}" if asked.hint else ""
        self.show(f"? {asked.label}{optional}{default}{hint}{listed}")

    def _answer(self, line: str) -> None:
        form = self.form
        assert form is not None
        word = line.strip()
        if word == "cancel":
            self.form = None
            self.show("(modal closed; nothing was sent)")
            return
        if word == "back":
            form.at = max(0, form.at - 1)
            self._ask()
            return
        if form.at >= len(form.fields):
            if word == "submit":
                self._submit()
                return
            raise ConsoleError("Type submit, back or cancel.")
        asked = form.fields[form.at]
        word = "" if word == "." else word
        form.answers[asked.block_id] = {asked.action_id: self._value(asked, word)}
        form.at += 1
        if form.at >= len(form.fields):
            self._submit()
        else:
            self._ask()

    def _value(self, asked: Field, typed: str) -> JSON:
        """Slack's view state for one field, from what was typed ("-" clears a default)."""
        kind = asked.kind
        if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
            value = None if typed == "-" else (typed or asked.initial)
            return {"type": kind, "value": value}
        typed = "" if typed == "-" and kind in ("datepicker", "timepicker") else typed
        if kind == "datepicker":
            return {"type": kind, "selected_date": typed or asked.initial}
        if kind == "timepicker":
            return {"type": kind, "selected_time": typed or asked.initial}
        if kind in ("users_select", "conversations_select", "channels_select"):
            key = PICKED[kind]
            return {"type": kind, key: self._id_of(typed) if typed else asked.initial}
        option = self._option(asked, typed)
        if kind.startswith("multi_") or kind == "checkboxes":
            key = "selected_options"
            return {"type": kind, key: [option] if option else []}
        return {"type": kind, "selected_option": option}

    def _option(self, asked: Field, typed: str) -> JSON | None:
        if typed == "-":
            return None
        if not typed:
            initial = [o for o in asked.options if _label(o) == asked.initial]
            return initial[0] if initial else None
        if typed.isdigit() and 1 <= int(typed) <= len(asked.options):
            return asked.options[int(typed) - 1]
        for option in asked.options:
            if _label(option).casefold() == typed.casefold():
                return option
        if asked.kind == "external_select":
            return self._suggest(asked, typed)
        raise ConsoleError(
            f"Pick one of the numbers shown for {asked.label} (or type cancel to close the modal)."
        )

    def _suggest(self, asked: Field, typed: str) -> JSON | None:
        """An external select: ask the app for options as Slack does while someone types."""
        form = self.form
        assert form is not None
        response = suggest(
            self.slack.driver, form.view, asked.block_id, asked.action_id, typed,
            user_id=self.slack.user,
        )  # fmt: skip
        found = json.loads(response.text or "{}").get("options", [])
        if not found:
            raise ConsoleError(f"Nothing matches “{typed}” for {asked.label}.")
        return found[0]

    def _id_of(self, typed: str) -> str:
        name = typed.lstrip("@#").casefold()
        for person in self.slack.people.values():
            if name in (
                person.name.casefold(),
                person.name.split()[0].casefold(),
                person.id.lower(),
            ):
                return person.id
        for channel_id, channel in self.slack.channels.items():
            if name == channel:
                return channel_id
        return typed

    def _submit(self) -> None:
        form = self.form
        assert form is not None
        slack = self.slack
        response = submit(
            slack.driver, form.view, form.answers, user_id=slack.user,
            view_id=form.view.get("id"),
        )  # fmt: skip
        body = json.loads(response.text) if response.text.strip() else {}
        if body.get("response_action") == "errors":
            errors = body.get("errors", {})
            for block_id, sentence in errors.items():
                label = next((f.label for f in form.fields if f.block_id == block_id), block_id)
                self.show(f"! {label}: {sentence}")
            first = min((n for n, f in enumerate(form.fields) if f.block_id in errors), default=0)
            form.at = first
            self._ask()
            return
        self.form = None
        if body.get("response_action") in ("update", "push"):
            view = slack.fake.top_modal() or body.get("view", {})
            self._after(opened=view)
            return
        self._after()


def _label(option: JSON) -> str:
    text = option.get("text", {})
    return str(text.get("text", "") if isinstance(text, dict) else text)
