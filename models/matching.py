"""Account names as people type them: one clear match, a few close ones, or the nearest.

An exact match is the normalized name (`models.accounts.normalize_name`) looked up in the
unique index on (team_id, normalized_name), or else among the names of merged accounts
(`models.aliases`), which mean the account they were merged into. Anything else is scored
with rapidfuzz against the live names of the workspace that share the most trigrams with it
(`models.name_index`: a few hundred, from an index the database keeps with every write), plus
those starting with it; where that index is missing, against every live name, read as one
aggregated string (~45 ms at 100,000 accounts). Both are read fresh on each call, so there is
no cache that could go stale or leak a deleted account.

Scores are 0-100. A name scores the better of:
- its whole-name similarity (`fuzz.ratio`), capped by how well the worst-matched typed word
  matches one of its words, so a shared "Analytics" does not make two companies look alike;
- PREFIX_SCORE when it starts with what was typed ("glob" -> "Globex").
The thresholds were chosen on 100,000 generated names: single-letter typos resolve to the name
meant or offer it 99% of the time, and names 3+ edits from every account get "nearest" 97%.
Below NEAREST_SCORE a name is not offered at all: "Pied Piper" is not "Initech", "zzz" nothing.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from sqlalchemy import bindparam, func, literal
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from models.accounts import (
    LEGAL_SUFFIXES,
    MAX_NAME_LENGTH,
    Account,
    AccountStatus,
    get_account,
    normalize_name,
)
from models.aliases import aliases_named
from models.base import NotFound, Reader, read, table
from models.name_index import similar_names

CLEAR_SCORE = 85.0  # one typo in a 5-letter name ("acmee" -> "acme") scores 88.9
CLEAR_LEAD = 8.0  # ...and beat the runner-up by about one edit (5 let 1% of typos misresolve)
CLOSE_SCORE = 80.0  # below this a name is not offered as a choice, only as "did you mean"
CHOICE_BAND = 10.0  # choices are the close names within this many points of the best
NEAREST_SCORE = 60.0  # below this a name is unrelated: "pied piper" scores 33 against "initech"
PREFIX_SCORE = 90.0
MIN_PREFIX_LENGTH = 3  # "ac" is not a prefix worth resolving on
POOL_SIZE = 50  # names kept from the whole-workspace pass for the finer scoring
MAX_NEAREST = 3
MAX_NGRAM_WORDS = 4
MAX_START_WORDS = 12  # the most words an account name at the start of a text may span
MAX_TEXT_WORDS = 300  # Slack messages run to 40,000 characters; names are near the start
# Common short legal forms whose typos are debris; not all of them ("spa" is an edit from "spy").
_SHORT_SUFFIXES = ["ag", "bv", "co", "corp", "gmbh", "inc", "llc", "llp", "ltd", "plc", "sa"]

Scored = list[tuple[str, float]]  # (normalized name, score), best first

# A literal rather than a bound parameter: a prepared (generic) PostgreSQL plan can only use
# the partial index `WHERE status = 'active'` when the query says so in its text.
_ACTIVE = col(Account.status) == literal(AccountStatus.ACTIVE.value, literal_execute=True)


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    score: float  # 0-100


@dataclass(frozen=True)
class Resolution:
    query: str  # what the user typed (display form)
    match: Candidate | None  # one clear match; an exact normalized match scores 100
    choices: list[Candidate]  # several close ones, best first (when there is no match)
    nearest: list[Candidate]  # nothing close: the nearest names scoring NEAREST_SCORE or more


def exact_account(*, session: Reader, team_id: str, name: str) -> Candidate | None:
    """The live account named `name` exactly (as normalize_name keys it), if there is one: what
    most lookups are, one index probe; None: ask `resolve_account` (aliases, typos, choices)."""
    key = normalize_name(name)
    return _exact(session, team_id, key) if key else None


def _exact(session: Reader, team_id: str, key: str) -> Candidate | None:
    exact = read(session, _exact_statement(), team_id=team_id, key=key).first()
    return None if exact is None else Candidate(id=exact.id, name=exact.name, score=100.0)


def resolve_account(*, session: Session, team_id: str, name: str, limit: int = 5) -> Resolution:
    """What a typed account name refers to in this workspace: one match, choices or nearest."""
    query = " ".join(name.split())
    key = normalize_name(query)
    if not key:
        return Resolution(query=query, match=None, choices=[], nearest=[])
    if (exact := _exact(session, team_id, key)) is not None:
        return Resolution(query=query, match=exact, choices=[], nearest=[])
    if merged_into := _get_aliased(session, team_id, {key: 100.0}):
        return Resolution(query=query, match=merged_into[key], choices=[], nearest=[])
    # No name is longer than MAX_NAME_LENGTH: scoring 40,000 typed characters against every
    # name would take seconds, and the first part decides the nearest names just as well.
    key = key[: 2 * MAX_NAME_LENGTH]
    keys = similar_names(session=session, team_id=team_id, key=key)
    if keys is None:  # no trigram index (or a key too short for one): every name
        keys = _list_keys(session, team_id)
    scored = score_names(key, keys, _list_prefixed(session, team_id, key))
    match, choices, nearest = decide(key, scored, limit=limit)
    found = _get_candidates(session, team_id, dict(match + choices + nearest))
    picked = [found[name] for name, _ in match if name in found]
    return Resolution(
        query=query,
        match=picked[0] if picked else None,
        choices=[found[name] for name, _ in choices if name in found],
        nearest=[found[name] for name, _ in nearest if name in found],
    )


class UnknownName(NotFound):
    """A typed name that doesn't clearly mean one account; the resolution says what is close."""

    def __init__(self, sentence: str, resolution: Resolution) -> None:
        super().__init__(sentence)
        self.resolution = resolution


