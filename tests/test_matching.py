"""Account names as people type them, against the real database."""

from datetime import UTC, datetime
from itertools import product

import pytest
from sqlalchemy import Engine, insert
from sqlmodel import Session, select

from bot import db
from bot.standin.driver import TEAM_ID
from models.accounts import Account, AccountStatus, normalize_name
from models.matching import NEAREST_SCORE, Resolution, guess_account_in_text, resolve_account
from models.reps import Rep
from tests.databases import temporary_database
from tests.factories import make_account, make_rep

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
OTHER_TEAM = "T0OTHER"


@pytest.fixture
def alice(session: Session) -> Rep:
    return make_rep(session, "U0ALICE", now=NOW)


def add_accounts(session: Session, owner: Rep, *names: str) -> None:
    for name in names:
        make_account(session, name, owner=owner, now=NOW)


def resolve(session: Session, name: str, team_id: str = TEAM_ID, limit: int = 5) -> Resolution:
    return resolve_account(session=session, team_id=team_id, name=name, limit=limit)


def names(resolution: Resolution) -> tuple[str | None, list[str], list[str]]:
    """(match, choices, nearest) as account names, for readable assertions."""
    match = resolution.match.name if resolution.match else None
    return match, [c.name for c in resolution.choices], [c.name for c in resolution.nearest]


@pytest.mark.parametrize(
    ("typed", "account"),
    [
        ("ACME, Inc.", "Acme Corp"),
        ("acme llc", "Acme Corp"),
        ("  Acme   ", "Acme Corp"),
        ("societe generale", "Société Générale SA"),
        ("SOCIÉTÉ GÉNÉRALE", "Société Générale SA"),
        ("Globex-Corporation plc", "Globex"),
    ],
)
def test_exact_match_ignores_case_punctuation_accents_and_legal_suffixes(
    session: Session, alice: Rep, typed: str, account: str
) -> None:
    add_accounts(session, alice, "Acme Corp", "Société Générale SA", "Globex", "Acme Robotics")
    resolution = resolve(session, typed)
    assert names(resolution) == (account, [], [])
    assert resolution.match is not None and resolution.match.score == 100
    assert resolution.query == " ".join(typed.split())


@pytest.mark.parametrize(
    ("typed", "account"),
    [("Acmee", "Acme"), ("Globx", "Globex"), ("initec", "Initech"), ("Umbrela Corp", "Umbrella")],
)
def test_a_typo_resolves_to_the_one_obvious_account(
    session: Session, alice: Rep, typed: str, account: str
) -> None:
    add_accounts(session, alice, "Acme", "Globex", "Initech", "Umbrella", "Hooli")
    resolution = resolve(session, typed)
    assert names(resolution) == (account, [], [])
    assert resolution.match is not None and 85 <= resolution.match.score < 100


def test_a_unique_prefix_resolves_to_its_account(session: Session, alice: Rep) -> None:
    add_accounts(session, alice, "Globex Corporation", "Initech", "Gleb & Sons")
    assert names(resolve(session, "glob")) == ("Globex Corporation", [], [])


def test_a_name_several_accounts_start_with_offers_each_as_a_choice(
    session: Session, alice: Rep
) -> None:
    add_accounts(session, alice, "Acme Widgets", "Acme Robotics", "Globex")
    match, choices, nearest = names(resolve(session, "Acme"))
    assert (match, sorted(choices), nearest) == (None, ["Acme Robotics", "Acme Widgets"], [])


def test_two_equally_close_spellings_are_both_offered(session: Session, alice: Rep) -> None:
    add_accounts(session, alice, "Zenix", "Zenex", "Initech")
    match, choices, nearest = names(resolve(session, "Zenax"))
    assert (match, sorted(choices), nearest) == (None, ["Zenex", "Zenix"], [])


def test_choices_are_best_first_and_at_most_the_limit(session: Session, alice: Rep) -> None:
    industries = ["Foods", "Capital", "Media", "Labs", "Marine", "Energy", "Pharma", "Motors"]
    add_accounts(session, alice, *[f"Kessler {industry}" for industry in industries])
    resolution = resolve(session, "Kessler", limit=3)
    scores = [choice.score for choice in resolution.choices]
    assert resolution.match is None and len(scores) == 3 and scores == sorted(scores, reverse=True)
    assert len(resolve(session, "Kessler").choices) == 5


def test_a_name_two_edits_away_is_offered_as_the_nearest(session: Session, alice: Rep) -> None:
    add_accounts(session, alice, "Zyex Analytics", "Acme", "Globex", "Initech", "Hooli")
    assert names(resolve(session, "Zyxe Analytics")) == (None, [], ["Zyex Analytics"])


