"""What people ask: `/history <account> [filter]`, and questions in @-mentions and DMs."""

import re
from dataclasses import dataclass, field, replace

from handlers.parsing.calls import KIND_WORDS
from handlers.parsing.text import MENTION, plain_text
from models.timeline import FILTER_WORDS, HISTORY_FILTERS


@dataclass(frozen=True)
class HistoryText:
    account: str | None  # None: the channel's linked account
    only: str | None  # HISTORY_FILTERS names joined by FILTER_JOIN ("calls+emails")


FILTER_JOIN = "+"  # no "|" or ":": the filters ride in button values
CONNECTOR_WORDS = frozenset({"and", "&", "+", "or"})


def parse_history(text: str) -> HistoryText:
    """`/history <account> [call(s)|meeting(s)|email(s)|note(s)|deal(s)|follow-up(s)]`, one or
    several ("acme calls emails", "acme calls and meetings", "acme calls, emails")."""
    words = plain_text(text).split()
    found: set[str] = set()
    while words and ((last := words[-1].rstrip(",").lower()) in FILTER_WORDS or found):
        if last in FILTER_WORDS:
            found.add(FILTER_WORDS[last])
        elif last and last not in CONNECTOR_WORDS:  # ("" is a lone ",")
            break
        words.pop()
    only = FILTER_JOIN.join(name for name in HISTORY_FILTERS if name in found) or None
    account = " ".join(words).rstrip(",").strip() or None
    return HistoryText(account=account, only=only)


# The account part may be left out, or be "this", "here", "this account": the channel's own.
ACCOUNT = r"(?:\s+(?P<account>[^?\n]+))?"  # the question ends at "?": "who owns acme? thx"
WHO = r"who\s*(?:'s|\u2019s|s|is)?"  # "who", "who's", "whos", "who is"
MENTION_QUESTIONS = (
    (  # "whos acme's owner?": the account before "owner"
        "who",
        re.compile(
            rf"\b{WHO}\s+(?!the\b)(?P<account>[^?\n]+?)(?:'s|\u2019s|s'|\u2019)\s+owner\b",
            re.I,
        ),
    ),
    (
        "who",
        re.compile(
            rf"\b(?:{WHO}\s*(?:owns?|has(?:\s+got)?|got|(?:the\s+)?owner(?:\s+(?:of|for))?)"
            r"|(?:the\s+)?owner(?:\s+(?:of|for))?)" + ACCOUNT,
            re.I,
        ),
    ),
    (
        "new",
        re.compile(
            r"\b(?:(?:what(?:'|\u2019)?s|what\s+is)\s+(?:new|up|happening|going\s+on)"
            r"|any\s+news|anything\s+new)(?:\s+(?:with|at|on|in|for|about|from)\b)?" + ACCOUNT,
            re.I,
        ),
    ),
    ("history", re.compile(r"\b(?:history|timeline)(?:\s+(?:of|for|on|at)\b)?" + ACCOUNT, re.I)),
)
HERE = re.compile(
    r"(?:(?:this|that|our|the)\s+(?:one|account|channel|customer|client|company)(?:'s\s+account)?"
    r"|this|that|it|here|them|in\s+here|(?:in|for|on)\s+this\s+channel)?"
    r"(?:\s+(?:here|in\s+here|in\s+this\s+channel))?",
    re.I,
)


@dataclass(frozen=True)
class MentionQuestion:
    ask: str  # "who", "history" or "new"
    account: str | None  # None: the channel's linked account ("who owns this?")
    only: str | None = None  # a history filter, "history acme calls"
    more: bool = field(default=False, compare=False)  # a log line follows the question in a DM


def parse_mention(text: str) -> MentionQuestion | None:
    """ "@Rapport who owns Acme?", "@Rapport history globex", "@Rapport what's new here"."""
    bare = plain_text(MENTION.sub(" ", text))
    for ask, pattern in MENTION_QUESTIONS:
        if found := pattern.search(bare):
            return _question(ask, found.group("account") or "")
    return None


def parse_dm_question(text: str) -> MentionQuestion | None:
    """A DM that asks rather than logs: "who owns globex?", "history acme", "what's new with
    initech"; None for anything else (a log line such as "called acme: ...")."""
    # Only a DM that starts as a question is one: "called Acme: who owns the budget?" logs.
    bare = re.sub(r"^\W+", "", plain_text(MENTION.sub(" ", text)))
    for ask, pattern in MENTION_QUESTIONS:
        if found := pattern.match(bare):
            question = _question(ask, found.group("account") or "")
            return replace(question, more=_reads_as_a_log(bare[found.end() :]))
    return None


# A DM starting with one of these asks something ("is Acme renewing?"); one ending in "?" asks
# too, unless it starts with what happened ("called Acme: they asked, can we get SSO?").
QUESTION_WORDS = frozenset(
    {
        "who",
        "whos",
        "who's",
        "what",
        "whats",
        "what's",
        "when",
        "where",
        "which",
        "why",
        "how",
        "is",
        "are",
        "does",
        "do",
        "did",
        "can",
        "could",
        "any",
        "anything",
        "has",
        "have",
        "should",
        "will",
        "would",
    }
)


def is_question(text: str) -> bool:
    """Whether a DM is a question (and so never a log line)."""
    bare = re.sub(r"^\W+", "", plain_text(MENTION.sub(" ", text))).strip()
    first = bare.split(maxsplit=1)[0].lower().replace("\u2019", "'").rstrip(",:") if bare else ""
    if first in QUESTION_WORDS:
        return True
    return bare.endswith("?") and first.rstrip(":,") not in KIND_WORDS


def asked_name(text: str) -> str:
    """What a question that is only a name asks about: "Acme, Inc.?" is "Acme, Inc."."""
    return " ".join(plain_text(MENTION.sub(" ", text)).split()).strip("?!. ")


def _reads_as_a_log(rest: str) -> bool:
    """Whether what follows a DM's question reads as a log line ("I called them - they signed")
    rather than a sign-off ("thx")."""
    words = [word.strip(".,:;!?-").lower() for word in rest.split()]
    return len(words) >= 4 or any(word in KIND_WORDS for word in words)


def _question(ask: str, typed: str) -> MentionQuestion:
    account = " ".join(typed.split()).rstrip("?!. ").strip()
    only = None
    if ask == "history":  # "history acme calls", "history here calls"
        request = parse_history(account)
        account, only = request.account or "", request.only
    return MentionQuestion(ask=ask, account=None if HERE.fullmatch(account) else account, only=only)
