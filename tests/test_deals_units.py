"""Pure parts of deals: money, the /deal and /crm stages grammar, stage matching, the builders;
and the deal operations on the store."""

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from bot.config import Settings
from handlers.blocks.deals import (
    DealCard,
    Listed,
    build_deal_card,
    build_deal_list,
    build_stages,
    build_won_announcement,
)
from handlers.parsing.deals import (
    DealChange,
    DealList,
    DealNew,
    DealShow,
    StagesRename,
    StagesSet,
    parse_deal,
    parse_stages_command,
)
from handlers.parsing.text import CommandError
from models import deals, pipeline_changes
from models.audit import AuditEntry
from models.deal_refs import resolve_deal
from models.deals import Change, Deal, NeedsReason, NotDealOwner
from models.money import AmountError, Money, exponent, format_money, is_currency, parse_amount
from models.pipeline_changes import StageInUse
from models.stages import DEFAULT_PIPELINE, Pipeline, Stage, StageOutcome, UnknownStage, find_stage
from tests.factories import make_account, make_deal, make_rep

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


# -- money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "minor", "currency"),
    [
        ("$48,000", 4_800_000, "USD"),
        ("48k", 4_800_000, "USD"),
        ("EUR 12,500", 1_250_000, "EUR"),
        ("12.5k €", 1_250_000, "EUR"),
        ("48.000,00 €", 4_800_000, "EUR"),
        ("48 000 €", 4_800_000, "EUR"),
        ("£1,234.56", 123_456, "GBP"),
        ("¥1200", 1_200, "JPY"),
        ("JPY 1,200", 1_200, "JPY"),
        ("KWD 1,250.500", 1_250_500, "KWD"),
        ("CHF 1'200.50", 120_050, "CHF"),
        ("$1.5M", 150_000_000, "USD"),
        ("0.5", 50, "USD"),
        ("12,50 €", 1_250, "EUR"),
        ("usd 19.99", 1_999, "USD"),
        ("1.2bn SEK", 120_000_000_000, "SEK"),
    ],
)
def test_amounts_are_read_exactly_in_minor_units(typed: str, minor: int, currency: str) -> None:
    assert parse_amount(typed, default_currency="USD") == Money(minor, currency)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("$4x", "isn't an amount"),
        ("12..5k", "isn't an amount"),
        ("1,2,3", "isn't an amount"),
        ("48,0000", "USD has 2 decimal places"),
        ("lots", "isn't an amount"),
        ("-5", "can't be negative"),
        ("€ -5", "can't be negative"),
        ("JPY 1,200.5", "JPY has 0 decimal places"),
        ("$1.5.0", "isn't an amount"),
        ("XYZ 5", "isn't an ISO 4217"),
        ("DEM 5", "isn't an ISO 4217"),  # the Deutsche Mark: ISO 4217 once, tendered nowhere now
        ("XAU 5", "isn't an ISO 4217"),  # gold: no minor unit, no deal currency
        ("$ 5 €", "one currency"),
        ("10000000000000", "too large"),
    ],
)
def test_what_is_not_an_amount_gets_one_sentence(typed: str, said: str) -> None:
    with pytest.raises(AmountError, match=said):
        parse_amount(typed, default_currency="USD")


def test_a_dollar_sign_means_the_workspaces_own_dollar() -> None:
    assert parse_amount("$5", default_currency="CAD") == Money(500, "CAD")
    assert parse_amount("$5", default_currency="EUR") == Money(500, "USD")
    assert parse_amount("5", default_currency="JPY") == Money(5, "JPY")


def test_exponents_follow_iso_4217_and_amounts_format_exactly() -> None:
    assert (exponent("JPY"), exponent("USD"), exponent("KWD"), exponent("HUF")) == (0, 2, 3, 2)
    assert format_money(4_800_050, "USD") == "$48,000.50"
    assert format_money(1_200, "JPY") == "¥1,200"
    assert format_money(1_250_500, "KWD") == "1,250.500 KWD"
    assert format_money(10**17 + 1, "EUR") == "€1,000,000,000,000,000.01"  # no float rounding
    assert is_currency("sek") and not is_currency("ABC")


