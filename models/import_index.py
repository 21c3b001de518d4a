"""The workspace's accounts as an import sees them: one read at the start, kept up to date as
rows create accounts, so 100,000 rows make no query each to find their account.

A row means an existing account when its normalized name (`normalize_name`, as `/log-call`)
is that account's or one of its old names' (models.aliases), or its domain is that account's.
Otherwise the names a rapidfuzz pass (`models.matching.score_names`, `/log-call`'s scorer) finds
at CLOSE_SCORE or more are its possible duplicates. The pass scores only the names that share a
word or the first three letters with the row's (the candidates a typo leaves), not every name.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import Session, select

from models.accounts import Account, AccountStatus
from models.aliases import AccountAlias
from models.matching import CLOSE_SCORE, score_names

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
class AccountIndex:
    by_key: dict[str, Known] = field(default_factory=dict)
    by_domain: dict[str, Known] = field(default_factory=dict)
    _by_word: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _by_start: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, account_id: int, name: str, key: str, domain: str | None) -> None:
        known = Known(account_id, name)
        self.by_key.setdefault(key, known)
        if domain:
            self.by_domain.setdefault(domain, known)
        for word in key.split():
            self._by_word[word].add(key)
        self._by_start[key[:3]].add(key)

    def add_alias(self, key: str, known: Known) -> None:
        self.by_key.setdefault(key, known)

    def find(self, key: str, domain: str | None) -> Known | None:
        """The account a row means by its normalized name, else by its domain."""
        return self.by_key.get(key) or (self.by_domain.get(domain) if domain else None)

    def similar(self, key: str) -> list[Similar]:
        """The accounts whose names are close to `key` (but not it), best first."""
        pool: set[str] = set(self._by_start.get(key[:3], ()))
        for word in key.split():
            pool.update(self._by_word.get(word, ()))
            if len(pool) > MAX_CANDIDATES:
                break
        pool.discard(key)
        if not pool:
            return []
        scored = score_names(key, sorted(pool)[:MAX_CANDIDATES], ())
        return [Similar(self.by_key[name], score) for name, score in scored if score >= CLOSE_SCORE]


def load_index(*, session: Session, team_id: str) -> AccountIndex:
    """Every live account of the workspace, and the old names of those merged into them."""
    index = AccountIndex()
    statement = select(Account.id, Account.name, Account.normalized_name, Account.domain).where(
        Account.team_id == team_id, Account.status == AccountStatus.ACTIVE
    )
    for account_id, name, key, domain in session.exec(statement):
        assert account_id is not None
        index.add(account_id, name, key, normalize_domain(domain))
    names = {known.id: known for known in index.by_key.values()}
    aliases = select(AccountAlias.normalized_name, AccountAlias.account_id).where(
        AccountAlias.team_id == team_id
    )
    for key, account_id in session.exec(aliases):
        if account_id in names:  # the account it went into is live
            index.add_alias(key, names[account_id])
    return index
