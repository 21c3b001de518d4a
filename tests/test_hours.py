"""`/crm hours` through the real Bolt pipeline: each form it reads, what it refuses, and the
typed value the sweep reads (models.reps.working_hours)."""

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, text_of
from models.audit import AuditEntry
from models.reps import Rep, WorkingHours, working_hours


def hours(slack: SlackDriver, text: str = "", user_id: str = "U0ALICE") -> str:
    said = text_of(slack.command("/crm", f"hours {text}".strip(), user_id=user_id).reply())
    return said.replace("\u2013", "-")  # ranges are shown with an en dash


def alices(engine: Engine) -> WorkingHours:
    with Session(engine) as session:
        rep = session.exec(select(Rep).where(Rep.slack_user_id == "U0ALICE")).one()
        return working_hours(rep)


def test_crm_hours_alone_shows_the_default_in_my_time_zone(slack: SlackDriver) -> None:
    said = hours(slack)
    assert "Your working hours are *Mon-Fri, 08:00-19:00* (the default)" in said
    assert "(America/New_York)" in said and "`/crm hours 09:00-17:30`" in said


@pytest.mark.parametrize(
    ("typed", "shown", "start", "end", "days"),
    [
        ("09:00-17:30", "Mon-Fri, 09:00-17:30", time(9), time(17, 30), {0, 1, 2, 3, 4}),
        ("9-17:30", "Mon-Fri, 09:00-17:30", time(9), time(17, 30), {0, 1, 2, 3, 4}),
        ("9am-5:30pm", "Mon-Fri, 09:00-17:30", time(9), time(17, 30), {0, 1, 2, 3, 4}),
        ("7:30 AM \u2013 4 PM", "Mon-Fri, 07:30-16:00", time(7, 30), time(16), {0, 1, 2, 3, 4}),
        ("9-5", "Mon-Fri, 09:00-17:00", time(9), time(17), {0, 1, 2, 3, 4}),
        ("mon-thu 9-17", "Mon-Thu, 09:00-17:00", time(9), time(17), {0, 1, 2, 3}),
        ("tue,thu 10 to 14", "Tue, Thu, 10:00-14:00", time(10), time(14), {1, 3}),
        ("every day 8-20", "every day, 08:00-20:00", time(8), time(20), set(range(7))),
    ],
)
def test_crm_hours_sets_my_working_hours_as_people_write_them(
    slack: SlackDriver, engine: Engine, typed: str, shown: str, start: time, end: time,
    days: set[int],
) -> None:  # fmt: skip
    assert f"Your working hours are now *{shown}*" in hours(slack, typed)
    assert alices(engine) == WorkingHours(start, end, frozenset(days))
    assert f"Your working hours are *{shown}*, in" in hours(slack)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("17:00-09:00", "Working hours start before they end, e.g. 09:00-17:30."),
        ("9-9:30", "Working hours span at least an hour."),
        ("9-25", "25:00 isn't a time of day"),
        ("13pm-2pm", "13pm isn't a time of day"),
        ("whenever", "I couldn't read “whenever” as working hours"),
        ("funday 9-17", "I couldn't read “funday” as days"),
    ],
)
def test_crm_hours_refuses_what_isnt_a_working_day_in_one_sentence(
    slack: SlackDriver, engine: Engine, typed: str, said: str
) -> None:
    hours(slack, "9-17")
    assert said in hours(slack, typed)
    assert alices(engine) == WorkingHours(time(9), time(17))


def test_crm_hours_default_resets_them_and_each_change_is_audited(
    slack: SlackDriver, engine: Engine
) -> None:
    hours(slack, "mon-thu 9-17")
    assert "now *Mon-Fri, 08:00-19:00*" in hours(slack, "default")
    assert alices(engine) == WorkingHours()
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "rep.hours")).all()
    assert [e.after for e in entries] == [
        {"start": "09:00", "end": "17:00", "days": [0, 1, 2, 3]},
        {"start": "08:00", "end": "19:00", "days": [0, 1, 2, 3, 4]},
    ]


def test_a_profile_refresh_keeps_my_working_hours(slack: SlackDriver, engine: Engine) -> None:
    hours(slack, "9-17")
    with Session(engine) as session:
        rep = session.exec(select(Rep).where(Rep.slack_user_id == "U0ALICE")).one()
        rep.checked_at = datetime(2020, 1, 1, tzinfo=UTC)  # stale: the next request refreshes it
        session.add(rep)
        session.commit()
    slack.command("/crm", "help").reply()
    assert alices(engine).end == time(17)


def test_working_hours_say_whether_a_local_moment_is_inside_them() -> None:
    hours = WorkingHours(time(9), time(17, 30), frozenset({0, 1, 2, 3}))
    assert hours.includes(datetime(2026, 11, 23, 9, 0))  # a Monday
    assert not hours.includes(datetime(2026, 11, 23, 17, 30))
    assert not hours.includes(datetime(2026, 11, 27, 10, 0))  # a Friday
    assert WorkingHours().includes(datetime(2026, 11, 27, 18, 59))


def test_crm_help_offers_hours_and_followup_as_ready(slack: SlackDriver) -> None:
    lines = text_of(slack.command("/crm", "help").reply()).splitlines()
    hours_line = next(line for line in lines if "`/crm hours 09:00-17:30`" in line)
    followup_line = next(line for line in lines if "`/followup Acme in 3 days" in line)
    assert "coming soon" not in hours_line and "coming soon" not in followup_line
