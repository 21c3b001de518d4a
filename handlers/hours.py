"""`/crm hours`: when nudges may reach me (handlers.crm hands it over)."""

from handlers.blocks import Message
from handlers.blocks.hours import build_hours
from handlers.listener import Turn
from handlers.parsing.hours import HoursShow, parse_hours
from models import hours, reps


def handle_crm_hours(turn: Turn, rest: str) -> Message:
    request = parse_hours(rest)
    with turn.begin() as session:
        rep = turn.rep(session)
        if isinstance(request, HoursShow):
            shown, changed = reps.working_hours(rep), False
        else:
            shown = hours.set_working_hours(
                session=session, rep=rep, hours=request.hours, now=turn.now()
            )
            changed = True
        return build_hours(shown, tz=rep.tz, changed=changed, default=rep.work_start is None)
