"""Who a Slack user is (users.info) and whether a channel is shared with another organisation
(conversations.info), cached with a TTL so busy requests make no Web API call."""

import threading
from dataclasses import dataclass

from cachetools import TTLCache
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from models.reps import RepProfile

USER_CACHE_TTL_SECONDS = 600
USER_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class SlackUser:
    id: str
    team_id: str
    name: str
    tz: str
    is_admin: bool
    is_guest: bool
    is_bot: bool
    deleted: bool

    def is_full_member(self, team_id: str) -> bool:
        """A person of this workspace who may use Rapport and own accounts: not a guest, a bot,
        a deactivated user, or someone from another organisation (Slack Connect)."""
        return self.team_id == team_id and not (self.is_guest or self.is_bot or self.deleted)

    def profile(self, *, extra_admins: frozenset[str] = frozenset()) -> RepProfile:
        return RepProfile(
            slack_user_id=self.id,
            name=self.name,
            tz=self.tz,
            is_admin=self.is_admin or self.id in extra_admins,
        )


class UnknownUser(Exception):
    """users.info does not know this id (or it is not a user of any team we can see)."""


def slack_user_from_info(user: dict) -> SlackUser:
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or profile.get("display_name")
    return SlackUser(
        id=user["id"],
        team_id=user.get("team_id", ""),
        name=name or user.get("name") or user["id"],
        tz=user.get("tz") or "UTC",
        is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
        is_guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
        is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
        deleted=bool(user.get("deleted")),
    )


class Directory:
    """A process-wide users.info cache shared by every request's client."""

    def __init__(self, *, ttl: float = USER_CACHE_TTL_SECONDS) -> None:
        self._cache: TTLCache[tuple[str, str], SlackUser] = TTLCache(USER_CACHE_SIZE, ttl)
        self._shared: TTLCache[tuple[str, str], bool] = TTLCache(USER_CACHE_SIZE, ttl)
        self._lock = threading.Lock()

    def is_shared_externally(self, client: WebClient, team_id: str, channel_id: str) -> bool:
        """Whether people of another organisation can read this channel (Slack Connect).

        When Slack won't say (a private channel Rapport isn't in, an error), the answer is yes:
        a reply that should have been private must never land where a customer reads it.
        """
        if channel_id.startswith("D"):  # a DM with Rapport
            return False
        key = (team_id, channel_id)
        with self._lock:
            cached = self._shared.get(key)
        if cached is not None:
            return cached
        try:
            channel = client.conversations_info(channel=channel_id)["channel"]
            shared = bool(channel.get("is_ext_shared") or channel.get("is_pending_ext_shared"))
        except SlackApiError:
            return True  # not cached: a transient error shouldn't stick for the TTL
        with self._lock:
            self._shared[key] = shared
        return shared

    def get(self, client: WebClient, team_id: str, user_id: str) -> SlackUser:
        key = (team_id, user_id)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        try:
            user = slack_user_from_info(client.users_info(user=user_id)["user"])
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "user_not_visible"):
                raise UnknownUser(user_id) from error
            raise
        with self._lock:
            self._cache[key] = user
        return user
