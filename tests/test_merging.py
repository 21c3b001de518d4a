"""models.merging and models.duplicates without Slack: every row that points at an account moves,
its name keeps finding the account it went into, and who may merge."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from models import aliases, channels, contacts, deals, followups, interactions, merging
from models.accounts import Account, AccountStatus, AliasTaken, create_account
from models.audit import AuditEntry
from models.base import DomainError, NotAllowed, NotFound, id_of
from models.duplicates import core, list_duplicates, normalize_domain, score_pair
from models.interactions import InteractionKind
from models.matching import account_at_start, find_account, guess_account_in_text, resolve_account
from tests.factories import make_account, make_rep

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TEAM = "T0TEAM"


def fill(session: Session, account: Account, owner, tag: str) -> None:  # type: ignore[no-untyped-def]
    """One row of every kind that points at an account."""
    call, _ = interactions.log_interaction(
        session=session, account=account, rep=owner, kind=InteractionKind.CALL,
        summary=f"call {tag}", occurred_at=NOW, now=NOW, source="test", source_key=f"k-{tag}",
    )  # fmt: skip
    contacts.save_contact(
        session=session, account=account, name=f"Jo {tag}", email=f"jo-{tag}@example.com",
        title=None, actor=owner, now=NOW,
    )  # fmt: skip
    deals.create_deal(
        session=session, account=account, owner=owner, name=f"Deal {tag}", money=None,
        expected_close=None, now=NOW,
    )  # fmt: skip
    followups.create_followup(
        session=session, rep=owner, account=account, due_at=NOW + timedelta(days=1),
        note=f"follow {tag}", now=NOW, interaction_id=call.id,
    )  # fmt: skip
    channels.link_channel(
        session=session, account=account, channel_id=f"C0{tag.upper()}", actor=owner, now=NOW
    )
    aliases.add_alias(
        session=session, team_id=account.team_id, account_id=id_of(account),
        name=f"Old {tag}", key=f"old {tag}", now=NOW,
    )  # fmt: skip


def pointing_at(session: Session, account_id: int) -> dict[str, int]:
    """Rows of every table whose foreign key to accounts, or whose account_id, is this one."""
    found = {}
    for table in SQLModel.metadata.sorted_tables:
        columns = {fk.parent for fk in table.foreign_keys if fk.column.table.name == "accounts"}
        columns |= {c for c in table.c if c.name == "account_id"}
        for column in columns:
            count = session.execute(
                select(func.count()).select_from(table).where(column == account_id)
            ).scalar_one()
            found[f"{table.name}.{column.name}"] = count
    return found


def test_merge_moves_every_row_of_every_table_that_points_at_accounts(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW, team_id=TEAM)
    source = make_account(session, "Acme Inc", owner=alice, now=NOW)
    target = make_account(session, "Acme Holdings", owner=alice, now=NOW)
    fill(session, source, alice, "a")
    fill(session, target, alice, "b")
    before = pointing_at(session, id_of(source))
    # A table added later with a reference to accounts must get a row in fill() above: then
    # this test proves merge moves it (merge reads the references from the same metadata).
    assert all(before.values()), f"fill() leaves these empty: {before}"
    assert {r.name for r in merging.account_references()} >= {"deal_stage_changes", "followups"}
    merged = merging.merge_accounts(
        session=session, team_id=TEAM, source=id_of(source), target=id_of(target),
        actor=alice, actor_is_admin=False, now=NOW,
    )  # fmt: skip
    assert set(pointing_at(session, id_of(source)).values()) == {0}
    after = pointing_at(session, id_of(target))
    assert all(
        after[key] == before[key] * 2 + (key == "account_aliases.account_id") for key in after
    )
    assert merged.moved["contacts"] == 1 and merged.moved["deal_stage_changes"] == 1
    assert session.get_one(Account, id_of(source)).status == AccountStatus.DELETED
    entries = (
        session.exec(select(AuditEntry).where(AuditEntry.action.like("account.merge%")))
        .scalars()
        .all()
    )  # type: ignore[attr-defined]
    assert {e.action for e in entries} == {"account.merge", "account.merge_into"}
    entry = next(e for e in entries if e.action == "account.merge")
    assert entry.before and entry.before["counts"]["source"]["contacts"] == 1
    assert entry.after and entry.after["counts"]["contacts"] == 2


def test_no_unique_constraint_holds_an_account_reference() -> None:
    """Merge moves references by UPDATE; a unique key with one would clash when both have it."""
    for ref in merging.account_references():
        uniques = [
            c
            for c in ref.table.constraints
            if getattr(c, "columns", None) and c.__class__.__name__ == "UniqueConstraint"
        ]
        uniques += [i for i in ref.table.indexes if i.unique]
        for unique in uniques:
            assert ref.column.name not in unique.columns, f"{ref.name}: handle it in merge"


def test_the_old_name_finds_the_target_everywhere_and_cannot_be_taken_again(
    session: Session,
) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW, team_id=TEAM)
    source = make_account(session, "Initech Ltd", owner=alice, now=NOW)
    target = make_account(session, "Initrode", owner=alice, now=NOW)
    merging.merge_accounts(
        session=session, team_id=TEAM, source=id_of(source), target=id_of(target),
        actor="cli:ops", actor_is_admin=True, now=NOW,
    )  # fmt: skip
    found = resolve_account(session=session, team_id=TEAM, name="INITECH, Inc.")
    assert found.match is not None and found.match.name == "Initrode"
    assert find_account(session=session, team_id=TEAM, name="initech").id == target.id
    start = account_at_start(session=session, team_id=TEAM, text="Initech talked pricing")
    assert start is not None and start.candidate.name == "Initrode"
    guessed = guess_account_in_text(session=session, team_id=TEAM, text="met Dana at Initech")
    assert guessed is not None and guessed.id == target.id
    with pytest.raises(AliasTaken, match="Initech was merged into Initrode"):
        create_account(
            session=session, team_id=TEAM, name="Initech", owner=alice, created_by=alice, now=NOW
        )


def test_merging_twice_moves_the_first_alias_to_the_last_target(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW, team_id=TEAM)
    a, b, c = (make_account(session, n, owner=alice, now=NOW) for n in ("Alpha", "Beta", "Gamma"))
    for source, target in ((a, b), (b, c)):
        merging.merge_accounts(
            session=session, team_id=TEAM, source=id_of(source), target=id_of(target),
            actor=alice, actor_is_admin=False, now=NOW,
        )  # fmt: skip
    for name in ("alpha", "beta"):
        assert find_account(session=session, team_id=TEAM, name=name).name == "Gamma"


def test_bad_merges_are_refused_in_one_sentence_and_change_nothing(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW, team_id=TEAM)
    bob = make_rep(session, "U0BOB", now=NOW, team_id=TEAM)
    mine = make_account(session, "Mine", owner=alice, now=NOW)
    theirs = make_account(session, "Theirs", owner=bob, now=NOW)
    other = make_account(session, "Other", owner=alice, now=NOW)

    def merge(source: Account, target: Account, actor=alice, admin=False):  # type: ignore[no-untyped-def]
        return merging.merge_accounts(
            session=session, team_id=TEAM, source=id_of(source), target=id_of(target),
            actor=actor, actor_is_admin=admin, now=NOW,
        )  # fmt: skip

    with pytest.raises(DomainError, match="can't be merged into itself"):
        merge(mine, mine)
    with pytest.raises(NotAllowed, match="owner of both"):
        merge(mine, theirs)
    with pytest.raises(NotFound, match="no longer exists"):
        merging.merge_accounts(
            session=session, team_id="T0ELSE", source=id_of(mine), target=id_of(other),
            actor=alice, actor_is_admin=True, now=NOW,
        )  # fmt: skip
    assert (
        session.exec(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action.like("account.merge%"))
        ).scalar_one()
        == 0
    )  # type: ignore[attr-defined]
    merge(mine, theirs, actor=bob, admin=True)
    with pytest.raises(NotFound, match="Mine was merged or deleted already"):
        merge(mine, other)


def test_duplicates_are_same_domains_and_alike_names_best_first(session: Session) -> None:
    alice = make_rep(session, "U0ALICE", now=NOW, team_id=TEAM)
    for name, domain in [
        ("Globex", "https://www.globex.com/"), ("Globex Holdings", "globex.com"),
        ("Kessler Bakery", None), ("Kesler Bakery", None), ("Bakery Kessler", None),
        ("Acme Analytics", None), ("Apex Analytics", None), ("Kessler Foods", None),
        ("Hooli", None), ("Hooli Innc", None),
    ]:  # fmt: skip
        account = make_account(session, name, owner=alice, now=NOW)
        account.domain = domain
    gone = make_account(session, "Hooly", owner=alice, now=NOW)
    gone.status = AccountStatus.DELETED
    session.flush()
    pairs = list_duplicates(session=session, team_id=TEAM)
    named = [({p.first.name, p.second.name}, p.reasons) for p in pairs]
    assert named[0] == ({"Globex", "Globex Holdings"}, ["same domain"])
    assert ({"Kessler Bakery", "Bakery Kessler"}, ["same words"]) in named
    assert ({"Kessler Bakery", "Kesler Bakery"}, ["names 96% alike"]) in named
    assert any(pair == {"Hooli", "Hooli Innc"} for pair, _ in named)
    assert all("Apex Analytics" not in pair and "Kessler Foods" not in pair for pair, _ in named)
    assert all("Hooly" not in pair for pair, _ in named)
    assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)
    assert list_duplicates(session=session, team_id="T0ELSE") == []
    assert len(list_duplicates(session=session, team_id=TEAM, limit=1)) == 1


def test_duplicate_scoring_helpers() -> None:
    assert (
        normalize_domain("HTTP://WWW.Acme.com/about") == "acme.com" and normalize_domain("") is None
    )
    assert core("acme innc") == "acme" and core("acme") == "acme"
    assert score_pair("fenridyne solutions", "fenridynesolutions") > 90
    assert score_pair("acme analytics", "acme robotics") < 88
