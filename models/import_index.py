"""The workspace's accounts as an import sees them: read a batch of rows at a time (one query for
a thousand rows' names, one for their domains), so memory stays flat however long the file.

A row means an existing account when its normalized name (`normalize_name`, as `/log-call`)
is that account's or one of its old names' (models.aliases), or its domain is that account's.
Otherwise the names of accounts that were there before the import which a rapidfuzz pass
(`models.matching.score_names`, `/log-call`'s scorer) finds at CLOSE_SCORE or more are its
possible duplicates; a file's own rows are not held back against each other. The pass scores
only the names that share a word or the first three letters with the row's (the candidates a
typo leaves), not every name.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, literal
from sqlmodel import Session, col, select

from models.accounts import Account, AccountStatus
from models.aliases import aliases_named
from models.matching import CLOSE_SCORE, score_names

# A literal, not a parameter: PostgreSQL plans `status = $1` without the partial unique index on
# live names (WHERE status = 'active'), and scans the table instead.
LIVE = col(Account.status) == literal(AccountStatus.ACTIVE.value, literal_execute=True)
MAX_CANDIDATES = 2000  # names scored per row at most: a word every name shares ("group") caps here


def normalize_domain(domain: str | None) -> str | None:
    """ "https://www.Acme.com/about" -> "acme.com"; None for nothing."""
    if not domain:
        return None
    bare = re.sub(r"^[a-z][a-z0-9+.-]*://", "", domain.strip().casefold())
    bare = bare.split("/")[0].split("?")[0].split("#")[0].split("@")[-1].split(":")[0]
    bare = bare.removeprefix("www.").strip(".")
    return bare or None


@dataclass(frozen=True)
class Known:
    id: int
    name: str


@dataclass(frozen=True)
class Similar:
    account: Known
    score: float


@dataclass
class NearNames:
    """Names of the accounts there before the import, by word and by first three letters."""

    by_key: dict[str, Known] = field(default_factory=dict)
    by_word: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_start: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, known: Known, key: str) -> None:
        self.by_key.setdefault(key, known)
        for word in key.split():
            self.by_word[word].add(key)
        self.by_start[key[:3]].add(key)


@dataclass
class AccountIndex:
    """The accounts the rows of a batch mean, read per batch (`prepare`), so memory stays flat
    however long the file; and, read once when a row first needs them, the names of accounts
    there before the import (`before`: the highest account id then) for near matches."""

    team_id: str
    before: int
    by_key: dict[str, Known] = field(default_factory=dict)
    by_domain: dict[str, Known] = field(default_factory=dict)
    near: NearNames | None = None

    def prepare(self, session: Session, keys: set[str], domains: set[str]) -> None:
        """Read the accounts these normalized names (or old names) and domains mean."""
        self.by_key, self.by_domain = {}, {}
        live = (Account.team_id == self.team_id, LIVE)
        if keys:
            named = select(col(Account.id), Account.name, Account.normalized_name).where(
                *live, col(Account.normalized_name).in_(keys)
            )
            for account_id, name, key in session.exec(named):
                self.by_key[key] = Known(int(account_id), name)  # type: ignore[arg-type]
            missing = [key for key in keys if key not in self.by_key]
            meant = aliases_named(session=session, team_id=self.team_id, keys=missing)
            targets = select(Account.id, Account.name).where(
                *live, col(Account.id).in_(set(meant.values()))
            )
            names = dict(session.exec(targets).all()) if meant else {}
            for key, account_id in meant.items():
                if account_id in names:  # the account it went into is live
                    self.by_key[key] = Known(account_id, names[account_id])
        if domains:
            at = select(col(Account.id), Account.name, col(Account.domain)).where(
                *live, col(Account.domain).in_(domains)
            )
            for account_id, name, domain in session.exec(at.order_by(col(Account.id))):
                self.by_domain.setdefault(str(domain), Known(int(account_id), name))  # type: ignore[arg-type]

    def find(self, key: str, domain: str | None) -> Known | None:
        """The account a row means by its normalized name, else by its domain."""
        return self.by_key.get(key) or (self.by_domain.get(domain) if domain else None)

    def similar(self, session: Session, key: str) -> list[Similar]:
        """The accounts there before the import whose names are close to `key`, best first."""
        near = self.near = self.near or _near_names(session, self.team_id, self.before)
        pool: set[str] = set(near.by_start.get(key[:3], ()))
        for word in key.split():
            pool.update(near.by_word.get(word, ()))
            if len(pool) > MAX_CANDIDATES:
                break
        pool.discard(key)
        if not pool:
            return []
        scored = score_names(key, sorted(pool)[:MAX_CANDIDATES], ())
        return [Similar(near.by_key[name], score) for name, score in scored if score >= CLOSE_SCORE]


def load_index(*, session: Session, team_id: str) -> AccountIndex:
    """An import's index: where the workspace's accounts stand as it starts."""
    highest = session.exec(select(func.max(Account.id)).where(Account.team_id == team_id)).one()
    return AccountIndex(team_id, highest or 0)


def _near_names(session: Session, team_id: str, before: int) -> NearNames:
    near = NearNames()
    statement = select(Account.id, Account.name, Account.normalized_name).where(
        Account.team_id == team_id,
        LIVE,
        col(Account.id) <= before,
    )
    for account_id, name, key in session.exec(statement):
        assert account_id is not None
        near.add(Known(account_id, name), key)
    return near
