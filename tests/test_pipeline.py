"""/crm pipeline through signed HTTP requests: the report's totals against a hand computation,
the 30-day window, stuck and overdue deals, Block Kit's limits, and the chart's upload."""

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Engine, insert, update
from sqlmodel import Session

from bot.standin.driver import TEAM_ID, SlackDriver, click, text_of
from bot.standin.webapi import FakeSlack
from models.accounts import Account
from models.base import id_of
from models.deals import Deal
from models.reps import Rep
from models.stages import Stage, StageOutcome, set_pipeline
from tests.conftest import Clock
from tests.factories import make_account, make_rep

SYMBOL = {"USD": "$", "EUR": "€"}
PROBABILITY = {"Lead": 10, "Qualified": 25, "Demo": 40, "Proposal": 60, "Negotiation": 80}
OPEN = [*PROBABILITY, "Legacy"]  # Legacy: a stage the pipeline lacks (an import)
PNG = b"\x89PNG\r\n\x1a\n"


def deal_row(account: Account, owner: Rep, now: datetime, **values: Any) -> dict[str, Any]:
    return {
        "team_id": TEAM_ID, "account_id": id_of(account), "owner_id": owner.id, "name": "Deal",
        "stage": "Lead", "amount_minor": None, "currency": None, "stage_changed_at": now,
        "created_at": now,
    } | values  # fmt: skip