def test_rapport_currency_must_be_iso_4217() -> None:
    assert Settings(_env_file=None, RAPPORT_CURRENCY="eur").currency == "EUR"
    assert Settings(_env_file=None).currency == "USD"
    with pytest.raises(ValidationError, match="ISO 4217"):
        Settings(_env_file=None, RAPPORT_CURRENCY="EURO")


# -- the grammar ----------------------------------------------------------------------------------


def parse(text: str) -> object:
    return parse_deal(text, default_currency="USD")


def test_deal_grammar_reads_every_form() -> None:
    assert parse("  ") == DealList()
    assert parse("new Acme: Renewal 2027 $48,000 close Jan 15") == DealNew(
        "Acme", "Renewal 2027", Money(4_800_000, "USD"), "Jan 15"
    )
    assert parse("new Acme: Renewal 2027") == DealNew("Acme", "Renewal 2027", None, None)
    assert parse("new Acme: Deal SSO 5k") == DealNew(
        "Acme", "Deal SSO", Money(500_000, "USD"), None
    )
    assert parse("Acme Renewal 2027 stage Closed Won") == DealChange(
        "Acme Renewal 2027", "stage", "Closed Won"
    )
    assert parse("Acme next") == DealChange("Acme", "next")
    assert parse("Acme lost: went with a competitor") == DealChange(
        "Acme", "lost", None, "went with a competitor"
    )
    assert parse("Acme close next friday") == DealChange("Acme", "close", "next friday")
    assert parse("Acme reopen Demo") == DealChange("Acme", "reopen", "Demo")
    assert parse("Acme &amp; Sons") == DealShow("Acme & Sons")


@pytest.mark.parametrize(
    "typed",
    ["new Acme", "new : Renewal", "new Acme: ", "new Acme: Pilot close", "Acme Renewal: hello"],
)
def test_incomplete_deal_commands_say_what_is_missing(typed: str) -> None:
    with pytest.raises(CommandError):
        parse(typed)


def test_crm_stages_grammar() -> None:
    got = parse_stages_command("set Lead 10%, Qualified 25%, Demo, Signed (won) 100%, Closed Lost")
    assert isinstance(got, StagesSet)
    assert got.stages == [
        Stage("Lead", probability=10),
        Stage("Qualified", probability=25),
        Stage("Demo"),
        Stage("Signed", StageOutcome.WON, 100),
        Stage("Closed Lost", StageOutcome.LOST),
    ]
    assert parse_stages_command("rename Demo to Discovery call") == StagesRename(
        "Demo", "Discovery call"
    )
    with pytest.raises(CommandError):
        parse_stages_command("rename Demo")
    with pytest.raises(CommandError):
        parse_stages_command("set , ,")


@pytest.mark.parametrize(
    ("typed", "stage"),
    [("negotiation", "Negotiation"), ("NEG", "Negotiation"), ("negotation", "Negotiation"),
     ("dmeo", "Demo"), ("  won ", "Won"), ("Qualifed", "Qualified")],
)  # fmt: skip
def test_stages_are_matched_like_account_names(typed: str, stage: str) -> None:
    assert find_stage(DEFAULT_PIPELINE, typed).name == stage


def test_an_unclear_or_unknown_stage_lists_them() -> None:
    with pytest.raises(UnknownStage, match="There is no stage “L”"):
        find_stage(DEFAULT_PIPELINE, "L")  # one letter is no prefix
    two = Pipeline((Stage("Demo"), Stage("Deal desk"), Stage("Won", StageOutcome.WON),
                    Stage("Lost", StageOutcome.LOST)))  # fmt: skip
    with pytest.raises(UnknownStage, match="“de” could be Demo or Deal desk"):
        find_stage(two, "de")
    with pytest.raises(UnknownStage, match="The stages are Lead, Qualified, Demo"):
        find_stage(DEFAULT_PIPELINE, "Contract")


