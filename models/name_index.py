"""The names worth scoring for a typed name: a trigram pre-filter in front of rapidfuzz.

`models.matching` scores names with rapidfuzz; at 100,000 accounts scoring every one costs
~45 ms. Here the database hands it the few hundred names that share the most trigrams with
the typed key (migrations 0019_name_trigrams and 0021_name_trigrams_by_length build the indexes):

- PostgreSQL: pg_trgm's `%` on partial GIN indexes over accounts.normalized_name, one per band of
  name lengths (migration 0021_name_trigrams_by_length), at a similarity threshold low enough for
  a slip in a short name, best `similarity()` first. Only the bands of names long enough and short
  enough to score as near the key are read: GIN can't tell a name's length, so one index over
  all names rechecked thousands of long names sharing " ar" and "on " with a 7-letter key.
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
PG_INDEX_PREFIX = "ix_accounts_name_trigrams"
# (shortest, longest) name length of each band's index; None: no upper bound. Narrow where names
# are short: a short key's window then spans few names.
PG_BANDS: tuple[tuple[int, int | None], ...] = (
    (1, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 17), (18, 20), (21, 24), (25, 30),
    (31, 40), (41, None),
)  # fmt: skip
# fuzz.ratio is at most 2 * shorter / (shorter + longer): below matching.NEAREST_SCORE (60) when
# one name is over 7/3 the length of the other, so those are never offered (a name starting with
# the key is found apart from this, by models.matching._list_prefixed).
LENGTH_SPREAD = 7 / 3
SQLITE_TABLE = "account_name_trigrams"  # bot.db.NAME_TRIGRAMS opens it as a connection opens
SQLITE_VOCAB = "account_name_trigrams_vocab"
SQLITE_POSTINGS = 8000  # rows of trigram postings read per lookup, about 2 ms
SQLITE_MIN_GRAMS = 4  # one slip changes up to 4 trigrams; the rarest 4 include one it kept
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


def pg_index(band: tuple[int, int | None]) -> str:
    shortest, longest = band
    return f"{PG_INDEX_PREFIX}_{shortest}_{longest or 'up'}"


def pg_lengths(key: str) -> tuple[int, int]:
    """The shortest and longest name that can score as near `key`."""
    return math.ceil(len(key) / LENGTH_SPREAD), math.floor(len(key) * LENGTH_SPREAD)


def _postgresql(session: Session, team_id: str, key: str) -> list[str] | None:
    ready = session.execute(
        text("SELECT set_config('pg_trgm.similarity_threshold', :limit, true), to_regclass(:ix)"),
        {"limit": str(pg_threshold(key)), "ix": pg_index(PG_BANDS[0])},
    ).one()
    if ready[1] is None:
        return None
    shortest, longest = pg_lengths(key)
    bands = tuple(
        (low, high)
        for low, high in PG_BANDS
        if low <= longest and (high is None or high >= shortest)
    )
    values = {"shortest": shortest, "longest": longest, "limit": CANDIDATES}
    rows = session.execute(_pg_statement(bands), {"team_id": team_id, "key": key, **values})
    return list(rows.scalars())


@cache
def _pg_statement(bands: tuple[tuple[int, int | None], ...]) -> TextClause:
    """One arm per band, each stating its index's predicate in literals so the planner (even a
    prepared statement's generic plan) picks that partial index."""
    arms = " UNION ALL ".join(
        "SELECT normalized_name FROM accounts"
        f" WHERE team_id = :team_id AND status = 'active' AND {_pg_band(band)}"
        " AND length(normalized_name) BETWEEN :shortest AND :longest"
        " AND normalized_name % :key"
        for band in bands
    )
    return text(
        f"SELECT normalized_name FROM ({arms}) AS near"
        " ORDER BY similarity(normalized_name, :key) DESC, normalized_name LIMIT :limit"
    )


def _pg_band(band: tuple[int, int | None]) -> str:
    shortest, longest = band
    if longest is None:
        return f"length(normalized_name) >= {shortest}"
    return f"length(normalized_name) BETWEEN {shortest} AND {longest}"


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
