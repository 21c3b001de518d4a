"""Pure parsers for what people type. Each returns data or a CommandError with the sentence to show.

Slash commands are declared with should_escape: true, so Slack sends mentions as `<@U123|name>`
and escapes the user's own `&`, `<`, `>` as entities; parsers pull mentions out first and then
unescape, so the domain stores what the user actually typed.
"""

import re
from dataclasses import dataclass

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


class CommandError(ValueError):
    """Input the parser can't use; `str(error)` is the one sentence the user reads."""


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def split_mentions(text: str) -> tuple[str, list[str]]:
    """The text without its user mentions, and the mentioned user ids in order."""
    users = MENTION.findall(text)
    return " ".join(MENTION.sub(" ", text).split()), users


@dataclass(frozen=True)
class CrmHelp:
    unknown: str | None = None  # what the user typed, when it wasn't a subcommand


@dataclass(frozen=True)
class CrmNewAccount:
    account: str
    owner_id: str | None  # None: the caller


@dataclass(frozen=True)
class CrmAssign:
    account: str
    rep_id: str


@dataclass(frozen=True)
class CrmNotYet:
    subcommand: str  # a subcommand of PRODUCT.md that this version does not have yet


CrmRequest = CrmHelp | CrmNewAccount | CrmAssign | CrmNotYet

LATER_SUBCOMMANDS = frozenset(
    [
        "link",
        "unlink",
        "contact",
        "pipeline",
        "stages",
        "digest",
        "handoff",
        "merge",
        "duplicates",
        "audit",
        "erase-contact",
    ]
)


def parse_crm(text: str) -> CrmRequest:
    """`/crm [help | new <account> [@owner] | assign <account> @rep | …]`."""
    words = text.strip().split(maxsplit=1)
    if not words or words[0].lower() in ("help", "?", "-h", "--help"):
        return CrmHelp()
    subcommand, rest = words[0].lower(), (words[1] if len(words) > 1 else "")
    if subcommand in ("new", "create", "add"):
        return _parse_new(rest)
    if subcommand in ("assign", "reassign"):
        return _parse_assign(rest)
    if subcommand in LATER_SUBCOMMANDS:
        return CrmNotYet(subcommand)
    return CrmHelp(unknown=unescape(text.strip()))


def _parse_new(rest: str) -> CrmNewAccount:
    name, users = split_mentions(rest)
    name = unescape(name)
    if not name:
        raise CommandError("Name the account to create, e.g. `/crm new Acme Corp @dana`.")
    if len(users) > 1:
        raise CommandError("An account has one owner: mention just one person.")
    if "@" in name.split()[-1]:
        raise CommandError("Pick the owner from Slack's @-suggestions so I know exactly who it is.")
    return CrmNewAccount(account=name, owner_id=users[0] if users else None)


def _parse_assign(rest: str) -> CrmAssign:
    name, users = split_mentions(rest)
    name = unescape(name)
    if not name or len(users) != 1:
        raise CommandError("Say which account and who gets it, e.g. `/crm assign Acme Corp @dana`.")
    return CrmAssign(account=name, rep_id=users[0])
