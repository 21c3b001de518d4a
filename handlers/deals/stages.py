"""`/crm stages`: the pipeline; admins set it or rename a stage (handlers.crm hands it over)."""

from handlers.blocks import Message
from handlers.blocks.deals import build_stages
from handlers.blocks.text import literal
from handlers.listener import Turn
from handlers.parsing.deals import StagesRename, StagesSet, parse_stages_command
from models import pipeline_changes
from models.stages import get_pipeline


def handle_crm_stages(turn: Turn, rest: str) -> Message:
    request = parse_stages_command(rest)
    with turn.begin() as session:
        actor, now = turn.rep(session), turn.now()
        if isinstance(request, StagesSet):
            pipeline = pipeline_changes.replace_stages(
                session=session, team_id=actor.team_id, stages=request.stages, actor=actor, now=now
            )
            headline = ":white_check_mark: The pipeline is updated."
        elif isinstance(request, StagesRename):
            old, pipeline, moved = pipeline_changes.rename_stage(
                session=session, team_id=actor.team_id, old=request.old, new=request.new,
                actor=actor, now=now,
            )  # fmt: skip
            new = pipeline.find(request.new)
            renamed = literal(new.name if new else request.new)
            headline = (
                f":white_check_mark: Renamed {literal(old)} to *{renamed}*; "
                f"{moved} deal{'s' if moved != 1 else ''} and their history follow."
            )
        else:
            pipeline, headline = get_pipeline(session=session, team_id=actor.team_id), None
        return build_stages(pipeline, headline=headline, admin=actor.is_admin)
