"""Pipeline stages: each workspace's stages in order, which of them close a deal, and how likely.

A workspace that never set its own stages has `DEFAULT_PIPELINE`, defined here and nowhere else;
reading a pipeline never writes one. `Pipeline` is the immutable value every reader decides
open/closed and order from; `set_pipeline` replaces a workspace's stages, audited.

Deals refer to their stage by name (`deals.stage`, `deal_stage_changes.from_stage/to_stage`), not
by a `pipeline_stages.id`, because:
- most workspaces never store a pipeline, so there is no row to point at: ids would mean writing
  the default on a workspace's first deal, and a data migration for every team with deals today;
- names are what people type (`/deal Acme stage Demo`), import (deals.csv) and read in the
  history, and a stage change keeps the label it was made under;
- the hot open-deal aggregates stay one indexed query, `stage NOT IN (:closed names)`, no join.
Renaming a stage (the deals issue) is then one transaction: store the new pipeline and
`UPDATE deals SET stage = :new WHERE team_id = :team AND stage = :old` (likewise the stage-change
rows, so history and stuck-in-stage counts follow the stage); the audit entry keeps the old name.
The price: a deal can carry a name the pipeline lacks (an import, a stage removed since). Such a
stage counts as open and sorts last, by name, so no deal disappears from a summary. Writers
should store the pipeline's own spelling (`Pipeline.find(typed).name`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import cache, cached_property
from typing import Any

from rapidfuzz.distance import OSA
from sqlalchemy import Select, UniqueConstraint, bindparam, delete
from sqlalchemy import select as select_columns
from sqlmodel import Field, Session, SQLModel, col, select

from models import audit
from models.base import DomainError, UTCDateTime, read, table
from models.reps import Rep

MAX_STAGE_NAME_LENGTH = 64  # deals.stage and the stage-change columns are this wide
MAX_STAGES = 30


class StageOutcome(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class InvalidPipeline(DomainError):
    """A set of stages Rapport cannot use as a pipeline."""


class PipelineStageBase(SQLModel):
    team_id: str = Field(max_length=32)
    name: str = Field(max_length=MAX_STAGE_NAME_LENGTH)
    normalized_name: str = Field(max_length=MAX_STAGE_NAME_LENGTH)
    position: int
    outcome: str = Field(default=StageOutcome.OPEN, max_length=8)
    probability: int | None = None  # win probability, percent


class PipelineStage(PipelineStageBase, table=True):
    __tablename__ = "pipeline_stages"
    __table_args__ = (
        # Also the index get_pipeline reads: WHERE team_id = ? ORDER BY position.
        UniqueConstraint("team_id", "position", name="uq_pipeline_stages_team_position"),
        UniqueConstraint("team_id", "normalized_name", name="uq_pipeline_stages_team_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


def normalize_stage(name: str) -> str:
    """The key two spellings of one stage share: no case, no extra spaces."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Stage:
    name: str
    outcome: StageOutcome = StageOutcome.OPEN
    probability: int | None = None

    @property
    def is_closed(self) -> bool:
        """Whether a deal in this stage is over (won or lost)."""
        return self.outcome != StageOutcome.OPEN


