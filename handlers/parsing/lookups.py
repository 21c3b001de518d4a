"""What people ask: `/history <account> [filter]` and questions in @-mentions."""

import re
from dataclasses import dataclass

from handlers.parsing.text import MENTION, plain_text
from models.timeline import HISTORY_FILTERS


@dataclass(frozen=True)
class HistoryText:
    account: str | None  # None: the channel's linked account
    only: str | None  # one of HISTORY_FILTERS


def parse_history(text: str) -> HistoryText:
    """`/history <account> [calls|meetings|emails|notes|deals]`."""
    words = plain_text(text).split()
    only = None
    if words and words[-1].lower() in HISTORY_FILTERS:
        only = words.pop().lower()
    return HistoryText(account=" ".join(words) or None, only=only)


MENTION_QUESTIONS = (
    (
        "who",
        re.compile(
            r"\b(?:who\s*(?:'s|is)?\s*(?:owns?|has)|(?:the\s+)?owner\s+(?:of|for))\s+(?P<account>.+)",
            re.I,
        ),
    ),
    (
        "history",
        re.compile(r"\b(?:history|timeline)\s+(?:of\s+|for\s+|on\s+)?(?P<account>.+)", re.I),
    ),
    (
        "history",
        re.compile(
            r"\bwhat(?:'|\u2019)?s\s+(?:new|up|happening|going on)\s+(?:with|at)\s+(?P<account>.+)",
            re.I,
        ),
    ),
)


@dataclass(frozen=True)
class MentionQuestion:
    ask: str  # "who" or "history"
    account: str


def parse_mention(text: str) -> MentionQuestion | None:
    """ "@Rapport who owns Acme?", "@Rapport history globex", "@Rapport what's new with initech"."""
    bare = plain_text(MENTION.sub(" ", text))
    for ask, pattern in MENTION_QUESTIONS:
        if found := pattern.search(bare):
            account = found.group("account").strip().rstrip("?!. ").strip()
            if account:
                return MentionQuestion(ask=ask, account=account)
    return None