@pytest.mark.parametrize("typed", ["Pied Piper", "zzz", "Zzqx Analytics", "Bob", "Xyz Corp"])
def test_unrelated_names_are_never_offered(session: Session, alice: Rep, typed: str) -> None:
    add_accounts(session, alice, "Zyex Analytics", "Acme", "Globex", "Initech", "Initrode")
    assert names(resolve(session, typed)) == (None, [], [])


def test_an_empty_workspace_has_nothing_to_offer(session: Session) -> None:
    assert names(resolve(session, "Acme")) == (None, [], [])


def test_a_name_of_only_punctuation_matches_nothing(session: Session, alice: Rep) -> None:
    add_accounts(session, alice, "Acme")
    assert resolve(session, " !!! ... ") == Resolution(
        query="!!! ...", match=None, choices=[], nearest=[]
    )
    assert guess_account_in_text(session=session, team_id=TEAM_ID, text="?!") is None


def test_a_new_account_is_found_at_once(session: Session, alice: Rep) -> None:
    add_accounts(session, alice, "Acme")
    assert resolve(session, "Hooli").match is None
    add_accounts(session, alice, "Hooli")
    assert names(resolve(session, "Hooli")) == ("Hooli", [], [])
    assert names(resolve(session, "Hoolli")) == ("Hooli", [], [])


def test_deleted_accounts_never_match(session: Session, alice: Rep) -> None:
    add_accounts(session, alice, "Acme Robotics", "Globex")
    deleted = make_account(session, "Acme", owner=alice, now=NOW)
    deleted.status = AccountStatus.DELETED
    session.add(deleted)
    session.flush()
    for typed in ["Acme", "Acmee", "Acm", "zzzz"]:
        resolution = resolve(session, typed)
        offered = [resolution.match, *resolution.choices, *resolution.nearest]
        assert deleted.id not in [c.id for c in offered if c], typed
    assert guess_account_in_text(session=session, team_id=TEAM_ID, text="Met Acme today") is None


def test_another_workspaces_accounts_never_match(session: Session, alice: Rep) -> None:
    stranger = make_rep(session, "U0STRANGER", now=NOW, team_id=OTHER_TEAM)
    add_accounts(session, stranger, "Acme", "Globex")
    add_accounts(session, alice, "Initech", "Acne")
    assert names(resolve(session, "Acme")) == (None, [], ["Acne"])
    assert names(resolve(session, "Globx")) == (None, [], [])
    text = "Spoke with Dana at Acme today"
    assert guess_account_in_text(session=session, team_id=TEAM_ID, text=text) is None
    assert names(resolve(session, "Acme", team_id=OTHER_TEAM)) == ("Acme", [], [])


def test_guess_finds_the_account_a_message_names(session: Session, alice: Rep) -> None:
    add_accounts(session, alice, "Acme Corp", "Globex")
    text = "Spoke with Dana at Acme Corp today, they want a quote"
    guess = guess_account_in_text(session=session, team_id=TEAM_ID, text=text)
    assert guess is not None and (guess.name, guess.score) == ("Acme Corp", 100.0)


@pytest.mark.parametrize(
    ("text", "account"),
    [
        ("Lunch with the Acme Robotics team", "Acme Robotics"),
        ("Acme called about the ACME ROBOTICS, INC. renewal", "Acme Robotics"),
        ("Spoke with Dana at Acme Corp today", "Acme"),  # "Acme Corp" spans two words
        ("Dana says hi", "Dana"),
    ],
)
def test_guess_prefers_the_longest_name_in_the_message(
    session: Session, alice: Rep, text: str, account: str
) -> None:
    add_accounts(session, alice, "Acme", "Acme Robotics", "Dana")
    guess = guess_account_in_text(session=session, team_id=TEAM_ID, text=text)
    assert guess is not None and guess.name == account


def test_guess_is_none_when_no_account_is_named(session: Session, alice: Rep) -> None:
    add_accounts(session, alice, "Acme", "Globex")
    assert guess_account_in_text(session=session, team_id=TEAM_ID, text="Call me back") is None
    assert guess_account_in_text(session=session, team_id=TEAM_ID, text="") is None


