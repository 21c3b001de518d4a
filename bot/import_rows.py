"""A file's cells as the typed rows `models.imports` applies: dates as the spreadsheet wrote
them, amounts as people type them, and owners as Slack ids, emails or names, found in the store
or asked of Slack (users.info, users.lookupByEmail) once per owner per import."""

import logging
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import dateparser
from email_validator import EmailNotValidError, validate_email
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func
from sqlmodel import Session, select

from handlers.directory import SlackUser, slack_user_from_info
from models import reps
from models.base import DomainError
from models.import_related import ContactRow, DealRow, InteractionRow
from models.imports import AccountRow
from models.interactions import InteractionKind
from models.money import AmountError, Money, check_currency, parse_amount
from models.reps import Rep

logger = logging.getLogger(__name__)

SLACK_ID = re.compile(r"^<?@?([UW][A-Z0-9]{2,})(?:\|[^>]*)?>?$")
DateOrder = Literal["DMY", "MDY"]
Row = AccountRow | ContactRow | DealRow | InteractionRow


def parse_when(text: str, *, order: DateOrder) -> datetime:
    """A moment as a spreadsheet wrote it, in UTC: ISO 8601 ("2026-11-24T14:30:00Z", a bare
    date is midnight), or "11/24/2026 2:30 PM", "24.11.2026", "Nov 24, 2026" in `order`."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        parsed = dateparser.parse(
            text,
            languages=["en"],
            settings={"DATE_ORDER": order, "TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True,
                      "PREFER_DAY_OF_MONTH": "first", "STRICT_PARSING": False},
        )  # fmt: skip
        if parsed is None or not re.search(r"\d", text):
            raise DomainError(f"“{text[:40]}” isn't a date; write it like 2026-11-24.") from None
        moment = parsed
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_money(amount: str, currency: str | None, *, default: str) -> Money:
    """ "$48,000.00", "48.000,00 €", or "48000" with a Currency column ("EUR")."""
    if currency:
        try:
            default = check_currency(currency.strip().upper())
        except DomainError:
            raise DomainError(
                f"“{currency.strip()[:20]}” isn't a currency code; write it like USD or EUR."
            ) from None
    try:
        return parse_amount(amount, default_currency=default)
    except AmountError as error:
        raise DomainError(str(error)) from None


def parse_email(text: str) -> str:
    try:
        # test_environment: ".test" addresses (RFC 2606) are addresses too, as in the sample files
        valid = validate_email(text, check_deliverability=False, test_environment=True)
        return valid.normalized.lower()
    except EmailNotValidError:
        raise DomainError(f"“{text[:80]}” isn't an email address.") from None


KINDS = {
    "call": InteractionKind.CALL, "phone": InteractionKind.CALL, "phone call": InteractionKind.CALL,
    "meeting": InteractionKind.MEETING, "demo": InteractionKind.MEETING,
    "email": InteractionKind.EMAIL, "e mail": InteractionKind.EMAIL,
    "note": InteractionKind.NOTE, "task": InteractionKind.NOTE,
}  # fmt: skip


def parse_kind(text: str | None) -> InteractionKind:
    """Call unless the file says otherwise ("Meeting", "Email", "Note")."""
    if not text:
        return InteractionKind.CALL
    kind = KINDS.get(" ".join(re.sub(r"[\W_]+", " ", text.casefold()).split()))
    if kind is None:
        raise DomainError(
            f"“{text[:30]}” isn't a kind of interaction: call, meeting, email or note."
        )
    return kind


@dataclass(frozen=True)
class Member:
    """A full member of the workspace, as a row refers to them."""

    id: int
    slack_id: str


@dataclass
class Owners:
    """Who a file's owner cell means, asked once per cell per import: a full member's rep row,
    or None with why (nobody, a guest, a deactivated user) for the report."""

    transaction: Callable[[], AbstractContextManager[Session]]  # a session in its own transaction
    team_id: str
    client: WebClient | None
    rep_of: Callable[[Session, SlackUser], Rep]  # the row for a Slack profile (email included)
    found: dict[str, Member | str] = field(default_factory=dict)  # cell -> rep id, or why not
    by_name: dict[str, list[dict[str, Any]]] | None = None  # users.list, once asked

    def resolve(self, cell: str) -> Member | str:
        """The member an owner cell means, or one sentence of why it means nobody."""
        key = " ".join(cell.split()).casefold()
        if key not in self.found:
            with self.transaction() as session:
                self.found[key] = self._resolve(session, " ".join(cell.split()))
        return self.found[key]

    def _resolve(self, session: Session, cell: str) -> Member | str:
        if match := SLACK_ID.match(cell):
            return self._member(session, self._by_id(session, match[1]), cell)
        if "@" in cell:
            try:
                email = parse_email(cell)
            except DomainError as error:
                return str(error)
            return self._member(session, self._by_email(session, email), cell)
        return self._by_name(session, cell)

    def _member(self, session: Session, rep: Rep | str | None, cell: str) -> Member | str:
        if isinstance(rep, str):
            return rep
        if rep is None:
            return f"Nobody in Slack is {cell}."
        if rep.is_guest:
            return f"{cell} is a guest in Slack, and guests can't own accounts."
        if rep.deleted or rep.is_bot:
            return f"{cell} isn't an active member of the workspace."
        assert rep.id is not None
        return Member(rep.id, rep.slack_user_id)

    def _by_id(self, session: Session, user_id: str) -> Rep | str | None:
        rep = reps.get_rep(session=session, team_id=self.team_id, slack_user_id=user_id)
        if rep is not None or self.client is None:
            return rep
        return self._from_slack(session, "users_info", user=user_id)

    def _by_email(self, session: Session, email: str) -> Rep | str | None:
        statement = select(Rep).where(Rep.team_id == self.team_id, func.lower(Rep.email) == email)
        rep = session.exec(statement).first()
        if rep is not None:
            return rep
        if self.client is None:
            return f"Nobody in the store has the email {email} (set SLACK_BOT_TOKEN to ask Slack)."
        return self._from_slack(session, "users_lookupByEmail", email=email)

    def _from_slack(self, session: Session, method: str, **query: str) -> Rep | str | None:
        assert self.client is not None
        try:
            user = getattr(self.client, method)(**query)["user"]
        except SlackApiError as error:
            if error.response.get("error") in ("users_not_found", "user_not_found"):
                return None
            asked, why = next(iter(query.values())), error.response.get("error")
            return f"Slack couldn't say who {asked} is ({why})."
        profile = replace(slack_user_from_info(user), checked_at=None)
        return self.rep_of(session, profile)

    def _by_name(self, session: Session, name: str) -> Member | str:
        """A rep by their name in the store, else in Slack's member list (users.list, read
        once per import): HubSpot and Salesforce export owners as names."""
        statement = select(Rep).where(
            Rep.team_id == self.team_id, func.lower(Rep.name) == name.casefold()
        )
        found: list[Rep] = [r for r in session.exec(statement) if not (r.deleted or r.is_bot)]
        if not found and self.client is not None:
            found = [
                self.rep_of(session, slack_user_from_info(user))
                for user in self._members().get(name.casefold(), [])
            ]
        if len(found) > 1:
            return f"{len(found)} people are called {name}: give their email or Slack id."
        if not found:
            return f"Nobody in Slack is called {name} (give their email or Slack id)."
        return self._member(session, found[0], name)

    def _members(self) -> dict[str, list[dict[str, Any]]]:
        """Slack's members by each name they go by (real, display, user name), read once."""
        if self.by_name is None:
            assert self.client is not None
            self.by_name = {}
            for page in self.client.users_list(limit=200):
                for user in page.get("members", []):
                    if user.get("deleted") or user.get("is_bot"):
                        continue
                    user.setdefault("profile", {})
                    profile = user["profile"]
                    names = {user.get("real_name"), profile.get("real_name"),
                             profile.get("display_name"), user.get("name")}  # fmt: skip
                    for known in {n.casefold() for n in names if n}:
                        self.by_name.setdefault(known, []).append(user)
        return self.by_name


