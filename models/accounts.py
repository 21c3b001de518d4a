"""Accounts: the companies a team sells to, their owners, and how names are matched."""

import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Index, bindparam, or_, text, update
from sqlalchemy import select as select_columns
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Field, Session, SQLModel, select

from models import aliases, audit
from models.base import (
    DomainError,
    NotAllowed,
    NotFound,
    Reader,
    UTCDateTime,
    read,
    table,
    without_nul,
)
from models.reps import Rep

# Legal forms people add or leave off at will ("Acme, Inc." is "acme", "Nokia Oyj" "nokia"),
# as words at the end of a name once punctuation is gone ("S.p.A." is "spa", "A/S" is "a s").
LEGAL_SUFFIXES = frozenset(
    [
        *["inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "pty", "pte", "pvt", "plc"],
        *["corp", "corporation", "co", "company", "cie", "gmbh", "mbh", "ag", "kg", "kgaa", "ohg"],
        *["ug", "se", "sa", "sas", "sarl", "sprl", "sca", "spa", "srl", "sl", "slu", "lda", "ltda"],
        *["bv", "bvba", "nv", "vof", "ab", "oy", "oyj", "as", "asa", "aps", "kk", "gk", "yk"],
        *["bhd", "sdn", "tbk", "sro", "spzoo", "kft", "zrt", "doo", "ou"],
    ]
)
# Japanese, Chinese and Korean forms are written before or after the name without a space
# ("株式会社トヨタ", "トヨタ株式会社", "㈱トヨタ"); they are matched on the decomposed form.
CJK_LEGAL_FORMS = (
    *["株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "(株)", "(有)", "(同)"],
    *["股份有限公司", "有限公司", "주식회사", "유한회사", "(주)"],
)
# Dotted abbreviations: "S.p.A.", "K.K.", "N.V." are one word ("spa", "kk", "nv").
_DOTTED = re.compile(r"(?<![\w.])(?:\w\.)+\w(?!\w)\.?")
MAX_NAME_LENGTH = 120


class AccountStatus(StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"


class AccountBase(SQLModel):
    team_id: str = Field(max_length=32)
    name: str = Field(max_length=MAX_NAME_LENGTH)
    normalized_name: str = Field(max_length=MAX_NAME_LENGTH)
    domain: str | None = Field(default=None, max_length=255)
    status: str = Field(default=AccountStatus.ACTIVE, max_length=16)


class Account(AccountBase, table=True):
    __tablename__ = "accounts"
    __table_args__ = (
        # One live account per name; a deleted one frees its name.
        Index(
            "uq_accounts_team_name",
            "team_id",
            "normalized_name",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_accounts_team_owner", "team_id", "owner_id"),
        Index("ix_accounts_team_domain", "team_id", "domain"),  # an import's dedupe by domain
        # The few deleted accounts, whose deals /crm pipeline leaves out (models.pipeline).
        Index(
            "ix_accounts_team_deleted",
            "team_id",
            "id",
            sqlite_where=text("status != 'active'"),
            postgresql_where=text("status != 'active'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int | None = Field(default=None, foreign_key="reps.id")
    owner_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    owner_assigned_by_id: int | None = Field(default=None, foreign_key="reps.id")
    last_touched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="reps.id")
    created_at: datetime = Field(sa_type=UTCDateTime)


def normalize_name(name: str) -> str:
    """The key two spellings of one company share: no case, accents, punctuation or legal form."""
    words = re.sub(r"[\W_]+", " ", _without_cjk_form(_decompose(name))).split()
    while len(words) > 1:
        size = _legal_tail(words)
        if not size or size == len(words):
            break
        del words[-size:]
    return " ".join(words)


def _decompose(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", without_nul(name).casefold())
    no_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _DOTTED.sub(lambda dotted: dotted.group().replace(".", ""), no_accents)


def _without_cjk_form(text: str) -> str:
    text = text.strip()
    for form in _CJK_FORMS:
        if text.startswith(form) and text[len(form) :].strip():
            return _without_cjk_form(text[len(form) :])
        if text.endswith(form) and text[: -len(form)].strip():
            return _without_cjk_form(text[: -len(form)])
    return text


_CJK_FORMS = sorted({_decompose(form) for form in CJK_LEGAL_FORMS}, key=len, reverse=True)


def _legal_tail(words: list[str]) -> int:
    """How many words at the end spell a legal form: "ltd" is 1, "s a" 2, "sp z oo" 3."""
    for size in (3, 2):
        tail = words[-size:]
        if len(words) > size and all(len(w) <= 2 for w in tail) and "".join(tail) in LEGAL_SUFFIXES:
            return size
    return 1 if words[-1] in LEGAL_SUFFIXES else 0


def clean_display_name(name: str) -> str:
    """The name as typed, with runs of whitespace collapsed; refuses names with nothing in them."""
    cleaned = " ".join(without_nul(name).split())
    if not normalize_name(cleaned):
        raise DomainError("An account name needs at least one letter or digit.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise DomainError(f"Account names can be at most {MAX_NAME_LENGTH} characters.")
    return cleaned


class NameTaken(DomainError):
    """A live account already has this name (however it was spelled)."""

    def __init__(self, existing: Account) -> None:
        super().__init__(f"There is already an account called {existing.name}.")
        self.existing = existing


class AliasTaken(NameTaken):
    """The name is a merged account's, and means the account it was merged into."""

    def __init__(self, name: str, existing: Account) -> None:
        DomainError.__init__(
            self, f"{name} was merged into {existing.name}, so that name means {existing.name}."
        )
        self.existing = existing


def get_account(*, session: Session, team_id: str, account_id: int) -> Account:
    """A live account of this workspace by id, or NotFound (deleted ones included)."""
    account = session.get(Account, account_id)
    if account is None or account.team_id != team_id or account.status != AccountStatus.ACTIVE:
        raise NotFound("That account no longer exists.")
    return account


def live_name(*, session: Reader, team_id: str, account_id: int) -> str:
    """The name of a live account of this workspace, or NotFound: what a history page needs of
    it, read as one Core row (a page is asked for far more often than an account changes)."""
    name = read(session, _live_name_statement(), team_id=team_id, account_id=account_id).scalar()
    if name is None:
        raise NotFound("That account no longer exists.")
    return str(name)


@cache
def _live_name_statement() -> Any:
    accounts = table(Account)
    return select_columns(accounts.c.name).where(
        accounts.c.id == bindparam("account_id"),
        accounts.c.team_id == bindparam("team_id"),
        accounts.c.status == AccountStatus.ACTIVE,
    )


def touch(*, session: Session, account: Account, at: datetime) -> None:
    """Move the account's last touch to `at` unless the database holds a later one (so
    concurrent touches keep the latest, whatever order they commit in), by one Core UPDATE
    built once, written now rather than at the flush; the session's copy follows."""
    moved = session.connection().execute(_touch_statement(), {"account_id": account.id, "at": at})
    if moved.rowcount:
        set_committed_value(account, "last_touched_at", at)


@cache
def _touch_statement() -> Any:
    accounts = table(Account)
    touched = accounts.c.last_touched_at
    return (
        update(accounts)
        .where(accounts.c.id == bindparam("account_id"))
        .where(or_(touched.is_(None), touched < bindparam("at")))
        .values(last_touched_at=bindparam("at"))
    )


def get_account_by_name(*, session: Session, team_id: str, name: str) -> Account | None:
    """The live account whose normalized name equals this one's."""
    statement = select(Account).where(
        Account.team_id == team_id,
        Account.normalized_name == normalize_name(name),
        Account.status == AccountStatus.ACTIVE,
    )
    return session.exec(statement).first()


def create_account(
    *, session: Session, team_id: str, name: str, owner: Rep, created_by: Rep, now: datetime
) -> Account:
    """Create a live account owned by `owner`; a name already in use is a DomainError."""
    display = clean_display_name(name)
    _check_not_alias(session, team_id, display)
    account = Account(
        team_id=team_id,
        name=display,
        normalized_name=normalize_name(display),
        owner_id=owner.id,
        owner_since=now,
        owner_assigned_by_id=created_by.id,
        created_by_id=created_by.id,
        created_at=now,
    )
    try:
        with session.begin_nested():  # the unique name index decides between concurrent twins
            session.add(account)
    except IntegrityError:
        existing = get_account_by_name(session=session, team_id=team_id, name=display)
        if existing is None:
            raise  # not a name taken: a broken reference
        raise NameTaken(existing) from None
    audit.record(
        session=session,
        actor=created_by,
        action="account.create",
        subject=account,
        before=None,
        after=_snapshot(account, owner),
        at=now,
    )
    return account


def _check_not_alias(session: Session, team_id: str, name: str) -> None:
    """A merged account's name keeps meaning the account it went into: AliasTaken."""
    found = aliases.aliases_named(session=session, team_id=team_id, keys=[normalize_name(name)])
    for account_id in found.values():
        target = session.get(Account, account_id)
        if target is not None and target.status == AccountStatus.ACTIVE:
            raise AliasTaken(name, target)


def set_owner(
    *,
    session: Session,
    account: Account,
    owner: Rep,
    actor: Rep,
    actor_is_admin: bool,
    now: datetime,
) -> tuple[Account, Rep | None]:
    """Change an account's owner (admins and its owner; anyone for an unowned one); audited."""
    previous = session.get(Rep, account.owner_id) if account.owner_id else None
    if not actor_is_admin and account.owner_id not in (None, actor.id):
        raise NotAllowed("Only the account's owner or a Rapport admin can change its owner.")
    if account.owner_id == owner.id:
        return account, previous
    before = _snapshot(account, previous)
    account.owner_id, account.owner_since, account.owner_assigned_by_id = owner.id, now, actor.id
    session.add(account)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="account.assign",
        subject=account,
        before=before,
        after=_snapshot(account, owner),
        at=now,
    )
    return account, previous


def _snapshot(account: Account, owner: Rep | None) -> dict[str, object]:
    return {
        "name": account.name,
        "owner": owner.slack_user_id if owner else None,
        "status": account.status,
    }
