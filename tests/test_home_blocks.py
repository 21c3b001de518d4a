"""The App Home builder: all sections within 100 blocks, follow-ups beyond the week, notices."""

from datetime import UTC, datetime, timedelta

from bot.standin.payloads import text_of
from handlers.blocks.home import HOME_BLOCKS_MAX, build_home, day_and_time
from models.summaries import DealTotal, FollowupRow, HomeSummary, StageGroup

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def rows(count: int, start: datetime, note: str) -> list[FollowupRow]:
    return [
        FollowupRow(n + 1, "Acme", start + timedelta(hours=n), f"{note} {n}", 0)
        for n in range(count)
    ]


def summary(**changes: object) -> HomeSummary:
    base: dict[str, object] = {
        "overdue": [], "today": [], "upcoming": [], "overdue_total": 0, "today_total": 0,
        "upcoming_total": 0, "stages": [], "stale": [], "stale_total": 0,
    }  # fmt: skip
    return HomeSummary(**(base | changes))  # type: ignore[arg-type]


def test_the_fullest_home_keeps_every_section_within_100_blocks() -> None:
    stages = [
        StageGroup(f"Stage {n}", [(n, "Acme", "Deal", 100, "USD")], [DealTotal("USD", 100, 1)])
        for n in range(30)  # models.stages.MAX_STAGES
    ]
    stale = [(n, f"Quiet {n}", None) for n in range(15)]
    full = summary(
        overdue=rows(15, NOW - timedelta(days=3), "late"), overdue_total=300,
        today=rows(15, NOW, "today"), today_total=40,
        upcoming=rows(15, NOW + timedelta(days=2), "soon"), upcoming_total=15,
        later=rows(3, NOW + timedelta(days=9), "later"), later_total=80,
        stages=stages, stale=stale, stale_total=25,
    )  # fmt: skip
    home = build_home(full, tz="UTC", stale_days=14, notice=":zzz: Snoozed")
    text = text_of(home)
    assert len(home["blocks"]) == HOME_BLOCKS_MAX
    for shown in ("*Overdue* (300)", "*Today* (40)", "*Next 7 days* (15)", "*Later* (80)"):
        assert shown in text
    assert "*Stage 29* (1)" in text and "Quiet 9" in text and "and 15 more" in text
    assert text.count("more") >= 5  # each cut list says so


def test_later_says_how_many_and_when_the_next_one_is() -> None:
    later = rows(2, datetime(2026, 12, 15, 14, tzinfo=UTC), "later")
    home = build_home(summary(later=later, later_total=6), tz="America/New_York", stale_days=14)
    text = text_of(home)
    assert "*Later* (6) · next on Tue Dec 15" in text and "and 4 more" in text
    assert "Nothing to follow up" not in text


def test_nothing_to_follow_up_only_when_nothing_is_open_at_all() -> None:
    assert "Nothing to follow up" in text_of(build_home(summary(), tz="UTC", stale_days=14))


def test_a_stale_account_gets_its_own_log_a_call_button() -> None:
    home = build_home(summary(stale=[(7, "A&B <Co>", None)], stale_total=1), tz="UTC", stale_days=9)
    [block] = [b for b in home["blocks"] if b.get("accessory", {}).get("action_id")]
    assert block["accessory"]["value"] == "7" and block["accessory"]["text"]["text"] == "Log a call"
    assert "*A&amp;B &lt;Co&gt;* · never touched" in block["text"]["text"]


def test_where_a_follow_up_went_reads_in_the_reps_zone() -> None:
    due = datetime(2026, 12, 3, 8, tzinfo=UTC)
    assert day_and_time(due, "Europe/Berlin") == "Thu Dec 3, 09:00"
    assert day_and_time(due, "Asia/Tokyo") == "Thu Dec 3, 17:00"
