"""Follow-up DMs: due follow-ups reach their rep once, inside the rep's working hours, whatever
Slack answers; a lease that outlives its sweeper is taken over without a second DM."""

import logging
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from bot.app import make_client
from bot.config import Settings
from bot.standin.webapi import FakeSlack
from handlers import nudges
from handlers.blocks.nudges import Nudge
from handlers.deps import Deps
from handlers.nudges import Pacer, sweep_nudges
from models import followups
from models import nudges as store
from models.accounts import Account
from models.followups import Followup
from models.reps import Rep
from tests.conftest import Clock
from tests.factories import make_account, make_rep

NEW_YORK, BERLIN, TOKYO = "America/New_York", "Europe/Berlin", "Asia/Tokyo"
# Tuesday, 09:30 in New York.
TUESDAY = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_workspaces() -> Iterator[None]:
    nudges._WORKSPACES.clear()
    yield
    nudges._WORKSPACES.clear()


def sweep(deps: Deps, settings: Settings, **kwargs: object) -> nudges.SweepResult:
    kwargs.setdefault("pacer", Pacer.off())
    return sweep_nudges(deps=deps, client=make_client(settings), now=deps.now(), **kwargs)  # type: ignore[arg-type]


def add_followup(
    session: Session, rep: Rep, due_at: datetime, *, now: datetime, account: Account | None = None,
    note: str = "call back",
) -> Followup:  # fmt: skip
    followup, _ = followups.create_followup(
        session=session, rep=rep, account=account, due_at=due_at, note=note, now=now
    )
    session.flush()
    return followup


def waiting(deps: Deps) -> int:
    with deps.db() as session:
        return (
            session.scalar(
                select(func.count()).select_from(Followup).where(Followup.nudged_at.is_(None))  # type: ignore[union-attr]
            )
            or 0
        )


def posted(fake_slack: FakeSlack) -> list[dict]:
    return [call.args for call in fake_slack.calls_to("chat.postMessage")]


def nudged_ids(fake_slack: FakeSlack) -> Counter:
    """Follow-up id and round of every nudge the fake's conversations hold."""
    found: Counter = Counter()
    for channel in fake_slack.conversations.channels():
        for message in fake_slack.messages(channel):
            if message.metadata and message.metadata.get("event_type") == store.NUDGE_EVENT:
                payload = message.metadata["event_payload"]
                found[(payload["followup_id"], payload["round"])] += 1
    return found


