"""The morning digest: the sweep job that sends it, and `/crm digest [on|off]`.

A rep gets it on one of their working days (`/crm hours`; by default Monday to Friday in their
own time zone) at the first sweep from 09:00 their time, or from the start of their working
hours when that is later (models.digest.digest_window); a sweeper that was down then sends it
at its next sweep within three hours (and inside their hours), and not at all after that. At
most one a day: the first sweep to claim `digest:<team>:<rep>:<date>` (models.claims, committed
before the post) sends it, whatever the number of replicas. A post that Slack surely didn't
take (a 429, a 5xx, no connection) gives the claim back, so a later sweep that morning tries
again; a post whose answer never came (a timeout) may have reached the rep, so it keeps the
claim: no digest twice, at the price of one lost in that rare case.
"""

import logging
from datetime import datetime
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.blocks import Message
from handlers.blocks.digest import build_digest, build_digest_status
from handlers.deps import Deps
from handlers.listener import Turn
from handlers.nudges.sweep import REP_GONE, sweep_client
from handlers.parsing.digest import parse_digest
from models import claims, digest, nudges, reps
from models.base import zone
from models.digest import Recipient
from models.reps import Rep

logger = logging.getLogger(__name__)

# The workspace's token is refused: no digest of its can go out this sweep.
REVOKED = frozenset(["invalid_auth", "token_revoked", "not_authed"])


def digest_key(recipient: Recipient, now: datetime) -> str:
    local_date = now.astimezone(zone(recipient.tz)).date()
    return f"digest:{recipient.team_id}:{recipient.slack_user_id}:{local_date.isoformat()}"


def send_digests(*, deps: Deps, client: WebClient, now: datetime) -> None:
    """Send the digest of every rep whose morning it is and who hasn't had today's: reps of the
    workspace the bot token belongs to. The client retries nothing itself (a retried post after
    a 5xx Slack had stored would be a second digest): a later sweep that morning does."""
    client = sweep_client(client)
    try:
        team_id = str(client.auth_test()["team_id"])
    except SlackApiError as error:
        logger.error(
            "no digests this sweep: Slack refused the bot token (%s)", error.response.get("error")
        )
        return
    with deps.db.begin() as session:
        recipients = [
            recipient
            for recipient in digest.list_recipients(session=session, team_id=team_id)
            if digest.is_digest_time(now, recipient.tz, recipient.hours)
        ]
        keys = [(r.team_id, digest_key(r, now)) for r in recipients]
        done = digest.claimed_keys(session=session, keys=keys)
    stopped: set[str] = set()
    for recipient, key in zip(recipients, keys, strict=True):
        if key in done or recipient.team_id in stopped:
            continue
        if not send_digest(deps=deps, client=client, recipient=recipient, key=key[1], now=now):
            stopped.add(recipient.team_id)


def send_digest(
    *, deps: Deps, client: WebClient, recipient: Recipient, key: str, now: datetime
) -> bool:
    """Claim, build and send one rep's digest; False when the workspace's token is refused."""
    with deps.db.begin() as session:
        if not claims.claim_once(session=session, team_id=recipient.team_id, key=key, now=now):
            return True  # another sweep has it
        contents = digest.build_digest(
            session=session,
            recipient=recipient,
            now=now,
            stale_days=deps.stale_days,
            stuck_days=deps.stuck_days,
        )
    if contents.empty:
        return True
    built = build_digest(
        contents, tz=recipient.tz, now=now, stale_days=deps.stale_days, stuck_days=deps.stuck_days
    )
    return _post(deps, client, recipient, key, built, now)


def _post(
    deps: Deps, client: WebClient, recipient: Recipient, key: str, built: Message, now: datetime
) -> bool:
    who, posting = f"{recipient.team_id}/{recipient.slack_user_id}", False
    try:
        channel = recipient.dm_channel or _open_dm(deps, client, recipient)
        posting = True
        posted = client.chat_postMessage(channel=channel, **built)
    except SlackApiError as error:
        code, status = error.response.get("error"), error.response.status_code
        retry = status == 429 or status >= 500
        if code == "channel_not_found" and recipient.dm_channel:  # the kept DM is gone
            with deps.db.begin() as session:
                nudges.set_dm_channel(session=session, rep_id=recipient.rep_id, channel=None)
            retry = True
        if code in REP_GONE:  # this rep, not the workspace: stopped as the nudges stop them
            with deps.db.begin() as session:
                rep = session.get(Rep, recipient.rep_id)
                if rep is not None and rep.team_id == recipient.team_id:
                    nudges.stop_nudging(session=session, rep=rep, reason=str(code), now=now)
        if retry or code in REVOKED:
            _release(deps, recipient, key)
        if code in REVOKED:
            logger.error("digests stopped for workspace %s: Slack says %s", recipient.team_id, code)
            return False
        logger.warning("digest for %s not sent (%s, %s)%s", who, status, code, _later(retry))
        return True
    except (TimeoutError, URLError, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        timed_out = isinstance(error, TimeoutError) or isinstance(reason, TimeoutError)
        if timed_out and posting:  # Slack may have posted it: never risk a second one
            logger.warning("digest for %s: no answer from Slack, not sent again today", who)
            return True
        _release(deps, recipient, key)
        logger.warning("digest for %s not sent (%s)%s", who, error, _later(True))
        return True
    logger.info("digest sent to %s (ts %s)", who, posted.get("ts"))
    return True


def _open_dm(deps: Deps, client: WebClient, recipient: Recipient) -> str:
    """The rep's DM with Rapport, opened once and kept on the reps row (as the nudges keep it)."""
    channel = str(client.conversations_open(users=recipient.slack_user_id)["channel"]["id"])
    with deps.db.begin() as session:
        nudges.set_dm_channel(session=session, rep_id=recipient.rep_id, channel=channel)
    return channel


def _later(retry: bool) -> str:
    return "; a later sweep this morning tries again" if retry else "; not retried today"


def _release(deps: Deps, recipient: Recipient, key: str) -> None:
    with deps.db.begin() as session:
        digest.release_claim(session=session, team_id=recipient.team_id, key=key)


def handle_crm_digest(turn: Turn, text: str) -> Message:
    """`/crm digest` says whether and when it comes; `/crm digest off|on` changes that."""
    wanted = parse_digest(text)
    with turn.begin() as session:
        rep = turn.rep(session)
        changed = None
        if wanted is not None:
            changed = digest.set_digest(session=session, rep=rep, enabled=wanted, now=turn.now())
        enabled, tz, hours = rep.digest_enabled, rep.tz, reps.working_hours(rep)
    return build_digest_status(enabled=enabled, tz=tz, hours=hours, changed=changed)
