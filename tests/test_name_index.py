"""The trigram pre-filter (models.name_index) follows the accounts it indexes, on both databases."""

from datetime import UTC, datetime
from importlib import import_module
from itertools import pairwise

import pytest
from alembic import command
from sqlalchemy import Engine, insert, inspect, text
from sqlmodel import Session

from bot import db
from bot.standin.driver import TEAM_ID
from models import name_index
from models.accounts import Account, AccountStatus, normalize_name
from models.matching import NEAREST_SCORE, resolve_account
from models.merging import merge_accounts
from models.name_index import similar_names
from models.reps import Rep
from tests.databases import temporary_database
from tests.factories import make_account, make_rep

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
OTHER_TEAM = "T0OTHER"
by_length = import_module("migrations.versions.0021_name_trigrams_by_length")


@pytest.fixture
def alice(session: Session) -> Rep:
    return make_rep(session, "U0ALICE", now=NOW)


def candidates(session: Session, key: str, team_id: str = TEAM_ID) -> list[str]:
    found = similar_names(session=session, team_id=team_id, key=normalize_name(key))
    assert found is not None, "the trigram index is missing"
    return found


def check_sqlite_index(session: Session) -> None:
    if session.get_bind().dialect.name == "sqlite":  # a contentless table checks its own structure
        session.execute(text(f"INSERT INTO {name_index.SQLITE_TABLE} ({name_index.SQLITE_TABLE}) "
                             "VALUES ('integrity-check')"))  # fmt: skip


def test_a_new_account_is_a_candidate_at_once(session: Session, alice: Rep) -> None:
    assert "globex" not in candidates(session, "Globx")
    make_account(session, "Globex", owner=alice, now=NOW)
    assert "globex" in candidates(session, "Globx")
    check_sqlite_index(session)


def test_a_renamed_account_is_found_by_its_new_name_only(session: Session, alice: Rep) -> None:
    account = make_account(session, "Globex", owner=alice, now=NOW)
    account.name, account.normalized_name = "Initech", normalize_name("Initech")
    session.add(account)
    session.flush()
    assert "globex" not in candidates(session, "Globx")
    assert "initech" in candidates(session, "Initeck")
    assert resolve_account(session=session, team_id=TEAM_ID, name="Initeck").match is not None
    check_sqlite_index(session)


def test_deleted_and_removed_accounts_leave_the_index(session: Session, alice: Rep) -> None:
    deleted = make_account(session, "Globex", owner=alice, now=NOW)
    removed = make_account(session, "Initech", owner=alice, now=NOW)
    deleted.status = AccountStatus.DELETED
    session.add(deleted)
    session.flush()
    session.delete(removed)
    session.flush()
    assert "globex" not in candidates(session, "Globx")
    assert "initech" not in candidates(session, "Initeck")
    deleted.status = AccountStatus.ACTIVE  # undeleted: back in
    session.add(deleted)
    session.flush()
    assert "globex" in candidates(session, "Globx")
    check_sqlite_index(session)


def test_a_merged_account_is_found_through_its_alias_not_the_index(
    session: Session, alice: Rep
) -> None:
    source = make_account(session, "Globex Industries", owner=alice, now=NOW)
    target = make_account(session, "Initech", owner=alice, now=NOW)
    assert source.id is not None and target.id is not None
    merge_accounts(
        session=session, team_id=TEAM_ID, source=source.id, target=target.id,
        actor="operator", actor_is_admin=True, now=NOW,
    )  # fmt: skip
    session.flush()
    assert "globex industries" not in candidates(session, "Globex Industrie")
    found = resolve_account(session=session, team_id=TEAM_ID, name="Globex Industries")
    assert found.match is not None and found.match.id == target.id
    check_sqlite_index(session)


def add_thousands(session: Session) -> list[str]:
    """1,296 names of three common words each, in one statement; their names."""
    firsts = "Blue Red Silver Golden Swift Prime Apex Summit Noble Alpine Coastal Urban"
    seconds = "Harbor River Peak Fox Falcon Oak Cedar Bridge Anchor Beacon Lantern Forge"
    thirds = "Analytics Systems Logistics Robotics Labs Partners Holdings Foods Energy"
    words = [part.split(" ") for part in (firsts, seconds, thirds)]
    bulk = [f"{a} {b} {c}" for a in words[0] for b in words[1] for c in words[2]]
    rows = [
        {"team_id": TEAM_ID, "name": name, "normalized_name": normalize_name(name),
         "status": AccountStatus.ACTIVE.value, "created_at": NOW}
        for name in bulk
    ]  # fmt: skip
    session.execute(insert(Account), rows)
    return bulk


def test_a_typo_resolves_among_thousands_through_the_index(session: Session, alice: Rep) -> None:
    bulk = add_thousands(session)
    pool = candidates(session, "Silver Falcn Robotics")
    assert "silver falcon robotics" in pool and len(pool) <= name_index.CANDIDATES < len(bulk)
    found = resolve_account(session=session, team_id=TEAM_ID, name="Silver Falcn Robotics")
    assert found.match is not None and found.match.name == "Silver Falcon Robotics"