@dataclass(frozen=True)
class Pipeline:
    """A workspace's stages in order; valid by construction (else InvalidPipeline)."""

    stages: tuple[Stage, ...]

    def __post_init__(self) -> None:
        _check(self.stages)

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {normalize_stage(stage.name): n for n, stage in enumerate(self.stages)}

    @property
    def open_stages(self) -> tuple[Stage, ...]:
        """The stages a deal is still in play in, in order."""
        return tuple(stage for stage in self.stages if not stage.is_closed)

    @property
    def closed_names(self) -> tuple[str, ...]:
        """The names of the won and lost stages, as stored on deals."""
        return tuple(stage.name for stage in self.stages if stage.is_closed)

    @property
    def first(self) -> Stage:
        """The stage a new deal starts in: the first open one."""
        return self.open_stages[0]

    @property
    def won(self) -> Stage:
        """The stage `/deal ... won` moves a deal to: the first won one."""
        return next(s for s in self.stages if s.outcome == StageOutcome.WON)

    @property
    def lost(self) -> Stage:
        """The stage `/deal ... lost` moves a deal to: the first lost one."""
        return next(s for s in self.stages if s.outcome == StageOutcome.LOST)

    def find(self, name: str) -> Stage | None:
        """The stage called `name`, whatever its case and spacing; None if the pipeline lacks it."""
        position = self._positions.get(normalize_stage(name))
        return None if position is None else self.stages[position]

    def is_closed(self, name: str) -> bool:
        """Whether a deal in stage `name` is over; a stage the pipeline lacks is open."""
        stage = self.find(name)
        return stage is not None and stage.is_closed

    def order_key(self, name: str) -> tuple[int, str]:
        """Pipeline order; stages the pipeline lacks go last, by name."""
        return (self._positions.get(normalize_stage(name), len(self.stages)), name)

    def next_after(self, name: str) -> Stage | None:
        """The open stage after `name`; None after the last open one, a closed or unknown one."""
        stage = self.find(name)
        if stage is None or stage.is_closed:
            return None
        later = self.stages[self._positions[normalize_stage(name)] + 1 :]
        return next((s for s in later if not s.is_closed), None)


def _check(stages: tuple[Stage, ...]) -> None:
    """Raise InvalidPipeline, in one sentence, for stages that make no usable pipeline."""
    seen: set[str] = set()
    for stage in stages:
        key = normalize_stage(stage.name)
        if not key:
            raise InvalidPipeline("Every stage needs a name.")
        if len(stage.name) > MAX_STAGE_NAME_LENGTH:
            raise InvalidPipeline(
                f"“{stage.name[:40]}…” is too long: a stage name has at most "
                f"{MAX_STAGE_NAME_LENGTH} characters."
            )
        if key in seen:
            raise InvalidPipeline(f"{stage.name} appears twice: each stage needs its own name.")
        if stage.probability is not None and not 0 <= stage.probability <= 100:
            raise InvalidPipeline(f"The probability of {stage.name} must be from 0% to 100%.")
        seen.add(key)
    outcomes = {stage.outcome for stage in stages}
    if StageOutcome.OPEN not in outcomes:
        raise InvalidPipeline("A pipeline needs an open stage besides its won and lost ones.")
    if not {StageOutcome.WON, StageOutcome.LOST} <= outcomes:
        raise InvalidPipeline("A pipeline needs a won stage and a lost stage.")
    if len(stages) > MAX_STAGES:
        raise InvalidPipeline(f"A pipeline has at most {MAX_STAGES} stages.")


DEFAULT_PIPELINE = Pipeline(
    (
        Stage("Lead", probability=10),
        Stage("Qualified", probability=25),
        Stage("Demo", probability=40),
        Stage("Proposal", probability=60),
        Stage("Negotiation", probability=80),
        Stage("Won", StageOutcome.WON, probability=100),
        Stage("Lost", StageOutcome.LOST, probability=0),
    )
)


def get_pipeline(*, session: Session, team_id: str) -> Pipeline:
    """The workspace's own stages in order, else the default pipeline; never writes."""
    return pipeline_of(read(session, _stages_statement(), team_id=team_id))


def pipeline_of(rows: Iterable[Any]) -> Pipeline:
    """The pipeline of a workspace's stage rows (name, outcome, probability), in order; none:
    the default pipeline."""
    stages = tuple(Stage(r.name, StageOutcome(r.outcome), r.probability) for r in rows)
    return Pipeline(stages) if stages else DEFAULT_PIPELINE


@cache
def _stages_statement() -> Any:
    """The workspace's stages in order (built once)."""
    return stage_rows().order_by("position")


def stage_rows() -> Select[Any]:
    """The workspace's stages (name, outcome, probability, position) for `team_id`, in no
    order: uq_pipeline_stages_team_position serves it."""
    stages = table(PipelineStage)
    return select_columns(
        stages.c.name, stages.c.outcome, stages.c.probability, stages.c.position
    ).where(stages.c.team_id == bindparam("team_id"))


