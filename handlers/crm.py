"""/crm: help, and the account basics (new, assign, contact, link)."""

import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from handlers import digest, listener, pipeline
from handlers.blocks import Message
from handlers.blocks.calls import build_done
from handlers.blocks.crm import (
    build_account_created,
    build_channel_linked,
    build_contact_clash,
    build_contact_kept,
    build_contact_saved,
    build_crm_help,
    build_error,
    build_link_announcement,
    build_link_refused,
    build_not_yet,
    build_owner_assigned,
)
from handlers.blocks.names import Buttons, Choice, build_created, build_unknown_name
from handlers.deals import stages
from handlers.deps import Deps
from handlers.directory import SlackUser, UnknownUser
from handlers.handoffs import handoff_note, tell_new_owner
from handlers.hours import handle_crm_hours
from handlers.ids import Command, CrmAction
from handlers.listener import Turn
from handlers.parsing.crm import (
    ContactText,
    CrmAssign,
    CrmContact,
    CrmHelp,
    CrmHours,
    CrmLink,
    CrmNewAccount,
    CrmNotYet,
    CrmRequest,
    parse_contact,
    parse_crm,
)
from handlers.parsing.text import CommandError
from handlers.parsing.values import row_id
from models import accounts, channels, contacts, handoffs, pending
from models.accounts import Account
from models.base import DomainError, id_of
from models.matching import Resolution, UnknownName, find_account
from models.reps import Rep

PICK = re.compile(rf"^{CrmAction.PICK_ACCOUNT}_\d+$")
PENDING_CRM = "crm"

logger = logging.getLogger(__name__)

CONTACT_PENDING = "crm.contact"
REPLACE = {"replace_original": True}


def register(app: App, deps: Deps) -> None:
    app.command(Command.CRM)(
        ack=listener.command(deps, handle_crm_command), lazy=[pipeline.chart_after_ack(deps)]
    )
    pipeline.register(app, deps)
    for button in (CrmAction.CONTACT_SAVE, CrmAction.CONTACT_KEEP):
        app.action(button)(listener.action(deps, handle_contact_button))
    app.action(PICK)(listener.action(deps, handle_pick_account_button))
    app.action(CrmAction.CREATE_ACCOUNT)(listener.action(deps, handle_pick_account_button))


def handle_crm_command(turn: Turn) -> Message | None:
    if pipeline.wants_pipeline(turn.body.get("text", "")):
        return pipeline.handle_pipeline_command(turn)
    try:
        request = parse_crm(turn.body.get("text", ""))
    except CommandError as error:
        return build_error(str(error))
    if isinstance(request, CrmHelp):
        return build_crm_help(unknown=request.unknown)
    if isinstance(request, CrmHours):
        return handle_crm_hours(turn, request.text)
    if isinstance(request, CrmNotYet) and request.subcommand == "stages":
        return stages.handle_crm_stages(turn, turn.body.get("text", "").strip()[len("stages") :])
    if isinstance(request, CrmNotYet) and request.subcommand == "digest":
        return digest.handle_crm_digest(turn, turn.body.get("text", "").strip()[len("digest") :])
    if isinstance(request, CrmNotYet):
        return build_not_yet(what=f"{Command.CRM} {request.subcommand}")
    try:
        if isinstance(request, CrmLink):
            return link_channel(turn, request)
        if isinstance(request, CrmContact):
            return add_contact(turn, request)
        if isinstance(request, CrmNewAccount):
            return create_account(turn, request)
        return assign_account(turn, request)
    except UnknownName as unknown:
        return ask_which_account(turn, request, unknown.resolution)


def member(turn: Turn, user_id: str) -> SlackUser:
    """A full member of this workspace who can own accounts, or a DomainError saying who can't."""
    try:
        user = turn.deps.directory.get(turn.client, turn.caller.team_id, user_id)
    except UnknownUser as error:
        raise DomainError("I can't find that person in this workspace.") from error
    if not user.is_full_member(turn.caller.team_id):
        raise DomainError("Accounts can only be owned by full members of this workspace.")
    return user


def create_account(turn: Turn, request: CrmNewAccount) -> Message:
    caller = turn.caller
    owner = member(turn, request.owner_id) if request.owner_id else caller
    with turn.begin() as session:
        rep_of = {user.id: turn.deps.rep(session, user) for user in {caller, owner}}
        account = accounts.create_account(
            session=session,
            team_id=caller.team_id,
            name=request.account,
            owner=rep_of[owner.id],
            created_by=rep_of[caller.id],
            now=turn.now(),
        )
    return build_account_created(account=account.name, owner_id=owner.id, caller_id=caller.id)


