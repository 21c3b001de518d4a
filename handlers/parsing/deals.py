"""The /deal grammar and `/crm stages ...`: pure functions from typed text to requests.

    /deal                                          my open deals
    /deal new <account>: <name> [amount] [close <date>]
    /deal <deal>                                   the card (an account: its deals)
    /deal <deal> stage <stage>[: note]   /deal <deal> next   /deal <deal> won
    /deal <deal> lost: <reason>          /deal <deal> reopen [stage]
    /deal <deal> amount 52k              /deal <deal> close Jan 15

A deal is "<account> <deal name>", or the account alone. A trailing amount in `/deal new` needs
a currency, a k/m or a thousands separator ("Renewal 2027" is a name, not $2,027).
"""

import re
from dataclasses import dataclass
from typing import Literal

from handlers.parsing.text import CommandError, partition_outside_markup, plain_text
from models.money import AmountError, Money, parse_amount
from models.stages import Stage, StageOutcome

MOVES = ("next", "won", "lost", "reopen")
FIELDS = ("stage", "amount", "close", "reopen")
NEW_WORDS = ("new", "create", "add")
EXAMPLE_NEW = "`/deal new Acme: Renewal 2027 $48,000 close Jan 15`"


@dataclass(frozen=True)
class DealList:
    """`/deal` alone: my open deals."""


@dataclass(frozen=True)
class DealNew:
    account: str
    name: str
    money: Money | None
    close: str | None  # a date phrase, read in the rep's zone by the handler


@dataclass(frozen=True)
class DealShow:
    ref: str


Op = Literal["stage", "next", "won", "lost", "reopen", "amount", "close"]


@dataclass(frozen=True)
class DealChange:
    ref: str
    op: Op
    arg: str | None = None  # the stage, the amount or the date as typed
    note: str | None = None  # after a colon: the lost reason, a note on the move


DealRequest = DealList | DealNew | DealShow | DealChange


def parse_deal(text: str, *, default_currency: str) -> DealRequest:
    """What `/deal <text>` asks for, or CommandError in one sentence."""
    typed = " ".join(plain_text(text).split())
    if not typed:
        return DealList()
    first, _, rest = typed.partition(" ")
    if first.lower() in NEW_WORDS:
        return _parse_new(rest, default_currency)
    head, colon, after = partition_outside_markup(typed, ":")
    note = after.strip() or None
    words = head.split()
    lowered = [word.lower() for word in words]
    if "stage" in lowered[1:-1]:  # "stage Closed Won": a stage name may end in a move word
        index = len(words) - 1 - lowered[::-1].index("stage")
        return DealChange(" ".join(words[:index]), "stage", " ".join(words[index + 1 :]), note)
    for index in range(len(words) - 1, 0, -1):
        word = words[index].lower()
        if word in MOVES and index == len(words) - 1:
            return DealChange(" ".join(words[:index]), word, None, note)  # type: ignore[arg-type]
        if word in FIELDS and index < len(words) - 1:
            arg = " ".join(words[index + 1 :])
            return DealChange(" ".join(words[:index]), word, arg, note)  # type: ignore[arg-type]
    if colon:
        raise CommandError(
            "Say what to do with the deal, e.g. `/deal Acme lost: went with a competitor`."
        )
    return DealShow(head)


def _parse_new(rest: str, default_currency: str) -> DealNew:
    account, colon, details = rest.partition(":")
    account, details = account.strip(), details.strip()
    if not colon or not account or not details:
        raise CommandError(f"Say the account and the deal, e.g. {EXAMPLE_NEW}.")
    words = details.split()
    close = None
    lowered = [w.lower() for w in words]
    if "close" in lowered[1:]:
        at = len(lowered) - 1 - lowered[::-1].index("close")
        words, close = words[:at], " ".join(words[at + 1 :]) or None
        if close is None:
            raise CommandError(f"Say when it should close, e.g. {EXAMPLE_NEW}.")
    name_words, money = _split_amount(words, default_currency)
    if not name_words:
        raise CommandError(f"Name the deal, e.g. {EXAMPLE_NEW}.")
    return DealNew(account=account, name=" ".join(name_words), money=money, close=close)


