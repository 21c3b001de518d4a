"""Date phrases as reps type them, each checked against the exact UTC instant it must name."""

from datetime import UTC, datetime

import pytest

from handlers.dates import (
    DateError,
    FollowupSplit,
    When,
    date_order,
    parse_when,
    read_followup_text,
    read_when,
    split_followup,
)
from handlers.parsing.text import CommandError

# Monday 2026-11-23 15:00 UTC: 10:00 in New York (EST), 16:00 in Berlin (CET), and already
# Tuesday 00:00 in Tokyo (JST), so "today" there is still before 09:00.
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
NY, BERLIN, TOKYO = "America/New_York", "Europe/Berlin", "Asia/Tokyo"


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "phrase", "expected"),
    [
        (NY, "tomorrow", utc(2026, 11, 24, 14)),
        (NY, "today", utc(2026, 11, 23, 16)),  # 09:00 has passed: the next whole hour, 11:00
        (NY, "next tuesday", utc(2026, 11, 24, 14)),  # said on Monday: tomorrow
        (NY, "tuesday", utc(2026, 11, 24, 14)),
        (NY, "friday 3pm", utc(2026, 11, 27, 20)),
        (NY, "fri 3pm", utc(2026, 11, 27, 20)),
        (NY, "in 2 weeks", utc(2026, 12, 7, 14)),
        (NY, "in 3 days", utc(2026, 11, 26, 14)),
        (NY, "in 1 month", utc(2026, 12, 23, 14)),
        (NY, "Dec 3", utc(2026, 12, 3, 14)),
        (NY, "December 3rd", utc(2026, 12, 3, 14)),
        (NY, "3 Dec", utc(2026, 12, 3, 14)),
        (NY, "2026-12-03", utc(2026, 12, 3, 14)),
        (NY, "12/3", utc(2026, 12, 3, 14)),  # US order: December 3
        (NY, "Dec 3, 2026", utc(2026, 12, 3, 14)),
        (NY, "Dec 3 2pm", utc(2026, 12, 3, 19)),
        (NY, "next week", utc(2026, 11, 30, 14)),  # next Monday, 09:00
        (NY, "monday 10:30am", utc(2026, 11, 30, 15, 30)),
        (NY, "tomorrow at noon", utc(2026, 11, 24, 17)),
        (NY, "tmrw 3pm", utc(2026, 11, 24, 20)),
        (NY, "thurs", utc(2026, 11, 26, 14)),
        (NY, "3 p.m.", utc(2026, 11, 23, 20)),  # still ahead today
        (NY, "in 2 hours", utc(2026, 11, 23, 17)),
        (NY, "in an hour", utc(2026, 11, 23, 16)),
        (NY, "eod", utc(2026, 11, 23, 22)),
        (NY, "end of week", utc(2026, 11, 27, 22)),
        (NY, "the 5th", utc(2026, 12, 5, 14)),
        (NY, "Nov 23", utc(2026, 11, 23, 16)),  # today, not next year; 09:00 has passed
        (NY, "Nov 1", utc(2027, 11, 1, 13)),  # past this year: next year's, still EDT then
        (NY, "Tomorrow.", utc(2026, 11, 24, 14)),
        (BERLIN, "tomorrow", utc(2026, 11, 24, 8)),
        (BERLIN, "today", utc(2026, 11, 23, 16)),  # 17:00 local
        (BERLIN, "next tuesday", utc(2026, 11, 24, 8)),
        (BERLIN, "friday 3pm", utc(2026, 11, 27, 14)),
        (BERLIN, "in 2 weeks", utc(2026, 12, 7, 8)),
        (BERLIN, "Dec 3", utc(2026, 12, 3, 8)),
        (BERLIN, "next week", utc(2026, 11, 30, 8)),
        (BERLIN, "monday 10:30am", utc(2026, 11, 30, 9, 30)),
        (BERLIN, "tomorrow at noon", utc(2026, 11, 24, 11)),
        (BERLIN, "3 p.m.", utc(2026, 11, 24, 14)),  # 15:00 has passed today: tomorrow's
        (BERLIN, "Nov 1", utc(2027, 11, 1, 8)),
        (BERLIN, "tomorrow 4pm", utc(2026, 11, 24, 15)),  # the hour it is now in Berlin
        (NY, "tomorrow 10am", utc(2026, 11, 24, 15)),  # likewise in New York
        (NY, "friday 10:00", utc(2026, 11, 27, 15)),
        (TOKYO, "tomorrow", utc(2026, 11, 25, 0)),
        (TOKYO, "today", utc(2026, 11, 24, 0)),  # 09:00 JST is still ahead
        (TOKYO, "tuesday", utc(2026, 12, 1, 0)),  # said on a Tuesday: next week's
        (TOKYO, "next tuesday", utc(2026, 12, 1, 0)),
        (TOKYO, "friday 3pm", utc(2026, 11, 27, 6)),
        (TOKYO, "in 3 days", utc(2026, 11, 27, 0)),
        (TOKYO, "in 1 month", utc(2026, 12, 24, 0)),
        (TOKYO, "Dec 3", utc(2026, 12, 3, 0)),
        (TOKYO, "next week", utc(2026, 11, 30, 0)),
        (TOKYO, "monday 10:30am", utc(2026, 11, 30, 1, 30)),
        (TOKYO, "tomorrow at noon", utc(2026, 11, 25, 3)),
        (TOKYO, "Nov 23", utc(2027, 11, 23, 0)),  # yesterday in Tokyo: next year's
    ],
)
def test_follow_up_phrases_name_the_exact_instant_in_the_reps_zone(
    tz: str, phrase: str, expected: datetime
) -> None:
    assert parse_when(phrase, now=NOW, tz=tz) == expected