def find_account(*, session: Session, team_id: str, name: str) -> Account:
    """The live account a typed name clearly means (as resolve_account), else UnknownName."""
    found = resolve_account(session=session, team_id=team_id, name=name)
    if found.match is None and len(found.query) > MAX_NAME_LENGTH:  # not worth quoting back
        raise NotFound(
            f"No account has a name that long ({len(found.query):,} characters); "
            f"names are at most {MAX_NAME_LENGTH}."
        )
    if found.match is not None:
        return get_account(session=session, team_id=team_id, account_id=found.match.id)
    if found.choices:
        names = " or ".join(c.name for c in found.choices[:3])
        raise UnknownName(f"“{found.query}” could be {names}; say which.", found)
    if found.nearest:
        nearest = ", ".join(c.name for c in found.nearest)
        raise UnknownName(f"No account is called {found.query} (nearest: {nearest}).", found)
    raise UnknownName(
        f"No account is close to “{found.query}”; check the name, "
        f"or create it with /crm new {found.query}.",
        found,
    )


def guess_account_in_text(*, session: Session, team_id: str, text: str) -> Candidate | None:
    """The account a message names ("met Dana at Acme Corp"), preferring the longest name."""
    spans = name_ngrams(text)
    if not spans:
        return None
    found = _get_candidates(session, team_id, dict.fromkeys(spans, 100.0))
    if not found:
        return None
    return found[max(found, key=spans.__getitem__)]


@dataclass(frozen=True)
class AtStart:
    """A known account name a text starts with ("Acme Corp talked pricing")."""

    candidate: Candidate
    name: str  # the words that named it, as typed ("ACME, Inc.")
    rest: str  # what follows, without the separator ("talked pricing")


# Legal forms written in lower case that are also words ("acme as discussed"): only written
# as a legal form ("AS", "S.A.") are they taken as part of a name at the start of a text.
_LOWERCASE_FORMS = frozenset(["inc", "llc", "llp", "ltd", "gmbh", "corp", "plc", "pty", "oyj"])
_SEPARATOR_DEBRIS = " \t\n,:;-\u2013\u2014"


