"""The /crm grammar: help, new, assign, link, contact, and the subcommands still to come."""

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from handlers.parsing.text import (
    MENTION,
    CommandError,
    partition_outside_markup,
    plain_text,
    split_mentions,
    unescape,
)


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
class CrmHours:
    text: str  # parsed by handlers.parsing.hours


@dataclass(frozen=True)
class CrmEraseContact:
    email: str  # checked and lower-cased


@dataclass(frozen=True)
class CrmMerge:
    source: str  # the duplicate, which goes
    target: str  # the account that stays


@dataclass(frozen=True)
class CrmAudit:
    account: str


@dataclass(frozen=True)
class CrmHandoff:
    from_id: str  # who hands over
    to_id: str  # who takes over
    account: str | None  # None: all of the from-rep's accounts


@dataclass(frozen=True)
class CrmNotYet:
    subcommand: str  # a subcommand of PRODUCT.md that this version does not have yet


CrmRequest = (
    CrmHelp
    | CrmNewAccount
    | CrmAssign
    | CrmContact
    | CrmLink
    | CrmHours
    | CrmEraseContact
    | CrmMerge
    | CrmAudit
    | CrmHandoff
    | CrmNotYet
)

LATER_SUBCOMMANDS = frozenset(
    [
        "pipeline",
        "stages",
        "digest",
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
    if subcommand == "hours":
        return CrmHours(rest)
    if subcommand == "erase-contact":
        return _parse_erase(rest)
    if subcommand == "merge":
        return _parse_merge(rest)
    if subcommand == "audit":
        account = " ".join(unescape(rest).split())
        if not account:
            raise CommandError("Say which account's changes to show, e.g. `/crm audit Acme`.")
        return CrmAudit(account)
    if subcommand in ("handoff", "hand-off", "handover"):
        return _parse_handoff(rest)
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


def _parse_erase(rest: str) -> CrmEraseContact:
    typed = plain_text(rest).strip()
    if not typed:
        raise CommandError("Say whose data to erase, e.g. `/crm erase-contact jane@acme.com`.")
    return CrmEraseContact(checked_email(typed))


# "@dana @lee", "@dana to @lee", "@dana → @lee"; an account name may follow.
_HANDOFF = re.compile(
    rf"^\s*{MENTION.pattern}\s*(?:(?:to|->|→|=>|>|&gt;)\s*)?{MENTION.pattern}\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
HANDOFF_EXAMPLE = (
    "`/crm handoff @dana @lee` (all of Dana's accounts) or `/crm handoff @dana @lee Acme`"
)


def _parse_handoff(rest: str) -> CrmHandoff:
    """`handoff @from @to [account]`: the mentions as Slack escapes them, `<@U123|dana>`."""
    found = _HANDOFF.match(rest)
    if found is None:
        if "@" in rest and len(MENTION.findall(rest)) < 2:
            raise CommandError(
                "Pick both people from Slack's @-suggestions so I know exactly who they are."
            )
        raise CommandError(f"Say who hands over to whom, e.g. {HANDOFF_EXAMPLE}.")
    from_id, to_id, account = found.groups()
    name = " ".join(unescape(account or "").split())
    if MENTION.search(name) or name.startswith("@"):
        raise CommandError("A handoff is from one person to one other: mention just two.")
    return CrmHandoff(from_id=from_id, to_id=to_id, account=name or None)


_INTO = re.compile(r"\s+into\s+", re.IGNORECASE)


def _parse_merge(rest: str) -> CrmMerge:
    """`merge <account> into <account>`; the last " into " splits ("Into Tech into Intotech")."""
    parts = _INTO.split(" ".join(unescape(rest).split()))
    if len(parts) < 2 or not parts[-1] or not " into ".join(parts[:-1]):
        raise CommandError(
            "Say which account goes into which, e.g. `/crm merge Acme Inc into Acme`."
        )
    return CrmMerge(source=" into ".join(parts[:-1]).strip(), target=parts[-1].strip())


@dataclass(frozen=True)
class ContactText:
    account: str
    name: str
    email: str | None
    title: str | None


# Written-out addresses people type instead of one: "jane at acme.com", "jane(at)acme.com".
SPELLED_EMAIL = re.compile(r"^\S+\s*(?:\(at\)|\[at\]|\s+at\s+)\s*\S+\.\S+$", re.IGNORECASE)
CONTACT_EXAMPLE = "`/crm contact Acme: Jane Roe, jane@acme.com, VP Sales`"


def parse_contact(text: str) -> ContactText:
    """`contact <account>: Jane Roe, jane@acme.com, VP Sales` (email and title optional)."""
    account, colon, rest = partition_outside_markup(text, ":")
    account, rest = plain_text(account), plain_text(rest)
    parts = [part.strip() for part in rest.split(",") if part.strip()]
    if not colon or not account.strip() or not parts:
        raise CommandError(f"Say whose contact and who, e.g. {CONTACT_EXAMPLE}.")
    # The field after the name is where people put the email: an attempt there is refused
    # rather than stored as the title ("joe at acme dot com", "kim.acme.com").
    meant = [
        _meant_as_email(part) or (i == 1 and _tried_email(part)) for i, part in enumerate(parts)
    ]
    emails = [part for part, is_email in zip(parts, meant, strict=True) if is_email]
    others = [part for part, is_email in zip(parts, meant, strict=True) if not is_email]
    if len(emails) > 1:
        raise CommandError("Give a contact one email address; add a second person separately.")
    if not others:
        raise CommandError(f"Give the contact's name before the email, e.g. {CONTACT_EXAMPLE}.")
    return ContactText(
        account=" ".join(account.split()),
        name=others[0],
        email=checked_email(emails[0]) if emails else None,
        title=", ".join(others[1:]) or None,
    )


def _meant_as_email(part: str) -> bool:
    return "@" in part or part.lower().startswith("mailto:") or bool(SPELLED_EMAIL.match(part))


# "(at)", " dot ", "[dot]"; "jo at acme.io" is SPELLED_EMAIL, "Head of Sales at Hooli.com" a title.
TRIED_EMAIL = re.compile(r"\sdot\s|[(\[](?:at|dot)[)\]]", re.IGNORECASE)
DOMAIN_LIKE = re.compile(r"[\w+-]+(?:\.[\w+-]+)*\.[a-z]{2,}", re.IGNORECASE)  # kim.acme.com


def _tried_email(part: str) -> bool:
    """An email written out or cut short: "(at)", " dot ", or one word that is a domain."""
    return bool(TRIED_EMAIL.search(f" {part} ")) or bool(DOMAIN_LIKE.fullmatch(part))


def checked_email(typed: str) -> str:
    """An email address as typed, checked for form (not deliverability), lower-cased; a
    CommandError in one sentence when it isn't one."""
    typed = typed.replace("\x00", "")
    address = typed.strip().removeprefix("mailto:").strip()
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise CommandError(
            f"“{typed}” isn't an email address; write it like jane@acme.com."
        ) from error
    return valid.normalized.lower()
