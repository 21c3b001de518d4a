"""/crm contact: one person per email, and the question when a save would move or rename
someone."""

from sqlmodel import Session

from handlers.blocks import Message
from handlers.blocks.calls import build_done
from handlers.blocks.crm import (
    build_contact_clash,
    build_contact_kept,
    build_contact_saved,
)
from handlers.crm.accounts import AccountOf, account_named
from handlers.ids import CrmAction
from handlers.listener import Turn
from handlers.parsing.crm import (
    ContactText,
    CrmContact,
    parse_contact,
)
from handlers.parsing.values import row_id
from models import accounts, contacts, pending
from models.accounts import Account
from models.base import id_of

CONTACT_PENDING = "crm.contact"
REPLACE = {"replace_original": True}


def add_contact(turn: Turn, request: CrmContact) -> Message:
    parsed = parse_contact(request.text)
    return save_typed_contact(turn, parsed, account_named(turn, parsed.account))


def save_typed_contact(turn: Turn, parsed: ContactText, account_of: AccountOf) -> Message:
    with turn.begin() as session:
        account = account_of(session)
        saved = contacts.save_contact(
            session=session,
            account=account,
            name=parsed.name,
            email=parsed.email,
            title=parsed.title,
            actor=turn.caller.id,
            now=turn.now(),
        )
        if isinstance(saved, contacts.ContactClash):
            return _ask_about_clash(turn, session, saved, account, parsed)
    return _contact_saved(saved)


def _ask_about_clash(
    turn: Turn,
    session: Session,
    clash: contacts.ContactClash,
    account: Account,
    parsed: ContactText,
) -> Message:
    """Park the request until the caller picks; the contact as it is now goes along, so a
    change in between is noticed rather than overwritten."""
    asked = pending.create_pending(
        session=session,
        team_id=turn.caller.team_id,
        slack_user_id=turn.caller.id,
        kind=CONTACT_PENDING,
        payload={
            "account_id": id_of(account),
            "name": parsed.name,
            "email": parsed.email,
            "title": parsed.title,
            "expect": contacts.snapshot(clash.contact),
        },
        now=turn.now(),
    )
    return build_contact_clash(
        email=clash.contact.email or "",
        name=clash.contact.name,
        title=clash.contact.title,
        at=clash.at.name,
        account=account.name,
        new_name=parsed.name,
        moves=clash.moves,
        renames=clash.renames,
        pending_id=id_of(asked),
    )


def handle_contact_button(turn: Turn) -> Message:
    """Move/Rename or Keep on "jane@acme.com is Jane Roe at Acme": the first click decides."""
    action = turn.body["actions"][0]
    with turn.begin() as session:
        asked = pending.consume_pending(
            session=session,
            team_id=turn.caller.team_id,
            pending_id=row_id(action["value"]),
            slack_user_id=turn.caller.id,
            now=turn.now(),
        )
        if asked is None or asked.kind != CONTACT_PENDING:
            return build_done("That question is answered already.") | {"replace_original": False}
        wanted = asked.payload
        if action["action_id"] == CrmAction.CONTACT_KEEP:
            expect = wanted["expect"]
            at = accounts.get_account(
                session=session, team_id=turn.caller.team_id, account_id=expect["account_id"]
            )
            return build_contact_kept(name=expect["name"], at=at.name) | REPLACE
        saved = contacts.save_contact(
            session=session,
            account=accounts.get_account(
                session=session, team_id=turn.caller.team_id, account_id=wanted["account_id"]
            ),
            name=wanted["name"],
            email=wanted["email"],
            title=wanted["title"],
            actor=turn.caller.id,
            now=turn.now(),
            confirmed=wanted["expect"],
        )
    assert isinstance(saved, contacts.ContactSaved)  # a confirmed save never clashes
    return _contact_saved(saved) | REPLACE


def _contact_saved(saved: contacts.ContactSaved) -> Message:
    contact = saved.contact
    return build_contact_saved(
        account=saved.account.name,
        name=contact.name,
        email=contact.email,
        title=contact.title,
        created=saved.created,
        changes=[(c.field, c.before, c.after) for c in saved.changes],
    )