def account_at_start(*, session: Session, team_id: str, text: str) -> AtStart | None:
    """The longest known account name `text` starts with, and the rest of the text."""
    ends = [word.end() for word in re.finditer(r"\S+", text[: 4 * MAX_NAME_LENGTH])]
    prefixes: dict[str, int] = {}  # normalized key -> the end of the longest prefix spelling it
    previous = ""
    for end in ends[:MAX_START_WORDS]:
        key = normalize_name(text[:end])
        if key and (key != previous or _written_as_legal_form(text[:end].split()[-1])):
            prefixes[key] = end
        previous = key
    found = _get_candidates(session, team_id, dict.fromkeys(prefixes, 100.0))
    if not found:
        return None
    key = max(found, key=prefixes.__getitem__)
    end = prefixes[key]
    return AtStart(
        candidate=found[key],
        name=text[:end].rstrip(_SEPARATOR_DEBRIS).strip(),
        rest=text[end:].lstrip(_SEPARATOR_DEBRIS),
    )


def _written_as_legal_form(word: str) -> bool:
    """ "Inc.", "AS", "S.p.A." and "inc" are written as legal forms; "as" and "co" are words."""
    bare = word.strip(".,:;")
    if bare.replace(".", "").casefold() not in LEGAL_SUFFIXES:
        return False
    return bare.casefold() in _LOWERCASE_FORMS or bare != bare.casefold() or "." in bare


def name_ngrams(text: str) -> dict[str, tuple[int, int, int]]:
    """Normalized 1- to 4-word runs of `text`, each with (words spanned, length, -position)."""
    words = normalize_name(text).split()[:MAX_TEXT_WORDS]
    spans: dict[str, tuple[int, int, int]] = {}
    for start in range(len(words)):
        for size in range(1, min(MAX_NGRAM_WORDS, len(words) - start) + 1):
            key = normalize_name(" ".join(words[start : start + size]))
            rank = (size, len(key), -start)
            if key and rank > spans.get(key, (0, 0, 0)):
                spans[key] = rank
    return spans


def score_names(key: str, keys: Sequence[str], prefixed: Iterable[str]) -> Scored:
    """The names worth a look for a normalized `key`, best first, with their 0-100 scores."""
    pool = process.extract(key, keys, scorer=fuzz.ratio, processor=None, limit=POOL_SIZE)
    similar = {name: score for name, score, _ in pool}
    for name in prefixed:
        similar.setdefault(name, fuzz.ratio(key, name))
    scored = {name: _refine(key, name, score) for name, score in similar.items()}
    return sorted(scored.items(), key=lambda item: (-item[1], len(item[0]), item[0]))


def decide(key: str, scored: Scored, *, limit: int) -> tuple[Scored, Scored, Scored]:
    """Split scored names into (the clear match, close choices, nearest); two are empty."""
    if not scored:
        return [], [], []
    best = scored[0][1]
    runner_up = scored[1][1] if len(scored) > 1 else 0.0
    if best >= CLEAR_SCORE and best - runner_up >= CLEAR_LEAD and len(key) >= MIN_PREFIX_LENGTH:
        return scored[:1], [], []
    if best >= CLOSE_SCORE:
        floor = max(CLOSE_SCORE, best - CHOICE_BAND)
        return [], [item for item in scored if item[1] >= floor][:limit], []
    return [], [], [item for item in scored[:MAX_NEAREST] if item[1] >= NEAREST_SCORE]


def _refine(key: str, name: str, similarity: float) -> float:
    if len(key) >= MIN_PREFIX_LENGTH and name.startswith(key):
        return max(similarity, PREFIX_SCORE)
    return min(similarity, _worst_word_score(key.split(), name.split()))


