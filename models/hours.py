"""`/crm hours`: a rep sets when nudges may reach them (models.reps.WorkingHours)."""

from datetime import datetime

from sqlmodel import Session

from models import audit, reps
from models.reps import Rep, WorkingHours


def set_working_hours(
    *, session: Session, rep: Rep, hours: WorkingHours | None, now: datetime
) -> WorkingHours:
    """Set (or, with None, reset to the defaults) a rep's working hours; audited."""
    before = reps.working_hours(rep)
    if hours is None:
        rep.work_start = rep.work_end = rep.work_days = None
    else:
        days = "".join(str(d) for d in sorted(hours.days))
        rep.work_start, rep.work_end, rep.work_days = hours.start, hours.end, days
    session.add(rep)
    after = reps.working_hours(rep)
    audit.record(
        session=session,
        actor=rep,
        action="rep.hours",
        subject=rep,
        before=_hours_snapshot(before),
        after=_hours_snapshot(after),
        at=now,
    )
    return after


def _hours_snapshot(hours: WorkingHours) -> dict[str, object]:
    return {
        "start": hours.start.isoformat("minutes"),
        "end": hours.end.isoformat("minutes"),
        "days": sorted(hours.days),
    }
