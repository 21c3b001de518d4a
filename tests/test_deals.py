"""Deals through the real Bolt pipeline: /deal, the deal card, its buttons and modal, Won posts."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot import db
from bot.config import Settings
from bot.standin.driver import TEAM_ID, SlackDriver, click, submit, text_input, text_of
from bot.standin.payloads import APP_ID, user_of
from bot.standin.webapi import FakeSlack
from handlers.deps import Deps
from models.audit import AuditEntry
from models.deals import Deal, DealStageChange
from tests.conftest import Clock, serve

JSON = dict[str, Any]


def new_account(slack: SlackDriver, name: str = "Acme Corp", user_id: str = "U0ALICE") -> None:
    assert "Created" in text_of(slack.command("/crm", f"new {name}", user_id=user_id).reply())


def deal_cmd(slack: SlackDriver, text: str, user_id: str = "U0ALICE") -> JSON:
    return slack.command("/deal", text, user_id=user_id).reply()


def only_deal(engine: Engine) -> Deal:
    with Session(engine) as session:
        return session.exec(select(Deal)).one()


def deals_by_name(engine: Engine) -> dict[str, Deal]:
    with Session(engine) as session:
        return {deal.name: deal for deal in session.exec(select(Deal))}


def changes(engine: Engine) -> list[tuple[str | None, str, str | None]]:
    with Session(engine) as session:
        rows = session.exec(select(DealStageChange).order_by(DealStageChange.id))  # type: ignore[arg-type]
        return [(c.from_stage, c.to_stage, c.note) for c in rows]


def audit_actions(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [
            a
            for a in session.exec(select(AuditEntry.action).order_by(AuditEntry.id))  # type: ignore[arg-type]
            if a.startswith(("deal.", "pipeline."))
        ]


def menus(message: JSON) -> list[tuple[JSON, JSON]]:
    """(block, static_select) of every menu in a message."""
    found = [(b, b["accessory"]) for b in message["blocks"] if "accessory" in b]
    found += [(b, e) for b in message["blocks"] for e in b.get("elements", [])]
    return [(b, e) for b, e in found if e.get("type") == "static_select"]


def choose(
    slack: SlackDriver, message: JSON, option: str, user_id: str = "U0ALICE", *, by: str = "value"
) -> JSON:
    """Pick the option whose value (or label) is `option` in the message's menu (block_actions
    from an ephemeral message); returns what was posted to the click's response_url."""
    block, select = menus(message)[0]
    picked = next(
        o
        for o in select["options"]
        if (o["value"] if by == "value" else o["text"]["text"]) == option
    )
    url = slack.fake.response_url("action", channel="C0SALES01", user=user_id)
    _, trigger_id, action_ts = slack.ids()
    payload = {
        "type": "block_actions", "user": user_of(user_id, TEAM_ID), "api_app_id": APP_ID,
        "token": "legacy", "trigger_id": trigger_id, "team": {"id": TEAM_ID, "domain": "acme"},
        "container": {"type": "message", "message_ts": "1.2", "channel_id": "C0SALES01",
                      "is_ephemeral": True},
        "channel": {"id": "C0SALES01", "name": "sales"},
        "message": {"type": "message", "ts": "1.2", "text": message["text"],
                    "blocks": message["blocks"]},
        "response_url": url, "state": {"values": {}},
        "actions": [{"type": "static_select", "action_id": select["action_id"],
                     "block_id": block["block_id"], "selected_option": picked,
                     "action_ts": action_ts}],
    }  # fmt: skip
    assert slack.interactive(payload).status_code == 200
    return slack.fake.wait_for_hook(url)[0].body


def press(slack: SlackDriver, message: JSON, action_id: str, user_id: str = "U0ALICE") -> JSON:
    """Click a button; what was posted to its response_url."""
    response, url = click(slack, message, action_id, user_id=user_id)
    assert response.status_code == 200
    return slack.fake.wait_for_hook(url)[0].body


