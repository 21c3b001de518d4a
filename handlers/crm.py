"""/crm: help, and the account basics (new, assign, contact, link)."""

from slack_bolt import App

from handlers import listener, pipeline
from handlers.blocks import Message
from handlers.blocks.crm import (
    build_account_created,
    build_channel_linked,
    build_contact_saved,
    build_crm_help,
    build_error,
    build_not_yet,
    build_owner_assigned,
)
from handlers.deps import Deps
from handlers.directory import SlackUser, UnknownUser
from handlers.ids import Command
from handlers.listener import Turn
from handlers.parsing.crm import (
    CrmAssign,
    CrmContact,
    CrmHelp,
    CrmLink,
    CrmNewAccount,
    CrmNotYet,
    parse_contact,
    parse_crm,
)
from handlers.parsing.text import CommandError
from models import accounts, channels, contacts
from models.base import DomainError
from models.matching import find_account


def register(app: App, deps: Deps) -> None:
    app.command(Command.CRM)(
        ack=listener.command(deps, handle_crm_command), lazy=[pipeline.chart_after_ack(deps)]
    )
    pipeline.register(app, deps)


def handle_crm_command(turn: Turn) -> Message | None:
    if pipeline.wants_pipeline(turn.body.get("text", "")):
        return pipeline.handle_pipeline_command(turn)
    try:
        request = parse_crm(turn.body.get("text", ""))
    except CommandError as error:
        return build_error(str(error))
    if isinstance(request, CrmHelp):
        return build_crm_help(unknown=request.unknown)
    if isinstance(request, CrmNotYet):
        return build_not_yet(what=f"{Command.CRM} {request.subcommand}")
    if isinstance(request, CrmLink):
        return link_channel(turn, request)
    if isinstance(request, CrmContact):
        return add_contact(turn, request)
    if isinstance(request, CrmNewAccount):
        return create_account(turn, request)
    return assign_account(turn, request)


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
