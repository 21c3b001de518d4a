"""Who a Slack user is (users.info) and whether a channel is shared with another organisation
(conversations.info), cached with a TTL so busy requests make no Web API call.

This process's cache is the first level; the store (reps rows, see handlers/guard.py) is the
second. Slack is asked before an ack only for someone Rapport has never seen, within a short
budget; profiles are refreshed in the background, by a bounded pool, one refresh per user.
"""

import contextvars
import logging
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime

from cachetools import TTLCache
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.dates import DateOrder, date_order
from models.reps import Rep, RepProfile

logger = logging.getLogger(__name__)

USER_CACHE_TTL_SECONDS = 600
USER_CACHE_SIZE = 10_000
# users.info before an ack, for someone never seen: no retry, and little of Slack's 3 s.
LOOKUP_BUDGET_SECONDS = 1
# users.info in the background: time to wait, but a 429 is not slept on (the next stale read
# asks again).
REFRESH_BUDGET_SECONDS = 10
REFRESH_THREADS = 4
# Background jobs waiting beyond this are dropped, not queued: the next request asks again.
REFRESH_BACKLOG = 1_000


@dataclass(frozen=True)
class SlackUser:
    id: str
    team_id: str  # the person's own workspace
    name: str
    tz: str
    is_admin: bool
    is_guest: bool
    is_bot: bool
    deleted: bool
    checked_at: datetime | None = None  # when users.info said so; None: not known
    locale: str = ""  # users.info with include_locale: "de-DE", "en-US"; "" when not known
    email: str | None = None  # profile.email, given the users:read.email scope

    @property
    def date_order(self) -> DateOrder:
        """Whether this person writes numeric dates day first ("3.12.") or month first."""
        return date_order(self.locale)

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
            is_guest=self.is_guest,
            is_bot=self.is_bot,
            deleted=self.deleted,
            home_team_id=self.team_id,
            checked_at=self.checked_at,
            locale=self.locale,
            email=self.email,
        )

    @classmethod
    def from_rep(cls, rep: Rep) -> "SlackUser":
        """The person as the store last heard of them from Slack."""
        return cls(
            id=rep.slack_user_id,
            team_id=rep.home_team_id or rep.team_id,
            name=rep.name,
            tz=rep.tz,
            is_admin=rep.is_admin,
            is_guest=rep.is_guest,
            is_bot=rep.is_bot,
            deleted=rep.deleted,
            checked_at=rep.checked_at,
            locale=rep.locale,
            email=rep.email,
        )


class UnknownUser(Exception):
    """users.info does not know this id (or it is not a user of any team we can see)."""


class SlackUnreachable(Exception):
    """users.info gave no answer in time (a timeout, a 429, a 5xx): who this is stays unknown."""


def slack_user_from_info(user: dict) -> SlackUser:
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or profile.get("display_name")
    return SlackUser(
        id=user["id"],
        team_id=user.get("team_id", ""),
        name=name or user.get("name") or user["id"],
        tz=user.get("tz") or "",  # none: the workspace default (UTC), said so where it shows
        is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
        is_guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
        is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
        deleted=bool(user.get("deleted")),
        locale=str(user.get("locale") or ""),
        email=profile.get("email") or None,
    )


class Directory:
    """A process-wide users.info cache shared by every request's client, and the pool that
    refreshes profiles in the background."""

    def __init__(
        self, *, ttl: float = USER_CACHE_TTL_SECONDS, refresh_threads: int = REFRESH_THREADS
    ) -> None:
        self.ttl = ttl
        self._cache: TTLCache[tuple[str, str], SlackUser] = TTLCache(USER_CACHE_SIZE, ttl)
        self._shared: TTLCache[tuple[str, str], bool] = TTLCache(USER_CACHE_SIZE, ttl)
        self._lock = threading.Lock()
        self._threads = refresh_threads
        self._pool: ThreadPoolExecutor | None = None  # started on first use
        self._running: set[Hashable] = set()
        self._idle = threading.Condition(self._lock)

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
        """The cached profile, else users.info with the client's own retries (after an ack)."""
        cached = self.cached(team_id, user_id)
        if cached is not None:
            return cached
        try:
            user = slack_user_from_info(
                client.users_info(user=user_id, include_locale=True)["user"]
            )
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "user_not_visible"):
                raise UnknownUser(user_id) from error
            raise
        self.remember(team_id, user)
        return user

    def cached(self, team_id: str, user_id: str) -> SlackUser | None:
        with self._lock:
            return self._cache.get((team_id, user_id))

    def remember(self, team_id: str, user: SlackUser) -> None:
        with self._lock:
            self._cache[(team_id, user.id)] = user

    def look_up(self, client: WebClient, user_id: str, *, budget: int, now: datetime) -> SlackUser:
        """users.info within `budget` seconds and without retries; UnknownUser if Slack knows
        no such person, SlackUnreachable if it didn't answer in time. Not cached here."""
        quick = WebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=budget,
            ssl=client.ssl,
            proxy=client.proxy,
            retry_handlers=[],  # a 429's Retry-After is slept on by the retry handler
        )
        try:
            answer = quick.users_info(user=user_id, include_locale=True)
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "user_not_visible"):
                raise UnknownUser(user_id) from error
            raise SlackUnreachable(f"users.info {error.response.status_code}") from error
        except Exception as error:  # a timeout, a refused connection, a broken answer
            raise SlackUnreachable(f"users.info: {error!r}") from error
        return replace(slack_user_from_info(answer["user"]), checked_at=now)

    def in_background(self, key: Hashable, job: Callable[[], None]) -> bool:
        """Run `job` on the refresh pool unless one for `key` is running or waiting (or the
        backlog is full); whether it was queued. Errors are logged, never raised."""
        with self._lock:
            if key in self._running or len(self._running) >= REFRESH_BACKLOG:
                return False
            self._running.add(key)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="directory")
            pool = self._pool
        context = contextvars.copy_context()  # keeps the request's correlation id in the logs
        pool.submit(context.run, self._run, key, job)
        return True

    def _run(self, key: Hashable, job: Callable[[], None]) -> None:
        try:
            job()
        except Exception:
            logger.exception("background directory job %r failed", key)
        finally:
            with self._idle:
                self._running.discard(key)
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Block until no background job is running or waiting; TimeoutError after `timeout`."""
        with self._idle:
            if not self._idle.wait_for(lambda: not self._running, timeout=timeout):
                raise TimeoutError(f"{len(self._running)} directory job(s) still running")

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