AccountOf = Callable[[Session], Account]  # the account an operation is for, in its transaction


def _named(turn: Turn, name: str) -> AccountOf:
    """The account `name` clearly names; UnknownName (for a pick) otherwise."""
    return lambda session: find_account(session=session, team_id=turn.caller.team_id, name=name)


def assign_account(turn: Turn, request: CrmAssign) -> Message:
    return _assign(turn, member(turn, request.rep_id), _named(turn, request.account))


def _assign(turn: Turn, owner: SlackUser, account_of: AccountOf) -> Message:
    with turn.begin() as session:
        actor, new_owner = turn.rep(session), turn.deps.rep(session, owner)
        handed = handoffs.hand_account(
            session=session,
            account=account_of(session),
            owner=new_owner,
            actor=actor,
            actor_is_admin=actor.is_admin,
            now=turn.now(),
        )
        told = handoff_note(handed)
    tell_new_owner(turn.client, told)
    previous_id = handed.previous.slack_user_id if handed.previous else None
    return build_owner_assigned(
        account=handed.account.name, owner_id=owner.id, previous_id=previous_id
    )


def add_contact(turn: Turn, request: CrmContact) -> Message:
    parsed = parse_contact(request.text)
    return _save_contact(turn, parsed, _named(turn, parsed.account))


def _save_contact(turn: Turn, parsed: ContactText, account_of: AccountOf) -> Message:
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


def link_channel(turn: Turn, request: CrmLink) -> Message:
    """Link (or unlink) this channel; then say so in the channel, and tell the linker if that
    couldn't be done. The write has committed before Slack is asked anything."""
    channel_id = turn.body["channel_id"]
    if channel_id.startswith("D"):
        raise DomainError("Link a channel, not a DM: run /crm link in the account's channel.")
    return _link(
        turn, channel_id, None if request.account is None else _named(turn, request.account)
    )


def _link(turn: Turn, channel_id: str, account_of: AccountOf | None) -> Message:
    """Link the channel to the account (None: unlink). A re-link the caller may not make is
    refused before any names are offered or an account is created for it."""
    try:
        with turn.begin() as session:
            actor = turn.rep(session)
            if account_of is None:
                account = None
                previous = channels.unlink_channel(
                    session=session,
                    team_id=actor.team_id,
                    channel_id=channel_id,
                    actor=actor,
                    now=turn.now(),
                )
            else:
                try:
                    account = account_of(session)
                except UnknownName:  # a re-link that would be refused offers no names to pick
                    channels.check_may_link(
                        session=session, team_id=actor.team_id, channel_id=channel_id, actor=actor
                    )
                    raise
                previous = channels.link_channel(
                    session=session,
                    account=account,
                    channel_id=channel_id,
                    actor=actor,
                    now=turn.now(),
                )
            new, was = (account.name if account else None), (previous.name if previous else None)
    except channels.ChannelTaken as taken:
        return build_link_refused(account=taken.account_name, owner_id=taken.owner_id)
    changed = new != was
    unannounced = announce_link(turn, channel_id, new, was) if changed else None
    return build_channel_linked(account=new, previous=was, unannounced=unannounced)


# What Slack says when Rapport may not post in a channel, and what the linker is told.
NOT_A_MEMBER = (
    "I couldn't say so in the channel: Rapport isn't a member of it. "
    "Invite it (`/invite @Rapport`) and I'll announce changes there."
)
CANT_POST = {
    "not_in_channel": NOT_A_MEMBER,
    "channel_not_found": NOT_A_MEMBER,
    "is_archived": "I couldn't say so in the channel: it is archived.",
}


def announce_link(
    turn: Turn, channel_id: str, account: str | None, previous: str | None
) -> str | None:
    """Tell the channel its link changed; None when it was told, else why it wasn't."""
    team_id = turn.caller.team_id
    names = turn.deps.audience.only_full_members(turn.client, team_id, channel_id)
    announcement = build_link_announcement(
        linker_id=turn.caller.id, account=account, previous=previous, names=names
    )
    try:
        turn.client.chat_postMessage(channel=channel_id, **announcement)
    except SlackApiError as error:
        code = error.response.get("error")
        logger.info("link of %s not announced: %s", channel_id, code)
        return CANT_POST.get(code, f"I couldn't say so in the channel just now ({code}).")
    return None