@pytest.mark.parametrize(
    ("now", "phrase", "expected"),
    [
        (utc(2026, 11, 27, 15), "friday", utc(2026, 12, 4, 14)),
        (utc(2026, 11, 27, 15), "friday 3pm", utc(2026, 12, 4, 20)),
        (utc(2026, 11, 27, 15), "this friday", utc(2026, 11, 27, 16)),
        (utc(2026, 12, 10, 15), "Dec 3", utc(2027, 12, 3, 14)),
        (utc(2026, 11, 23, 15, 20), "today", utc(2026, 11, 23, 16)),
    ],
)
def test_weekdays_and_dates_said_on_the_day_roll_forward_sensibly(
    now: datetime, phrase: str, expected: datetime
) -> None:
    assert parse_when(phrase, now=now, tz=NY) == expected


@pytest.mark.parametrize(
    ("tz", "now", "phrase", "expected"),
    [
        (BERLIN, utc(2027, 3, 26, 12), "monday", utc(2027, 3, 29, 7)),  # CET Fri, CEST Mon
        (BERLIN, utc(2027, 3, 26, 12), "in 3 days", utc(2027, 3, 29, 7)),
        (BERLIN, utc(2027, 3, 26, 12), "tomorrow", utc(2027, 3, 27, 8)),
        (BERLIN, utc(2027, 3, 26, 12), "sunday 3pm", utc(2027, 3, 28, 13)),
        (BERLIN, utc(2027, 3, 28, 0, 30), "in 2 hours", utc(2027, 3, 28, 2, 30)),  # elapsed
        (NY, utc(2027, 3, 12, 15), "monday", utc(2027, 3, 15, 13)),  # EST Fri, EDT Mon
        (NY, utc(2027, 3, 12, 15), "sunday", utc(2027, 3, 14, 13)),  # the day clocks jump
        (NY, utc(2027, 3, 13, 15), "tomorrow 3pm", utc(2027, 3, 14, 19)),
    ],
)
def test_local_times_stay_local_across_a_dst_change(
    tz: str, now: datetime, phrase: str, expected: datetime
) -> None:
    assert parse_when(phrase, now=now, tz=tz) == expected


@pytest.mark.parametrize(
    ("tz", "phrase", "sentence"),
    [
        (NY, "yesterday", "Nov 22 2026 is in the past; pick a later date."),
        (TOKYO, "yesterday", "Nov 23 2026 is in the past; pick a later date."),
        (NY, "2025-01-01", "Jan 1 2025 is in the past; pick a later date."),
        (NY, "Dec 3 2025", "Dec 3 2025 is in the past; pick a later date."),
        (NY, "today 8am", "Nov 23 2026 08:00 is in the past; pick a later date."),
        (NY, "last friday", "Nov 20 2026 is in the past; pick a later date."),
        (NY, "2 hours ago", "Nov 23 2026 08:00 is in the past; pick a later date."),
    ],
)
def test_a_follow_up_in_the_past_is_refused_with_one_sentence(
    tz: str, phrase: str, sentence: str
) -> None:
    with pytest.raises(DateError) as raised:
        parse_when(phrase, now=NOW, tz=tz)
    assert str(raised.value) == sentence


