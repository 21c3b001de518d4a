"""Money as people write it ("$48,000", "48k", "EUR 12,500", "12.5k €", "48.000,00 €"), kept
exactly: an integer count of the currency's minor unit (cents, fils, yen) and its ISO 4217 code.

No float ever touches an amount: digits are read as text and scaled with integers.
Which codes are currencies comes from CLDR through babel (the codes some country tenders today);
how many decimals each has comes from ISO 4217 itself (CLDR's display digits differ for a few,
e.g. HUF and IDR have two minor digits in ISO 4217 but are shown without them).
"""

import re
from dataclasses import dataclass
from functools import cache

from babel.core import get_global

from models.base import DomainError

# ISO 4217 minor units that aren't 2 (the currencies in use; funds and metals are refused).
EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}
NOT_MONEY = frozenset(
    ["XAG", "XAU", "XPD", "XPT", "XDR", "XSU", "XUA", "XTS", "XXX", "XBA", "XBB", "XBC", "XBD"]
)
SYMBOLS: dict[str, str] = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW"}
SHOWN: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
NO_CURRENCY = "(no currency)"
# A "$" means the workspace's own dollar when it has one.
DOLLARS = frozenset(["USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "TWD"])
MAX_MAJOR = 10**12  # a trillion of anything is a typo, not a deal
SCALES = {"k": 3, "m": 6, "mm": 6, "b": 9, "bn": 9}


class AmountError(DomainError):
    """Typed text that is not an amount Rapport can keep."""


@dataclass(frozen=True)
class Money:
    minor: int  # in the currency's minor unit
    currency: str  # ISO 4217


@cache
def currencies() -> frozenset[str]:
    """The ISO 4217 codes of currencies some country tenders today (CLDR, via babel)."""
    held = get_global("territory_currencies")
    return frozenset(
        code
        for entries in held.values()
        for code, _start, end, tender in entries
        if end is None and tender and code not in NOT_MONEY
    )


def is_currency(code: str) -> bool:
    return code.upper() in currencies()


def exponent(currency: str) -> int:
    """How many minor digits the currency has (JPY 0, USD 2, KWD 3)."""
    return EXPONENTS.get(currency.upper(), 2)


def check_currency(code: str) -> str:
    """The code in upper case, or AmountError when it is no ISO 4217 currency in use."""
    upper = code.strip().upper()
    if not is_currency(upper):
        raise AmountError(f"{code.strip()[:10]} isn't an ISO 4217 currency code (e.g. USD, EUR).")
    return upper


_SYMBOL_CLASS = "".join(re.escape(s) for s in SYMBOLS)
AMOUNT = re.compile(
    rf"""^\s*
    (?P<pre>[A-Za-z]{{3}}\s*|[{_SYMBOL_CLASS}]\s*)?
    (?P<sign>[-\u2212])?\s*
    (?P<pre2>[{_SYMBOL_CLASS}]\s*)?
    (?P<number>[0-9][0-9.,'\u2019\s]*?)
    \s*(?P<scale>k|m|mm|b|bn)?
    \s*(?P<post>[A-Za-z]{{3}}|[{_SYMBOL_CLASS}])?
    \s*$""",
    re.VERBOSE | re.IGNORECASE,
)
# Scale words must not be read as currency codes ("12.5k €": k is the scale).
LOOKS_LIKE_AMOUNT = re.compile(rf"[0-9]|[{_SYMBOL_CLASS}]")


def looks_like_amount(word: str) -> bool:
    return bool(LOOKS_LIKE_AMOUNT.search(word))


def parse_amount(text: str, *, default_currency: str) -> Money:
    """An amount as typed, exactly, or AmountError in one sentence saying what's wrong."""
    match = AMOUNT.match(text)
    shown = text.strip()[:40]
    if match is None:
        raise AmountError(f"“{shown}” isn't an amount; write it like $48,000, 48k or EUR 12,500.")
    if match["sign"]:
        raise AmountError("An amount can't be negative.")
    currency = _currency(match, default_currency)
    units, decimals = _digits(match["number"].strip(), shown)
    scale = SCALES[match["scale"].lower()] if match["scale"] else 0
    places = exponent(currency)
    if len(decimals) > scale + places:
        raise AmountError(f"{currency} has {places} decimal places; “{shown}” has more.")
    digits = units + decimals
    shift = scale + places - len(decimals)
    minor = int(digits) * 10**shift
    if minor >= MAX_MAJOR * 10**places:
        raise AmountError(f"{format_money(minor, currency)} is too large to be a deal's amount.")
    return Money(minor=minor, currency=currency)


def _currency(match: re.Match[str], default: str) -> str:
    marks = [m.strip() for m in (match["pre"], match["pre2"], match["post"]) if m and m.strip()]
    if len(marks) > 1:
        codes = {_code(mark, default) for mark in marks}
        if len(codes) > 1:
            raise AmountError("Give an amount one currency, e.g. EUR 12,500 or 12,500 €.")
    if not marks:
        return default
    return _code(marks[0], default)


def _code(mark: str, default: str) -> str:
    if mark == "$":
        return default if default in DOLLARS else "USD"
    if mark in SYMBOLS:
        return SYMBOLS[mark]
    return check_currency(mark)


SEPARATORS = re.compile("[.,'\u2019\\s]")  # \u2019: the typographic apostrophe ("1\u2019200")


def _digits(number: str, shown: str) -> tuple[str, str]:
    """(whole digits, decimal digits) of "48,000.50", "48.000,50", "12.5", "1'200", "48 000"."""
    bad = AmountError(f"“{shown}” isn't an amount; write it like $48,000, 48k or EUR 12,500.")
    marks = [ch for ch in number if SEPARATORS.match(ch)]
    groups = SEPARATORS.split(number)
    if any(not group.isdigit() for group in groups):
        raise bad  # "12..5", a separator at either end
    if not marks:
        return number, ""
    last = marks[-1]
    # The last mark is a decimal point when it is "." or "," and either isn't followed by three
    # digits ("12.5", "1,50") or follows another kind of mark ("48.000,00", "1,200.500").
    decimal = last in ".," and (len(groups[-1]) != 3 or any(m != last for m in marks[:-1]))
    if decimal:
        whole, marks, fraction = groups[:-1], marks[:-1], groups[-1]
    else:
        whole, fraction = groups, ""
    if last in marks and decimal:
        raise bad  # "1.200.50": one mark can't be both
    if len(set(marks)) > 1 or (
        len(whole) > 1 and (len(whole[0]) > 3 or any(len(g) != 3 for g in whole[1:]))
    ):
        raise bad  # "1,2,3", "48,0000", "1.200,000.5"
    return "".join(whole), fraction


def format_money(minor: int, currency: str | None) -> str:
    """An exact amount as people read it: $48,000, €12,500.50, ¥1,200, 3.500 KWD; an amount
    with no currency (an import's) says so rather than pretending to be dollars."""
    places = exponent(currency or "")
    whole, fraction = divmod(abs(minor), 10**places)
    number = f"{whole:,}"
    if fraction:
        number += f".{fraction:0{places}d}"
    sign = "-" if minor < 0 else ""
    if currency is None:
        return f"{sign}{number} {NO_CURRENCY}"
    code = currency.upper()
    symbol = SHOWN.get(code)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {code}"


def major_units(minor: int, currency: str | None) -> float:
    """The amount in whole units, for drawing a bar only (never for a number people read)."""
    return minor / 10 ** exponent(currency or "")
