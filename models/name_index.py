"""The names worth scoring for a typed name: a trigram pre-filter in front of rapidfuzz.

`models.matching` scores names with rapidfuzz; at 100,000 accounts scoring every one costs
~45 ms. Here the database hands it the few hundred names that share the most trigrams with
the typed key (migrations 0019_name_trigrams and 0021_name_trigrams_by_length build the indexes):

- PostgreSQL: pg_trgm's `%` on a partial GIN index over accounts.normalized_name, at a
  similarity threshold low enough for a slip in a short name, best `similarity()` first, among
  the names long enough and short enough to score as near the key (LENGTH_SPREAD). A short key
  reads partial GIN indexes of one band of name lengths each instead (PG_BANDS): GIN can't tell
  a name's length, so the index of all names had its heap recheck 9,000-17,000 names sharing
  " ar" and "on " with a 7-letter key (20-30 ms).
- SQLite: a contentless FTS5 trigram table kept by triggers on accounts. Its rowid is the
  account's id * 1024 plus the name's length. The key's rarest trigrams are looked up (as many as
  keep the postings read near SQLITE_POSTINGS, at least SQLITE_MIN_GRAMS) and names are ranked
  by how many they share, over how long they are (a Jaccard estimate), without reading accounts;
  the best are joined to accounts for the workspace and the live status.

Names are padded with a space on each side, so "acme" and "acne" share " ac". On 100,000
generated names (bench/resolve.py) the pool holds the name meant as often as a full scan does.
`similar_names` returns None where the index is missing (pg_trgm unavailable, an SQLite without
FTS5): the caller scans every name, as before.
"""

import math
from functools import cache

from sqlalchemy import TextClause, bindparam, text
from sqlmodel import Session

CANDIDATES = 400  # names handed to rapidfuzz
MIN_KEY_LENGTH = 3  # shorter keys are scored against every name, as before
# PostgreSQL: pg_trgm's similarity threshold grows with the key. One slip leaves a short name
# little alike ("acne" / "acme" 0.25, "cyiova" / "ciyova" 0.27) and a long one very alike (0.58
# at least from 15 letters on 100,000 generated names); a low threshold on a long key would hand
# GIN's recheck thousands of rows that share a common word.
PG_THRESHOLD_PER_LETTER = 0.034
PG_THRESHOLD_RANGE = (0.25, 0.6)
PG_INDEX = "ix_accounts_name_trigrams"  # every live name (0019)
# Keys up to PG_BANDED_KEY letters read partial indexes of the names of one band of lengths
# each (0021), only the bands in reach: at a low threshold GIN's bound (the share of the key's
# trigrams a name holds, blind to its length) passes a short key's trigrams " ar" and "on " in
# thousands of names of any length. A longer key's window spans most names, and one index
# serves it better than many (each arm walks the key's posting lists again, and is planned).
PG_BANDED_KEY = 10
PG_BANDS: tuple[tuple[int, int], ...] = (
    (1, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 17), (18, 20), (21, 24),
)  # fmt: skip
# fuzz.ratio is at most 2 * shorter / (shorter + longer): below matching.NEAREST_SCORE (60) when
# one name is over 7/3 the length of the other, so those are never offered (a name starting with
# the key is found apart from this, by models.matching._list_prefixed).
LENGTH_SPREAD = 7 / 3
# ...and below matching.CLOSE_SCORE (80) over 3/2: a name that much longer than the key is only
# offered as nearest, when the key is nearly all in it, so there the key must be within the name
# (word_similarity at least PG_WITHIN_THRESHOLD), not merely share a few trigrams with it.
CLOSE_SPREAD = 3 / 2
PG_WITHIN_THRESHOLD = 0.5
SQLITE_TABLE = "account_name_trigrams"  # bot.db.NAME_TRIGRAMS opens it as a connection opens
SQLITE_VOCAB = "account_name_trigrams_vocab"
SQLITE_POSTINGS = 8000  # rows of trigram postings read per lookup, about 2 ms
SQLITE_MIN_GRAMS = 5  # a slip changes up to 4 trigrams (a swap); the rarest 5 hold one it kept
_LENGTH = 1024  # rowid = id * _LENGTH + length


def similar_names(*, session: Session, team_id: str, key: str) -> list[str] | None:
    """Live normalized names of the workspace most like `key`; None: no index, scan them all."""
    if len(key) < MIN_KEY_LENGTH:
        return None
    if session.get_bind().dialect.name == "postgresql":
        return _postgresql(session, team_id, key)
    return _sqlite(session, team_id, key)


def trigrams(key: str) -> list[str]:
    """The trigrams the FTS5 table holds for a name: of the name with a space on each side."""
    padded = f" {key} "
    return sorted({padded[at : at + 3] for at in range(len(padded) - 2)})


def pg_threshold(key: str) -> float:
    lowest, highest = PG_THRESHOLD_RANGE
    return round(min(highest, max(lowest, PG_THRESHOLD_PER_LETTER * len(key))), 3)


def pg_index(band: tuple[int, int]) -> str:
    shortest, longest = band
    return f"{PG_INDEX}_{shortest}_{longest}"


