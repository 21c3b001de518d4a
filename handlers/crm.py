"""/crm: help, and the account basics (new, assign, contact, link)."""

import re
from dataclasses import replace
from datetime import datetime

from slack_bolt import App
from sqlmodel import Session

from handlers import listener
from handlers.blocks import Message
from handlers.blocks.calls import build_done
from handlers.blocks.crm import (
    build_account_created,
    build_channel_linked,
    build_contact_saved,
    build_crm_help,
    build_error,
    build_not_yet,
    build_owner_assigned,
)
from handlers.blocks.names import Buttons, Choice, build_created, build_unknown_name
from handlers.blocks.text import escape
from handlers.deps import Deps
from handlers.directory import SlackUser, UnknownUser
from handlers.ids import Command, CrmAction
from handlers.listener import Turn
from handlers.parsing.crm import (
    CrmAssign,
    CrmContact,
    CrmHelp,
    CrmLink,
    CrmNewAccount,
    CrmNotYet,
    CrmRequest,
    parse_contact,
    parse_crm,
)
from handlers.parsing.text import CommandError, partition_outside_markup
from handlers.parsing.values import row_id
from models import accounts, channels, contacts, pending
from models.accounts import Account
from models.base import DomainError, id_of
from models.matching import Resolution, UnknownName, find_account
from models.reps import Rep

REPLACE = {"replace_original": True}


PICK = re.compile(rf"^{CrmAction.PICK_ACCOUNT}_\d+$")
PENDING_CRM = "crm"


def register(app: App, deps: Deps) -> None:
    app.command(Command.CRM)(listener.command(deps, handle_crm_command))
    app.action(PICK)(listener.action(deps, handle_pick_account_button))
    app.action(CrmAction.CREATE_ACCOUNT)(listener.action(deps, handle_pick_account_button))


def handle_crm_command(turn: Turn) -> Message | None:
    try:
        request = parse_crm(turn.body.get("text", ""))
    except CommandError as error:
        return build_error(str(error))
    if isinstance(request, CrmHelp):
        return build_crm_help(unknown=request.unknown)
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


def assign_account(turn: Turn, request: CrmAssign) -> Message:
    owner = member(turn, request.rep_id)
    with turn.begin() as session:
        actor, new_owner = turn.rep(session), turn.deps.rep(session, owner)
        account, previous = accounts.set_owner(
            session=session,
            account=find_account(session=session, team_id=actor.team_id, name=request.account),
            owner=new_owner,
            actor=actor,
            actor_is_admin=actor.is_admin,
            now=turn.now(),
        )
    previous_id = previous.slack_user_id if previous else None
    return build_owner_assigned(account=account.name, owner_id=owner.id, previous_id=previous_id)


def add_contact(turn: Turn, request: CrmContact) -> Message:
    parsed = parse_contact(request.text)
    with turn.begin() as session:
        account = find_account(session=session, team_id=turn.caller.team_id, name=parsed.account)
        contact, created = contacts.add_contact(
            session=session,
            account=account,
            name=parsed.name,
            email=parsed.email,
            title=parsed.title,
            actor=turn.caller.id,
            now=turn.now(),
        )
    return build_contact_saved(
        account=account.name,
        name=contact.name,
        email=contact.email,
        title=contact.title,
        created=created,
    )


def link_channel(turn: Turn, request: CrmLink) -> Message:
    channel_id = turn.body["channel_id"]
    if channel_id.startswith("D"):
        raise DomainError("Link a channel, not a DM: run /crm link in the account's channel.")
    with turn.begin() as session:
        actor = turn.rep(session)
        if request.account is None:
            was = channels.unlink_channel(
                session=session,
                team_id=actor.team_id,
                channel_id=channel_id,
                actor=actor,
                now=turn.now(),
            )
            return build_channel_linked(account=None, previous=was.name if was else None)
        account = find_account(session=session, team_id=actor.team_id, name=request.account)
        previous = channels.link_channel(
            session=session, account=account, channel_id=channel_id, actor=actor, now=turn.now()
        )
    return build_channel_linked(account=account.name, previous=previous.name if previous else None)


def ask_which_account(turn: Turn, request: CrmRequest, resolution: Resolution) -> Message:
    """An unknown name in /crm link, contact or assign: close names as buttons that run the
    command again with the one picked (parked, so a click works after a restart), and Create."""
    before, after = _around_account(request)
    with turn.begin() as session:
        parked = pending.create_pending(
            session=session,
            team_id=turn.caller.team_id,
            slack_user_id=turn.caller.id,
            kind=PENDING_CRM,
            payload={
                "before": before,
                "after": after,
                "typed": resolution.query,
                "channel_id": turn.body["channel_id"],
            },
            now=turn.now(),
        )
    pending_id = id_of(parked)
    buttons = Buttons(
        pick=CrmAction.PICK_ACCOUNT,
        value=lambda choice: f"{pending_id}:{choice.id}",
        create=None if isinstance(request, CrmAssign) else CrmAction.CREATE_ACCOUNT,
        create_value=str(pending_id),
        block_id=f"pick_{pending_id}",
    )
    choices = [Choice(c.id, c.name) for c in resolution.choices or resolution.nearest]
    return build_unknown_name(
        typed=resolution.query, choices=choices, close=bool(resolution.choices), buttons=buttons
    )


def _around_account(request: CrmRequest) -> tuple[str, str]:
    """The /crm text before and after the account name, as Slack sends it (escaped)."""
    if isinstance(request, CrmContact):
        return "contact ", ":" + partition_outside_markup(request.text, ":")[2]
    if isinstance(request, CrmAssign):
        return "assign ", f" <@{request.rep_id}>"
    return "link ", ""


def handle_pick_account_button(turn: Turn) -> Message:
    """A pick (or Create) on an unknown name: the parked /crm command runs with that account."""
    pending_id, _, account_id = turn.body["actions"][0]["value"].partition(":")
    with turn.begin() as session:
        rep = turn.rep(session)
        parked = pending.consume_pending(
            session=session,
            team_id=rep.team_id,
            pending_id=row_id(pending_id),
            slack_user_id=rep.slack_user_id,
            now=turn.now(),
        )
        if parked is None:
            return build_done("That one is done already.") | REPLACE
        payload = parked.payload
        if account_id:
            account = accounts.get_account(
                session=session, team_id=rep.team_id, account_id=row_id(account_id)
            )
        else:
            account = _create(session, rep, payload["typed"], turn.now())
        name = account.name
    # The command runs again as typed, with the account's own name: whatever /crm decides
    # (who may link, whose contact it is) applies to a click exactly as to a command.
    text = f"{payload['before']}{escape(name)}{payload['after']}"
    again = replace(turn, body=turn.body | {"text": text, "channel_id": payload["channel_id"]})
    answer = handle_crm_command(again) or build_done(f"Done for {name}.")
    return (answer if account_id else build_created(answer, name)) | REPLACE


def _create(session: Session, rep: Rep, name: str, now: datetime) -> Account:
    try:
        return accounts.create_account(
            session=session, team_id=rep.team_id, name=name, owner=rep, created_by=rep, now=now
        )
    except accounts.NameTaken as taken:  # created a moment ago (by someone else, or a retry)
        return taken.existing