def test_a_swap_whose_new_trigrams_are_the_rarest_still_finds_the_name(
    session: Session, alice: Rep, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Hynesoft" for "Hyensoft": the swap makes 4 trigrams (hyn, yne, nes, eso) the meant
    name lacks; when they are the key's rarest, the fewest trigrams read still hold one it
    kept (SQLite reads at least SQLITE_MIN_GRAMS, the rarest first)."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's rarest-trigram pick; PostgreSQL's pg_trgm reads every trigram")
    monkeypatch.setattr(name_index, "SQLITE_POSTINGS", 0)  # no more than the fewest
    make_account(session, "Hyensoft", owner=alice, now=NOW)
    for name in ("Hynix", "Lyne Group", "Nestor", "Esoteric"):  # each swapped trigram, once
        make_account(session, name, owner=alice, now=NOW)
    for n in range(12):  # the kept ones, common
        make_account(session, f"Hy{'abcdefghijkl'[n]}soft", owner=alice, now=NOW)
    assert "hyensoft" in candidates(session, "Hynesoft")


def test_another_workspaces_names_are_never_candidates(session: Session, alice: Rep) -> None:
    stranger = make_rep(session, "U0STRANGER", now=NOW, team_id=OTHER_TEAM)
    for name in ["Globex", "Globes", "Glibex"]:
        make_account(session, name, owner=stranger, now=NOW)
    make_account(session, "Globex Group", owner=alice, now=NOW)
    assert candidates(session, "Globex") == ["globex group"]
    assert "globex" in candidates(session, "Globx", team_id=OTHER_TEAM)
    assert "globex group" not in candidates(session, "Globex Group", team_id=OTHER_TEAM)


def test_a_key_shorter_than_a_trigram_scans_every_name(session: Session, alice: Rep) -> None:
    make_account(session, "Ab", owner=alice, now=NOW)
    assert similar_names(session=session, team_id=TEAM_ID, key="ab") is None
    assert resolve_account(session=session, team_id=TEAM_ID, name="AB").match is not None


def test_without_the_index_every_name_is_scanned(engine: Engine) -> None:
    """pg_trgm refused (or an SQLite without FTS5): the migration skips the index, and lookups
    notice and score every name as before."""
    drop = {
        "postgresql": [
            f"DROP INDEX {index}"
            for index in [name_index.PG_INDEX, *map(name_index.pg_index, name_index.PG_BANDS)]
        ],
        "sqlite": [
            *(f"DROP TRIGGER account_name_trigrams_{event}" for event in ("insert", "update")),
            "DROP TRIGGER account_name_trigrams_delete",
            f"DROP TABLE {name_index.SQLITE_VOCAB}",
            f"DROP TABLE {name_index.SQLITE_TABLE}",
        ],
    }[engine.dialect.name]
    with Session(engine) as session:  # rolled back: the index comes back for the other tests
        alice = make_rep(session, "U0ALICE", now=NOW)  # (on SQLite the DDL joins this write's
        make_account(session, "Globex", owner=alice, now=NOW)  # transaction, so it rolls back)
        for statement in drop:
            session.execute(text(statement))
        make_account(session, "Initech", owner=alice, now=NOW)
        assert similar_names(session=session, team_id=TEAM_ID, key="globx") is None
        found = resolve_account(session=session, team_id=TEAM_ID, name="Initeck")
        assert found.match is not None and found.match.name == "Initech"
        session.rollback()


def test_the_migration_indexes_the_live_accounts_already_stored(database_url: str) -> None:
    with temporary_database(database_url, prefix="rapport_trigrams") as url:
        scratch = db.make_engine(url)
        try:
            db.upgrade(scratch, "0018_followups_by_account")
            with scratch.begin() as connection:
                for name, status in [("Globex", "active"), ("Initech", "deleted")]:
                    connection.execute(
                        insert(Account).values(
                            team_id=TEAM_ID, name=name, normalized_name=normalize_name(name),
                            status=status, created_at=NOW,
                        )
                    )  # fmt: skip
            db.upgrade(scratch)
            with db.make_session_factory(scratch).begin() as session:
                assert candidates(session, "Globx") == ["globex"]
                assert candidates(session, "Initeck") == []
                check_sqlite_index(session)
        finally:
            scratch.dispose()


def test_connections_open_the_table_the_index_lives_in() -> None:
    assert db.NAME_TRIGRAMS == name_index.SQLITE_TABLE


def test_the_length_bands_cover_every_length_a_short_key_can_reach() -> None:
    bands = name_index.PG_BANDS
    assert bands[0][0] == 1 and all(high + 1 == low for (_, high), (low, _) in pairwise(bands))
    assert name_index.pg_lengths("k" * name_index.PG_BANDED_KEY)[1] <= bands[-1][1]
    assert list(bands) == by_length.BANDS  # the migration built these indexes