def ask_which_account(turn: Turn, request: CrmRequest, resolution: Resolution) -> Message:
    """An unknown name in /crm link, contact or assign: close names as buttons that carry on
    with the one picked, and Create. The request is parked as read (its fields, not its text),
    so a click works after a restart and a picked name is never read as command text."""
    with turn.begin() as session:
        parked = pending.create_pending(
            session=session,
            team_id=turn.caller.team_id,
            slack_user_id=turn.caller.id,
            kind=PENDING_CRM,
            payload=_parked(request)
            | {"typed": resolution.query, "channel_id": turn.body["channel_id"]},
            now=turn.now(),
        )
    pending_id = id_of(parked)
    buttons = Buttons(
        pick=CrmAction.PICK_ACCOUNT,
        value=lambda choice: f"{pending_id}:{choice.id}",
        create=CrmAction.CREATE_ACCOUNT,
        create_value=str(pending_id),
        block_id=f"pick_{pending_id}",
        owner=_owner_name(turn, request),
    )
    choices = [Choice(c.id, c.name) for c in resolution.choices or resolution.nearest]
    return build_unknown_name(
        typed=resolution.query, choices=choices, close=bool(resolution.choices), buttons=buttons
    )


def _parked(request: CrmRequest) -> dict[str, Any]:
    """What a pick needs to carry on with a /crm request, besides the account."""
    if isinstance(request, CrmContact):
        parsed = parse_contact(request.text)
        return {"op": "contact", "name": parsed.name, "email": parsed.email, "title": parsed.title}
    if isinstance(request, CrmAssign):
        return {"op": "assign", "rep_id": request.rep_id}
    return {"op": "link"}


def _owner_name(turn: Turn, request: CrmRequest) -> str:
    """Who Create makes the owner: the caller, or whom `/crm assign` named."""
    if isinstance(request, CrmAssign) and request.rep_id != turn.caller.id:
        return member(turn, request.rep_id).name
    return "you"


def handle_pick_account_button(turn: Turn) -> Message:
    """A pick (or Create) on an unknown name: the parked /crm request runs with that account,
    through the same functions as the command, so who may link (say) is decided the same way."""
    pending_id, _, account_id = turn.body["actions"][0]["value"].partition(":")
    with turn.begin() as session:
        parked = pending.consume_pending(
            session=session,
            team_id=turn.caller.team_id,
            pending_id=row_id(pending_id),
            slack_user_id=turn.caller.id,
            now=turn.now(),
        )
        payload = parked.payload if parked is not None else None
    if payload is None:
        return build_done("That one is done already.") | REPLACE
    if "op" not in payload:  # parked by an older version, as command text
        raise DomainError("That question is out of date; run the command again.")
    typed, created = payload["typed"], False

    def account_of(session: Session) -> Account:
        nonlocal created
        if account_id:
            return accounts.get_account(
                session=session, team_id=turn.caller.team_id, account_id=row_id(account_id)
            )
        rep = turn.rep(session)
        if payload["op"] == "link":  # refused before anything is created for it
            channels.check_may_link(
                session=session, team_id=rep.team_id, channel_id=payload["channel_id"], actor=rep
            )
        account, created = _create(session, rep, typed, turn.now())
        return account

    if payload["op"] == "assign":
        owner = member(turn, payload["rep_id"])
        if not account_id:
            return _create_for(turn, owner, typed) | REPLACE
        return _assign(turn, owner, account_of) | REPLACE
    if payload["op"] == "contact":
        parsed = ContactText(
            account=typed, name=payload["name"], email=payload["email"], title=payload["title"]
        )
        answer = _save_contact(turn, parsed, account_of)
    else:
        answer = _link(turn, payload["channel_id"], account_of)
    return (build_created(answer, typed) if created else answer) | REPLACE


def _create_for(turn: Turn, owner: SlackUser, name: str) -> Message:
    """Create on `/crm assign <unknown> @bob`: the account, owned by Bob, created by the asker."""
    caller = turn.caller
    try:
        with turn.begin() as session:
            rep_of = {user.id: turn.deps.rep(session, user) for user in {caller, owner}}
            account = accounts.create_account(
                session=session,
                team_id=caller.team_id,
                name=name,
                owner=rep_of[owner.id],
                created_by=rep_of[caller.id],
                now=turn.now(),
            )
            created = account.name
    except accounts.NameTaken:  # created a moment ago (a retry, or someone else): assign it
        return _assign(turn, owner, _named(turn, name))
    return build_account_created(account=created, owner_id=owner.id, caller_id=caller.id)


def _create(session: Session, rep: Rep, name: str, now: datetime) -> tuple[Account, bool]:
    """The account called `name`, created (owned by `rep`) unless it is there; and whether new."""
    try:
        account = accounts.create_account(
            session=session, team_id=rep.team_id, name=name, owner=rep, created_by=rep, now=now
        )
    except accounts.NameTaken as taken:  # created a moment ago (by someone else, or a retry)
        return taken.existing, False
    return account, True