@pytest.mark.parametrize("phrase", ["next blursday", "asdf", "friday at 3", "sometime soon"])
def test_unreadable_phrases_are_quoted_back_with_examples(phrase: str) -> None:
    with pytest.raises(DateError) as raised:
        parse_when(phrase, now=NOW, tz=NY)
    assert str(raised.value) == (
        f"I couldn't read “{phrase}” as a date; try “next Tuesday”, “in 2 weeks” or “Dec 3”."
    )


@pytest.mark.parametrize("phrase", ["", "   "])
def test_an_empty_phrase_asks_when(phrase: str) -> None:
    with pytest.raises(DateError, match=r"^Say when, e\.g\. “next Tuesday”"):
        parse_when(phrase, now=NOW, tz=NY)


def test_date_errors_are_command_errors_for_the_central_handler() -> None:
    assert issubclass(DateError, CommandError)


@pytest.mark.parametrize(
    ("tz", "phrase", "expected"),
    [
        (NY, "now", NOW),
        (NY, "yesterday 3pm", utc(2026, 11, 22, 20)),
        (NY, "2 hours ago", utc(2026, 11, 23, 13)),
        (NY, "30 minutes ago", utc(2026, 11, 23, 14, 30)),
        (NY, "last friday", utc(2026, 11, 20, 14)),
        (NY, "friday", utc(2026, 11, 20, 14)),  # read backwards when logging what happened
        (NY, "Nov 1", utc(2026, 11, 1, 14)),  # this year's, after that morning's DST end
        (NY, "today", utc(2026, 11, 23, 14)),  # 09:00 has passed: 09:00
        (NY, "yesterday", utc(2026, 11, 22, 14)),
        (BERLIN, "yesterday 3pm", utc(2026, 11, 22, 14)),
        (TOKYO, "yesterday 3pm", utc(2026, 11, 23, 6)),
        (TOKYO, "today", NOW),  # before 09:00 JST: now, not a time still to come
    ],
)
def test_interaction_times_may_lie_in_the_past(tz: str, phrase: str, expected: datetime) -> None:
    assert parse_when(phrase, now=NOW, tz=tz, allow_past=True) == expected


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "../etc/passwd"])
def test_an_unknown_time_zone_is_read_as_utc(tz: str) -> None:
    assert parse_when("tomorrow", now=NOW, tz=tz) == utc(2026, 11, 24, 9)


def test_default_hour_sets_the_time_of_a_date_only_phrase() -> None:
    assert parse_when("Dec 3", now=NOW, tz=NY, default_hour=14) == utc(2026, 12, 3, 19)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "talked renewal, they want SSO. Follow up next Tuesday",
            FollowupSplit("talked renewal, they want SSO", "next Tuesday"),
        ),
        ("sent the deck, follow-up in 2 weeks.", FollowupSplit("sent the deck", "in 2 weeks")),
        ("demo went well, fu friday 3pm", FollowupSplit("demo went well", "friday 3pm")),
        ("Pricing sent. Follow up on Dec 3!", FollowupSplit("Pricing sent", "Dec 3")),
        ("Follow up tomorrow", FollowupSplit("", "tomorrow")),
        ("FU: tomorrow at noon", FollowupSplit("", "tomorrow at noon")),
        ("signed the NDA; followup in 3 days", FollowupSplit("signed the NDA", "in 3 days")),
        ("signed - f/u Dec 3, 2026", FollowupSplit("signed", "Dec 3, 2026")),
        (
            "Check-in went fine — follow up Monday 10:30am",
            FollowupSplit("Check-in went fine", "Monday 10:30am"),
        ),
        (
            "Call went long.\nThey want SSO.\nfollow up by friday",
            FollowupSplit("Call went long.\nThey want SSO", "friday"),
        ),
        ("Great call. Follow up next Tuesday 🙏", FollowupSplit("Great call", "next Tuesday")),
        ("Great call. Follow up next Tuesday :pray:", FollowupSplit("Great call", "next Tuesday")),
        (
            "demo went well. follow up next blursday",
            FollowupSplit("demo went well", "next blursday"),
        ),
        ("Great! Follow up.", FollowupSplit("Great!", "")),  # a follow-up with no date yet
    ],
)
def test_a_final_follow_up_sentence_is_split_off_the_notes(
    text: str, expected: FollowupSplit
) -> None:
    assert split_followup(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "we need to follow up with legal about the DPA, next step is pricing",
        "Follow up on pricing. Next step: legal",
        "Notes. Follow up with legal",
        "They said follow up friday",
        "refund issue, fun call",
        "Ask about the refund; fun team 🎉",
        "quick sync",
    ],
)
def test_notes_without_a_final_follow_up_clause_are_left_whole(text: str) -> None:
    found = read_followup_text(text, now=NOW, tz=NY)
    assert (found.notes, found.found, found.due) == (text, False, None)