# -- builders -------------------------------------------------------------------------------------


def card_of(deal: Deal, **overrides: object) -> DealCard:
    fields: dict = dict(
        deal=deal, account="Acme <b>", owner="U0ALICE", pipeline=DEFAULT_PIPELINE,
        changes=[], today=date(2026, 11, 23), now=NOW,
    )  # fmt: skip
    return DealCard(**(fields | overrides))


def a_deal(**fields: object) -> Deal:
    values: dict = dict(
        id=7, team_id="T1", account_id=3, owner_id=1, name="Renewal <!here>", stage="Demo",
        amount_minor=4_800_050, currency="USD", stage_changed_at=NOW - timedelta(days=3),
        created_at=NOW, version=4, expected_close=date(2026, 11, 1),
    )  # fmt: skip
    return Deal(**(values | fields))


def test_the_card_escapes_names_flags_a_past_close_and_carries_its_version() -> None:
    changes = [Change("Lead", "Demo", "U0BOB", NOW, "<@U0X> liked it")] * 7
    built = build_deal_card(card_of(a_deal(), changes=changes[:5]), tz="UTC")
    text = str(built)
    assert "Renewal &lt;!here&gt;" in text and "Acme &lt;b&gt;" in text
    assert "&lt;@U0X&gt; liked it" in text and "<!here>" not in text
    assert "$48,000.50" in text and "(3 days in stage)" in text and "_past_" in text
    body = next(b for b in built["blocks"] if b.get("accessory"))
    assert body["block_id"] == "deal_7_4"
    assert body["accessory"]["initial_option"]["value"] == "Demo"
    buttons = [e["text"]["text"] for e in built["blocks"][-1]["elements"]]
    assert buttons == ["Won", "Lost", "Log a call"]


def test_a_closed_card_offers_reopen_and_shows_why_it_was_lost() -> None:
    lost = a_deal(stage="Lost", lost_reason="budget")
    built = build_deal_card(card_of(lost), tz="UTC")
    assert "Lost because: budget" in str(built) and "_past_" not in str(built)
    assert [e["text"]["text"] for e in built["blocks"][-1]["elements"]] == ["Reopen", "Log a call"]


def test_a_list_of_many_stages_and_deals_fits_slack() -> None:
    pipeline = DEFAULT_PIPELINE
    listed = [
        Listed(a_deal(id=n, name="x" * 200, stage=f"Imported {n % 60}"), "A" * 120)
        for n in range(1, 501)
    ]
    built = build_deal_list(listed, total=900, pipeline=pipeline, today=date(2026, 1, 1), title="T")
    assert len(built["blocks"]) <= 50
    assert "and 400 more not listed" in str(built)
    shown = sum(len(b["text"]["text"]) for b in built["blocks"] if b["type"] == "section")
    assert shown < 12_000  # Slack's unwritten limit on a message's blocks is about 13k


def test_the_won_announcement_and_the_stages_escape_what_people_typed() -> None:
    won = build_won_announcement(deal=a_deal(currency="EUR"), account="A&B", owner="U0ALICE")
    assert "*A&amp;B* · Renewal &lt;!here&gt; is won: €48,000.50, by <@U0ALICE>" in str(won)
    pipeline = Pipeline((Stage("<b>", probability=5), Stage("Won", StageOutcome.WON),
                         Stage("Lost", StageOutcome.LOST)))  # fmt: skip
    shown = str(build_stages(pipeline, admin=False))
    assert "1. &lt;b&gt; (5%)" in shown and "2. Won (won)" in shown and "admins can change" in shown


# -- the store ------------------------------------------------------------------------------------