def add_deals(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with Session(engine) as session:
        session.execute(insert(Deal), rows)
        session.commit()


def people(engine: Engine, now: datetime) -> tuple[list[Rep], list[Account], Account]:
    """Alice, Bob and Ada with an account each, and a deleted account whose deals never count."""
    with Session(engine, expire_on_commit=False) as session:
        reps = [make_rep(session, user, now=now) for user in ("U0ALICE", "U0BOB", "U0ADMIN")]
        accounts = [
            make_account(session, f"Acct {n}", owner=r, now=now) for n, r in enumerate(reps)
        ]
        gone = make_account(session, "Gone Inc", owner=reps[0], now=now)
        session.execute(update(Account).where(Account.id == gone.id).values(status="deleted"))
        session.commit()
    return reps, accounts, gone


def money(minor: Decimal, currency: str) -> str:
    """The amount as the report should show it, worked out with Decimal."""
    shown = f"{minor / 100:,.2f}".removesuffix(".00")
    return f"{SYMBOL[currency]}{shown}"


def thousand_deals(engine: Engine, now: datetime) -> tuple[list[dict[str, Any]], str]:
    """1,000 deals in USD and EUR over the open stages, Won and Lost; plus noise that must not
    count (a deleted account's deals). Returns the deals that count and the deleted account's."""
    rng = random.Random(11)
    reps, accounts, gone = people(engine, now)
    rows = []
    for n in range(1_000):
        stage = rng.choice([*OPEN, *OPEN, "Won", "Lost"])
        closed = stage in ("Won", "Lost")
        rows.append(
            deal_row(
                accounts[n % 3], reps[n % 3], now, name=f"Deal {n}", stage=stage,
                amount_minor=None if n % 17 == 0 else rng.randrange(1, 50_000_000),
                currency=rng.choice(["USD", "EUR"]),
                closed_at=now - timedelta(hours=rng.randrange(0, 60 * 24)) if closed else None,
            )
        )  # fmt: skip
    noise = [
        deal_row(gone, reps[0], now, stage="Lead", amount_minor=999_999, currency="USD"),
        deal_row(gone, reps[0], now, stage="Won", amount_minor=5, currency="USD", closed_at=now),
    ]
    add_deals(engine, rows + noise)
    return rows, "Gone Inc"


def expected_stage_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Each open stage's line, computed independently of the app."""
    count: dict[str, int] = defaultdict(int)
    per: dict[str, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row["stage"] in OPEN:
            count[row["stage"]] += 1
            per[row["stage"]][row["currency"]].append(Decimal(row["amount_minor"] or 0))
    lines = []
    for stage in OPEN:
        p = PROBABILITY.get(stage)
        parts = [f"*{stage}*" + (f" ({p}%)" if p is not None else ""), f"{count[stage]:,} deals"]
        totals = sorted(((sum(v), c) for c, v in per[stage].items()), key=lambda t: -t[0])
        for total, currency in totals:
            shown = money(total, currency)
            if p is not None:
                weighted = (total * p / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
                shown += f" (weighted {money(weighted, currency)})"
            parts.append(shown)
        lines.append(" · ".join(parts))
    return lines


def test_team_pipeline_totals_match_a_hand_computation_over_1000_deals_in_two_currencies(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    rows, gone = thousand_deals(engine, clock.at)
    reply = slack.command("/crm", "pipeline team").reply(timeout=10)
    text = text_of(reply)
    for line in expected_stage_lines(rows):
        assert line in text
    open_rows = [r for r in rows if r["stage"] in OPEN]
    usd = sum(Decimal(r["amount_minor"] or 0) for r in open_rows if r["currency"] == "USD")
    eur = sum(Decimal(r["amount_minor"] or 0) for r in open_rows if r["currency"] == "EUR")
    first, second = sorted([(usd, "USD"), (eur, "EUR")], key=lambda t: -t[0])
    assert f"*{len(open_rows):,} open deals*: {money(*first)} + {money(*second)}" in text, (
        "the grand totals, exact to the cent"
    )
    assert "Weighted totals leave out stages without a probability: Legacy." in text
    assert gone not in text
    window = [r for r in rows if r["closed_at"] and r["closed_at"] >= clock.at - timedelta(30)]
    won = sum(r["stage"] == "Won" for r in window)
    lost = len(window) - won
    rate = (Decimal(100 * won) / (won + lost)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert f"*Last 30 days:* won {won:,} (" in text and f"lost {lost:,} (" in text
    assert f"win rate {rate}%" in text


def test_pipeline_alone_shows_only_my_deals_and_offers_the_team(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    reps, accounts, _ = people(engine, clock.at)
    add_deals(
        engine,
        [
            deal_row(
                accounts[0], reps[0], clock.at, stage="Demo", amount_minor=1_050, currency="USD"
            ),
            deal_row(
                accounts[1], reps[1], clock.at, stage="Demo", amount_minor=7_000, currency="USD"
            ),
        ],
    )
    text = text_of(slack.command("/crm", "pipeline").reply(timeout=10))
    assert "Your pipeline" in text and "*Demo* (40%) · 1 deal · $10.50 (weighted $4.20)" in text
    assert "$70" not in text and "`/crm pipeline team` for the whole workspace" in text
    team = text_of(slack.command("/crm", "PIPELINE Team", user_id="U0BOB").reply(timeout=10))
    assert "Team pipeline" in team and "*Demo* (40%) · 2 deals · $80.50 (weighted $32.20)" in team


def test_pipeline_with_unknown_words_says_what_it_takes(slack: SlackDriver) -> None:
    text = text_of(slack.command("/crm", "pipeline everyone").reply(timeout=10))
    assert "`/crm pipeline` takes `team` and `chart`" in text


def test_stuck_and_overdue_deals_are_listed_oldest_first_and_the_rest_counted(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    reps, accounts, _ = people(engine, clock.at)
    now = clock.at
    rows = [
        deal_row(accounts[0], reps[0], now, name=f"Stuck {n}", stage="Proposal",
                 stage_changed_at=now - timedelta(days=22 + n))
        for n in range(12)
    ] + [
        deal_row(accounts[0], reps[0], now, name="Fresh", stage_changed_at=now - timedelta(21)),
        deal_row(accounts[0], reps[0], now, name="Closed long ago", stage="Won",
                 stage_changed_at=now - timedelta(days=400), closed_at=now - timedelta(days=400)),
        deal_row(accounts[1], reps[1], now, name="Late <b>", stage="Demo",
                 expected_close=date(2026, 11, 22), amount_minor=123_456, currency="EUR"),
        deal_row(accounts[1], reps[1], now, name="Due today", expected_close=date(2026, 11, 23)),
        deal_row(accounts[1], reps[1], now, name="Lost late", stage="Lost",
                 expected_close=date(2026, 1, 1), closed_at=now),
    ]  # fmt: skip
    add_deals(engine, rows)
    text = text_of(slack.command("/crm", "pipeline team").reply(timeout=10))
    assert "*Stuck over 21 days in their stage (12):*" in text
    assert text.index("Stuck 11") < text.index("Stuck 10") and "Stuck 1 " not in text
    assert "…and 2 more" in text and "Fresh" not in text and "Closed long ago" not in text
    assert "*Expected close has passed (1):*" in text
    assert "Late &lt;b&gt; · Demo · €1,234.56 · <@U0BOB> · was due Nov 22, 2026" in text
    assert "Due today" not in text and "Lost late" not in text


def test_many_stages_and_currencies_stay_inside_block_kit_limits(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    reps, accounts, _ = people(engine, clock.at)
    stages = [Stage(f"Stage {n:02} " + "x" * 50, probability=n) for n in range(28)]
    with Session(engine) as session:
        set_pipeline(
            session=session, team_id=TEAM_ID, actor=session.get(Rep, reps[2].id),
            stages=[*stages, Stage("Won", StageOutcome.WON), Stage("Lost", StageOutcome.LOST)],
            now=clock.at,
        )  # fmt: skip
        session.commit()
    names = [s.name for s in stages] + [f"Imported {n} " + "y" * 50 for n in range(60)]
    currencies = ["USD", "EUR", "GBP", "JPY", "CHF", "KWD", "SEK"]
    add_deals(
        engine,
        [
            deal_row(
                accounts[0],
                reps[0],
                clock.at,
                stage=name,
                amount_minor=10**9 + n,
                currency=currency,
            )
            for name in names
            for n, currency in enumerate(currencies)
        ],
    )
    # Held to Slack's limits in the ack or, on a busy machine, on its response_url.
    reply = slack.command("/crm", "pipeline team").reply(timeout=10)
    text = text_of(reply)
    assert "more stages" in text and "+4 more currencies" in text
    assert "and 2 more currencies" in text  # the grand totals name five of the seven
    assert len(reply["blocks"]) <= 50


def setup_chart(engine: Engine, clock: Clock) -> None:
    reps, accounts, _ = people(engine, clock.at)
    add_deals(
        engine,
        [
            deal_row(
                accounts[0], reps[0], clock.at, stage="Demo", amount_minor=4_800_000, currency="USD"
            ),
            deal_row(
                accounts[0], reps[0], clock.at, stage="Lead", amount_minor=1_250_050, currency="EUR"
            ),
        ],
    )


def test_chart_command_acks_first_then_uploads_a_png_with_alt_text(
    slack: SlackDriver, engine: Engine, clock: Clock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0SALES01")
    setup_chart(engine, clock)
    result = slack.command("/crm", "pipeline chart team")
    assert "Drawing the chart of the team pipeline" in text_of(result.ack_json())
    [told] = fake_slack.wait_for_hook(result.response_url, timeout=10)
    assert "Here is the chart of the team pipeline" in text_of(told.body)
    [upload] = fake_slack.files_in("C0SALES01")
    assert upload.data is not None and upload.data.startswith(PNG)
    assert upload.alt_txt is not None and "Bar chart of the team's open pipeline" in upload.alt_txt
    assert "USD: Demo $48,000 in 1 deal" in upload.alt_txt
    assert "EUR: Lead €12,500.50 in 1 deal" in upload.alt_txt
    [complete] = fake_slack.calls_to("files.completeUploadExternal")
    assert complete.args["channel_id"] == "C0SALES01"
    assert len(fake_slack.calls_to("files.getUploadURLExternal")) == 1
    [shared] = [m for m in fake_slack.messages("C0SALES01") if m.files]
    assert shared.files[0]["name"] == "pipeline.png" and shared.user == "U0CRMBOT1"


def test_chart_button_uploads_my_pipeline_into_the_conversation(
    slack: SlackDriver, engine: Engine, clock: Clock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0SALES01")
    setup_chart(engine, clock)
    reply = slack.command("/crm", "pipeline").reply(timeout=10)
    _, url = click(slack, reply, "pipeline_chart")
    [told] = fake_slack.wait_for_hook(url, timeout=10)
    assert "Here is the chart of your pipeline" in text_of(told.body)
    [upload] = fake_slack.files_in("C0SALES01")
    assert upload.data is not None and upload.data[:8] == PNG
    assert upload.alt_txt is not None and upload.alt_txt.startswith("Bar chart of your open")
    _, again = click(slack, reply, "pipeline_chart")  # a double click
    [twice] = fake_slack.wait_for_hook(again, timeout=10)
    assert (
        "on its way already" in text_of(twice.body) and len(fake_slack.files_in("C0SALES01")) == 1
    )


def test_chart_where_rapport_is_not_a_member_tells_the_person(
    slack: SlackDriver, engine: Engine, clock: Clock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0NOBOT01", name="deals", members=["U0ALICE", "U0BOB"])
    setup_chart(engine, clock)
    result = slack.command("/crm", "pipeline chart", channel_id="C0NOBOT01")
    [told] = fake_slack.wait_for_hook(result.response_url, timeout=10)
    assert "I'm not in this channel" in text_of(told.body) and "/invite @Rapport" in text_of(
        told.body
    )
    assert fake_slack.files_in("C0NOBOT01") == []


def test_chart_is_never_posted_where_a_guest_reads(
    slack: SlackDriver, engine: Engine, clock: Clock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0GUESTS1", members=["U0CRMBOT1", "U0ALICE", "U0GUEST"])
    setup_chart(engine, clock)
    result = slack.command("/crm", "pipeline chart team", channel_id="C0GUESTS1")
    [told] = fake_slack.wait_for_hook(result.response_url, timeout=10)
    assert "won't post the chart here" in text_of(told.body)
    assert fake_slack.calls_to("files.getUploadURLExternal") == []


def test_chart_upload_refused_by_slack_is_told_in_a_sentence(
    slack: SlackDriver, engine: Engine, clock: Clock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0SALES01")
    setup_chart(engine, clock)
    fake_slack.fail("files.getUploadURLExternal", error="file_uploads_disabled")
    result = slack.command("/crm", "pipeline chart")
    [told] = fake_slack.wait_for_hook(result.response_url, timeout=10)
    assert "turned off file uploads" in text_of(told.body)
    assert fake_slack.calls_to("files.completeUploadExternal") == []


def test_chart_of_an_empty_pipeline_still_uploads_a_picture(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0SALES01")
    result = slack.command("/crm", "pipeline chart")
    fake_slack.wait_for_hook(result.response_url, timeout=10)
    [upload] = fake_slack.files_in("C0SALES01")
    assert upload.data is not None and upload.data.startswith(PNG)
    assert upload.alt_txt == "Bar chart of your open pipeline: no open deals."


def test_the_window_edges_reach_the_answer(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    reps, accounts, _ = people(engine, clock.at)
    now, edge = clock.at, clock.at - timedelta(days=30)
    add_deals(
        engine,
        [
            deal_row(
                accounts[0],
                reps[0],
                now,
                stage="Won",
                closed_at=edge,
                amount_minor=100,
                currency="USD",
            ),
            deal_row(
                accounts[0],
                reps[0],
                now,
                stage="Won",
                closed_at=edge - timedelta(seconds=1),
                amount_minor=200,
                currency="USD",
            ),
            deal_row(
                accounts[0],
                reps[0],
                now,
                stage="Lost",
                closed_at=now,
                amount_minor=300,
                currency="USD",
            ),
        ],
    )
    text = text_of(slack.command("/crm", "pipeline").reply(timeout=10))
    assert "won 1 ($1) · lost 1 ($3) · win rate 50%" in text


def test_a_guest_gets_no_pipeline(slack: SlackDriver, engine: Engine, clock: Clock) -> None:
    setup_chart(engine, clock)
    result = slack.command("/crm", "pipeline team", user_id="U0GUEST")
    assert "$48,000" not in result.response.text