@pytest.mark.parametrize(
    ("tz", "expected"),
    [(NY, utc(2026, 12, 3, 14)), (BERLIN, utc(2026, 12, 3, 8)), (TOKYO, utc(2026, 12, 3, 0))],
)
def test_a_logged_follow_up_is_due_at_nine_on_the_day_in_each_reps_zone(
    tz: str, expected: datetime
) -> None:
    split = split_followup("sent pricing. Follow up on Dec 3")
    assert split.phrase is not None
    assert (split.notes, parse_when(split.phrase, now=NOW, tz=tz)) == ("sent pricing", expected)


@pytest.mark.parametrize(
    ("locale", "order"),
    [
        ("de-DE", "DMY"),
        ("en-GB", "DMY"),
        ("fr-FR", "DMY"),
        ("pt-BR", "DMY"),
        ("en-IN", "DMY"),
        ("en-US", "MDY"),
        ("es-US", "MDY"),
        ("ja-JP", "MDY"),  # year/month/day: "12/3" is December 3
        ("ko-KR", "MDY"),
        ("zh-TW", "MDY"),
        ("", "MDY"),  # not known yet: Slack's default, en-US
        (None, "MDY"),
    ],
)
def test_a_slack_locale_says_whether_the_day_or_the_month_comes_first(
    locale: str | None, order: str
) -> None:
    assert date_order(locale) == order


@pytest.mark.parametrize(
    ("order", "phrase", "expected"),
    [
        ("DMY", "3.12.", When(utc(2026, 12, 3, 8), "Thu Dec 3")),  # a date, not 03:12 tonight
        ("DMY", "3.12", When(utc(2026, 12, 3, 8), "Thu Dec 3")),
        ("DMY", "12/3", When(utc(2027, 3, 12, 8), "Fri Mar 12")),  # past this year: next year's
        ("DMY", "24.11.", When(utc(2026, 11, 24, 8))),  # 11 can't be a day-then-month swap
        ("DMY", "23.11.", When(utc(2026, 11, 23, 16))),  # today, 09:00 gone: the next hour
        ("DMY", "25/12", When(utc(2026, 12, 25, 8))),  # only one reading: nothing to say
        ("DMY", "12/13", When(utc(2026, 12, 13, 8), "Sun Dec 13")),  # only month-first works
        ("DMY", "1.2.2027", When(utc(2027, 2, 1, 8), "Mon Feb 1")),
        ("DMY", "1.2.27 14:30", When(utc(2027, 2, 1, 13, 30), "Mon Feb 1")),
        ("DMY", "3.12. 15:00", When(utc(2026, 12, 3, 14), "Thu Dec 3")),
        ("DMY", "on 4.12. at 3pm", When(utc(2026, 12, 4, 14), "Fri Dec 4")),
        ("DMY", "15.00", When(utc(2026, 11, 24, 14))),  # no such date: a time of day
        ("DMY", "7/7", When(utc(2027, 7, 7, 7))),  # both readings agree
        ("MDY", "12/3", When(utc(2026, 12, 3, 8), "Thu Dec 3")),
        ("MDY", "3.12.", When(utc(2027, 3, 12, 8), "Fri Mar 12")),
        ("MDY", "12/25/2026", When(utc(2026, 12, 25, 8))),
        ("MDY", "2/29", When(utc(2028, 2, 29, 8))),  # the next Feb 29 there is
        ("DMY", "2026-12-03", When(utc(2026, 12, 3, 8))),  # ISO reads the same everywhere
        ("MDY", "2026-12-03", When(utc(2026, 12, 3, 8))),
        ("DMY", "2027/01/04 10:00", When(utc(2027, 1, 4, 9))),
        ("DMY", "in 1.5 hours", When(utc(2026, 11, 23, 16, 30))),  # not a date
        ("DMY", "3.30pm", When(utc(2026, 11, 24, 14, 30))),  # a time, as typed with pm
    ],
)
def test_numeric_dates_follow_the_reps_locale_and_say_how_an_ambiguous_one_was_read(
    order: str, phrase: str, expected: When
) -> None:
    assert read_when(phrase, now=NOW, tz=BERLIN, order=order) == expected  # type: ignore[arg-type]