MARKED = re.compile(r"[$€£¥₹₩]|\d[.,'\u2019]\d|\d\s*(k|m|mm|b|bn)$|^[A-Za-z]{3}$", re.IGNORECASE)
BROKEN = re.compile(r"[-\u2212$€£¥₹₩\d]")


def _split_amount(words: list[str], default_currency: str) -> tuple[list[str], Money | None]:
    """The name's words and the amount at their end ("Renewal 2027 $48,000", "Pilot 12.5k €")."""
    for size in (3, 2, 1):
        if len(words) <= size:
            continue
        tail = " ".join(words[-size:])
        if not (MARKED.search(tail) and any(ch.isdigit() for ch in tail)):
            continue
        try:
            return words[:-size], parse_amount(tail, default_currency=default_currency)
        except AmountError:
            continue
    last = words[-1] if words else ""
    if len(words) > 2 and re.fullmatch("[A-Za-z]{3}", last) and MARKED.search(words[-2]):
        parse_amount(" ".join(words[-2:]), default_currency=default_currency)  # "5,000 XYZ"
    if BROKEN.match(last) and MARKED.search(last):  # "$4x", "12..5k", "-5k": meant as an amount
        parse_amount(last, default_currency=default_currency)
    return words, None


WON_NAMES = ("won", "closed won", "signed")
LOST_NAMES = ("lost", "closed lost")
MARK = re.compile(r"\((won|lost|open)\)", re.IGNORECASE)
PROBABILITY = re.compile(r"(\d{1,3})\s*%")


def parse_stages(text: str) -> list[Stage]:
    """`Lead 10%, Qualified 25%, Demo, Signed (won), Lost`: names in order; "won"/"lost" by name
    or by a (won) / (lost) mark; an optional probability."""
    stages = []
    for part in plain_text(text).split(","):
        item = part.strip()
        if not item:
            continue
        mark = MARK.search(item)
        probability = PROBABILITY.search(item)
        name = " ".join(PROBABILITY.sub(" ", MARK.sub(" ", item)).split())
        if not name:
            raise CommandError(f"“{item[:40]}” needs a stage name.")
        stages.append(
            Stage(name, _outcome(name, mark), int(probability[1]) if probability else None)
        )
    if not stages:
        raise CommandError(
            "List the stages in order, e.g. "
            "`/crm stages set Lead 10%, Qualified 25%, Demo 40%, Won, Lost`."
        )
    return stages


def _outcome(name: str, mark: re.Match[str] | None) -> StageOutcome:
    if mark is not None:
        return StageOutcome(mark[1].lower())
    key = name.casefold()
    if key in WON_NAMES:
        return StageOutcome.WON
    if key in LOST_NAMES:
        return StageOutcome.LOST
    return StageOutcome.OPEN


@dataclass(frozen=True)
class StagesShow:
    pass


@dataclass(frozen=True)
class StagesSet:
    stages: list[Stage]


@dataclass(frozen=True)
class StagesRename:
    old: str
    new: str


RENAME = re.compile(r"^(.+?)\s+(?:to|->|→)\s+(.+)$", re.IGNORECASE)


def parse_stages_command(rest: str) -> StagesShow | StagesSet | StagesRename:
    """What follows `/crm stages`: nothing, `set <stages>`, or `rename <old> to <new>`."""
    verb, _, args = rest.strip().partition(" ")
    if not verb:
        return StagesShow()
    if verb.lower() == "set":
        return StagesSet(parse_stages(args))
    if verb.lower() == "rename":
        found = RENAME.match(" ".join(plain_text(args).split()))
        if found is None:
            raise CommandError(
                "Say which stage and its new name: `/crm stages rename Demo to Discovery`."
            )
        return StagesRename(found[1], found[2])
    raise CommandError(
        "`/crm stages` shows the pipeline; admins: `/crm stages set Lead 10%, ..., Won, Lost` "
        "or `/crm stages rename Demo to Discovery`."
    )
