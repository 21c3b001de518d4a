"""`rapport erase-contact EMAIL`: forget a contact on request (models/erasure.py)."""

import click

from bot.clitools import TEAM_HELP, fail, workspace
from models import erasure
from models.base import DomainError


@click.command("erase-contact")
@click.argument("email")
@click.option("--team", help=TEAM_HELP)
@click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
def erase_contact_command(email: str, team: str | None, yes: bool) -> None:
    """Erase the contact with EMAIL and every copy of their name and email Rapport holds."""
    try:
        address = erasure.checked_email(email)
    except DomainError as error:
        fail(str(error))
        return
    with workspace(team) as ws:
        with ws.deps.db() as session:
            found = erasure.find_contacts(session=session, team_id=ws.team_id, email=address)
        if not found:
            fail(f"No contact has the email {address}; nothing was erased.", code=1)
        names = ", ".join(sorted({contact.name for contact in found}))
        if not yes:
            click.confirm(
                f"Erase {names} <{address}> and every mention of them in {ws.team_id}? "
                "This can't be undone",
                abort=True,
            )
        try:
            with ws.deps.db.begin() as session:
                erased = erasure.erase_contact(
                    session=session,
                    team_id=ws.team_id,
                    email=address,
                    actor=ws.actor,
                    now=ws.deps.now(),
                    scrub_files=ws.deps.scrub_files,
                )
        except DomainError as error:
            fail(str(error), code=1)
            return
    click.echo(
        f"Erased {erased.contacts} contact(s): {erased.unlinked} interaction link(s) removed, "
        f"{erased.rows_scrubbed} row(s) with their name or email rewritten as "
        f"{erasure.ERASED}, {erased.files} file(s) scrubbed."
    )
