"""Who reads a channel: before CRM data is posted where others see it, everyone who can read it
must be someone who could have asked for it themselves.

A channel's members (conversations.members, paginated) are cached with a TTL per (team,
channel), like the directory's caches; each member is then looked up through the directory's
cached users.info. Mentions and Share clicks are rare, so that cost is paid only there, never on
/who-owns's hot path.
"""

import threading

from cachetools import TTLCache
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from handlers.directory import Directory, SlackUser, UnknownUser

# A guest invited to a channel goes unseen for up to this long (a member turned guest, for the
# directory's 10 minutes): the price of not listing a channel's members on every mention.
MEMBERS_CACHE_TTL_SECONDS = 300
MEMBERS_CACHE_SIZE = 1_000  # channels
# Only the first 1,000 members are checked; a larger channel is answered privately without
# looking anyone up. Checking everyone in an all-hands channel would cost thousands of users.info
# calls (Tier 4, ~100 a minute) for one mention, and the more people, the likelier a guest.
MEMBERS_CHECKED = 1_000
PAGE_SIZE = 200  # Slack's advice for conversations.members (it allows up to 1,000)
# Slack may hand out short pages; past this many the channel counts as too large, so a cursor
# that never ends can't loop forever.
MAX_PAGES = 2 * MEMBERS_CHECKED // PAGE_SIZE


class Audience:
    """One app's cache of channel members (shared by every request's client), each member
    checked against the directory."""

    def __init__(self, directory: Directory, *, ttl: float = MEMBERS_CACHE_TTL_SECONDS) -> None:
        self._directory = directory
        # (team, channel) -> the first members, or None: more than MEMBERS_CHECKED
        self._members: TTLCache[tuple[str, str], tuple[str, ...] | None] = TTLCache(
            MEMBERS_CACHE_SIZE, ttl
        )
        self._lock = threading.Lock()

    def only_full_members(self, client: WebClient, team_id: str, channel_id: str) -> bool:
        """Whether everyone who can read this channel is a full member of `team_id` (or a bot).

        When Slack won't say (an error, a missing scope, a channel Rapport isn't in, one too
        large to check), the answer is no: CRM data must never land where a guest reads it.
        """
        if channel_id.startswith("D"):  # a DM with Rapport: the asker and Rapport
            return True
        try:
            if self._directory.is_shared_externally(client, team_id, channel_id):
                return False
            members = self._members_of(client, team_id, channel_id)
            return members is not None and all(
                _may_read(self._directory.get(client, team_id, member), team_id)
                for member in members
            )
        except (SlackClientError, UnknownUser, OSError):
            return False  # not cached: a transient error shouldn't stick for the TTL

    def _members_of(
        self, client: WebClient, team_id: str, channel_id: str
    ) -> tuple[str, ...] | None:
        """The channel's members, or None when there are more than we check."""
        key = (team_id, channel_id)
        with self._lock:
            if key in self._members:
                return self._members[key]
        members: list[str] = []
        cursor = None
        for _ in range(MAX_PAGES):
            page = client.conversations_members(channel=channel_id, limit=PAGE_SIZE, cursor=cursor)
            members += page.get("members") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor or len(members) >= MEMBERS_CHECKED:
                break
        found = None if cursor or len(members) > MEMBERS_CHECKED else tuple(members)
        with self._lock:
            self._members[key] = found
        return found


def _may_read(user: SlackUser, team_id: str) -> bool:
    """A reader who could ask Rapport themselves; bots (Rapport included) and deactivated
    accounts read nothing a person would."""
    return user.is_bot or user.deleted or user.is_full_member(team_id)
