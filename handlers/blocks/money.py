"""Money as people read it: integer minor units shown with their ISO 4217 currency's exponent.

Pure integer arithmetic (no float ever touches an amount), so a total shows to the exact cent
however large. The exponents that aren't 2 come from ISO 4217's list of minor units.
"""

from handlers.blocks.lookups import SYMBOLS

ZERO = ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
        "VUV", "XAF", "XOF", "XPF")  # fmt: skip
THREE = ("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND")
FOUR = ("CLF", "UYW")
EXPONENTS: dict[str, int] = (
    dict.fromkeys(ZERO, 0) | dict.fromkeys(THREE, 3) | dict.fromkeys(FOUR, 4)
)
NO_CURRENCY = "(no currency)"


def exponent(currency: str | None) -> int:
    """Digits after the decimal point in `currency` (2 unless ISO 4217 says otherwise)."""
    return EXPONENTS.get((currency or "").upper(), 2)


def format_money(amount_minor: int, currency: str | None) -> str:
    """`$48,000`, `$1,234.50`, `¥12,000`, `1,234.567 KWD`: exact, cents shown unless zero."""
    digits = exponent(currency)
    whole, part = divmod(abs(amount_minor), 10**digits)
    sign, number = "-" if amount_minor < 0 else "", f"{whole:,}"
    if part:
        number += f".{part:0{digits}d}"
    if currency is None:
        return f"{sign}{number} {NO_CURRENCY}"
    code = currency.upper()
    symbol = SYMBOLS.get(code)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {code}"


def major_units(amount_minor: int, currency: str | None) -> float:
    """The amount in whole units, for drawing a bar only (never for a number people read)."""
    return amount_minor / 10 ** exponent(currency)
