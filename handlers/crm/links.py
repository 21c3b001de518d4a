"""/crm link: a channel that is an account's, re-pointed only by its owner or an admin, and
announced in the channel."""

import logging

from slack_sdk.errors import SlackApiError

from handlers.blocks import Message
from handlers.blocks.crm import (
    build_channel_linked,
    build_link_announcement,
    build_link_refused,
)
from handlers.crm.accounts import AccountOf, account_named
from handlers.listener import Turn
from handlers.parsing.crm import (
    CrmLink,
)
from models import channels
from models.base import DomainError
from models.matching import UnknownName

logger = logging.getLogger(__name__)


def link_channel(turn: Turn, request: CrmLink) -> Message:
    """Link (or unlink) this channel; then say so in the channel, and tell the linker if that
    couldn't be done. The write has committed before Slack is asked anything."""
    channel_id = turn.body["channel_id"]
    if channel_id.startswith("D"):
        raise DomainError("Link a channel, not a DM: run /crm link in the account's channel.")
    return link_to(
        turn, channel_id, None if request.account is None else account_named(turn, request.account)
    )


def link_to(turn: Turn, channel_id: str, account_of: AccountOf | None) -> Message:
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