# -- 2. /deal new ---------------------------------------------------------------------------------


def test_deal_new_creates_a_deal_owned_by_me_at_the_first_stage_with_an_exact_amount(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    reply = deal_cmd(slack, "new acme: Renewal 2027 $48,000")
    text = text_of(reply)
    assert "Created *Renewal 2027* on *Acme Corp* (you typed “acme”), in Lead" in text
    assert "Owner: <@U0ALICE>" in text and "Amount: $48,000" in text
    deal = only_deal(engine)
    assert (deal.stage, deal.amount_minor, deal.currency) == ("Lead", 4_800_000, "USD")
    assert changes(engine) == [(None, "Lead", None)]
    assert audit_actions(engine) == ["deal.create"]


@pytest.mark.parametrize(
    ("typed", "minor", "currency"),
    [
        ("EUR 12,500", 1_250_000, "EUR"),
        ("12.5k €", 1_250_000, "EUR"),
        ("48.000,00 €", 4_800_000, "EUR"),
        ("JPY 1,200,000", 1_200_000, "JPY"),
        ("48k", 4_800_000, "USD"),
        ("KWD 1,250.500", 1_250_500, "KWD"),
    ],
)
def test_amounts_are_read_as_people_write_them_and_stored_in_minor_units(
    slack: SlackDriver, engine: Engine, typed: str, minor: int, currency: str
) -> None:
    new_account(slack)
    deal_cmd(slack, f"new Acme Corp: Pilot {typed}")
    deal = only_deal(engine)
    assert (deal.name, deal.amount_minor, deal.currency) == ("Pilot", minor, currency)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("Up $4x", "isn't an amount"),
        ("Up 12..5k", "isn't an amount"),
        ("Up -5k", "can't be negative"),
        ("Up $5,000,000,000,000", "too large"),
        ("Up 5,000 XYZ", "isn't an ISO 4217 currency"),
        ("Up 48k close someday soonish", "couldn't read"),
    ],
)
def test_bad_amounts_currencies_and_dates_get_one_sentence_and_no_deal(
    slack: SlackDriver, engine: Engine, typed: str, said: str
) -> None:
    new_account(slack)
    assert said in text_of(deal_cmd(slack, f"new Acme Corp: {typed}"))
    assert deals_by_name(engine) == {}


def test_a_close_date_in_the_past_is_kept_and_flagged(slack: SlackDriver, engine: Engine) -> None:
    new_account(slack)
    text = text_of(deal_cmd(slack, "new Acme Corp: Late 10k close 2026-01-05"))
    assert "has passed already" in text and ":warning: _past_" in text
    assert str(only_deal(engine).expected_close) == "2026-01-05"


def test_deal_new_on_an_unknown_account_offers_to_create_it(
    slack: SlackDriver, engine: Engine
) -> None:
    reply = deal_cmd(slack, "new Initech: Pilot 5k")
    assert "No account matches “Initech”" in text_of(reply)
    created = press(slack, reply, "deal_create_account")
    assert "Created *Pilot* on *Initech*" in text_of(created)
    assert only_deal(engine).amount_minor == 500_000
    again = press(slack, reply, "deal_create_account")  # a double click creates nothing more
    assert "created already" in text_of(again)
    assert len(deals_by_name(engine)) == 1


def test_deal_new_on_an_unclear_account_gives_buttons_to_pick(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack, "Globex East")
    new_account(slack, "Globex West")
    reply = deal_cmd(slack, "new globex: Pilot 5k")
    assert "Which account did you mean" in text_of(reply)
    picked = press(slack, reply, "deal_pick_account_1")
    assert "on *Globex" in text_of(picked)
    assert len(deals_by_name(engine)) == 1


# -- 3. advancing ---------------------------------------------------------------------------------