def test_a_numeric_date_with_a_past_year_is_refused() -> None:
    with pytest.raises(DateError, match=r"^Mar 1 2026 is in the past"):
        parse_when("1.3.2026", now=NOW, tz=BERLIN, order="DMY")


@pytest.mark.parametrize(
    ("order", "phrase", "expected"),
    [
        ("DMY", "3.11.", utc(2026, 11, 3, 8)),  # this month's, read backwards
        ("DMY", "3.12.", utc(2025, 12, 3, 8)),  # not yet this year: last year's
        ("MDY", "11/3", utc(2026, 11, 3, 8)),
    ],
)
def test_numeric_dates_of_a_call_that_happened_read_backwards(
    order: str, phrase: str, expected: datetime
) -> None:
    assert parse_when(phrase, now=NOW, tz=BERLIN, order=order, allow_past=True) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "notes", "phrase", "due", "note"),
    [
        ("demo went well, follow up friday about pricing", "demo went well", "friday",
         utc(2026, 11, 27, 14), "about pricing"),
        ("remind me friday", "", "friday", utc(2026, 11, 27, 14), ""),
        ("Sent the MSA. Remind me to chase legal on Dec 3", "Sent the MSA", "on Dec 3",
         utc(2026, 12, 3, 14), "chase legal"),
        ("fu next tue", "", "next tue", utc(2026, 11, 24, 14), ""),
        ("call went fine - f/u in 2 weeks re renewal terms", "call went fine", "in 2 weeks",
         utc(2026, 12, 7, 14), "re renewal terms"),
        ("Notes. Follow up with legal next week", "Notes", "next week",
         utc(2026, 11, 30, 14), "with legal"),
        ("good call; follow up tomorrow at noon with Jane about the pilot", "good call",
         "tomorrow at noon", utc(2026, 11, 24, 17), "with Jane about the pilot"),
        ("follow up: friday 3pm - send SOW", "", "friday 3pm", utc(2026, 11, 27, 20), "send SOW"),
        ("Follow up tomorrow", "", "tomorrow", utc(2026, 11, 24, 14), ""),
        ("fu friday 3pm about the pilot", "", "friday 3pm", utc(2026, 11, 27, 20),
         "about the pilot"),
    ],
)  # fmt: skip
def test_a_follow_up_clause_takes_the_longest_date_and_keeps_the_rest_as_its_note(
    text: str, notes: str, phrase: str, due: datetime, note: str
) -> None:
    found = read_followup_text(text, now=NOW, tz=NY)
    assert found.due is not None
    assert (found.notes, found.phrase, found.due.at, found.note) == (notes, phrase, due, note)


def test_a_follow_up_clause_reads_numeric_dates_in_the_reps_order() -> None:
    found = read_followup_text("sent deck. fu 3.12. about pricing", now=NOW, tz=BERLIN, order="DMY")
    assert found.due == When(utc(2026, 12, 3, 8), "Thu Dec 3")
    assert (found.notes, found.note) == ("sent deck", "about pricing")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("demo. follow up next blursday", "I couldn't read “next blursday” as a date"),
        ("Great! Follow up.", "Say when"),
        ("signed. follow up yesterday about the invoice", "Nov 22 2026 is in the past"),
    ],
)
def test_a_follow_up_clause_whose_date_cant_be_used_says_why(text: str, error: str) -> None:
    found = read_followup_text(text, now=NOW, tz=NY)
    assert found.found and found.due is None and (found.error or "").startswith(error)


def test_a_long_note_after_the_date_reads_quickly_enough_for_an_ack() -> None:
    words = " ".join(["word"] * 200)
    found = read_followup_text(f"ok. remind me friday {words}", now=NOW, tz=NY)
    assert found.due is not None and found.note == words
