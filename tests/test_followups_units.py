"""The /followup grammar, Pick a date, and the /followup, handoff and hours builders: pure."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.standin.checks import message_problems
from handlers.blocks.followups import (
    HandoffNote,
    build_followup_list,
    build_followup_set,
    build_handoff_dm,
)
from handlers.blocks.hours import build_hours, describe_days
from handlers.dates import DateError, PastDate
from handlers.parsing.followups import (
    FollowupList,
    FollowupRequest,
    parse_followup,
    picked_due,
    read_picked_date,
)
from handlers.parsing.text import CommandError
from models.base import DomainError
from models.reps import WorkingHours
from models.summaries import FollowupAgenda, FollowupRow

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York
NY = "America/New_York"


def read(text: str, **kw: object) -> FollowupRequest:
    found = parse_followup(text, now=NOW, tz=NY, **kw)  # type: ignore[arg-type]
    assert isinstance(found, FollowupRequest)
    return found


@pytest.mark.parametrize(
    ("typed", "account", "phrase", "note"),
    [
        ("Acme in 3 days: send the contract", "Acme", "in 3 days", "send the contract"),
        ("in 3 days: call Dana back", None, "in 3 days", "call Dana back"),
        ("Acme tomorrow 3pm", "Acme", "tomorrow 3pm", ""),
        ("Acme friday about pricing", "Acme", "friday", "about pricing"),
        ("Acme Corp next tuesday at 3:30pm: call", "Acme Corp", "next tuesday at 3:30pm", "call"),
        ("acme friday - pricing, and the deck", "acme", "friday", "pricing, and the deck"),
        ("Globex Dec 3: renewal: the SSO question", "Globex", "dec 3", "renewal: the SSO question"),
        ("tomorrow", None, "tomorrow", ""),
        ("Initech eod to send the quote", "Initech", "eod", "send the quote"),
        ("Acme friday re pricing: and the deck", "Acme", "friday", "re pricing: and the deck"),
        ("Acme sometime", "", None, None),
    ],
)
def test_the_grammar_reads_account_date_and_note_as_people_type_them(
    typed: str, account: str | None, phrase: str | None, note: str | None
) -> None:
    if phrase is None:
        with pytest.raises(DateError):
            read(typed)
        return
    found = read(typed)
    assert (found.account, found.phrase.lower(), found.note) == (account, phrase, note)


def test_followup_alone_or_blank_is_the_list() -> None:
    assert parse_followup("  ", now=NOW, tz=NY) == FollowupList()


def test_a_known_account_fixes_the_name_and_the_rest_is_date_and_note() -> None:
    found = read("tomorrow: demo", account="Friday Labs")
    assert (found.account, found.phrase, found.note) == ("Friday Labs", "tomorrow", "demo")


def test_dates_are_read_in_the_reps_zone_and_order() -> None:
    assert read("Acme friday").due.at == datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    berlin = parse_followup("Acme 3/12", now=NOW, tz="Europe/Berlin", order="DMY")
    assert isinstance(berlin, FollowupRequest)
    assert (berlin.due.at, berlin.due.read_as) == (
        datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
        "Thu Dec 3",
    )


def test_a_past_date_is_a_past_date_not_an_unreadable_one() -> None:
    with pytest.raises(PastDate, match="Nov 22 2026 is in the past"):
        read("Acme yesterday")
    with pytest.raises(DateError, match="couldn't find a date in “Acme”"):
        read("Acme")


def test_pick_a_date_keeps_the_time_of_day_and_refuses_the_past() -> None:
    due = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # 15:00 in New York
    assert picked_due(date(2026, 12, 3), due, now=NOW, tz=NY) == datetime(
        2026, 12, 3, 20, 0, tzinfo=UTC
    )
    early = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 09:00, passed today already
    assert picked_due(date(2026, 11, 23), early, now=NOW, tz=NY) == NOW + timedelta(hours=1)
    with pytest.raises(PastDate):
        picked_due(date(2026, 11, 22), due, now=NOW, tz=NY)
    with pytest.raises(CommandError):
        read_picked_date("12/3")


def rows(n: int, at: datetime, note: str) -> list[FollowupRow]:
    return [FollowupRow(i + 1, "<!channel> & Co", at, f"{note} {i}", i % 2) for i in range(n)]


def test_the_list_fits_slacks_limits_and_says_how_many_more() -> None:
    agenda = FollowupAgenda(
        rows(10, NOW - timedelta(days=1), "x" * 2000), rows(10, NOW, "t"), rows(10, NOW, "u"),
        40, 10, 10,
    )  # fmt: skip
    built = build_followup_list(agenda, tz=NY, notice=":zzz: Snoozed.")
    assert not message_problems(built) and len(built["blocks"]) <= 50
    text = str(built["blocks"])
    assert "and 37 more" in text and "and 7 more" in text  # 10 rows shown in all: 3, 3, 4
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; Co" in text
    assert built["blocks"][0]["text"]["text"] == ":zzz: Snoozed."


def test_an_empty_list_says_so_with_an_example() -> None:
    built = build_followup_list(FollowupAgenda([], [], [], 0, 0, 0), tz=NY)
    assert "Nothing to follow up" in str(built) and "/followup Acme in 3 days" in str(built)


def test_the_confirmation_escapes_what_was_typed() -> None:
    built = build_followup_set(
        account="<b>", typed="<b>", due_at=NOW, note="<!here> & you", tz=NY,
        read_as="Thu Mar 4", phrase="3/4",
    )  # fmt: skip
    text = str(built)
    assert "<!here>" not in text and "&lt;!here&gt; &amp; you" in text
    assert "I read “3/4” as Thu Mar 4." in text


def test_the_handoff_dm_lists_ten_follow_ups_and_counts_the_rest() -> None:
    moved = [(NOW + timedelta(days=i), f"<@U1> {i}") for i in range(12)]
    note = HandoffNote("Acme & Co", "U0LEE", "U0DANA", "U0LEE", moved, tz=NY)
    built = build_handoff_dm(note)
    text = str(built)
    assert "<@U0LEE> handed you *Acme &amp; Co* with 12 open follow-ups" in text
    assert "and 2 more" in text and "<@U1>" not in text and not message_problems(built)


def test_days_read_as_ranges_and_lists() -> None:
    assert describe_days(frozenset(range(5))) == "Mon\u2013Fri"
    assert describe_days(frozenset({0, 2, 4})) == "Mon, Wed, Fri"
    assert describe_days(frozenset({0, 1, 3, 4, 5})) == "Mon, Tue, Thu\u2013Sat"
    assert describe_days(frozenset(range(7))) == "every day"


def test_working_hours_are_validated_when_made() -> None:
    with pytest.raises(DomainError):
        WorkingHours(time(9), time(9, 59))
    with pytest.raises(DomainError):
        WorkingHours(time(9), time(17), frozenset())
    built = build_hours(WorkingHours(), tz="<x>", changed=False, default=True)
    assert "&lt;x&gt;" in str(built) and not message_problems(built)
