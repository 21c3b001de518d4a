"""/crm: help, and the account basics (new, assign)."""

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlmodel import Session

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
from handlers.errors import reporting
from handlers.ids import Command
from handlers.parsing import (
    CommandError,
    CrmAssign,
    CrmContact,
    CrmHelp,
    CrmLink,
    CrmNewAccount,
    CrmNotYet,
    parse_contact,
    parse_crm,
)
from models import accounts, channels, contacts
from models.base import DomainError
from models.matching import resolve_account


def register(app: App, deps: Deps) -> None:
    @app.command(Command.CRM)
    def handle_crm_command(
        ack: Ack, command: dict, respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        try:
            request = parse_crm(command.get("text", ""))
        except CommandError as error:
            ack(**build_error(str(error)))
            return
        if isinstance(request, CrmHelp):
            ack(**build_crm_help(unknown=request.unknown))
            return
        if isinstance(request, CrmNotYet):
            ack(**build_not_yet(what=f"{Command.CRM} {request.subcommand}"))
            return
        ack()
        caller: SlackUser = context["caller"]
        with reporting(respond, what=command["text"]):
            if isinstance(request, CrmLink):
                respond(
                    **link_channel(deps, caller, request, command["channel_id"]),
                    response_type="ephemeral",
                )
            elif isinstance(request, CrmContact):
                respond(**add_contact(deps, caller, request), response_type="ephemeral")
            elif isinstance(request, CrmNewAccount):
                respond(**create_account(deps, client, caller, request), response_type="ephemeral")
            elif isinstance(request, CrmAssign):
                respond(**assign_account(deps, client, caller, request), response_type="ephemeral")


def _member(deps: Deps, client: WebClient, team_id: str, user_id: str) -> SlackUser:
    """A full member of this workspace who can own accounts, or a DomainError saying who can't."""
    try:
        user = deps.directory.get(client, team_id, user_id)
    except UnknownUser as error:
        raise DomainError("I can't find that person in this workspace.") from error
    if user.is_bot or user.deleted or user.is_guest or user.team_id != team_id:
        raise DomainError("Accounts can only be owned by full members of this workspace.")
    return user


def create_account(
    deps: Deps, client: WebClient, caller: SlackUser, request: CrmNewAccount
) -> dict:
    owner = _member(deps, client, caller.team_id, request.owner_id) if request.owner_id else caller
    now = deps.now()
    with deps.db.begin() as session:
        rep_of = {user.id: deps.rep(session, user) for user in {caller, owner}}
        account = accounts.create_account(
            session=session,
            team_id=caller.team_id,
            name=request.account,
            owner=rep_of[owner.id],
            created_by=rep_of[caller.id],
            now=now,
        )
    return build_account_created(account=account.name, owner_id=owner.id, caller_id=caller.id)


def assign_account(deps: Deps, client: WebClient, caller: SlackUser, request: CrmAssign) -> dict:
    owner = _member(deps, client, caller.team_id, request.rep_id)
    now = deps.now()
    with deps.db.begin() as session:
        actor, new_owner = deps.rep(session, caller), deps.rep(session, owner)
        account, previous = accounts.assign_owner(
            session=session,
            team_id=caller.team_id,
            name=request.account,
            owner=new_owner,
            actor=actor,
            actor_is_admin=actor.is_admin,
            now=now,
        )
    return build_owner_assigned(
        account=account.name,
        owner_id=owner.id,
        previous_id=previous.slack_user_id if previous else None,
    )


def add_contact(deps: Deps, caller: SlackUser, request: CrmContact) -> dict:
    parsed = parse_contact(request.text)
    with deps.db.begin() as session:
        account = _clear_match(session, caller.team_id, parsed.account)
        contact, created = contacts.add_contact(
            session=session,
            account=account,
            name=parsed.name,
            email=parsed.email,
            title=parsed.title,
            actor=caller.id,
            now=deps.now(),
        )
    return build_contact_saved(
        account=account.name,
        name=contact.name,
        email=contact.email,
        title=contact.title,
        created=created,
    )


def link_channel(deps: Deps, caller: SlackUser, request: CrmLink, channel_id: str) -> dict:
    if channel_id.startswith("D"):
        raise DomainError("Link a channel, not a DM: run /crm link in the account's channel.")
    with deps.db.begin() as session:
        actor = deps.rep(session, caller)
        if request.account is None:
            was = channels.unlink_channel(
                session=session,
                team_id=caller.team_id,
                channel_id=channel_id,
                actor=actor,
                now=deps.now(),
            )
            return build_channel_linked(account=None, previous=was.name if was else None)
        account = _clear_match(session, caller.team_id, request.account)
        previous = channels.link_channel(
            session=session, account=account, channel_id=channel_id, actor=actor, now=deps.now()
        )
        return build_channel_linked(
            account=account.name, previous=previous.name if previous else None
        )


def _clear_match(session: Session, team_id: str, name: str) -> accounts.Account:
    """The one account a typed name clearly means, or a DomainError saying what to do."""
    found = resolve_account(session=session, team_id=team_id, name=name)
    if found.match is None:
        raise DomainError(
            f"No account is clearly {name}; check the name, or create it with /crm new {name}."
        )
    return accounts.get_account(session=session, team_id=team_id, account_id=found.match.id)
