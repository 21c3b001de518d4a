"""Logging, whichever way it came in: resolve the account, log once, make the follow-up.

A log whose account isn't clear waits in the database (models.pending) for the rep's click.
"""

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session

from handlers.blocks import Message
from handlers.blocks.calls import Choice, Logged, build_logged, build_pick_account
from handlers.dates import DateError, parse_when, split_followup
from handlers.deps import Deps
from handlers.directory import SlackUser
from models import accounts, followups, interactions, pending
from models.accounts import Account
from models.interactions import InteractionKind
from models.matching import resolve_account
from models.reps import Rep

PENDING_LOG = "log"


@dataclass(frozen=True)
class Draft:
    """A log not yet written: everything but the account."""

    kind: str
    notes: str
    occurred_at: datetime
    source: str
    source_key: str | None
    followup_due: datetime | None = None
    permalink: str | None = None
    author_id: str | None = None
    contact_id: int | None = None
    warning: str | None = None

    def to_payload(self, typed: str) -> dict[str, Any]:
        data = asdict(self) | {"typed": typed}
        for key in ("occurred_at", "followup_due"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> tuple["Draft", str]:
        fields = {k: v for k, v in data.items() if k != "typed"}
        for key in ("occurred_at", "followup_due"):
            fields[key] = datetime.fromisoformat(fields[key]) if fields[key] else None
        return cls(**fields), data["typed"]


def draft_from_text(
    caller: SlackUser, notes: str, *, kind: str, now: datetime, source: str, source_key: str | None
) -> Draft:
    """A draft from typed notes, reading a final "follow up <when>" sentence in the rep's zone."""
    split = split_followup(notes)
    draft = Draft(
        kind=kind, notes=split.notes or notes, occurred_at=now, source=source, source_key=source_key
    )
    if split.phrase is None:
        return draft
    try:
        return replace(draft, followup_due=parse_when(split.phrase, now=now, tz=caller.tz))
    except DateError as error:
        return replace(
            draft, warning=f"{error} The {kind} is logged; add the follow-up with the button."
        )


def log_by_name(deps: Deps, caller: SlackUser, typed: str, draft: Draft) -> tuple[Message, bool]:
    """Log on the account `typed` names, or ask which; returns the reply and whether it's new."""
    now = deps.now()
    with deps.db.begin() as session:
        rep = deps.rep(session, caller)
        resolution = resolve_account(session=session, team_id=caller.team_id, name=typed)
        if resolution.match is not None:
            account = accounts.get_account(
                session=session, team_id=caller.team_id, account_id=resolution.match.id
            )
            return _log(session, rep, account, draft, typed=typed, now=now)
        parked = pending.create_pending(
            session=session,
            team_id=caller.team_id,
            slack_user_id=caller.id,
            kind=PENDING_LOG,
            payload=draft.to_payload(typed),
            now=now,
        )
        reply = build_pick_account(
            typed=typed,
            pending_id=parked.id or 0,
            choices=[Choice(c.id, c.name) for c in resolution.choices],
            nearest=[Choice(c.id, c.name) for c in resolution.nearest],
        )
    return reply, True


def log_on_account(
    deps: Deps,
    caller: SlackUser,
    account_id: int | None,
    draft: Draft,
    *,
    new_name: str | None = None,
) -> tuple[Message, bool]:
    """Log on a chosen account, or on a new one named `new_name` owned by the caller."""
    now = deps.now()
    with deps.db.begin() as session:
        rep = deps.rep(session, caller)
        if new_name is not None:
            account = _find_or_create(session, rep, new_name, now)
        else:
            assert account_id is not None
            account = accounts.get_account(
                session=session, team_id=caller.team_id, account_id=account_id
            )
        return _log(session, rep, account, draft, typed=new_name, now=now)


def finish_pending(
    deps: Deps, caller: SlackUser, pending_id: int, account_id: int | None
) -> tuple[Message, bool] | None:
    """A click on a pick/create button: log the parked draft once; None if it was already used."""
    with deps.db.begin() as session:
        parked = pending.consume_pending(
            session=session,
            team_id=caller.team_id,
            pending_id=pending_id,
            slack_user_id=caller.id,
            now=deps.now(),
        )
        if parked is None:
            return None
        draft, typed = Draft.from_payload(parked.payload)
    return log_on_account(deps, caller, account_id, draft, new_name=None if account_id else typed)


def _find_or_create(session: Session, rep: Rep, name: str, now: datetime) -> Account:
    existing = accounts.get_account_by_name(session=session, team_id=rep.team_id, name=name)
    return existing or accounts.create_account(
        session=session, team_id=rep.team_id, name=name, owner=rep, created_by=rep, now=now
    )


def _log(
    session: Session, rep: Rep, account: Account, draft: Draft, *, typed: str | None, now: datetime
) -> tuple[Message, bool]:
    interaction, created = interactions.log_interaction(
        session=session,
        account=account,
        rep=rep,
        kind=InteractionKind(draft.kind),
        summary=draft.notes,
        occurred_at=draft.occurred_at,
        now=now,
        source=draft.source,
        source_key=draft.source_key,
        permalink=draft.permalink,
        contact_id=draft.contact_id,
        slack_author_id=draft.author_id,
    )
    if created and draft.followup_due:
        followups.create_followup(
            session=session,
            rep=rep,
            account=account,
            due_at=draft.followup_due,
            note=draft.notes,
            now=now,
            interaction_id=interaction.id,
        )
    logged = Logged(
        interaction_id=interaction.id or 0,
        kind=interaction.kind,
        account=account.name,
        typed_account=typed,
        notes=interaction.summary,
        permalink=interaction.permalink,
        followup_due=draft.followup_due,
        tz=rep.tz,
        warning=draft.warning,
    )
    return build_logged(logged), created
