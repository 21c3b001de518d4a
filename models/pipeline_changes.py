"""Changing a workspace's pipeline where deals already sit in it: a stage that holds deals
can't be removed (the refusal names them), and a renamed stage takes its deals and their
history along (models.stages explains why deals keep stage names)."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from models import audit
from models.accounts import Account
from models.base import DomainError, NotAllowed
from models.deals import Deal, DealStageChange
from models.reps import Rep
from models.stages import (
    InvalidPipeline,
    Pipeline,
    Stage,
    find_stage,
    get_pipeline,
    normalize_stage,
    set_pipeline,
)


class StageInUse(DomainError):
    """A stage to be removed still holds deals; the sentence names them."""


MAX_BLOCKERS_NAMED = 5


def replace_stages(
    *, session: Session, team_id: str, stages: Sequence[Stage], actor: Rep, now: datetime
) -> Pipeline:
    """The workspace's new pipeline (admins); a stage that deals sit in can't go (StageInUse)."""
    _check_admin(actor, "change the pipeline")
    current = get_pipeline(session=session, team_id=team_id)
    kept = {normalize_stage(stage.name): stage for stage in stages}
    removed = [s.name for s in current.stages if normalize_stage(s.name) not in kept]
    if removed:
        _refuse_if_used(session, team_id, removed, "can't be removed")
    # A stage's deals are open or closed by the stage they sit in: turning a stage that holds
    # deals into Won or Lost (or back) would close or reopen them without a move on record.
    for stage in current.stages:
        new = kept.get(normalize_stage(stage.name))
        if new is not None and new.outcome != stage.outcome:
            change = f"can't change from {stage.outcome} to {new.outcome}"
            _refuse_if_used(session, team_id, [stage.name], change)
    pipeline = set_pipeline(session=session, team_id=team_id, stages=stages, actor=actor, now=now)
    for stage in current.stages:  # a new spelling of a kept stage ("demo" -> "Demo") moves too
        spelled = pipeline.find(stage.name)
        if spelled is not None and spelled.name != stage.name:
            _rename_in_deals(session, team_id, stage.name, spelled.name)
    return pipeline


def rename_stage(
    *, session: Session, team_id: str, old: str, new: str, actor: Rep, now: datetime
) -> tuple[str, Pipeline, int]:
    """Rename a stage (admins): its deals and their history follow; (old name, pipeline, deals
    moved)."""
    _check_admin(actor, "rename a stage")
    current = get_pipeline(session=session, team_id=team_id)
    stage = find_stage(current, old)
    clash = current.find(new)
    if clash is not None and clash != stage:
        raise InvalidPipeline(f"There is a stage called {clash.name} already.")
    renamed = [replace(s, name=new) if s == stage else s for s in current.stages]
    pipeline = set_pipeline(session=session, team_id=team_id, stages=renamed, actor=actor, now=now)
    new_name = pipeline.stages[current.stages.index(stage)].name
    moved = _rename_in_deals(session, team_id, stage.name, new_name)
    audit.record(
        session=session,
        actor=actor,
        action="pipeline.rename",
        subject=audit.Subject(entity="pipeline", team_id=team_id),
        before={"stage": stage.name},
        after={"stage": new_name, "deals": moved},
        at=now,
    )
    return stage.name, pipeline, moved


def _check_admin(actor: Rep, what: str) -> None:
    if not actor.is_admin:
        raise NotAllowed(f"Only Rapport admins can {what}.")


def _refuse_if_used(session: Session, team_id: str, removed: list[str], change: str) -> None:
    where = (Deal.team_id == team_id, col(Deal.stage).in_(removed))
    rows = session.exec(
        select(Deal.name, Account.name, Deal.stage)
        .join(Account, col(Account.id) == col(Deal.account_id))
        .where(*where)
        .order_by(col(Deal.stage), col(Deal.id))
        .limit(MAX_BLOCKERS_NAMED)
    ).all()
    if not rows:
        return
    total = session.exec(select(func.count()).select_from(Deal).where(*where)).one()
    named = ", ".join(f"{account} {deal} ({stage})" for deal, account, stage in rows)
    more = f" and {total - len(rows)} more" if total > len(rows) else ""
    stages_named = " and ".join(sorted({stage for _, _, stage in rows}))
    raise StageInUse(
        f"{stages_named} {change} while deals are in it: {named}{more}. Move them "
        "first, or rename the stage with `/crm stages rename <old> to <new>`."
    )


def _rename_in_deals(session: Session, team_id: str, old: str, new: str) -> int:
    """Deals and their history in stage `old` now say `new`; how many deals moved."""
    moved = session.execute(
        update(Deal)
        .where(col(Deal.team_id) == team_id, col(Deal.stage) == old)
        .values(stage=new, version=col(Deal.version) + 1)
        .returning(col(Deal.id))
    ).all()
    for column in ("from_stage", "to_stage"):
        session.execute(
            update(DealStageChange)
            .where(col(DealStageChange.team_id) == team_id)
            .where(getattr(DealStageChange, column) == old)
            .values({column: new})
        )
    return len(moved)