def _worst_word_score(typed: list[str], words: list[str]) -> float:
    # Each typed word against the name's words, and pairs of them run together ("bridgebakery").
    # Debris at the end ("Acme In c", "Acme Lt") is left to the whole-name score.
    while len(typed) > 1 and _is_suffix_debris(typed[-1]):
        typed = typed[:-1]
    parts = words + [first + second for first, second in pairwise(words)]
    return min(max(fuzz.ratio(word, part) for part in parts) for word in typed)


def _is_suffix_debris(word: str) -> bool:
    """A word a mistyped legal form leaves behind: "c", "nv", "aag", "lod", "gmhb"."""
    return len(word) <= 2 or any(OSA.distance(word, suffix) <= 1 for suffix in _SHORT_SUFFIXES)


def _list_keys(session: Session, team_id: str) -> list[str]:
    # One aggregated string instead of 100,000 rows: the driver's per-row cost is 10x the SQL.
    # Normalized names never contain a newline.
    statement = select(func.aggregate_strings(col(Account.normalized_name), "\n")).where(
        Account.team_id == team_id, _ACTIVE
    )
    joined = session.exec(statement).one()
    return joined.split("\n") if joined else []


def _list_prefixed(session: Session, team_id: str, key: str) -> list[str]:
    if len(key) < MIN_PREFIX_LENGTH:
        return []
    upper = key[:-1] + chr(min(ord(key[-1]) + 1, 0x10FFFF))  # names starting with `key` sort below
    statement = (
        select(Account.normalized_name)
        .where(
            Account.team_id == team_id,
            col(Account.normalized_name) >= key,
            col(Account.normalized_name) < upper,
            _ACTIVE,
        )
        .order_by(col(Account.normalized_name))
        .limit(POOL_SIZE)
    )
    return list(session.exec(statement).all())


def _get_candidates(
    session: Session, team_id: str, scores: dict[str, float]
) -> dict[str, Candidate]:
    if not scores:
        return {}
    rows = read(session, _named_statement(), team_id=team_id, keys=list(scores))
    found = _candidates(((r.id, r.name, r.normalized_name) for r in rows), scores)
    missing = [key for key in scores if key not in found]
    return found | _get_aliased(session, team_id, {key: scores[key] for key in missing})


@cache
def _exact_statement() -> Any:
    """The live account whose normalized name is `key`, for `team_id` (built once: every typed
    name is looked up by it first)."""
    accounts = table(Account)
    return select_columns(accounts.c.id, accounts.c.name).where(
        accounts.c.team_id == bindparam("team_id"),
        accounts.c.normalized_name == bindparam("key"),
        accounts.c.status == literal(AccountStatus.ACTIVE.value, literal_execute=True),
    )


@cache
def _named_statement() -> Any:
    """Live accounts by normalized name, for `team_id` and the list `keys`."""
    accounts = table(Account)
    return select_columns(accounts.c.id, accounts.c.name, accounts.c.normalized_name).where(
        accounts.c.team_id == bindparam("team_id"),
        accounts.c.normalized_name.in_(bindparam("keys", expanding=True)),
        accounts.c.status == literal(AccountStatus.ACTIVE.value, literal_execute=True),
    )


def _get_aliased(session: Session, team_id: str, scores: dict[str, float]) -> dict[str, Candidate]:
    """A merged account's old name means the live account it went into (models.aliases)."""
    meant = aliases_named(session=session, team_id=team_id, keys=list(scores))
    if not meant:
        return {}
    statement = select(Account.id, Account.name).where(
        Account.team_id == team_id, col(Account.id).in_(set(meant.values())), _ACTIVE
    )
    names = dict(session.exec(statement).all())
    return {
        key: Candidate(id=account_id, name=names[account_id], score=scores[key])
        for key, account_id in meant.items()
        if account_id in names
    }


def _candidates(
    rows: Iterable[tuple[int | None, str, str]], scores: dict[str, float]
) -> dict[str, Candidate]:
    found = {}
    for account_id, name, key in rows:
        assert account_id is not None  # a stored row always has its id
        found[key] = Candidate(id=account_id, name=name, score=scores[key])
    return found
