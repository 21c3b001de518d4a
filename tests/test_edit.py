"""Editing and deleting a logged call through the real Bolt pipeline: what a save keeps, moves
and refuses, and who may delete."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, click, selected, submit, suggest, text_input, text_of
from bot.standin.payloads import APP_ID, TEAM_ID, user_of
from handlers.blocks.calls import (
    NOTES_MAX,
    Choice,
    LogForm,
    build_edit_modal,
    slack_length,
    split_notes,
)
from handlers.blocks.text import bold
from handlers.calls.forms import LogMeta, LogSubmission, change_from, version_of
from models.accounts import Account
from models.audit import AuditEntry
from models.base import DomainError
from models.contacts import Contact
from models.followups import Followup
from models.interactions import Interaction
from tests.conftest import Clock
from tests.test_calls import make_accounts

M = "log_"
VIEW_ID = "V0EDIT0001"
LONG_NOTE = " ".join(
    f"Point {n}: they asked about SSO, SCIM and the 🚀 launch plan." for n in range(1, 101)
)  # 5,800-odd characters, emoji included


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def as_opened(view: dict, **changes: dict) -> dict:
    """The Edit modal's state as a person who changes nothing (but `changes`) submits it."""
    account = block(view, M + "account")["element"]["initial_option"]
    kind = block(view, M + "kind")["element"]["initial_option"]["value"]
    contact = block(view, M + "contact")["element"].get("initial_option")
    values = (
        selected(M + "account", M + "account_select", account["value"], "x", "external_select")
        | selected(M + "kind", M + "kind_select", kind)
        | selected(
            M + "contact",
            M + "contact_select",
            contact["value"] if contact else None,
            kind="external_select",
        )
        | text_input(
            M + "notes", M + "notes_input", block(view, M + "notes")["element"]["initial_value"]
        )
        | text_input(
            M + "when", M + "when_input", block(view, M + "when")["element"]["initial_value"]
        )
    )
    return values | changes


def the_call(engine: Engine) -> Interaction:
    with Session(engine) as session:
        return session.exec(select(Interaction)).one()


