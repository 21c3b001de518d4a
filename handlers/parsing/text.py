"""What people type, as Slack sends it: mentions, markup and entities, turned back into plain text.

Slash commands are declared with should_escape: true, so Slack sends mentions as `<@U123|name>`
and escapes the user's own `&`, `<`, `>` as entities; parsers pull mentions out first and then
unescape, so the domain stores what the user actually typed.
"""

import re
from collections.abc import Callable

from models.accounts import LEGAL_SUFFIXES

NameOf = Callable[[str], str | None]  # a Slack user id to the name Slack shows, if known
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


class CommandError(ValueError):
    """Input the parser can't use; `str(error)` is the one sentence the user reads."""


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def split_mentions(text: str) -> tuple[str, list[str]]:
    """The text without its user mentions, and the mentioned user ids in order."""
    users = MENTION.findall(text)
    return " ".join(MENTION.sub(" ", text).split()), users


# Slack's markup for mentions, channels, broadcasts and links, as it arrives in text.
SLACK_MARKUP = re.compile(
    r"<([@#!])([^>|]+)(?:\|([^>]*))?>|<((?:https?|mailto|tel):[^>|]+)(?:\|([^>]*))?>"
)


def name_mentions(slack_text: str, name_of: NameOf) -> str:
    """Slack's markup with each user mention labelled by the name Slack shows for that person
    (`<@U0CAROL>` is `<@U0CAROL|Carol Diaz>`); people `name_of` doesn't know keep their label."""

    def labelled(match: re.Match[str]) -> str:
        name = name_of(match.group(1))
        if not name:
            return match.group(0)
        entities = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"<@{match.group(1)}|{entities}>"

    return MENTION.sub(labelled, slack_text)


def plain_text(slack_text: str, name_of: NameOf | None = None) -> str:
    """What a person typed, from Slack's markup: `<@U1|dana>` is `@dana` (or the name `name_of`
    gives), `<!channel>` `@channel`, `<#C1|general>` `#general`, a link its label and address.

    Stored notes hold this plain form; shown again, they are escaped, so they ping nobody.
    """
    if name_of is not None:
        slack_text = name_mentions(slack_text, name_of)

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


def partition_outside_markup(text: str, separators: str) -> tuple[str, str, str]:
    """str.partition on the first of `separators` that isn't inside Slack's <…> markup."""
    depth = 0
    for index, char in enumerate(text):
        depth += (char == "<") - (char == ">" and depth > 0)
        if depth == 0 and char in separators:
            return text[:index], char, text[index + 1 :]
    return text, "", ""


# What people put between an account and their notes: "Acme: ...", "Acme - ...", "Acme — ...".
NAME_SEPARATORS = (":", " - ", " \u2013 ", " \u2014 ")  # colon, hyphen, en and em dash
_LEGAL_WORD = re.compile(r"\s*([\w.]+)(?=$|[\s,:;)])")


def split_name(text: str, *, commas: bool = False) -> tuple[str, str, str]:
    """(name, separator, rest) split at the first separator outside Slack's <…> markup.

    With `commas`, a comma separates too, except before a legal form, which belongs to the name
    ("ACME, Inc.: they signed"). A colon between digits is a time ("call at 3:30"), not a separator.
    """
    depth = 0
    for index, char in enumerate(text):
        depth += (char == "<") - (char == ">" and depth > 0)
        if depth or char not in ":,- \u2013\u2014":
            continue
        if char == ":" and not _between_digits(text, index):
            return text[:index], char, text[index + 1 :]
        if char == "," and commas and not _starts_with_legal_form(text[index + 1 : index + 40]):
            return text[:index], char, text[index + 1 :]
        for separator in NAME_SEPARATORS[1:]:
            if text.startswith(separator, index):
                return text[:index], separator, text[index + len(separator) :]
    return text, "", ""


def _between_digits(text: str, index: int) -> bool:
    return 0 < index < len(text) - 1 and text[index - 1].isdigit() and text[index + 1].isdigit()


def _starts_with_legal_form(text: str) -> bool:
    word = _LEGAL_WORD.match(text)
    return word is not None and word.group(1).replace(".", "").casefold() in LEGAL_SUFFIXES