def test_a_deal_goes_lead_to_won_by_command_and_its_history_reads_back(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 2027 $48,000")
    assert "from Lead to *Qualified*" in text_of(deal_cmd(slack, "Acme next"))
    assert "to *Negotiation*" in text_of(deal_cmd(slack, "Acme Renewal 2027 stage negotation"))
    assert "to *Demo*" in text_of(deal_cmd(slack, "acme renewal stage dem: back a step"))
    reply = deal_cmd(slack, "Acme won")
    assert "to *Won*" in text_of(reply)
    assert changes(engine) == [
        (None, "Lead", None),
        ("Lead", "Qualified", None),
        ("Qualified", "Negotiation", None),
        ("Negotiation", "Demo", "back a step"),
        ("Demo", "Won", None),
    ]
    history = text_of(slack.command("/history", "Acme deals").reply())
    assert "Renewal 2027: Demo → Won" in history and "Renewal 2027: Lead → Qualified" in history
    card = text_of(reply)  # the last five changes, newest first
    assert (
        card.index("Demo → Won") < card.index("Negotiation → Demo") < card.index("Lead → Qualified")
    )
    assert "created in Lead" in card  # the fifth
    assert audit_actions(engine) == ["deal.create"] + ["deal.stage"] * 4


def test_a_stage_change_moves_the_accounts_last_touch(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    from datetime import timedelta

    from models.accounts import Account

    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 10k")
    clock.at += timedelta(days=3)
    deal_cmd(slack, "Acme next")
    with Session(engine) as session:
        assert session.exec(select(Account)).one().last_touched_at == clock.at


def test_the_cards_select_moves_a_deal_in_one_click_to_won(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    card = deal_cmd(slack, "new Acme Corp: Renewal 10k")
    moved = choose(slack, card, "Proposal")
    assert moved["replace_original"] is True and "from Lead to *Proposal*" in text_of(moved)
    won = choose(slack, moved, "Won")
    assert "to *Won*" in text_of(won)
    assert only_deal(engine).stage == "Won" and only_deal(engine).closed_at is not None


def test_the_cards_won_and_reopen_buttons_close_and_reopen_it(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 10k")
    card = deal_cmd(slack, "Acme stage Proposal")
    won = press(slack, card, "deal_won")
    assert "from Proposal to *Won*" in text_of(won) and won["replace_original"] is True
    buttons = [e["text"]["text"] for e in won["blocks"][-1]["elements"]]
    assert buttons == ["Reopen", "Log a call"]
    twice = press(slack, card, "deal_won")  # a double click on the old card moves nothing
    assert "a moment ago: it is now in *Won*" in text_of(twice)
    refused = press(slack, won, "deal_reopen", user_id="U0BOB")
    assert "Only <@U0ALICE>" in text_of(refused)
    reopened = press(slack, won, "deal_reopen")
    assert "from Won to *Proposal*" in text_of(reopened)
    assert [c[1] for c in changes(engine)] == ["Lead", "Proposal", "Won", "Proposal"]


def test_a_stale_card_is_told_the_current_stage_and_changes_nothing(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    card = deal_cmd(slack, "new Acme Corp: Renewal 10k")
    deal_cmd(slack, "Acme stage Demo")
    stale = choose(slack, card, "Proposal")
    assert "<@U0ALICE> changed *Renewal* a moment ago: it is now in *Demo*" in text_of(stale)
    assert only_deal(engine).stage == "Demo"
    assert [c[1] for c in changes(engine)] == ["Lead", "Demo"]


def test_lost_needs_a_reason_and_the_button_asks_for_it_in_a_modal(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 10k")
    asked = deal_cmd(slack, "Acme lost")
    assert "Lost needs a reason" in text_of(asked)
    assert only_deal(engine).stage == "Lead"
    response, _ = click(slack, asked, "deal_lost")
    assert response.status_code == 200
    view = fake_slack.wait_for("views.open")[0].args["view"]
    empty = submit(slack, view, text_input("deal_lost_reason", "deal_lost_reason_input", "  "))
    assert "Say why" in empty.text
    submit(slack, view, text_input("deal_lost_reason", "deal_lost_reason_input", "budget cut"))
    slack.settle()
    deal = only_deal(engine)
    assert (deal.stage, deal.lost_reason) == ("Lost", "budget cut")
    assert changes(engine)[-1] == ("Lead", "Lost", "budget cut")


def test_picking_lost_in_the_cards_select_asks_why_and_keeps_the_card(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    new_account(slack)
    card = deal_cmd(slack, "new Acme Corp: Renewal 10k")
    asked = choose(slack, card, "Lost")
    assert "Lost needs a reason" in text_of(asked) and asked.get("replace_original") is not True
    assert only_deal(engine).stage == "Lead"
    click(slack, asked, "deal_lost")
    view = fake_slack.wait_for("views.open")[0].args["view"]
    submit(slack, view, text_input("deal_lost_reason", "deal_lost_reason_input", "no budget"))
    slack.settle()
    assert (only_deal(engine).stage, only_deal(engine).lost_reason) == ("Lost", "no budget")


def test_lost_with_a_reason_keeps_it_and_a_reopen_goes_back_where_it_was(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 10k")
    deal_cmd(slack, "Acme stage Proposal")
    text = text_of(deal_cmd(slack, "Acme lost: went with a competitor &lt;b&gt; <!channel>"))
    assert "Lost because: went with a competitor &lt;b&gt; @channel" in text
    assert only_deal(engine).lost_reason == "went with a competitor <b> @channel"
    history = text_of(slack.command("/history", "Acme deals").reply())
    assert "Renewal: Proposal → Lost (went with a competitor &lt;b&gt; @channel)" in history
    reopened = deal_cmd(slack, "Acme reopen")
    assert "from Lost to *Proposal*" in text_of(reopened)
    assert only_deal(engine).lost_reason is None and only_deal(engine).closed_at is None


def test_next_on_a_closed_deal_says_how_to_reopen(slack: SlackDriver, engine: Engine) -> None:
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 10k")
    deal_cmd(slack, "Acme won")
    assert "is closed (Won)" in text_of(deal_cmd(slack, "Acme next"))


def test_an_unknown_stage_lists_the_stages(slack: SlackDriver, engine: Engine) -> None:
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 10k")
    text = text_of(deal_cmd(slack, "Acme stage Contract"))
    assert "There is no stage “Contract”. The stages are Lead, Qualified, Demo" in text
    assert only_deal(engine).stage == "Lead"


def test_unknown_and_ambiguous_deals_say_so_and_several_give_buttons(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    assert "has no deals yet" in text_of(deal_cmd(slack, "Acme next"))
    assert "No account is close to “Initech”" in text_of(deal_cmd(slack, "Initech next"))
    deal_cmd(slack, "new Acme Corp: Renewal 10k")
    deal_cmd(slack, "new Acme Corp: Expansion 5k")
    assert "has no deal called Pilot" in text_of(deal_cmd(slack, "Acme Pilot next"))
    pick = deal_cmd(slack, "Acme next")
    assert "Acme Corp has 2 deals; which one to next?" in text_of(pick)
    assert {d.stage for d in deals_by_name(engine).values()} == {"Lead"}
    moved = press(slack, pick, "deal_pick_0")
    assert "to *Qualified*" in text_of(moved)
    assert sorted(d.stage for d in deals_by_name(engine).values()) == ["Lead", "Qualified"]
    assert "done already" in text_of(press(slack, pick, "deal_pick_0"))


def test_amount_and_close_date_can_be_changed_and_are_audited(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal $48,000")
    assert "is now $52,000" in text_of(deal_cmd(slack, "Acme amount 52k"))
    assert "expected to close Jan 15, 2027" in text_of(deal_cmd(slack, "Acme close Jan 15"))
    assert "isn't an amount" in text_of(deal_cmd(slack, "Acme amount lots"))
    assert "couldn't read" in text_of(deal_cmd(slack, "Acme close whenever"))
    assert "has passed already" in text_of(deal_cmd(slack, "Acme close 2026-03-01"))
    assert "expected to close Jan 15, 2027" in text_of(deal_cmd(slack, "Acme close Jan 15"))
    deal = only_deal(engine)
    assert (deal.amount_minor, str(deal.expected_close)) == (5_200_000, "2027-01-15")
    assert audit_actions(engine) == ["deal.create"] + ["deal.update"] * 4
    with Session(engine) as session:
        edits = session.exec(select(AuditEntry).where(AuditEntry.action == "deal.update")).all()
    assert edits[0].before["amount_minor"] == 4_800_000  # type: ignore[index]
    assert edits[0].after["amount_minor"] == 5_200_000  # type: ignore[index]


def test_a_new_amount_keeps_the_deals_currency_unless_another_is_typed(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal EUR 10,000")
    assert "is now €52,000" in text_of(deal_cmd(slack, "Acme amount 52k"))
    assert "is now ¥5,000,000" in text_of(deal_cmd(slack, "Acme amount JPY 5,000,000"))
    assert (only_deal(engine).amount_minor, only_deal(engine).currency) == (5_000_000, "JPY")


# -- 6. rules -----------------------------------------------------------------------------------


def test_only_the_owner_or_an_admin_may_change_a_deal(slack: SlackDriver, engine: Engine) -> None:
    new_account(slack)
    card = deal_cmd(slack, "new Acme Corp: Renewal 10k")
    refused = deal_cmd(slack, "Acme next", user_id="U0BOB")
    assert text_of(refused).startswith("Only <@U0ALICE> (the deal's owner) or a Rapport admin")
    clicked = choose(slack, card, "Demo", user_id="U0BOB")
    assert "Only <@U0ALICE>" in text_of(clicked) and clicked["replace_original"] is False
    assert "Only <@U0ALICE>" in text_of(deal_cmd(slack, "Acme amount 1k", user_id="U0BOB"))
    assert only_deal(engine).stage == "Lead" and only_deal(engine).amount_minor == 1_000_000
    assert "to *Qualified*" in text_of(deal_cmd(slack, "Acme next", user_id="U0ADMIN"))
    assert "Renewal" in text_of(deal_cmd(slack, "Acme", user_id="U0BOB"))  # anyone may look


def test_guests_get_nothing_from_deal(slack: SlackDriver) -> None:
    assert (
        "isn't available to guests" in slack.command("/deal", "", user_id="U0GUEST").response.text
    )


# -- 4. the card and the lists ------------------------------------------------------------------


def test_deal_alone_lists_my_open_deals_by_stage_with_totals(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    new_account(slack, "Globex")
    deal_cmd(slack, "new Acme Corp: Renewal $48,000.50")
    deal_cmd(slack, "new Globex: Pilot $1,000")
    deal_cmd(slack, "new Globex: Expansion EUR 5,000")
    deal_cmd(slack, "Globex Expansion stage Demo")
    deal_cmd(slack, "new Acme Corp: Old 1k")
    deal_cmd(slack, "Acme Old won")
    deal_cmd(slack, "new Globex: Bobs 9k", user_id="U0BOB")
    text = text_of(deal_cmd(slack, ""))
    assert "*Lead* · 2 · $49,000.50" in text and "*Demo* · 1 · €5,000" in text
    assert "Old" not in text and "Bobs" not in text
    assert text.index("*Lead*") < text.index("*Demo*")


def test_deal_with_an_account_lists_its_deals_and_opens_one(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 10k")
    deal_cmd(slack, "new Acme Corp: Expansion 5k close 2026-01-01")
    listed = deal_cmd(slack, "acme")
    assert "Deals of Acme Corp" in text_of(listed) and ":warning: _past_" in text_of(listed)
    _, menu = menus(listed)[0]
    assert [o["text"]["text"] for o in menu["options"]] == [
        "Acme Corp — Expansion",
        "Acme Corp — Renewal",
    ]
    opened = choose(slack, listed, "Acme Corp — Renewal", by="label")
    assert "*Renewal* · Acme Corp" in text_of(opened) and opened["replace_original"] is False


def test_a_long_list_stays_inside_block_kit_limits_with_and_more(
    slack: SlackDriver, engine: Engine, clock: Clock
) -> None:
    from models.accounts import Account
    from models.reps import Rep

    new_account(slack)
    with Session(engine) as session:
        rep = session.exec(select(Rep).where(Rep.slack_user_id == "U0ALICE")).one()
        account = session.exec(select(Account)).one()
        session.add_all(
            Deal(team_id=TEAM_ID, account_id=account.id or 0, owner_id=rep.id, name=f"D{n}",
                 stage="Lead", amount_minor=100 * n, currency="USD", stage_changed_at=clock.at,
                 created_at=clock.at)
            for n in range(1, 151)
        )  # fmt: skip
        session.commit()
    reply = slack.command("/deal", "").ack_json()  # ack_json checks Block Kit's limits
    assert "*Lead* · 150" in text_of(reply) and "and 140 more" in text_of(reply)
    menu = next(b for b in reply["blocks"] if b["type"] == "actions")["elements"][0]
    assert len(menu["options"]) == 100


def test_the_card_opens_the_log_modal_with_the_account_filled_in(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    new_account(slack)
    card = deal_cmd(slack, "new Acme Corp: Renewal 10k")
    response, _ = click(slack, card, "deal_log_call")
    assert response.status_code == 200
    view = fake_slack.wait_for("views.open")[0].args["view"]
    account_block = next(b for b in view["blocks"] if b.get("block_id") == "log_account")
    assert account_block["element"]["initial_option"]["text"]["text"] == "Acme Corp"


def test_the_card_shows_days_in_stage_and_a_past_close_date(
    slack: SlackDriver, clock: Clock
) -> None:
    from datetime import timedelta

    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 10k close Dec 1")
    clock.at += timedelta(days=12)
    text = text_of(deal_cmd(slack, "Acme"))
    assert "(12 days in stage)" in text and "Dec 1, 2026 :warning: _past_" in text


# -- 5. announcements ---------------------------------------------------------------------------


@pytest.fixture
def announcing(
    settings: Settings, engine: Engine, clock: Clock, fake_slack: FakeSlack
) -> Iterator[SlackDriver]:
    deps = Deps(
        db=db.make_session_factory(engine), now=clock, admins=settings.admins,
        deals_channel="C0WINS01",
    )  # fmt: skip
    with serve(settings, deps, engine, fake_slack) as driver:
        yield driver


def test_won_deals_are_announced_in_the_deals_channel(
    announcing: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0WINS01", name="wins")
    new_account(announcing)
    deal_cmd(announcing, "new Acme Corp: Renewal EUR 12,500")
    deal_cmd(announcing, "Acme won")
    posted = fake_slack.wait_for("chat.postMessage")[0].args
    assert posted["channel"] == "C0WINS01"
    assert "*Acme Corp* · Renewal is won: €12,500, by <@U0ALICE>" in text_of(posted)


def test_a_failed_announcement_is_told_and_never_undoes_the_win(
    announcing: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    new_account(announcing)
    deal_cmd(announcing, "new Acme Corp: Renewal 10k")
    fake_slack.fail("chat.postMessage", error="not_in_channel")
    text = text_of(deal_cmd(announcing, "Acme won"))
    assert "to *Won*" in text and "couldn't announce it in <#C0WINS01> (not_in_channel)" in text
    assert only_deal(engine).stage == "Won"


# -- 1. the pipeline ----------------------------------------------------------------------------


def test_crm_stages_shows_the_pipeline_and_admins_change_it(
    slack: SlackDriver, engine: Engine
) -> None:
    text = text_of(slack.command("/crm", "stages").reply())
    assert "1. Lead (10%)" in text and "6. Won (won, 100%)" in text
    refused = slack.command("/crm", "stages set Lead, Won, Lost", user_id="U0BOB").reply()
    assert "Only Rapport admins can change the pipeline" in text_of(refused)
    changed = slack.command(
        "/crm", "stages set Lead 10%, Discovery 30%, Signed (won), Lost", user_id="U0ADMIN"
    ).reply()
    assert "2. Discovery (30%)" in text_of(changed) and "3. Signed (won)" in text_of(changed)
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 10k")
    assert "to *Signed*" in text_of(deal_cmd(slack, "Acme won"))
    assert audit_actions(engine)[0] == "pipeline.set"


def test_a_stage_with_deals_cannot_be_removed_and_the_answer_names_them(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 10k")
    deal_cmd(slack, "Acme stage Demo")
    refused = slack.command(
        "/crm", "stages set Lead, Qualified, Proposal, Won, Lost", user_id="U0ADMIN"
    ).reply()
    assert "Demo can't be removed while deals are in it: Acme Corp Renewal (Demo)" in text_of(
        refused
    )
    assert "Demo" in text_of(slack.command("/crm", "stages").reply())


def test_a_stage_with_deals_cannot_turn_won_or_lost_under_them(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 10k")
    deal_cmd(slack, "Acme stage Proposal")
    refused = slack.command(
        "/crm", "stages set Lead, Qualified, Demo, Proposal (won), Negotiation, Won, Lost",
        user_id="U0ADMIN",
    ).reply()  # fmt: skip
    assert (
        "Proposal can't change from open to won while deals are in it: Acme Corp Renewal"
        in text_of(refused)
    )
    assert only_deal(engine).closed_at is None and only_deal(engine).stage == "Proposal"
    allowed = slack.command(
        "/crm", "stages set Lead, Qualified, Demo (won), Proposal, Negotiation, Won, Lost",
        user_id="U0ADMIN",
    ).reply()  # fmt: skip
    assert "can't" not in text_of(allowed)  # Demo holds no deal


def test_renaming_a_stage_keeps_its_deals_and_their_history(
    slack: SlackDriver, engine: Engine
) -> None:
    new_account(slack)
    deal_cmd(slack, "new Acme Corp: Renewal 10k")
    deal_cmd(slack, "Acme stage Demo")
    renamed = slack.command("/crm", "stages rename demo to Discovery", user_id="U0ADMIN").reply()
    assert "Renamed Demo to *Discovery*; 1 deal and their history follow" in text_of(renamed)
    assert only_deal(engine).stage == "Discovery"
    assert changes(engine)[-1] == ("Lead", "Discovery", None)
    assert "from Discovery to *Proposal*" in text_of(deal_cmd(slack, "Acme next"))
    taken = slack.command("/crm", "stages rename Lead to Proposal", user_id="U0ADMIN").reply()
    assert "There is a stage called Proposal already" in text_of(taken)
    refused = slack.command("/crm", "stages rename Lead to Prospect", user_id="U0BOB").reply()
    assert "Only Rapport admins can rename a stage" in text_of(refused)
    assert "Renamed Lead to *Prospect*; 0 deals" in text_of(
        slack.command("/crm", "Stages rename lead to Prospect", user_id="U0ADMIN").reply()
    )


def test_deal_and_stage_names_with_formatting_characters_read_as_typed(
    slack: SlackDriver,
) -> None:
    from handlers.blocks.text import literal

    new_account(slack, "*Star* Labs")
    slack.command("/crm", "stages set Lead, _Demo_, Won, Lost", user_id="U0ADMIN").reply()
    created = deal_cmd(slack, "new *Star* Labs: ~Pilot~ 10k")
    moved = deal_cmd(slack, "Star Labs stage _demo_")
    for answer in (created, moved):
        shown = text_of({"blocks": answer["blocks"]})
        assert literal("*Star* Labs") in shown and literal("~Pilot~") in shown
        assert "*Star* Labs" not in shown and "<!date^00000000" not in answer["text"]
    assert literal("_Demo_") in text_of({"blocks": moved["blocks"]})
