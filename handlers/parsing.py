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
class CrmContact:
    text: str  # parsed by parse_contact once the subcommand is known


@dataclass(frozen=True)
class CrmLink:
    account: str | None  # None: unlink


@dataclass(frozen=True)
class CrmNotYet:
    subcommand: str  # a subcommand of PRODUCT.md that this version does not have yet


CrmRequest = CrmHelp | CrmNewAccount | CrmAssign | CrmContact | CrmLink | CrmNotYet

LATER_SUBCOMMANDS = frozenset(
    [
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
    if subcommand == "link":
        account = " ".join(unescape(rest).split())
        if not account:
            raise CommandError("Say which account this channel is for, e.g. `/crm link Acme`.")
        return CrmLink(account)
    if subcommand == "unlink":
        return CrmLink(None)
    if subcommand in ("contact", "contacts"):
        return CrmContact(rest)
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


# Slack's markup for mentions, channels, broadcasts and links, as it arrives in text.
SLACK_MARKUP = re.compile(
    r"<([@#!])([^>|]+)(?:\|([^>]*))?>|<((?:https?|mailto|tel):[^>|]+)(?:\|([^>]*))?>"
)


def plain_text(slack_text: str) -> str:
    """What a person typed, from Slack's markup: `<@U1|dana>` is `@dana`, `<!channel>` `@channel`.

    Stored notes hold this plain form; shown again, they are escaped, so they ping nobody.
    """

    def readable(match: re.Match[str]) -> str:
        sigil, target, label, url, url_label = match.groups()
        if url and url.startswith(("mailto:", "tel:")):
            return url_label or url.split(":", 1)[1]
        if url:
            return f"{url_label} ({url})" if url_label and url_label != url else url
        if sigil == "!":
            name = label or target.split("^")[0]
            return name if name.startswith("@") else f"@{name}"
        return f"{sigil}{label or target}"

    return unescape(SLACK_MARKUP.sub(readable, slack_text))


@dataclass(frozen=True)
class LogText:
    """`/log-call <account>: <notes>`; either part may be missing."""

    account: str | None
    notes: str


def parse_log_call(text: str) -> LogText:
    """Split on the first colon; without one, the text is either an account or notes alone."""
    account, colon, notes = partition_outside_markup(text.strip(), ":")
    account, notes = " ".join(plain_text(account).split()), plain_text(notes).strip()
    if not colon or not account or _looks_like_time(account, notes):
        return LogText(account=None, notes=plain_text(text).strip())
    return LogText(account=account, notes=notes)


def partition_outside_markup(text: str, separators: str) -> tuple[str, str, str]:
    """str.partition on the first of `separators` that isn't inside Slack's <…> markup."""
    depth = 0
    for index, char in enumerate(text):
        depth += (char == "<") - (char == ">" and depth > 0)
        if depth == 0 and char in separators:
            return text[:index], char, text[index + 1 :]
    return text, "", ""


def _looks_like_time(before: str, after: str) -> bool:
    """ "Call at 3:30 went well" has a colon that isn't the account separator."""
    return bool(before) and before[-1].isdigit() and bool(after) and after[0].isdigit()


# The first word of a one-line DM says what happened.
KIND_WORDS = {
    "call": "call",
    "called": "call",
    "phoned": "call",
    "rang": "call",
    "spoke": "call",
    "meeting": "meeting",
    "met": "meeting",
    "meet": "meeting",
    "visited": "meeting",
    "email": "email",
    "emailed": "email",
    "mailed": "email",
    "wrote": "email",
    "note": "note",
    "noted": "note",
}
CONNECTORS = ("with", "to", "at", "on")


@dataclass(frozen=True)
class DmLog:
    kind: str
    account: str
    notes: str


def parse_dm_log(text: str) -> DmLog:
    """ "called Acme: they signed the NDA" or "met with Globex, demo went well"."""
    first, _, rest = text.strip().partition(" ")
    kind = KIND_WORDS.get(first.lower().rstrip(":,"))
    body = rest.strip() if kind else text.strip()
    for connector in CONNECTORS:
        if body.lower().startswith(connector + " "):
            body = body[len(connector) + 1 :]
            break
    account, separator, notes = partition_outside_markup(body, ":,")
    account, notes = " ".join(plain_text(account).split()), plain_text(notes).strip()
    if not separator or not account or not notes:
        raise CommandError(
            "Tell me the account and what happened, e.g. "
            "“called Acme: they signed the NDA, follow up friday” or “met Globex, demo went well”."
        )
    return DmLog(kind=kind or "note", account=account, notes=notes)


@dataclass(frozen=True)
class ContactText:
    account: str
    name: str
    email: str | None
    title: str | None


EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def parse_contact(text: str) -> ContactText:
    """`contact <account>: Jane Roe, jane@acme.com, VP Sales` (email and title optional)."""
    account, colon, rest = partition_outside_markup(text, ":")
    account, rest = plain_text(account), plain_text(rest)
    parts = [part.strip() for part in rest.split(",") if part.strip()]
    if not colon or not account.strip() or not parts:
        raise CommandError(
            "Say whose contact and who, e.g. "
            "`/crm contact Acme: Jane Roe, jane@acme.com, VP Sales`."
        )
    name, extra = parts[0], parts[1:]
    emails = [part for part in extra if "@" in part]
    email = emails[0].removeprefix("mailto:") if emails else None
    if email and not EMAIL.match(email):
        raise CommandError(f"{email} doesn't look like an email address.")
    titles = [part for part in extra if "@" not in part]
    return ContactText(
        account=" ".join(account.split()),
        name=name,
        email=email,
        title=", ".join(titles) or None,
    )


HISTORY_FILTERS = ("calls", "meetings", "emails", "notes", "deals")


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
