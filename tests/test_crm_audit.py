"""/crm audit through signed HTTP: an account's changes newest first, for admins and its owner,
paged in place with Older."""

from datetime import UTC, datetime

import pytest

from bot.standin.driver import SlackDriver, click, text_of
from handlers.blocks.audit import AuditLine, build_audit_page
from handlers.parsing.crm import CrmAudit, parse_crm
from handlers.parsing.text import CommandError


def answer(slack: SlackDriver, shown: dict, action_id: str, user_id: str) -> dict:
    _, url = click(slack, shown, action_id, user_id=user_id)
    [hook] = slack.fake.wait_for_hook(url)
    return hook.body


def test_the_owner_reads_who_changed_what_newest_first(slack: SlackDriver) -> None:
    slack.command("/crm", "new Initech", user_id="U0ALICE").reply()
    slack.command("/crm", "contact Initech: Peter Gibbons, peter@initech.com, Engineer").reply()
    slack.command("/crm", "contact Initech: Peter Gibbons, peter@initech.com, Architect").reply()
    slack.command("/crm", "new Globex", user_id="U0ALICE").reply()
    said = text_of(slack.command("/crm", "audit initech", user_id="U0ALICE").reply())
    assert "Changes to Initech" in said and "Globex" not in said
    assert said.index("title: Engineer → Architect") < said.index("`account.create`")
    assert "<@U0ALICE>" in said


def test_others_get_one_sentence_and_an_admin_may_read(slack: SlackDriver) -> None:
    slack.command("/crm", "new Initech", user_id="U0ALICE").reply()
    refused = text_of(slack.command("/crm", "audit Initech", user_id="U0BOB").reply())
    assert "Only an admin or the owner of Initech can read its audit log." in refused
    assert "account.create" in text_of(
        slack.command("/crm", "audit Initech", user_id="U0ADMIN").reply()
    )
    unknown = text_of(slack.command("/crm", "audit Nothing Like It", user_id="U0ADMIN").reply())
    assert "No account" in unknown


def test_older_pages_in_place_until_the_first_change(slack: SlackDriver) -> None:
    slack.command("/crm", "new Initech", user_id="U0ALICE").reply()
    for n in range(12):
        slack.command("/crm", f"contact Initech: Person {n}, p{n}@initech.com").reply()
    first = slack.command("/crm", "audit Initech", user_id="U0ALICE").reply()
    assert text_of(first).count("`contact.") == 10 and "Older" in str(first["blocks"])
    second = answer(slack, first, "crm_audit_older", "U0ALICE")
    assert second.get("replace_original") is True
    said = text_of(second)
    assert "(older)" in said and "`account.create`" in said and "Person 0" in said
    assert "Person 11" not in said and "crm_audit_older" not in str(second["blocks"])


def test_parse_and_escape() -> None:
    assert parse_crm("audit  Acme,  Inc.") == CrmAudit("Acme, Inc.")
    with pytest.raises(CommandError):
        parse_crm("audit")
    line = AuditLine(
        at=datetime(2026, 11, 24, tzinfo=UTC), actor="cli:ops", action="contact.update",
        subject="contact 3", changes=[("name", "<!channel>", "A & B")],
    )  # fmt: skip
    built = str(
        build_audit_page(account="<!here>", lines=[line], tz="UTC", older=None, first_page=True)
    )
    assert "<!channel>" not in built and "<!here>" not in built and "`cli:ops`" in built