def pg_lengths(key: str) -> tuple[int, int]:
    """The shortest and longest name that can score as near `key`."""
    return math.ceil(len(key) / LENGTH_SPREAD), math.floor(len(key) * LENGTH_SPREAD)


def pg_arms(key: str) -> tuple[tuple[tuple[int, int], bool], ...]:
    """The bands a key up to PG_BANDED_KEY letters reads, each with whether its names are all
    too long to be close (then the key must be within them)."""
    shortest, longest = pg_lengths(key)
    return tuple(
        ((low, high), low > len(key) * CLOSE_SPREAD)
        for low, high in PG_BANDS
        if low <= longest and high >= shortest
    )


def _postgresql(session: Session, team_id: str, key: str) -> list[str] | None:
    threshold = pg_threshold(key)
    banded = len(key) <= PG_BANDED_KEY
    ready = session.execute(
        text(
            "SELECT set_config('pg_trgm.similarity_threshold', :similar, true),"
            " set_config('pg_trgm.word_similarity_threshold', :within, true), to_regclass(:ix)"
        ),
        {
            "similar": str(threshold),
            "within": str(max(threshold, PG_WITHIN_THRESHOLD)),
            "ix": pg_index(PG_BANDS[0]) if banded else PG_INDEX,
        },
    ).one()
    if ready[2] is None:
        return None
    shortest, longest = pg_lengths(key)
    statement = _pg_banded(pg_arms(key)) if banded else _PG_WHOLE
    values = {"shortest": shortest, "longest": longest, "limit": CANDIDATES}
    rows = session.execute(statement, {"team_id": team_id, "key": key, **values})
    return list(rows.scalars())


_PG_WHOLE = text(
    "SELECT normalized_name FROM accounts"
    " WHERE team_id = :team_id AND status = 'active' AND normalized_name % :key"
    " AND length(normalized_name) BETWEEN :shortest AND :longest"
    " ORDER BY similarity(normalized_name, :key) DESC, normalized_name LIMIT :limit"
)


@cache
def _pg_banded(arms: tuple[tuple[tuple[int, int], bool], ...]) -> TextClause:
    """One arm per band, each stating its index's predicate in literals so the planner (even a
    prepared statement's generic plan) picks that partial index."""
    union = " UNION ALL ".join(
        "SELECT normalized_name FROM accounts"
        f" WHERE team_id = :team_id AND status = 'active'"
        f" AND length(normalized_name) BETWEEN {low} AND {high}"
        " AND length(normalized_name) BETWEEN :shortest AND :longest"
        f" AND normalized_name {'%>' if longer else '%'} :key"
        for (low, high), longer in arms
    )
    return text(
        f"SELECT normalized_name FROM ({union}) AS near"
        " ORDER BY similarity(normalized_name, :key) DESC, normalized_name LIMIT :limit"
    )


_SQLITE_READY = text("SELECT count(*) FROM sqlite_master WHERE name IN (:table, :vocab)")
_SQLITE_DOCS = text(f"SELECT term, doc FROM {SQLITE_VOCAB} WHERE term IN :terms").bindparams(
    bindparam("terms", expanding=True)
)


def _sqlite(session: Session, team_id: str, key: str) -> list[str] | None:
    found = session.execute(_SQLITE_READY, {"table": SQLITE_TABLE, "vocab": SQLITE_VOCAB})
    if found.scalar_one() != 2:
        return None
    grams = trigrams(key)
    docs: dict[str, int] = {
        term: doc for term, doc in session.execute(_SQLITE_DOCS, {"terms": grams})
    }
    picked: list[str] = []
    postings = 0
    for gram in sorted(docs, key=lambda gram: (docs[gram], gram)):
        if len(picked) >= SQLITE_MIN_GRAMS and postings + docs[gram] > SQLITE_POSTINGS:
            break
        picked.append(gram)
        postings += docs[gram]
    if not picked:
        return []  # no live name anywhere shares a trigram with the key
    hits = " UNION ALL ".join(
        f"SELECT rowid AS hit FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH :g{at}"
        for at in range(len(picked))
    )
    # shared / (picked + the name's trigrams, scaled to the picked share - shared): a Jaccard
    # estimate on the picked trigrams; a name's padded trigrams are about its length.
    statement = text(
        f"SELECT a.normalized_name FROM ("
        f" SELECT hit FROM ({hits}) GROUP BY hit"
        f" ORDER BY count(*) * 1.0 / (:picked + (hit % {_LENGTH}) * :share - count(*)) DESC, hit"
        f" LIMIT :limit"
        f") AS hits JOIN accounts AS a ON a.id = hits.hit / {_LENGTH}"
        f" WHERE a.team_id = :team_id AND a.status = 'active'"
    )
    phrases = {f"g{at}": '"' + gram.replace('"', '""') + '"' for at, gram in enumerate(picked)}
    values = {"picked": len(picked), "share": len(picked) / len(grams), "limit": CANDIDATES}
    rows = session.execute(statement, {**phrases, **values, "team_id": team_id})
    return list(rows.scalars())
