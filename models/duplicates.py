"""Likely duplicate accounts of a workspace, best first, each with why.

Two live accounts look alike when they share a domain, or when their normalized names
(`models.accounts.normalize_name`) score DUPLICATE_SCORE or more as `models.matching` scores a
typed name: rapidfuzz's ratio capped by the worst-matched word, so a shared "Analytics" is not
enough. Comparing every pair is 5 billion pairs at 100,000 accounts; instead names are compared
within blocks that a one-letter typo rarely leaves: the same first two letters, or the same
last two (a typo at the start), and the same words in any order. Each block is scored with
`rapidfuzz.process.cdist` (C, all cores) in chunks with a score cutoff.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlmodel import Session, col

from models.accounts import Account, AccountStatus
from models.matching import _is_suffix_debris, _worst_word_score

DUPLICATE_SCORE = 88.0  # one edit in an 8-letter name scores 93.8, in a 17-letter one 97
WORD_SCORE = 70.0  # below this a word matches no word of the other name: "foods" and "goods" 80
BLOCK = 3  # names are compared with those sharing their first, or last, BLOCK letters
CHUNK = 2000  # rows of one cdist call: CHUNK x block bytes of scores at most
MAX_DOMAIN_GROUP = 50  # a domain shared by more is a shared host, not one company


@dataclass(frozen=True)
class Side:
    id: int
    name: str
    domain: str | None
    owner_id: int | None


@dataclass(frozen=True)
class Duplicate:
    first: Side
    second: Side
    score: float  # 0-100; 100 for the same domain or the same words
    reasons: list[str] = field(default_factory=list)  # "same domain", "names 92% alike"


def list_duplicates(*, session: Session, team_id: str, limit: int | None = None) -> list[Duplicate]:
    """Pairs of live accounts that look like one company, best first (at most `limit`)."""
    columns = (Account.id, Account.name, Account.normalized_name, Account.domain, Account.owner_id)
    rows = session.execute(
        select(*columns)  # type: ignore[call-overload]
        .where(Account.team_id == team_id, Account.status == AccountStatus.ACTIVE)
        .order_by(col(Account.id))
    ).all()
    sides = [Side(id=r[0] or 0, name=r[1], domain=r[3], owner_id=r[4]) for r in rows]
    keys = [r[2] for r in rows]
    found: dict[tuple[int, int], dict[str, float]] = defaultdict(dict)
    for i, j in _same_domain(sides):
        found[(i, j)]["same domain"] = 100.0
    for i, j, score in _alike_names(keys):
        reason = "same words" if score >= 100 else f"names {int(score)}% alike"
        found[(i, j)][reason] = score
    pairs = [
        Duplicate(sides[i], sides[j], max(why.values()), sorted(why, key=why.__getitem__)[::-1])
        for (i, j), why in found.items()
    ]
    pairs.sort(key=lambda d: (-d.score, -len(d.reasons), d.first.name.casefold(), d.second.id))
    return pairs[:limit] if limit is not None else pairs


def normalize_domain(domain: str | None) -> str | None:
    """ "https://www.Acme.com/" and "acme.com" are one domain."""
    if not domain:
        return None
    bare = domain.strip().casefold().removeprefix("https://").removeprefix("http://")
    bare = bare.split("/")[0].removeprefix("www.").strip(".")
    return bare or None


def _same_domain(sides: list[Side]) -> Iterable[tuple[int, int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, side in enumerate(sides):
        if domain := normalize_domain(side.domain):
            groups[domain].append(i)
    for members in groups.values():
        if 1 < len(members) <= MAX_DOMAIN_GROUP:
            yield from ((a, b) for n, a in enumerate(members) for b in members[n + 1 :])


def _alike_names(keys: list[str]) -> Iterable[tuple[int, int, float]]:
    seen: set[tuple[int, int]] = set()
    by_words: dict[str, list[int]] = defaultdict(list)
    blocks: dict[str, list[int]] = defaultdict(list)
    cores = [core(key) for key in keys]
    for i, key in enumerate(cores):
        by_words[" ".join(sorted(key.split()))].append(i)
        blocks["<" + key[:BLOCK]].append(i)
        blocks[">" + key[-BLOCK:]].append(i)
    for members in by_words.values():  # "bridge bakery" and "bakery bridge"; "asix crop", "asix"
        for n, a in enumerate(members):
            for b in members[n + 1 :]:
                seen.add((a, b))
                yield a, b, 100.0 if cores[a] != cores[b] else _same_core_score(keys[a], keys[b])
    for members in blocks.values():
        if len(members) > 1:
            yield from _score_block(cores, members, seen)


def core(key: str) -> str:
    """A normalized name without the debris of a mistyped legal form: "acme innc" is "acme"."""
    words = key.split()
    while len(words) > 1 and _is_suffix_debris(words[-1]):
        words.pop()
    return " ".join(words)


def _same_core_score(first: str, second: str) -> float:
    return max(DUPLICATE_SCORE, min(99.0, fuzz.ratio(first, second)))


def _score_block(
    cores: list[str], members: list[int], seen: set[tuple[int, int]]
) -> Iterable[tuple[int, int, float]]:
    names = [cores[i] for i in members]
    for start in range(0, len(names), CHUNK):
        scores = process.cdist(
            names[start : start + CHUNK],
            names,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=DUPLICATE_SCORE,
            dtype="uint8",
            workers=-1,
        )
        for row, column in zip(*scores.nonzero(), strict=True):
            a, b = members[start + int(row)], members[int(column)]
            if a >= b or (a, b) in seen:
                continue
            seen.add((a, b))
            score = score_pair(cores[a], cores[b])
            if score >= DUPLICATE_SCORE:
                yield a, b, score


def score_pair(first: str, second: str) -> float:
    """How alike two normalized names are, 0-100: their ratio, unless a word of one matches no
    word of the other (either way round, so "fenridynesolutions" is "fenridyne solutions")."""
    score = min(99.0, fuzz.ratio(first, second))
    words = max(
        _worst_word_score(first.split(), second.split()),
        _worst_word_score(second.split(), first.split()),
    )
    return score if words >= WORD_SCORE else min(score, words)
