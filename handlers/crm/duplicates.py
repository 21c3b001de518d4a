"""/crm duplicates (admins): likely duplicate accounts, best first, found after the ack (a large
store takes longer than Slack waits) and posted to the command's response_url."""

from handlers.blocks import Message
from handlers.blocks.crm import build_error
from handlers.blocks.merging import build_duplicates, build_duplicates_pending
from handlers.listener import Turn
from models.duplicates import list_duplicates

SHOWN = 20  # pairs in the answer; `rapport duplicates` lists them all
ADMINS_ONLY = "Only a Rapport admin can list duplicate accounts."


def wants_duplicates(text: str) -> bool:
    return text.strip().lower().split(maxsplit=1)[:1] == ["duplicates"]


def ask_for_duplicates(turn: Turn) -> Message:
    """The ack: the search is on (admins), or one sentence."""
    if not turn.caller.is_admin:
        return build_error(ADMINS_ONLY)
    return build_duplicates_pending()


def list_after_ack(turn: Turn) -> Message | None:
    if not turn.caller.is_admin:
        return None  # the ack said so
    with turn.begin() as session:
        rep = turn.rep(session)
        pairs = list_duplicates(session=session, team_id=rep.team_id)
    shown = [(p.first.name, p.second.name, p.reasons) for p in pairs[:SHOWN]]
    return build_duplicates(shown, total=len(pairs))
