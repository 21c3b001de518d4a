"""Follow-up DMs: the sweep that sends them (the clicks on them are in clicks.py).

The sweep (`sweep_nudges`, run by bot/scheduler.py) claims due follow-ups in batches
(models/nudges.py), holds back those whose rep is outside working hours, sends the rest one DM
each, and records every DM's ts in the transaction that marks its nudge sent. Each DM carries
message metadata naming its follow-up and round (its snooze count): a nudge whose earlier
attempt may have reached Slack unrecorded (its sweeper died, or the call timed out) is looked
for in the rep's DM with conversations.history before it is sent again.

The sweep's own client has no retry handlers: slack_sdk's would sleep on a Retry-After inside
the sweep and re-post after a dropped connection without telling us. Here a 429 or a 5xx puts
the nudge back with a later next attempt, and a timeout also marks it unsure.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import NoReturn

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.blocks.nudges import (
    Nudge,
    build_nudge,
)
from handlers.deps import Deps
from handlers.directory import slack_user_from_info
from models import nudges as store
from models.nudges import NUDGE_EVENT, Claimed, Nudgeable, Retry, Sent

logger = logging.getLogger(__name__)

BATCH = 200
# Slack won't DM this person: their nudges stop (visibly, in the log and `rapport nudges status`).
REP_GONE = ("account_inactive", "user_not_found", "cannot_dm_bot", "user_disabled")
TOKEN_GONE = ("invalid_auth", "token_revoked", "not_authed")
PROFILE_MAX_AGE = timedelta(days=1)
FIRST_BACKOFF, MAX_BACKOFF = timedelta(minutes=1), timedelta(hours=1)
TOKEN_RECHECK = timedelta(minutes=30)
HISTORY_SLACK = timedelta(minutes=1)  # look a little before the attempt: clocks differ


# -- pacing ------------------------------------------------------------------------------------


@dataclass
class Pacer:
    """About one message a second per conversation, and `per_minute` for the workspace spread
    evenly (a message every 60/per_minute s), not in bursts that earn 429s."""

    per_minute: int = 300
    per_conversation: float = 1.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    enabled: bool = True
    _next: float = 0.0
    _last: dict[str, float] = field(default_factory=dict)

    @classmethod
    def off(cls) -> "Pacer":
        return cls(enabled=False)

    def wait(self, channel: str) -> None:
        if not self.enabled:
            return
        now = self.clock()
        at = max(now, self._next, self._last.get(channel, -1e9) + self.per_conversation)
        if at > now:
            self.sleep(at - now)
        self._next = at + 60.0 / self.per_minute
        self._last[channel] = at
        if len(self._last) > 10_000:
            self._last.clear()


# -- the sweep ---------------------------------------------------------------------------------


class _Stop(Exception):
    """Stop this sweep for the workspace: the token is gone, or Slack asked us to wait."""

    def __init__(self, until: datetime, why: str, *, token: bool = False) -> None:
        super().__init__(why)
        self.until, self.why, self.token = until, why, token


@dataclass
class _Workspace:
    team_id: str | None = None
    paused_until: datetime | None = None
    why: str = ""
    token_gone: bool = False


_WORKSPACES: dict[str, _Workspace] = {}
_WORKSPACES_LOCK = threading.Lock()


def _workspace(client: WebClient) -> _Workspace:
    with _WORKSPACES_LOCK:
        return _WORKSPACES.setdefault(client.token or "", _Workspace())


def sweep_client(client: WebClient) -> WebClient:
    """The app's client without retry handlers (see the module's docstring)."""
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=10,
        ssl=client.ssl,
        proxy=client.proxy,
        retry_handlers=[],
    )


def claimer_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


@dataclass
class SweepResult:
    sent: int = 0
    found: int = 0  # already out (seen in the DM's history), recorded now
    held: int = 0  # outside working hours, or waiting for a retry
    stopped: int = 0  # reps Slack won't DM
    timings: dict[str, float] = field(default_factory=dict)

    def clock(self, what: str, started: float) -> None:
        self.timings[what] = self.timings.get(what, 0.0) + time.perf_counter() - started


def sweep_nudges(
    *,
    deps: Deps,
    client: WebClient,
    now: datetime,
    pacer: Pacer | None = None,
    claimer: str | None = None,
    batch: int = BATCH,
    max_batches: int | None = None,
    raw_client: bool = False,
    lease: timedelta = store.LEASE,
) -> SweepResult:
    """Send every nudge due at `now`, batch by batch, until none is left (or the workspace is
    paused: a revoked token, a 429)."""
    result, pacer = SweepResult(), pacer or Pacer()
    api = client if raw_client else sweep_client(client)
    claimer = claimer or claimer_name()
    workspace = _workspace(client)
    if workspace.paused_until is not None and now < workspace.paused_until:
        return result
    try:
        team_id = _team_of(api, workspace, now)
    except _Stop as stop:
        _pause(workspace, stop)
        return result
    batches, known = 0, store.Known()
    while max_batches is None or batches < max_batches:
        batches += 1
        at = max(now, deps.now())
        started = time.perf_counter()
        with deps.db.begin() as session:
            claimed = store.claim_due(
                session=session,
                team_id=team_id,
                now=at,
                claimer=claimer,
                limit=batch,
                lease=lease,
            )
            rows = store.details(session=session, team_id=team_id, followups=claimed, known=known)
        result.clock("claim", started)
        if not rows:
            break
        try:
            _send_batch(deps, api, team_id, rows, at, claimer, pacer, result)
        except _Stop as stop:
            _pause(workspace, stop)
            break
    return result


def _pause(workspace: _Workspace, stop: _Stop) -> None:
    if stop.token:
        if workspace.why != stop.why:  # one line, not one per sweep
            logger.error("nudges stopped for this workspace: %s", stop.why)
        workspace.paused_until, workspace.why, workspace.token_gone = stop.until, stop.why, True
    else:
        logger.info("nudges paused for this workspace until %s: %s", stop.until, stop.why)
        workspace.paused_until = stop.until


def _team_of(api: WebClient, workspace: _Workspace, now: datetime) -> str:
    if workspace.team_id is None or workspace.token_gone:
        try:
            workspace.team_id = str(api.auth_test()["team_id"])
        except SlackApiError as error:
            raise _Stop(now + TOKEN_RECHECK, _token_sentence(error), token=True) from error
        if workspace.token_gone:
            logger.info("nudges resumed for this workspace: Slack accepts the bot token again")
        workspace.token_gone, workspace.why = False, ""
    workspace.paused_until = None
    return workspace.team_id


def _token_sentence(error: SlackApiError) -> str:
    code = error.response.get("error")
    return f"Slack refused the bot token ({code}): nudges stop until it is replaced"


RECHECK_AFTER = 1.0  # seconds


def _still_ours(deps: Deps, team_id: str, followup_id: int, claimer: str) -> bool:
    with deps.db() as session:
        return store.still_claimed(
            session=session, team_id=team_id, followup_id=followup_id, claimer=claimer
        )


def _send_batch(
    deps: Deps,
    api: WebClient,
    team_id: str,
    rows: list[Claimed],
    now: datetime,
    claimer: str,
    pacer: Pacer,
    result: SweepResult,
) -> None:
    sent: list[Sent] = []
    retries: list[Retry] = []
    try:
        rows = _fresh_profiles(deps, api, team_id, rows, now)
        claimed = time.monotonic()
        for index, row in enumerate(rows):
            followup_id = row.followup.id or 0
            # A paced batch takes minutes: a row done, snoozed or handed over since its claim
            # gave the lease back, and is not sent (checked once the batch is a moment old).
            if time.monotonic() - claimed > RECHECK_AFTER and not _still_ours(
                deps, team_id, followup_id, claimer
            ):
                continue
            opens = store.rep_opens(row.rep, now)
            if opens > now:
                retries.append(Retry(followup_id, opens))
                continue
            try:
                done = _deliver(deps, api, row, now, pacer, result)
            except _Stop as stop:
                rest = [Retry(r.followup.id or 0, stop.until) for r in rows[index:]]
                retries += rest
                raise
            except _Later as later:
                retries.append(later.retry)
                continue
            if done is not None:
                sent.append(done)
    finally:
        started = time.perf_counter()
        with deps.db.begin() as session:
            store.record_sent(session=session, team_id=team_id, claimer=claimer, sent=sent, now=now)
            store.release(session=session, team_id=team_id, claimer=claimer, retries=retries)
        result.clock("record", started)
        result.held += len(retries)


class _Later(Exception):
    def __init__(self, retry: Retry) -> None:
        self.retry = retry


def _backoff(followup: Nudgeable, now: datetime) -> datetime:
    attempts = max(0, followup.nudge_attempts - 1)
    return now + min(MAX_BACKOFF, FIRST_BACKOFF * (2 ** min(attempts, 10)))


def _deliver(
    deps: Deps, api: WebClient, row: Claimed, now: datetime, pacer: Pacer, result: SweepResult
) -> Sent | None:
    """One nudge out (or found already out); _Later to try again, None when the rep is gone."""
    followup = row.followup
    try:
        channel = _dm_channel(deps, api, row)
        if followup.unsure_since is not None:
            found = _already_posted(api, channel, followup)
            if found is not None:
                result.found += 1
                logger.info("nudge %s was already out (%s): recorded", followup.id, found)
                return Sent(followup.id or 0, channel, found)
        started = time.perf_counter()
        payload = build_nudge(_nudge_of(row))
        result.clock("render", started)
        pacer.wait(channel)
        answer = api.chat_postMessage(
            channel=channel,
            **payload,
            metadata={"event_type": NUDGE_EVENT, "event_payload": _metadata(followup)},
        )
        result.sent += 1
        return Sent(followup.id or 0, channel, str(answer["ts"]))
    except SlackApiError as error:
        return _refused(deps, row, error, now, result)
    except Exception as error:  # a timeout or a dropped connection: it may have gone out
        logger.warning("nudge %s: Slack didn't answer (%r); trying again later", followup.id, error)
        raise _Later(
            Retry(followup.id or 0, _backoff(followup, now), type(error).__name__[:64], now)
        ) from error


def _refused(
    deps: Deps, row: Claimed, error: SlackApiError, now: datetime, result: SweepResult
) -> NoReturn:
    followup, code = row.followup, str(error.response.get("error") or "")
    status = error.response.status_code
    if status == 429:
        wait = int(error.response.headers.get("Retry-After", "1") or 1)
        raise _Stop(now + timedelta(seconds=max(1, wait)), f"Slack asked to wait {wait}s (429)")
    if code in TOKEN_GONE:
        raise _Stop(now + TOKEN_RECHECK, _token_sentence(error), token=True)
    if code in REP_GONE:
        logger.warning(
            "stopped nudging %s (rep %s): Slack answered %s",
            row.rep.slack_user_id,
            row.rep.id,
            code,
        )
        with deps.db.begin() as session:
            store.stop_nudging(session=session, rep=row.rep, reason=code, now=now)
        result.stopped += 1
        raise _Later(Retry(followup.id or 0, followup.next_attempt_at or now, code))
    if code == "channel_not_found" and row.rep.dm_channel:
        with deps.db.begin() as session:
            store.set_dm_channel(session=session, rep_id=row.rep.id or 0, channel=None)
    logger.warning("nudge %s: Slack answered %s %s; trying again later", followup.id, status, code)
    # A 5xx may come after the message went out: look before the next attempt.
    unsure = now if status >= 500 else None
    raise _Later(Retry(followup.id or 0, _backoff(followup, now), code or str(status), unsure))


def _metadata(followup: Nudgeable) -> dict:
    return {
        "followup_id": followup.id,
        "round": followup.snoozed_count,
        "due_at": followup.due_at.isoformat(),
    }


def _dm_channel(deps: Deps, api: WebClient, row: Claimed) -> str:
    if row.rep.dm_channel:
        return row.rep.dm_channel
    channel = str(api.conversations_open(users=row.rep.slack_user_id)["channel"]["id"])
    with deps.db.begin() as session:
        store.set_dm_channel(session=session, rep_id=row.rep.id or 0, channel=channel)
    row.rep.dm_channel = channel
    return channel


def _already_posted(api: WebClient, channel: str, followup: Nudgeable) -> str | None:
    """The ts of this round's nudge if an earlier attempt posted it (its metadata says so)."""
    assert followup.unsure_since is not None
    oldest = f"{(followup.unsure_since - HISTORY_SLACK).timestamp():.6f}"
    wanted = _metadata(followup)
    cursor = None
    for _ in range(10):  # a DM with a rep sees few messages a minute
        page = api.conversations_history(
            channel=channel, oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor
        )
        for posted in page.get("messages") or []:
            meta = posted.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == NUDGE_EVENT and all(
                payload.get(key) == wanted[key] for key in ("followup_id", "round")
            ):
                return str(posted["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            return None
    return None


def _fresh_profiles(
    deps: Deps, api: WebClient, team_id: str, rows: list[Claimed], now: datetime
) -> list[Claimed]:
    """Ask Slack again about reps whose profile (their time zone) is over a day old, so a rep
    who moved and never talks to Rapport is still nudged at their own hours."""
    with deps.db() as session:
        stale = store.stale_reps(
            session=session,
            team_id=team_id,
            rep_ids={row.rep.id or 0 for row in rows},
            before=now - PROFILE_MAX_AGE,
        )
    zones: dict[int, str] = {}
    for rep in stale:
        try:
            user = slack_user_from_info(
                api.users_info(user=rep.slack_user_id, include_locale=True)["user"]
            )
        except SlackApiError as error:
            if error.response.status_code == 429:
                break
            continue
        except Exception:
            continue
        deps.save_user(team_id, replace(user, checked_at=now))
        zones[rep.id or 0] = user.tz
    if not zones:
        return rows
    for row in rows:
        if (tz := zones.get(row.rep.id or 0)) is not None:
            row.rep.tz = tz
    return rows


def _nudge_of(row: Claimed) -> Nudge:
    followup, rep = row.followup, row.rep
    _, theirs = store.in_zone(rep.tz)
    return Nudge(
        followup_id=followup.id or 0,
        snoozes=followup.snoozed_count,
        account=row.account.name if row.account else None,
        account_id=row.account.id if row.account else None,
        note=followup.note,
        due_at=followup.due_at,
        set_at=followup.created_at,
        set_by=row.set_by.slack_user_id if row.set_by else None,
        rep_user=rep.slack_user_id,
        last_touch=row.account.last_touched_at if row.account else None,
        tz=rep.tz if theirs else "UTC",
        tz_is_theirs=theirs,
    )


def describe_due(deps: Deps, team_id: str, at: datetime) -> list[str]:
    """`rapport nudges --dry-run`: each nudge a sweep at `at` would send, to whom, and when
    that is for them; then how many wait for their rep's working hours."""
    with deps.db() as session:
        rows = store.due_preview(session=session, team_id=team_id, now=at)
    lines, held = [], 0
    for row in rows:
        tz, theirs = store.in_zone(row.rep.tz)
        if store.rep_opens(row.rep, at) > at:
            held += 1
            continue
        local = at.astimezone(tz)
        zone = row.rep.tz if theirs else "UTC, the workspace default"
        about = f"{row.account.name}: " if row.account else ""
        lines.append(
            f"#{row.followup.id} to {row.rep.name or row.rep.slack_user_id} "
            f"({row.rep.slack_user_id}) at {local:%a %Y-%m-%d %H:%M} {zone}: "
            f"{about}{row.followup.note[:80]}"
        )
    when = at.isoformat(timespec="minutes")
    lines.append(f"{len(lines)} nudges would be sent at {when}; {held} wait for working hours.")
    return lines