def test_a_few_thousand_accounts_still_resolve_exact_typo_and_ambiguous_names(
    session: Session, alice: Rep
) -> None:
    firsts = "Blue Red Silver Golden Swift Prime Apex Summit Noble Alpine Coastal Urban"
    seconds = "Harbor River Peak Fox Falcon Oak Cedar Bridge Anchor Beacon Lantern Forge"
    thirds = "Analytics Systems Logistics Robotics Labs Partners Holdings Foods Energy Capital"
    thirds += " Software Health Media Consulting Group Industries Solutions"
    bulk = [" ".join(words) for words in product(*map(str.split, (firsts, seconds, thirds)))]
    rows = [
        {
            "team_id": TEAM_ID,
            "name": name,
            "normalized_name": normalize_name(name),
            "status": AccountStatus.ACTIVE.value,
            "created_at": NOW,
        }
        for name in bulk
    ]
    session.execute(insert(Account), rows)
    add_accounts(session, alice, "Initech", "Globex")
    assert len(bulk) > 2000
    assert names(resolve(session, "blue harbor analytics inc")) == ("Blue Harbor Analytics", [], [])
    assert names(resolve(session, "Silver Falcn Robotics")) == ("Silver Falcon Robotics", [], [])
    assert names(resolve(session, "initec")) == ("Initech", [], [])
    assert len(resolve(session, "Apex Oak").choices) == 5
    far = resolve(session, "Zyxwv Dynamics")
    assert far.match is None and all(c.score >= NEAREST_SCORE for c in far.nearest)


def test_a_name_longer_than_any_account_name_is_scored_on_its_start(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW)
    make_account(session, "Acme", owner=alice, now=NOW)
    found = resolve_account(session=session, team_id=alice.team_id, name="acme " * 8000)
    assert (found.match, found.choices, found.nearest) == (None, [], [])


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Ferrari S.p.A.", "ferrari"),
        ("Ferrari SpA", "ferrari"),
        ("Ferrari S. p. A.", "ferrari"),
        ("Kone Oyj", "kone"),
        ("Kone Oy", "kone"),
        ("Ikea AB", "ikea"),
        ("Heineken N.V.", "heineken"),
        ("Canva Pty Ltd", "canva"),
        ("Nestlé S.A.", "nestle"),
        ("Lego A/S", "lego"),
        ("Allegro Sp. z o.o.", "allegro"),
        ("Porsche AG", "porsche"),
        ("Michelin SAS", "michelin"),
        ("Sanofi SARL", "sanofi"),
        ("Barilla Srl", "barilla"),
        ("Arm plc", "arm"),
        ("Baker McKenzie LLP", "baker mckenzie"),
        ("Ricoh K.K.", "ricoh"),
        ("Ricoh KK", "ricoh"),
        ("Bosch GmbH & Co. KG", "bosch"),
        ("株式会社リコー", "リコー"),
        ("リコー株式会社", "リコー"),
        ("リコー 株式会社", "リコー"),
        ("㈱リコー", "リコー"),
        ("\uff08株\uff09リコー", "リコー"),  # full-width parentheses
        ("有限会社ヤマト", "ヤマト"),
        ("合同会社ヤマト", "ヤマト"),
        ("株式会社", "株式会社"),  # a bare legal form is still a name
        ("AB", "ab"),
        ("AB Volvo", "ab volvo"),  # a legal form is dropped from the end only
    ],
)
def test_legal_forms_of_many_countries_are_ignored(typed: str, key: str) -> None:
    assert normalize_name(typed) == key


def test_a_japanese_company_is_found_with_or_without_its_legal_form(
    session: Session, alice: Rep
) -> None:
    add_accounts(session, alice, "株式会社リコー", "Kone Oyj")
    assert names(resolve(session, "リコー株式会社")) == ("株式会社リコー", [], [])
    assert names(resolve(session, "リコー")) == ("株式会社リコー", [], [])
    assert names(resolve(session, "kone oy")) == ("Kone Oyj", [], [])


def test_the_names_migration_rekeys_stored_names_for_the_new_legal_forms(
    engine: Engine, database_url: str
) -> None:
    with temporary_database(database_url, prefix="rapport_names") as url:
        scratch = db.make_engine(url)
        try:
            db.upgrade(scratch, "0007")
            rows = [("Ferrari S.p.A.", "ferrari s p a"), ("Kone Oy", "kone oy")]
            rows += [("Acme", "acme"), ("Acme AG", "acme ag"), ("Acme AB", "acme ab")]
            with scratch.begin() as connection:
                for name, key in rows:
                    connection.execute(
                        insert(Account).values(
                            team_id=TEAM_ID, name=name, normalized_name=key,
                            status="active", created_at=NOW,
                        )
                    )  # fmt: skip
            db.upgrade(scratch)
            with scratch.connect() as connection:
                keys = dict(connection.execute(select(Account.name, Account.normalized_name)).all())
        finally:
            scratch.dispose()
    # "Acme AG" would now share Acme's key; the unique index allows one, so it keeps its own.
    assert keys == {
        "Ferrari S.p.A.": "ferrari",
        "Kone Oy": "kone",
        "Acme": "acme",
        "Acme AG": "acme ag",
        "Acme AB": "acme ab",
    }