def set_pipeline(
    *, session: Session, team_id: str, stages: Sequence[Stage], actor: Rep, now: datetime
) -> Pipeline:
    """Replace the workspace's stages with `stages`, audited; InvalidPipeline if unusable."""
    if actor.team_id != team_id:
        raise ValueError(f"rep {actor.slack_user_id} is not in workspace {team_id}")
    pipeline = Pipeline(tuple(replace(s, name=" ".join(s.name.split())) for s in stages))
    stored = session.exec(
        select(PipelineStage)
        .where(PipelineStage.team_id == team_id)
        .order_by(col(PipelineStage.position))
    ).all()
    before = _pipeline_of(stored) if stored else DEFAULT_PIPELINE
    if stored and before == pipeline:
        return before
    created = {row.normalized_name: row.created_at for row in stored}
    # One statement, before the inserts: a flush inserts before it deletes, and the new rows
    # would trip the unique (team_id, position) over the old ones.
    session.exec(delete(PipelineStage).where(col(PipelineStage.team_id) == team_id))
    session.add_all(_rows(team_id, pipeline, created, now))
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="pipeline.set",
        subject=audit.Subject(entity="pipeline", team_id=team_id),
        before=_snapshot(before, default=not stored),
        after=_snapshot(pipeline, default=False),
        at=now,
    )
    return pipeline


def _pipeline_of(rows: Sequence[PipelineStage]) -> Pipeline:
    return Pipeline(tuple(Stage(r.name, StageOutcome(r.outcome), r.probability) for r in rows))


def _rows(
    team_id: str, pipeline: Pipeline, created: dict[str, datetime], now: datetime
) -> list[PipelineStage]:
    """Table rows for `pipeline`; a stage kept by name keeps its created_at."""
    return [
        PipelineStage(
            team_id=team_id,
            name=stage.name,
            normalized_name=normalize_stage(stage.name),
            position=position,
            outcome=stage.outcome,
            probability=stage.probability,
            created_at=created.get(normalize_stage(stage.name), now),
            updated_at=now,
        )
        for position, stage in enumerate(pipeline.stages)
    ]


def _snapshot(pipeline: Pipeline, *, default: bool) -> dict[str, object]:
    return {
        "default": default,
        "stages": [
            {"name": s.name, "outcome": str(s.outcome), "probability": s.probability}
            for s in pipeline.stages
        ],
    }


MIN_PREFIX = 2  # "ne" finds Negotiation; one letter is too easily another stage


def match_names(typed: str, names: Sequence[str]) -> list[str]:
    """The names `typed` means, as account names are matched: the one spelled the same (case and
    spacing aside), else those it starts, else those one typo away; several when unclear."""
    key = normalize_stage(typed)
    if not key:
        return []
    keys = {name: normalize_stage(name) for name in names}
    exact = [name for name, k in keys.items() if k == key]
    if exact:
        return exact
    if len(key) >= MIN_PREFIX:
        prefixed = [name for name, k in keys.items() if k.startswith(key)]
        if prefixed:
            return prefixed
    if len(key) < 3:
        return []
    return [name for name, k in keys.items() if OSA.distance(key, k) <= 1]


class UnknownStage(DomainError):
    """A typed stage the pipeline has none (or several) of; the sentence lists the stages."""


def find_stage(pipeline: Pipeline, typed: str) -> Stage:
    """The stage `typed` clearly means (case, a prefix, one typo), or UnknownStage listing them."""
    found = match_names(typed, [stage.name for stage in pipeline.stages])
    if len(found) == 1:
        stage = pipeline.find(found[0])
        assert stage is not None
        return stage
    shown = " ".join(typed.split())[:40]
    listed = ", ".join(stage.name for stage in pipeline.stages)
    if found:
        raise UnknownStage(f"“{shown}” could be {' or '.join(found)}; say which.")
    raise UnknownStage(f"There is no stage “{shown}”. The stages are {listed}.")
