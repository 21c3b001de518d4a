"""Deals as people name them: "<account> <deal name>", or the account alone when it has one
open deal. Accounts resolve as everywhere (models.matching); deal names and stages like them
(case, a prefix, one typo: models.stages.match_names)."""

from dataclasses import dataclass

from sqlmodel import Session

from models.accounts import Account, get_account, get_account_by_name
from models.base import NotFound
from models.deals import Deal, list_account_deals
from models.matching import find_account, resolve_account
from models.stages import get_pipeline, match_names

MAX_SPLITS = 4  # "<account> <deal>": the account is one of the first few word runs


@dataclass(frozen=True)
class DealRef:
    """What a typed deal name points at: one deal, or several to pick from (same account)."""

    account: Account
    deals: list[Deal]  # one: that deal; several: buttons
    named: bool  # whether a deal name was typed after the account


def resolve_deal(*, session: Session, team_id: str, typed: str) -> DealRef:
    """The deal(s) `typed` names, or NotFound in one sentence."""
    words = typed.split()
    if not words:
        raise NotFound("Say which deal, e.g. `/deal Acme Renewal 2027 next`.")
    for size in range(len(words), 0, -1):  # an exact account name first, the longest
        account = get_account_by_name(session=session, team_id=team_id, name=" ".join(words[:size]))
        if account is not None:
            return _deals_of(session, account, " ".join(words[size:]))
    for size in range(len(words), max(0, len(words) - MAX_SPLITS), -1):
        found = resolve_account(session=session, team_id=team_id, name=" ".join(words[:size]))
        if found.match is not None:
            account = get_account(session=session, team_id=team_id, account_id=found.match.id)
            return _deals_of(session, account, " ".join(words[size:]))
    find_account(session=session, team_id=team_id, name=typed)  # raises NotFound saying why
    raise NotFound(f"No deal is called {typed}.")  # pragma: no cover - find_account raised


def _deals_of(session: Session, account: Account, name: str) -> DealRef:
    deals = list_account_deals(session=session, account=account)
    if not deals:
        raise NotFound(
            f"{account.name} has no deals yet; create one with `/deal new {account.name}: <name>`."
        )
    pipeline = get_pipeline(session=session, team_id=account.team_id)
    open_deals = [deal for deal in deals if not pipeline.is_closed(deal.stage)]
    if not name:
        return DealRef(account, open_deals or deals, named=False)
    names = match_names(name, list(dict.fromkeys(deal.name for deal in deals)))
    picked = [deal for deal in deals if deal.name in names]
    if not picked:
        listed = ", ".join(dict.fromkeys(deal.name for deal in deals[:5]))
        raise NotFound(f"{account.name} has no deal called {name} (its deals: {listed}).")
    still_open = [deal for deal in picked if deal in open_deals]
    return DealRef(account, still_open or picked, named=True)