def audit_actions(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return [
            (a.actor, a.action) for a in session.exec(select(AuditEntry).order_by(AuditEntry.id))
        ]


def open_edit(slack: SlackDriver, reply: dict, *, user_id: str = "U0ALICE") -> tuple[dict, str]:
    """Click Edit; the modal Slack opened and the click's response_url."""
    seen = len(slack.fake.calls_to("views.open"))
    _, url = click(slack, reply, "log_edit", user_id=user_id)
    call = slack.fake.wait_for("views.open", count=seen + 1)[seen]
    return call.args["view"], url


def click_in_view(  # type: ignore[no-untyped-def]
    slack: SlackDriver, view: dict, action_id: str, *, user_id: str = "U0ALICE"
):
    """A button in an open modal (block_actions from a view: no response_url, no channel)."""
    button = next(
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )
    _, trigger_id, action_ts = slack.ids()
    action = {
        "type": "button", "action_id": action_id, "block_id": "b", "value": button["value"],
        "text": button["text"], "action_ts": action_ts,
    }  # fmt: skip
    shown = view | {"id": VIEW_ID, "hash": "1700000400.AbCdEf12", "state": {"values": {}}}
    payload = {
        "type": "block_actions", "user": user_of(user_id, TEAM_ID), "api_app_id": APP_ID,
        "token": "legacy", "trigger_id": trigger_id, "team": {"id": TEAM_ID, "domain": "acme"},
        "container": {"type": "view", "view_id": VIEW_ID}, "view": shown,
        "state": {"values": {}}, "actions": [action],
    }  # fmt: skip
    return slack.interactive(payload), button


def wait_until(condition, timeout: float = 3.0) -> None:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still not true after {timeout}s"
        time.sleep(0.02)


def test_an_unchanged_save_keeps_a_long_note_whole_and_the_seconds(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    make_accounts(slack, "Acme")
    clock.at = clock.at.replace(second=41, microsecond=250_000)
    reply = slack.command("/log-call", f"Acme: {LONG_NOTE}").reply()
    before = the_call(engine)
    assert len(before.summary) > 5_000
    view, url = open_edit(slack, reply)
    notes = block(view, M + "notes")
    assert len(notes["element"]["initial_value"]) <= 3000
    assert "are kept and follow what you save" in notes["hint"]["text"]
    assert submit(slack, view, as_opened(view)).status_code == 200
    [hook] = slack.fake.wait_for_hook(url)
    assert "Nothing changed" in text_of(hook.body) and hook.body["replace_original"] is True
    after = the_call(engine)
    assert (after.summary, after.occurred_at) == (before.summary, before.occurred_at)
    assert after.occurred_at.second == 41
    assert ("U0ALICE", "interaction.update") not in audit_actions(engine)


def test_editing_the_first_part_of_a_long_note_keeps_the_rest(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Acme")
    reply = slack.command("/log-call", f"Acme: {LONG_NOTE}").reply()
    view, url = open_edit(slack, reply)
    shown = block(view, M + "notes")["element"]["initial_value"]
    edited = "Summary: they'll sign in Q1. " + shown
    submit(slack, view, as_opened(view) | text_input(M + "notes", M + "notes_input", edited))
    assert "Saved notes" in text_of(slack.fake.wait_for_hook(url)[0].body)
    assert the_call(engine).summary == "Summary: they'll sign in Q1. " + LONG_NOTE


def test_changing_only_the_time_keeps_the_note(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    make_accounts(slack, "Acme")
    reply = slack.command("/log-call", "Acme: talked <pricing> & terms").reply()
    view, url = open_edit(slack, reply)
    when = text_input(M + "when", M + "when_input", "yesterday 4:15pm")
    submit(slack, view, as_opened(view) | when)
    answer = text_of(slack.fake.wait_for_hook(url)[0].body)
    moved_to = datetime(2026, 11, 22, 21, 15, tzinfo=UTC)
    assert "Saved time" in answer and f"<!date^{int(moved_to.timestamp())}^" in answer
    assert "&lt;pricing&gt; &amp; terms" in answer
    call = the_call(engine)
    assert (call.summary, call.occurred_at) == ("talked <pricing> & terms", moved_to)
    with Session(engine) as session:
        assert session.exec(select(Account)).one().last_touched_at == moved_to


def test_after_undos_window_edit_moves_the_call_its_follow_up_and_contact(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    make_accounts(slack, "Initrode", "Umbrella Corp")
    slack.command("/crm", "contact Umbrella Corp: Ada Wong, ada@umbrella.example").reply()
    reply = slack.command("/log-call", "Initrode: renewal in March. Follow up Dec 9").reply()
    clock.at += timedelta(hours=3)  # Undo is long gone
    _, undo_url = click(slack, reply, "log_undo")
    assert "10 minutes" in text_of(slack.fake.wait_for_hook(undo_url)[0].body)
    view, url = open_edit(slack, reply)
    with Session(engine) as session:
        umbrella = session.exec(select(Account).where(Account.name == "Umbrella Corp")).one()
        ada = session.exec(select(Contact)).one()
    state = selected(
        M + "account", M + "account_select", str(umbrella.id), "Umbrella Corp", "external_select"
    )
    offered = suggest(slack, view, M + "contact", M + "contact_select", "", values=state)
    assert [o["text"]["text"] for o in offered.json()["options"]] == ["Ada Wong"]
    moved = state | selected(
        M + "contact", M + "contact_select", str(ada.id), "Ada Wong", "external_select"
    )
    submit(slack, view, as_opened(view) | moved)
    answer = text_of(slack.fake.wait_for_hook(url)[0].body)
    assert "Saved account, contact" in answer and "*Umbrella Corp* with Ada Wong" in answer
    call = the_call(engine)
    assert (call.account_id, call.contact_id, call.summary) == (
        umbrella.id,
        ada.id,
        "renewal in March",
    )
    with Session(engine) as session:
        assert session.exec(select(Followup.account_id)).one() == umbrella.id
        touched = {a.name: a.last_touched_at for a in session.exec(select(Account))}
    assert touched == {"Initrode": None, "Umbrella Corp": call.occurred_at}
    assert ("U0ALICE", "followup.update") in audit_actions(engine)


def test_a_contact_of_another_account_is_refused_under_its_field(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Initrode", "Umbrella Corp")
    slack.command("/crm", "contact Umbrella Corp: Ada Wong, ada@umbrella.example").reply()
    reply = slack.command("/log-call", "Initrode: intro").reply()
    view, _ = open_edit(slack, reply)
    with Session(engine) as session:
        ada = session.exec(select(Contact)).one()
    wrong = selected(M + "contact", M + "contact_select", str(ada.id), "Ada", "external_select")
    body = submit(slack, view, as_opened(view) | wrong).json()
    assert body["response_action"] == "errors" and list(body["errors"]) == [M + "contact"]
    assert the_call(engine).contact_id is None


def test_edit_can_move_a_call_to_an_account_it_creates(slack: SlackDriver, engine: Engine) -> None:
    make_accounts(slack, "Hooli")
    reply = slack.command("/log-call", "Hooli: compression demo").reply()
    view, url = open_edit(slack, reply)
    new = selected(
        M + "account", M + "account_select", "new:Pied Piper", "Create", "external_select"
    )
    submit(slack, view, as_opened(view) | new)
    answer = text_of(slack.fake.wait_for_hook(url)[0].body)
    assert "*Pied Piper* (created; owner: you)" in answer
    with Session(engine) as session:
        piper = session.exec(select(Account).where(Account.name == "Pied Piper")).one()
    assert the_call(engine).account_id == piper.id


def test_a_modal_opened_before_another_save_does_not_overwrite_it(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Acme")
    reply = slack.command("/log-call", "Acme: first words").reply()
    first, first_url = open_edit(slack, reply)
    second, second_url = open_edit(slack, reply)
    submit(slack, first, as_opened(first) | text_input(M + "notes", M + "notes_input", "newer"))
    slack.fake.wait_for_hook(first_url)
    submit(slack, second, as_opened(second) | text_input(M + "notes", M + "notes_input", "older"))
    assert "open Edit again" in text_of(slack.fake.wait_for_hook(second_url)[0].body)
    assert the_call(engine).summary == "newer"


def test_only_the_author_edits_and_someone_else_gets_a_sentence_not_a_modal(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Acme")
    reply = slack.command("/log-call", "Acme: talked").reply()
    _, url = click(slack, reply, "log_edit", user_id="U0BOB")
    [hook] = slack.fake.wait_for_hook(url)
    assert "Only the rep who logged it" in text_of(hook.body)
    assert hook.body["replace_original"] is False and slack.fake.calls_to("views.open") == []


def test_the_author_deletes_an_old_call_and_the_timeline_and_last_touch_follow(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    make_accounts(slack, "Acme")
    slack.command("/log-call", "Acme: the earlier call").reply()
    clock.at += timedelta(days=1)
    reply = slack.command("/log-call", "Acme: on the wrong account. Follow up Dec 9").reply()
    clock.at += timedelta(days=2)
    view, url = open_edit(slack, reply)
    response, button = click_in_view(slack, view, "log_delete")
    assert response.status_code == 200 and button["confirm"]["confirm"]["text"] == "Delete"
    [hook] = slack.fake.wait_for_hook(url)
    assert "Deleted the call on *Acme*" in text_of(hook.body) and hook.body["replace_original"]
    wait_until(lambda: "Deleted" in text_of(slack.fake.view(VIEW_ID) or {}))
    with Session(engine) as session:
        [left] = session.exec(select(Interaction)).all()
        assert left.summary == "the earlier call"
        assert session.exec(select(Followup)).all() == []
        assert session.exec(select(Account)).one().last_touched_at == left.occurred_at
        deleted = session.exec(
            select(AuditEntry).where(AuditEntry.action == "interaction.delete")
        ).one()
    assert deleted.actor == "U0ALICE" and deleted.before["summary"] == "on the wrong account"
    assert ("U0ALICE", "followup.delete") in audit_actions(engine)


def test_an_admin_who_did_not_log_it_may_delete_but_not_edit_it(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Acme")
    reply = slack.command("/log-call", "Acme: talked").reply()
    view, _ = open_edit(slack, reply, user_id="U0ADMIN")
    assert "submit" not in view and "as an admin you can delete it" in text_of(view)
    click_in_view(slack, view, "log_delete", user_id="U0ADMIN")
    wait_until(lambda: slack.fake.calls_to("views.update") != [])
    with Session(engine) as session:
        assert session.exec(select(Interaction)).all() == []
    assert ("U0ADMIN", "interaction.delete") in audit_actions(engine)


def test_someone_else_cannot_delete_through_a_forged_click(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, "Acme")
    reply = slack.command("/log-call", "Acme: talked").reply()
    view, _ = open_edit(slack, reply)
    click_in_view(slack, view, "log_delete", user_id="U0BOB")
    [dm] = slack.fake.wait_for("chat.postMessage")
    assert dm.args["channel"] == "U0BOB" and "or an admin, can delete it" in dm.args["text"]
    slack.settle()
    assert the_call(engine).summary == "talked"


# -- the pure parts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "notes",
    [
        "short note",
        "word " * 1000,
        "x" * 4000,  # no whitespace to cut on
        "🚀" * 2000,  # 4,000 UTF-16 units in 2,000 characters
        "line\n" * 900 + "end",
    ],
)
def test_a_note_splits_into_what_the_input_holds_and_the_rest_without_loss(notes: str) -> None:
    head, rest = split_notes(notes)
    assert head + rest == notes and slack_length(head) <= NOTES_MAX
    assert head == head.rstrip() or not rest
    assert (rest == "") == (slack_length(notes) <= NOTES_MAX)


def stored(summary: str, at: datetime) -> Interaction:
    return Interaction(
        id=7, team_id=TEAM_ID, account_id=1, rep_id=1, kind="call", summary=summary,
        occurred_at=at, source="slash", created_at=at,
    )  # fmt: skip


def submission(notes: str, when: str, at: datetime) -> LogSubmission:
    return LogSubmission(
        account_id=1, new_account=None, kind="call", contact_id=None, notes=notes,
        occurred_at=at, followup_due=None, when=when,
    )  # fmt: skip


AT = datetime(2026, 11, 23, 15, 0, 41, 250_000, tzinfo=UTC)


def test_what_was_left_as_shown_keeps_its_stored_value() -> None:
    current = stored(LONG_NOTE, AT)
    meta = LogMeta(source="edit", interaction_id=7, version=version_of(current), when="shown")
    head, _ = split_notes(LONG_NOTE)
    change = change_from(meta, submission(head, "shown", AT.replace(second=0)), current)
    assert (change.notes, change.occurred_at) == (LONG_NOTE, AT)
    typed = change_from(meta, submission("new", "Mon 9am", AT - timedelta(days=1)), current)
    assert typed.notes == "new" + LONG_NOTE[len(head) :]
    assert typed.occurred_at == AT - timedelta(days=1)


def test_a_modal_opened_on_an_older_version_is_refused() -> None:
    meta = LogMeta(source="edit", interaction_id=7, version=version_of(stored("a", AT)), when="x")
    with pytest.raises(DomainError, match="open Edit again"):
        change_from(meta, submission("a", "x", AT), stored("b", AT))


def test_the_edit_modal_of_a_note_that_fits_shows_it_all_without_a_hint() -> None:
    form = LogForm(account=Choice(1, "Acme"), notes="fits", contact=Choice(2, "Jane"))
    view = build_edit_modal(
        form, interaction_id=7, private_metadata="{}", can_edit=True, author_id="U0ALICE"
    )
    notes = block(view, M + "notes")
    assert notes["element"]["initial_value"] == "fits" and "hint" not in notes
    assert block(view, M + "contact")["element"]["initial_option"]["value"] == "2"
    assert view["blocks"][-1]["elements"][0]["confirm"]["title"]["text"] == "Delete this call?"


HOSTILE_NAME = "*Bold* _x_ <!channel> & Co"


def test_the_delete_reply_and_the_admins_modal_show_the_name_as_typed(
    slack: SlackDriver, engine: Engine
) -> None:
    make_accounts(slack, HOSTILE_NAME)
    view, _ = open_edit(
        slack, slack.command("/log-call", "*Bold*: talked").reply(), user_id="U0ADMIN"
    )
    assert f"Call on {bold(HOSTILE_NAME)}, logged by <@U0ALICE>" in text_of(view)
    view, url = open_edit(slack, slack.command("/log-call", "*Bold*: again").reply())
    click_in_view(slack, view, "log_delete")
    [hook] = slack.fake.wait_for_hook(url)
    assert f"Deleted the call on {bold(HOSTILE_NAME)}" in text_of(hook.body)
    assert "<!date^00000000" not in hook.body["text"] and "&lt;!channel&gt;" in hook.body["text"]
    wait_until(lambda: bold(HOSTILE_NAME) in text_of(slack.fake.view(VIEW_ID) or {}))


@pytest.mark.parametrize(
    ("command", "text"),
    [("/crm", f"new {HOSTILE_NAME}"), ("/who-owns", "*Bold* _y_"), ("/history", HOSTILE_NAME)],
)
def test_a_messages_fallback_text_carries_no_formatting_tokens(
    slack: SlackDriver, command: str, text: str
) -> None:
    make_accounts(slack, "*Bold* _y_ Ltd")
    said = slack.command(command, text).reply()
    assert "<!date^00000000" not in said["text"] and "*Bold*" in said["text"]
    assert "<!channel>" not in said["text"]