# -- quiet hours ---------------------------------------------------------------------------------


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("tz", "at", "expected"),
    [
        (NEW_YORK, (2026, 11, 24, 9, 30), (2026, 11, 24, 9, 30)),  # inside: at once
        (NEW_YORK, (2026, 11, 24, 7, 59), (2026, 11, 24, 8, 0)),  # before 08:00: at 08:00
        (NEW_YORK, (2026, 11, 24, 19, 0), (2026, 11, 25, 8, 0)),  # 19:00 is after hours
        (NEW_YORK, (2026, 11, 27, 22, 0), (2026, 11, 30, 8, 0)),  # Friday night: Monday
        (NEW_YORK, (2026, 11, 28, 12, 0), (2026, 11, 30, 8, 0)),  # Saturday noon: Monday
        # The US clocks go back on Sunday Nov 1: Monday 08:00 is EST, not EDT.
        (NEW_YORK, (2026, 10, 30, 20, 0), (2026, 11, 2, 8, 0)),
        # Berlin's go back on Sunday Oct 25; Tokyo has no daylight saving.
        (BERLIN, (2026, 10, 23, 19, 30), (2026, 10, 26, 8, 0)),
        (BERLIN, (2026, 3, 27, 23, 0), (2026, 3, 30, 8, 0)),  # and forward on Mar 29
        (TOKYO, (2026, 11, 24, 3, 0), (2026, 11, 24, 8, 0)),
    ],
)
def test_a_nudge_due_outside_working_hours_waits_for_the_next_working_hour(
    tz: str, at: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    zone = ZoneInfo(tz)
    assert store.next_working_moment(local(tz, *at), zone) == local(tz, *expected)


def test_working_hours_are_parameters_for_a_reps_own_hours() -> None:
    zone = ZoneInfo(BERLIN)
    moment = local(BERLIN, 2026, 11, 24, 8, 30)
    later = store.next_working_moment(moment, zone, start=time(9), end=time(17, 30))
    assert later == local(BERLIN, 2026, 11, 24, 9, 0)
    saturday = store.next_working_moment(
        local(BERLIN, 2026, 11, 28, 10), zone, days=frozenset(range(6))
    )
    assert saturday == local(BERLIN, 2026, 11, 28, 10)


def test_a_rep_without_a_known_time_zone_gets_the_workspace_default() -> None:
    assert store.in_zone("") == (UTC, False)
    assert store.in_zone("Mars/Olympus_Mons") == (UTC, False)
    assert store.in_zone("UTC")[1] is True
    assert store.in_zone(TOKYO) == (ZoneInfo(TOKYO), True)


# -- the sweep -----------------------------------------------------------------------------------


def test_a_thousand_follow_ups_across_three_zones_make_a_thousand_dms_in_working_hours(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, engine: Engine, clock: Clock
) -> None:
    """A week of sweeps every 20 minutes across both daylight-saving changes of 2026's autumn
    (Berlin Oct 25, New York Nov 1): every follow-up once, each in its rep's working hours."""
    start = datetime(2026, 10, 22, 0, 0, tzinfo=UTC)
    clock.at = start
    zones = {"U0NY1": NEW_YORK, "U0NY2": NEW_YORK, "U0BER1": BERLIN, "U0TOK1": TOKYO}
    for user, tz in zones.items():
        fake_slack.add_user(user, tz=tz)
    rng = random.Random(12)
    with deps.db.begin() as session:
        reps = [make_rep(session, user, now=start, tz=tz) for user, tz in zones.items()]
        for n in range(1000):
            due = start + timedelta(minutes=rng.randrange(0, 11 * 24 * 60))
            add_followup(session, reps[n % len(reps)], due, now=start, note=f"n{n}")
    tz_of = {"D" + user[1:]: ZoneInfo(tz) for user, tz in zones.items()}
    seen = 0
    while clock.at < start + timedelta(days=16):
        sweep(deps, settings)
        calls = posted(fake_slack)
        for call in calls[seen:]:
            moment = clock.at.astimezone(tz_of[call["channel"]])
            assert moment.weekday() < 5 and time(8) <= moment.time() < time(19), moment
        seen = len(calls)
        clock.at += timedelta(minutes=20)
    assert seen == 1000
    assert sorted(nudged_ids(fake_slack).values()) == [1] * 1000
    with Session(engine) as session:
        assert session.scalar(select(func.count()).where(Followup.nudged_at.is_(None))) == 0  # type: ignore[union-attr]


def test_every_nudge_goes_out_once_with_slack_answering_429_and_500s(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    clock.at = TUESDAY
    fake_slack.flaky(5, status=429)
    fake_slack.flaky(10, status=500)
    fake_slack.use_clock(lambda: clock.at.timestamp())
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        bob = make_rep(session, "U0BOB", now=TUESDAY, tz=BERLIN)
        for n in range(120):
            add_followup(session, (alice, bob)[n % 2], TUESDAY - timedelta(minutes=n), now=TUESDAY)
    for _ in range(3 * 24 * 12):  # five-minute sweeps, for up to three days
        sweep(deps, settings)
        clock.at += timedelta(minutes=5)
        if not waiting(deps):
            break
    assert sorted(nudged_ids(fake_slack).values()) == [1] * 120
    with deps.db() as session:
        rows = session.scalars(select(Followup)).all()
        assert all(row.nudged_at is not None and row.nudge_ts for row in rows)


def test_a_nudge_sent_by_a_sweeper_that_died_before_recording_it_is_found_not_resent(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    clock.at = TUESDAY
    fake_slack.use_clock(lambda: clock.at.timestamp())
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        followup = add_followup(session, alice, TUESDAY - timedelta(hours=1), now=TUESDAY)
    # The dead sweeper: it claimed, posted, and died before its transaction recorded the ts.
    with deps.db.begin() as session:
        [_] = store.claim_due(
            session=session, team_id=alice.team_id, now=TUESDAY, claimer="dead:1", limit=10
        )
    client = make_client(settings)
    ghost = client.chat_postMessage(
        channel="D0ALICE", text="Follow-up due",
        metadata={"event_type": store.NUDGE_EVENT,
                  "event_payload": {"followup_id": followup.id, "round": 0}},
    )  # fmt: skip
    clock.at += timedelta(minutes=2)
    assert sweep(deps, settings).sent == 0  # the lease holds
    clock.at += store.LEASE
    result = sweep(deps, settings)
    assert (result.sent, result.found) == (0, 1)
    assert len(posted(fake_slack)) == 1
    [look] = fake_slack.calls_to("conversations.history")
    assert look.args["include_all_metadata"] in (True, "1", "true")
    with deps.db() as session:
        row = session.get(Followup, followup.id)
        assert row is not None and row.nudge_ts == ghost["ts"] and row.unsure_since is None


def test_a_lease_that_expired_before_anything_was_posted_sends_once(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    clock.at = TUESDAY
    fake_slack.use_clock(lambda: clock.at.timestamp())
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        add_followup(session, alice, TUESDAY, now=TUESDAY)
    with deps.db.begin() as session:
        store.claim_due(
            session=session, team_id=alice.team_id, now=TUESDAY, claimer="dead:2", limit=10
        )
    clock.at += store.LEASE + timedelta(seconds=1)
    assert sweep(deps, settings).sent == 1
    assert sweep(deps, settings).sent == 0
    assert len(posted(fake_slack)) == 1


def test_a_429_is_honoured_and_the_nudges_wait_for_retry_after(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    clock.at = TUESDAY
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        for n in range(3):
            add_followup(session, alice, TUESDAY - timedelta(minutes=n), now=TUESDAY)
    fake_slack.fail("chat.postMessage", status=429, retry_after=30)
    assert sweep(deps, settings).sent == 0
    clock.at += timedelta(seconds=20)
    assert sweep(deps, settings).sent == 0  # paused for the workspace
    clock.at += timedelta(seconds=11)
    assert sweep(deps, settings).sent == 3


def test_a_server_error_keeps_the_nudge_due_with_backoff(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    clock.at = TUESDAY
    fake_slack.use_clock(lambda: clock.at.timestamp())
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        followup = add_followup(session, alice, TUESDAY, now=TUESDAY)
    fake_slack.fail("chat.postMessage", status=503, error="service_unavailable")
    assert sweep(deps, settings).sent == 0
    with deps.db() as session:
        row = session.get(Followup, followup.id)
        assert row is not None and row.nudged_at is None
        assert row.next_attempt_at == TUESDAY + nudges.FIRST_BACKOFF
        assert row.nudge_error == "service_unavailable" and row.unsure_since == TUESDAY
    clock.at += timedelta(seconds=30)
    assert sweep(deps, settings).sent == 0
    clock.at += timedelta(seconds=30)
    assert sweep(deps, settings).sent == 1


@pytest.mark.parametrize("error", ["cannot_dm_bot", "user_not_found", "account_inactive"])
def test_a_rep_slack_wont_dm_is_marked_and_no_longer_nudged(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock, error: str,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    clock.at = TUESDAY
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        bob = make_rep(session, "U0BOB", now=TUESDAY, tz=BERLIN)
        add_followup(session, alice, TUESDAY - timedelta(hours=1), now=TUESDAY)
        add_followup(session, bob, TUESDAY, now=TUESDAY)
    fake_slack.fail("chat.postMessage", error=error)
    with caplog.at_level(logging.WARNING):
        result = sweep(deps, settings)
    assert (result.sent, result.stopped) == (1, 1)
    assert f"stopped nudging U0ALICE (rep {alice.id}): Slack answered {error}" in caplog.text
    clock.at += timedelta(hours=2)
    assert sweep(deps, settings).sent == 0
    assert [call["channel"] for call in posted(fake_slack)] == ["D0ALICE", "D0BOB"]
    with deps.db() as session:
        status = store.status(session=session, team_id=alice.team_id, now=clock.at)
        assert (status.reps_stopped, status.due) == (1, 1)


def test_a_revoked_token_stops_the_sweep_with_one_log_line(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    clock.at = TUESDAY
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        for n in range(5):
            add_followup(session, alice, TUESDAY - timedelta(minutes=n), now=TUESDAY)
    fake_slack.fail("chat.postMessage", error="token_revoked")
    with caplog.at_level(logging.ERROR):
        for _ in range(5):
            sweep(deps, settings)
            clock.at += timedelta(minutes=1)
    lines = [r.message for r in caplog.records if "bot token" in r.message]
    assert len(lines) == 1 and "token_revoked" in lines[0]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    clock.at += nudges.TOKEN_RECHECK
    assert sweep(deps, settings).sent == 5  # a new token (here: the same, accepted again)


def test_the_dm_channel_is_opened_once_per_rep_and_kept(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    clock.at = TUESDAY
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        for n in range(3):
            add_followup(session, alice, TUESDAY - timedelta(minutes=n), now=TUESDAY)
    assert sweep(deps, settings).sent == 3
    assert len(fake_slack.calls_to("conversations.open")) == 1
    with deps.db() as session:
        rep = session.get(Rep, alice.id)
        assert rep is not None and rep.dm_channel == "D0ALICE"


def test_an_overdue_follow_up_is_nudged_once_and_not_again(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    clock.at = TUESDAY
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        add_followup(session, alice, TUESDAY - timedelta(days=3), now=TUESDAY)
    for _ in range(5):
        sweep(deps, settings)
        clock.at += timedelta(days=1)
    assert len(posted(fake_slack)) == 1


def test_a_rep_whose_profile_is_a_day_old_is_asked_again_and_nudged_in_their_new_zone(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    """Alice moved from New York to Tokyo and never talked to Rapport since."""
    clock.at = TUESDAY
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY - timedelta(days=2))
        add_followup(session, alice, TUESDAY, now=TUESDAY)
    fake_slack.add_user("U0ALICE", name="alice", real_name="Alice Ng", tz=TOKYO)
    # 09:30 in New York is 23:30 in Tokyo: not now, but at 08:00 Tokyo time.
    assert sweep(deps, settings).sent == 0
    assert [c.args["user"] for c in fake_slack.calls_to("users.info")] == ["U0ALICE"]
    clock.at = local(TOKYO, 2026, 11, 25, 8, 0)
    assert sweep(deps, settings).sent == 1
    assert len(fake_slack.calls_to("users.info")) == 1  # fresh now: not asked again


def test_the_pacer_spreads_messages_over_the_minute_and_one_a_second_per_dm() -> None:
    slept: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(per_minute=120, clock=lambda: now[0], sleep=sleep)
    for channel in ["D1", "D2", "D3", "D1"]:
        pacer.wait(channel)
    # 0.5 s apart workspace-wide; D1's second message waits for its second (1.0 s after it).
    assert slept == [0.5, 0.5, 0.5] and now[0] == 1.5


def test_sweeps_are_run_by_the_scheduler_job_list(settings: Settings) -> None:
    from bot.scheduler import sweep_jobs

    names = [job.__name__ for job in sweep_jobs(settings)]  # type: ignore[attr-defined]
    assert names == ["send_nudges", "forget_old_claims", "send_digests"]


def test_nudge_metadata_names_the_follow_up_and_its_round(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    clock.at = TUESDAY
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        followup = add_followup(session, alice, TUESDAY, now=TUESDAY)
    sweep(deps, settings)
    [call] = posted(fake_slack)
    metadata = call["metadata"]
    assert metadata["event_type"] == "rapport_nudge"
    assert metadata["event_payload"]["followup_id"] == followup.id
    assert metadata["event_payload"]["round"] == 0


def test_history_of_the_fake_gives_metadata_only_when_asked(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    client = make_client(settings)
    meta = {"event_type": "x", "event_payload": {"a": 1}}
    client.chat_postMessage(channel="D0ALICE", text="one", metadata=meta)
    client.chat_postMessage(channel="D0ALICE", text="two")
    plain = client.conversations_history(channel="D0ALICE")["messages"]
    assert [m["text"] for m in plain] == ["two", "one"] and "metadata" not in plain[1]
    full = client.conversations_history(channel="D0ALICE", include_all_metadata=True, limit=1)
    assert [m["text"] for m in full["messages"]] == ["two"] and full["has_more"]
    cursor = full["response_metadata"]["next_cursor"]
    rest = client.conversations_history(channel="D0ALICE", include_all_metadata=True, cursor=cursor)
    assert rest["messages"][0]["metadata"] == meta and not rest["has_more"]
    first_ts = rest["messages"][0]["ts"]
    newer = client.conversations_history(channel="D0ALICE", oldest=first_ts)["messages"]
    assert [m["text"] for m in newer] == ["two"]


def test_claims_of_two_sweepers_never_overlap(deps: Deps, clock: Clock) -> None:
    clock.at = TUESDAY
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        for n in range(30):
            add_followup(session, alice, TUESDAY - timedelta(minutes=n), now=TUESDAY)
    taken: list[int] = []
    for claimer in ("a", "b", "c", "d"):
        with deps.db.begin() as session:
            rows = store.claim_due(
                session=session, team_id=alice.team_id, now=TUESDAY, claimer=claimer, limit=10
            )
            taken += [row.id or 0 for row in rows]
    assert len(taken) == 30 == len(set(taken))


def test_the_claim_uses_the_nudge_index_at_200k_open_follow_ups(
    deps: Deps, database_url: str, clock: Clock
) -> None:
    from bot import db

    engine = db.make_engine(database_url, timeouts=db.MAINTENANCE_TIMEOUTS)
    from sqlalchemy import text

    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
    fill_followups(engine, alice, 200_000)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE followups"))
            prefix = "EXPLAIN"
        else:
            connection.execute(text("ANALYZE"))
            prefix = "EXPLAIN QUERY PLAN"
        plan = connection.execute(
            text(
                f"{prefix} SELECT id FROM followups WHERE team_id = :t AND status = 'open' "
                "AND nudged_at IS NULL AND next_attempt_at <= :now "
                "AND (claimed_until IS NULL OR claimed_until <= :now) "
                "ORDER BY next_attempt_at LIMIT 200"
            ),
            {"t": alice.team_id, "now": TUESDAY.replace(tzinfo=None)},
        ).all()
    engine.dispose()
    assert "ix_followups_nudge_due" in " ".join(str(row) for row in plain_rows(plan))


def fill_followups(engine: Engine, rep: Rep, n: int) -> None:
    """`n` open follow-ups of `rep`, due a minute apart from TUESDAY, in one statement."""
    from sqlalchemy import text

    columns = (
        "team_id, rep_id, due_at, next_attempt_at, note, status, snoozed_count, nudge_attempts, "
        "created_at"
    )
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL statement_timeout = 0"))
            due = "CAST(:at AS timestamptz) + n * interval '1 minute'"
            numbers = "generate_series(1, :n) AS n"
        else:
            due = "datetime(:at, '+' || n || ' minutes')"
            numbers = (
                "(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < :n) "
                "SELECT n FROM c)"
            )
        at = TUESDAY if engine.dialect.name == "postgresql" else "2026-11-24 14:30:00"
        connection.execute(
            text(
                f"INSERT INTO followups ({columns}) SELECT :team, :rep, {due}, {due}, '', "
                f"'open', 0, 0, :at FROM {numbers}"
            ),
            {"team": rep.team_id, "rep": rep.id, "at": at, "n": n},
        )


def plain_rows(plan: list) -> list[str]:
    return [" ".join(str(value) for value in row) for row in plan]


def nudge_view(**changes: object) -> Nudge:
    base = Nudge(
        followup_id=41, snoozes=2, account="Acme <&> Co", account_id=7,
        note="Call @@story@@ back * _now_ " + "x" * 3000, due_at=TUESDAY, set_at=TUESDAY,
        set_by="U0BOB", rep_user="U0ALICE", last_touch=None, tz=NEW_YORK, tz_is_theirs=True,
    )  # fmt: skip
    return replace_nudge(base, **changes)


def replace_nudge(nudge: Nudge, **changes: object) -> Nudge:
    return replace(nudge, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [{}, {"account": None, "account_id": None}, {"tz": "UTC", "tz_is_theirs": False},
     {"note": "", "set_by": None, "last_touch": TUESDAY}],
)  # fmt: skip
def test_the_filled_in_nudge_is_exactly_the_one_built_with_block_kit(changes: dict) -> None:
    from handlers.blocks.nudges import build_nudge, build_nudge_blocks

    view = nudge_view(**changes)
    assert build_nudge(view) == build_nudge_blocks(view)
    text = str(build_nudge(view))
    assert "@@" not in text.replace("Call @@story@@", "")
    assert ("Acme &lt;&amp;&gt; Co" in text) is (view.account is not None)


def test_a_reps_own_working_hours_hold_their_nudges_until_they_start(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    clock.at = TUESDAY  # 09:30 in New York: inside the default hours, before Lee's
    with deps.db.begin() as session:
        lee = make_rep(session, "U0LEE", now=TUESDAY)
        lee.work_start, lee.work_end, lee.work_days = time(10, 0), time(17, 30), "0123"
        session.add(lee)
        add_followup(session, lee, TUESDAY - timedelta(minutes=5), now=TUESDAY)
    assert sweep(deps, settings).sent == 0
    clock.at = local(NEW_YORK, 2026, 11, 24, 10, 0)
    assert sweep(deps, settings).sent == 1
    with deps.db.begin() as session:  # due on Friday, Lee's day off: Monday at 10:00
        rep = session.get(Rep, lee.id)
        assert rep is not None
        add_followup(session, rep, local(NEW_YORK, 2026, 11, 27, 11, 0), now=clock.at)
    clock.at = local(NEW_YORK, 2026, 11, 27, 11, 0)
    assert sweep(deps, settings).sent == 0
    clock.at = local(NEW_YORK, 2026, 11, 30, 10, 0)
    assert sweep(deps, settings).sent == 1


def test_the_nudges_migration_leaves_long_overdue_follow_ups_to_the_digest(
    engine: Engine, database_url: str
) -> None:
    from sqlalchemy import insert, text

    from bot import db
    from tests.databases import temporary_database

    now = datetime.now(UTC)
    dues = {
        "stale": now - timedelta(days=9),
        "fresh": now - timedelta(hours=2),
        "later": now + timedelta(days=2),
    }
    with temporary_database(database_url, prefix="rapport_nudges") as url:
        scratch = db.make_engine(url)
        try:
            db.upgrade(scratch, "0013")  # the schema before nudges: plain inserts, no models
            with scratch.begin() as connection:
                rep_id = connection.execute(
                    text(
                        "INSERT INTO reps (team_id, slack_user_id, name, tz, is_admin, active,"
                        " is_guest, is_bot, deleted, home_team_id, locale, created_at, updated_at,"
                        " digest_enabled) VALUES ('T0001', 'U0ALICE', 'Alice', 'UTC', false, true,"
                        " false, false, false, 'T0001', 'en-US', :now, :now, true) RETURNING id"
                    ),
                    {"now": now},
                ).scalar_one()
                for note, due in dues.items():
                    connection.execute(
                        insert(Followup.__table__).values(  # type: ignore[attr-defined]
                            team_id="T0001", rep_id=rep_id, due_at=due, note=note,
                            status="open", snoozed_count=0, nudge_attempts=0, created_at=now,
                        )
                    )  # fmt: skip
            db.upgrade(scratch)
            with scratch.connect() as connection:
                rows = connection.execute(text("SELECT note, nudged_at FROM followups")).all()
        finally:
            scratch.dispose()
    nudged = {note: at for note, at in rows}
    assert nudged["stale"] is not None  # the digest lists it; no DM on the first sweep
    assert nudged["fresh"] is None and nudged["later"] is None


def _claim_then(
    deps: Deps, settings: Settings, change: object, monkeypatch: pytest.MonkeyPatch
) -> int:
    """Claim Alice's due follow-up, make `change(session, alice, followup_id)` in between (as a
    click during a paced batch would), then send the batch a moment later; DMs posted."""
    from handlers.nudges import sweep as engine
    from models.reps import Rep as RepRow

    monkeypatch.setattr(engine, "RECHECK_AFTER", 0.0)  # the batch is "a moment old" at once
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        account = make_account(session, "Acme", owner=alice, now=TUESDAY)
        due = add_followup(
            session, alice, TUESDAY - timedelta(hours=1), now=TUESDAY, account=account
        )
        team, followup_id = alice.team_id, due.id or 0
    with deps.db.begin() as session:
        claimed = store.claim_due(
            session=session, team_id=team, now=TUESDAY, claimer="me", limit=10
        )
        rows = store.details(session=session, team_id=team, followups=claimed)
    with deps.db.begin() as session:
        change(session, session.get(RepRow, alice.id), followup_id)  # type: ignore[operator]
    api = engine.sweep_client(make_client(settings))
    engine._send_batch(deps, api, team, rows, TUESDAY, "me", Pacer.off(), engine.SweepResult())
    return followup_id


def test_a_follow_up_done_after_its_claim_is_not_dmed(
    deps: Deps,
    settings: Settings,
    fake_slack: FakeSlack,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock.at = TUESDAY

    def done(session: Session, alice: Rep, followup_id: int) -> None:
        followups.complete_followup(
            session=session, team_id=alice.team_id, followup_id=followup_id, rep=alice, now=TUESDAY
        )

    _claim_then(deps, settings, done, monkeypatch)
    assert posted(fake_slack) == []


def test_a_follow_up_handed_over_after_its_claim_goes_to_the_new_owner(
    deps: Deps,
    settings: Settings,
    fake_slack: FakeSlack,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from models import handoffs

    clock.at = TUESDAY

    def hand_to_bob(session: Session, alice: Rep, followup_id: int) -> None:
        bob = make_rep(session, "U0BOB", now=TUESDAY)
        account = session.get(Account, session.get(Followup, followup_id).account_id)  # type: ignore[union-attr]
        handoffs.hand_account(
            session=session,
            account=account,
            owner=bob,
            actor=alice,
            actor_is_admin=False,
            now=TUESDAY,
        )  # type: ignore[arg-type]

    followup_id = _claim_then(deps, settings, hand_to_bob, monkeypatch)
    assert posted(fake_slack) == []  # not to Alice
    assert sweep(deps, settings).sent == 1  # the next sweep: to Bob
    [dm] = posted(fake_slack)
    assert dm["channel"] == "D0BOB"
    with deps.db() as session:
        row = session.get(Followup, followup_id)
        assert row is not None and row.nudge_channel == "D0BOB"


def test_the_nudge_notification_text_is_escaped(
    deps: Deps, settings: Settings, fake_slack: FakeSlack, clock: Clock
) -> None:
    clock.at = TUESDAY
    with deps.db.begin() as session:
        alice = make_rep(session, "U0ALICE", now=TUESDAY)
        account = make_account(session, "A<b>&c", owner=alice, now=TUESDAY)
        add_followup(
            session, alice, TUESDAY - timedelta(hours=1), now=TUESDAY, account=account,
            note="<!channel> see <https://evil.example|docs> <@U0BOB>",
        )  # fmt: skip
    assert sweep(deps, settings).sent == 1
    text = posted(fake_slack)[-1]["text"]
    assert "A&lt;b&gt;&amp;c" in text and "&lt;!channel&gt;" in text
    assert "<!channel>" not in text and "<@U0BOB>" not in text and "<https" not in text