def test_create_move_and_update_record_who_when_from_to_and_audit(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    account = make_account(session, "Acme", owner=alice, now=NOW)
    deal = deals.create_deal(
        session=session, account=account, owner=alice, name=" Renewal  2027 ",
        money=Money(100, "EUR"), expected_close=None, now=NOW,
    )  # fmt: skip
    assert (deal.name, deal.stage, deal.version) == ("Renewal 2027", "Lead", 0)
    later = NOW + timedelta(hours=1)
    lost = DEFAULT_PIPELINE.lost
    with pytest.raises(NeedsReason):
        deals.move_deal(session=session, team_id=alice.team_id, deal_id=deal.id or 0, to=lost,
                        actor=alice, now=later)  # fmt: skip
    deals.move_deal(
        session=session, team_id=alice.team_id, deal_id=deal.id or 0, to=lost, actor=alice,
        now=later, note="price",
    )  # fmt: skip
    assert (deal.stage, deal.lost_reason, deal.closed_at, deal.version) == (
        "Lost",
        "price",
        later,
        1,
    )
    assert account.last_touched_at == later
    history = deals.recent_changes(session=session, deal=deal)
    assert [(c.from_stage, c.to_stage, c.note) for c in history] == [
        ("Lead", "Lost", "price"),
        (None, "Lead", None),
    ]
    actions = session.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all()  # type: ignore[arg-type]
    assert [a for a in actions if a.startswith("deal")] == ["deal.create", "deal.stage"]


def test_a_second_open_deal_of_the_same_name_is_refused(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    account = make_account(session, "Acme", owner=alice, now=NOW)
    make_deal(session, account, alice, "Lead", now=NOW, name="Renewal")
    with pytest.raises(deals.DomainError, match="already has an open deal called Renewal"):
        deals.create_deal(session=session, account=account, owner=alice, name="renewal",
                          money=None, expected_close=None, now=NOW)  # fmt: skip


def test_only_the_owner_or_an_admin_may_move_a_deal(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    bob = make_rep(session, "U0BOB", now=NOW)
    ada = make_rep(session, "U0ADA", now=NOW, is_admin=True)
    account = make_account(session, "Acme", owner=alice, now=NOW)
    deal = make_deal(session, account, alice, "Lead", now=NOW)
    with pytest.raises(NotDealOwner) as refused:
        deals.check_can_edit(deal, bob)
    assert refused.value.owner == "U0ALICE"
    deals.check_can_edit(deal, ada)
    deals.check_can_edit(deal, alice)


def test_a_stage_in_use_cannot_be_removed_and_the_refusal_names_the_deals(session: Session) -> None:
    ada = make_rep(session, "U0ADA", now=NOW, is_admin=True)
    account = make_account(session, "Acme", owner=ada, now=NOW)
    for n in range(7):
        make_deal(session, account, ada, "Demo", now=NOW, name=f"D{n}")
    stages = [s for s in DEFAULT_PIPELINE.stages if s.name != "Demo"]
    with pytest.raises(StageInUse, match=r"Acme D0 \(Demo\), .* and 2 more"):
        pipeline_changes.replace_stages(
            session=session, team_id=ada.team_id, stages=stages, actor=ada, now=NOW
        )


def test_a_deal_is_named_by_account_and_name_with_prefixes_and_typos(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    acme = make_account(session, "Acme Corp", owner=alice, now=NOW)
    make_account(session, "Acme Corp Renewal Partners", owner=alice, now=NOW)
    make_deal(session, acme, alice, "Lead", now=NOW, name="Renewal 2027")
    make_deal(session, acme, alice, "Won", now=NOW, name="Pilot")
    team = alice.team_id
    assert [d.name for d in resolve_deal(session=session, team_id=team, typed="acme").deals] == [
        "Renewal 2027"
    ]  # the only open one
    ref = resolve_deal(session=session, team_id=team, typed="Acme Corp renewl 2027")
    assert [d.name for d in ref.deals] == ["Renewal 2027"] and ref.named
    assert [
        d.name for d in resolve_deal(session=session, team_id=team, typed="acme pil").deals
    ] == ["Pilot"]
    with pytest.raises(deals.NotFound, match="has no deal called Expansion"):
        resolve_deal(session=session, team_id=team, typed="Acme Corp Expansion")
