"""models.followups' reschedule and handover, models.handoffs and the agenda: against the store."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from models import followups, handoffs, summaries
from models.audit import AuditEntry
from models.base import NotAllowed
from models.followups import FollowupStatus
from tests.factories import make_account, make_rep

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_reschedule_moves_an_open_follow_up_makes_it_due_again_and_is_audited(
    session: Session,
) -> None:
    rep = make_rep(session, "U1", now=NOW)
    followup, _ = followups.create_followup(
        session=session, rep=rep, account=None, due_at=NOW, note="n", now=NOW
    )
    followup.nudged_at = NOW
    later = NOW + timedelta(days=3)
    moved = followups.reschedule_followup(
        session=session, team_id=rep.team_id, followup_id=followup.id or 0, rep=rep,
        due_at=later, now=NOW,
    )  # fmt: skip
    assert (moved.due_at, moved.nudged_at, moved.snoozed_count) == (later, None, 1)
    stale = followups.reschedule_followup(
        session=session, team_id=rep.team_id, followup_id=followup.id or 0, rep=rep,
        due_at=NOW + timedelta(days=9), now=NOW, seen=0,
    )  # fmt: skip
    assert stale.due_at == later
    actions = session.exec(select(AuditEntry.action)).all()
    assert actions.count("followup.reschedule") == 1


def test_reschedule_of_a_done_follow_up_is_refused(session: Session) -> None:
    rep = make_rep(session, "U1", now=NOW)
    followup, _ = followups.create_followup(
        session=session, rep=rep, account=None, due_at=NOW, note="n", now=NOW
    )
    followups.complete_followup(
        session=session, team_id=rep.team_id, followup_id=followup.id or 0, rep=rep, now=NOW
    )
    with pytest.raises(NotAllowed, match="already done"):
        followups.reschedule_followup(
            session=session, team_id=rep.team_id, followup_id=followup.id or 0, rep=rep,
            due_at=NOW, now=NOW,
        )  # fmt: skip


def test_hand_account_moves_only_the_previous_owners_open_follow_ups_on_it(
    session: Session,
) -> None:
    lee, dana = make_rep(session, "ULEE", now=NOW), make_rep(session, "UDANA", now=NOW)
    acme, globex = (make_account(session, n, owner=lee, now=NOW) for n in ("Acme", "Globex"))

    def followup(rep, account, days):  # type: ignore[no-untyped-def]
        made, _ = followups.create_followup(
            session=session, rep=rep, account=account, due_at=NOW + timedelta(days=days),
            note=f"{account.name} {days}", now=NOW,
        )  # fmt: skip
        return made

    later, sooner, other = followup(lee, acme, 5), followup(lee, acme, 1), followup(lee, globex, 2)
    done = followup(lee, acme, 3)
    done.status = FollowupStatus.DONE
    handoff = handoffs.hand_account(
        session=session, account=acme, owner=dana, actor=lee, actor_is_admin=False, now=NOW
    )
    assert handoff.changed and handoff.previous == lee
    assert [f.id for f in handoff.moved] == [sooner.id, later.id]
    assert (other.rep_id, done.rep_id) == (lee.id, lee.id)
    again = handoffs.hand_account(
        session=session, account=acme, owner=dana, actor=dana, actor_is_admin=False, now=NOW
    )
    assert not again.changed and again.moved == []
    agenda = summaries.followup_agenda(
        session=session, team_id=lee.team_id, rep_id=dana.id or 0, now=NOW, tz="UTC"
    )
    assert (agenda.overdue_total, agenda.today_total, agenda.upcoming_total) == (0, 0, 2)