def test_the_length_window_keeps_every_name_that_could_be_offered() -> None:
    shortest, longest = name_index.pg_lengths("braiant")
    assert (shortest, longest) == (3, 16)
    for length in range(1, 40):  # fuzz.ratio's ceiling for two lengths against NEAREST_SCORE
        reachable = 200 * min(length, 7) / (length + 7) >= NEAREST_SCORE
        assert reachable == (shortest <= length <= longest), length


def test_a_mistyped_legal_form_still_offers_the_shorter_name(session: Session, alice: Rep) -> None:
    make_account(session, "Junistron Corp", owner=alice, now=NOW)  # its key is "junistron"
    make_account(session, "Junistron Corporation Freight Logistics Holdings", owner=alice, now=NOW)
    assert "junistron" in candidates(session, "Junistron aorp")
    found = resolve_account(session=session, team_id=TEAM_ID, name="Junistron aorp")
    assert [c.name for c in found.nearest][:1] == ["Junistron Corp"]


def test_postgresql_skips_names_too_long_to_be_near(session: Session, alice: Rep) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite ranks its trigram hits by length instead")
    make_account(session, "Globex", owner=alice, now=NOW)
    make_account(session, "Globex Logistics Holdings", owner=alice, now=NOW)
    assert candidates(session, "Globx") == ["globex"]  # 25 letters: over 7/3 of 5


def test_postgresql_reads_only_the_bands_in_reach(session: Session) -> None:
    """A 7-letter key's plan keeps to the partial indexes of the lengths it can be near (3-16):
    each arm states its band, so the planner can prove the index's predicate."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's band indexes")
    add_thousands(session)
    session.execute(text("ANALYZE accounts"))
    session.execute(text("SET LOCAL enable_seqscan = off"))  # 1,296 rows: a scan is as cheap
    arms = name_index.pg_arms("braiant")
    assert arms == (
        ((1, 6), False), ((7, 8), False), ((9, 10), False),
        ((11, 12), True), ((13, 14), True), ((15, 17), True),
    )  # fmt: skip
    shortest, longest = name_index.pg_lengths("braiant")
    values = {"team_id": TEAM_ID, "key": "braiant", "shortest": shortest, "longest": longest}
    statement = f"EXPLAIN {name_index._pg_banded(arms).text}"
    plan = "\n".join(session.execute(text(statement), {**values, "limit": 400}).scalars())
    used = {band for band, _ in arms if name_index.pg_index(band) + " " in plan}
    assert (1, 6) in used and name_index.PG_INDEX + " " not in plan  # (an arm of many rows may
    assert "Seq Scan" not in plan  # read a team index instead)


def test_a_long_key_skips_names_too_long_to_be_near(session: Session, alice: Rep) -> None:
    """Past PG_BANDED_KEY letters PostgreSQL reads the index of every name, still in the window."""
    make_account(session, "Silver Falcon Robotics", owner=alice, now=NOW)
    longer = "Silver Falcon Robotics Holdings International Group"  # 51 letters: over 7/3 of 21
    make_account(session, longer, owner=alice, now=NOW)
    expected = ["silver falcon robotics"]
    if session.get_bind().dialect.name == "sqlite":  # its pool is ranked by length, not cut
        expected.append(normalize_name(longer))
    assert candidates(session, "Silver Falcn Robotics") == expected


def name_statistics(engine: Engine) -> int:
    """accounts.normalized_name's statistics target (-1: the server's default)."""
    with engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT attstattarget FROM pg_attribute"
                " WHERE attrelid = 'accounts'::regclass AND attname = 'normalized_name'"
            )
        )
        return int(found.scalar_one())


def test_the_length_bands_migrate_down_and_up(database_url: str) -> None:
    with temporary_database(database_url, prefix="rapport_bands") as url:
        scratch = db.make_engine(url)
        try:
            db.upgrade(scratch)
            command.downgrade(db.alembic_config(scratch), "0020_deals_by_account")
            names = {ix["name"] for ix in inspect(scratch).get_indexes("accounts")}
            if scratch.dialect.name == "postgresql":
                assert name_index.PG_INDEX in names
                assert not any(name_index.pg_index(band) in names for band in by_length.BANDS)
                assert name_statistics(scratch) == -1  # the server's default again
            db.upgrade(scratch)
            names = {ix["name"] for ix in inspect(scratch).get_indexes("accounts")}
            if scratch.dialect.name == "postgresql":
                assert name_index.PG_INDEX in names
                assert {name_index.pg_index(band) for band in by_length.BANDS} <= names
                assert name_statistics(scratch) == by_length.STATS
            with db.make_session_factory(scratch).begin() as session:
                alice = make_rep(session, "U0ALICE", now=NOW)
                make_account(session, "Globex", owner=alice, now=NOW)
                assert candidates(session, "Globx") == ["globex"]
        finally:
            scratch.dispose()
