"""/crm audit <account> (admins and the account's owner): its audit trail, newest first, a page
at a time with an Older button that pages in place."""

from datetime import datetime
from itertools import islice

from sqlmodel import Session

from handlers.blocks import Message
from handlers.blocks.audit import AuditLine, build_audit_page
from handlers.blocks.crm import build_error
from handlers.listener import Turn
from handlers.parsing.crm import CrmAudit
from models import audit_trail
from models.accounts import Account, get_account
from models.base import DomainError, NotAllowed, id_of
from models.matching import find_account
from models.reps import Rep

PAGE = 10
REPLACE = {"replace_original": True}


def show_audit(turn: Turn, request: CrmAudit) -> Message:
    with turn.begin() as session:
        rep = turn.rep(session)
        try:
            account = find_account(session=session, team_id=rep.team_id, name=request.account)
            _check_may_read(rep, account)
        except DomainError as error:
            return build_error(str(error))
        return _page(session, rep, account, older_than=None)


def handle_older_button(turn: Turn) -> Message:
    account_id, cursor_text = turn.body["actions"][0]["value"].split(":", 1)
    at, entry_id = cursor_text.rsplit(":", 1)  # the ISO time holds colons too
    with turn.begin() as session:
        rep = turn.rep(session)
        try:
            account = get_account(session=session, team_id=rep.team_id, account_id=int(account_id))
            _check_may_read(rep, account)
        except DomainError as error:
            return build_error(str(error)) | {"replace_original": False}
        cursor = (datetime.fromisoformat(at), int(entry_id))
        return _page(session, rep, account, older_than=cursor) | REPLACE


def _check_may_read(rep: Rep, account: Account) -> None:
    if not rep.is_admin and account.owner_id != rep.id:
        raise NotAllowed(f"Only an admin or the owner of {account.name} can read its audit log.")


def _page(
    session: Session, rep: Rep, account: Account, *, older_than: tuple[datetime, int] | None
) -> Message:
    entries = list(
        islice(
            audit_trail.trail(
                session=session, team_id=rep.team_id, account=account, older_than=older_than,
                batch=PAGE + 1,
            ),
            PAGE + 1,
        )
    )  # fmt: skip
    shown = entries[:PAGE]
    older = None
    if len(entries) > PAGE:
        last = shown[-1]
        older = f"{id_of(account)}:{last.at.isoformat()}:{last.id}"
    lines = [
        AuditLine(
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject=f"{entry.entity} {entry.entity_id}" if entry.entity_id else entry.entity,
            changes=[(c.field, c.before, c.after) for c in audit_trail.changes(entry)],
        )
        for entry in shown
    ]
    return build_audit_page(
        account=account.name, lines=lines, tz=rep.tz, older=older, first_page=older_than is None
    )