@dataclass(frozen=True)
class Reader:
    """How cells are read: the day order of numeric dates, the currency of bare amounts."""

    owners: Owners
    order: DateOrder = "MDY"
    currency: str = "USD"

    def owner(self, fields: dict[str, str], prefix: str = "owner") -> tuple[Member | None, str]:
        """The rep a row's owner cells mean (Slack id, then email, then as written), and why
        none when they mean nobody ("" when the row names no owner)."""
        why = ""
        for name in (f"{prefix}_slack", f"{prefix}_email", prefix):
            if fields.get(name):
                found = self.owners.resolve(fields[name])
                if isinstance(found, Member):
                    return found, ""
                why = why or found
        return None, why

    def when(self, fields: dict[str, str], name: str) -> datetime | None:
        return parse_when(fields[name], order=self.order) if fields.get(name) else None

    def row(self, kind: str, line: int, fields: dict[str, str]) -> tuple[Row, str]:
        """The typed row (DomainError for a cell that can't be read) and why its owner is
        nobody ("" when it has one, or names none)."""
        if kind == "accounts":
            owner, why = self.owner(fields)
            return AccountRow(
                line, fields.get("account", ""), fields.get("domain"), owner.id if owner else None,
                self.when(fields, "created_at"),
            ), why  # fmt: skip
        if kind == "contacts":
            return self.contact(line, fields), ""
        if kind == "deals":
            return self.deal(line, fields)
        return self.interaction(line, fields), ""

    def contact(self, line: int, fields: dict[str, str]) -> ContactRow:
        email = parse_email(fields["email"]) if fields.get("email") else None
        parts = [fields.get("first_name", ""), fields.get("last_name", "")]
        name = fields.get("name") or " ".join(p for p in parts if p) or email or ""
        return ContactRow(
            line, fields.get("account", ""), name, email, fields.get("title"),
            self.when(fields, "created_at"),
        )  # fmt: skip

    def deal(self, line: int, fields: dict[str, str]) -> tuple[DealRow, str]:
        money = None
        if fields.get("amount"):
            money = parse_money(fields["amount"], fields.get("currency"), default=self.currency)
        elif fields.get("currency"):
            parse_money("0", fields["currency"], default=self.currency)  # a bad code is told
        owner, why = self.owner(fields)
        closes = self.when(fields, "close_date")
        return DealRow(
            line, fields.get("account", ""), fields.get("deal", ""), fields.get("stage", ""),
            money, closes.date() if closes else None, owner.id if owner else None,
            fields.get("lost_reason"), self.when(fields, "created_at"),
        ), why  # fmt: skip

    def interaction(self, line: int, fields: dict[str, str]) -> InteractionRow:
        rep, why = self.owner(fields, "rep")
        if rep is None:
            raise DomainError(why or "The row names no rep: an interaction needs who had it.")
        when = self.when(fields, "when")
        assert when is not None  # a required column
        contact = parse_email(fields["contact_email"]) if fields.get("contact_email") else None
        return InteractionRow(
            line, fields.get("account", ""), when, parse_kind(fields.get("kind")),
            fields.get("summary", ""), rep.id, rep.slack_id, contact,
        )  # fmt: skip
