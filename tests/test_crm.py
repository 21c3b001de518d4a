"""/crm through the real Bolt pipeline: signed HTTP requests in, Slack Web API calls out."""

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, text_of
from bot.standin.webapi import FakeSlack
from models.accounts import Account
from models.audit import AuditEntry
from models.reps import Rep


def accounts_in(engine: Engine) -> dict[str, str | None]:
    """Account name -> owner's Slack id."""
    with Session(engine) as session:
        rows = session.exec(
            select(Account.name, Rep.slack_user_id).join(
                Rep, Rep.id == Account.owner_id, isouter=True
            )
        )
        return {name: owner for name, owner in rows}


def audit_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(AuditEntry)).one()


def test_crm_alone_shows_help_at_once(slack: SlackDriver) -> None:
    result = slack.command("/crm")
    ack = result.ack_json()
    assert "/crm new" in text_of(ack) and "/log-call" in text_of(ack)
    assert ack.get("response_type", "ephemeral") == "ephemeral"


def test_crm_help_and_unknown_subcommands_get_help_not_an_error(slack: SlackDriver) -> None:
    assert "/crm assign" in text_of(slack.command("/crm", "help").ack_json())
    unknown = text_of(slack.command("/crm", "sing &lt;!channel&gt;").ack_json())
    assert "I don't know `sing &lt;!channel&gt;`" in unknown and "/crm new" in unknown


def test_crm_new_creates_an_account_owned_by_the_caller(slack: SlackDriver, engine: Engine) -> None:
    reply = slack.command("/crm", "new Acme Corp").reply()
    assert "Created *Acme Corp*, owned by you" in text_of(reply)
    assert reply["response_type"] == "ephemeral"
    assert accounts_in(engine) == {"Acme Corp": "U0ALICE"}
    assert audit_count(engine) == 1


def test_crm_new_with_a_mention_makes_them_owner(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    reply = slack.command("/crm", "new Globex <@U0BOB|bob>").reply()
    assert "owned by <@U0BOB>" in text_of(reply)
    assert accounts_in(engine) == {"Globex": "U0BOB"}
    with Session(engine) as session:
        bob = session.exec(select(Rep).where(Rep.slack_user_id == "U0BOB")).one()
    assert (bob.name, bob.tz) == ("Bob Berg", "Europe/Berlin")


def test_crm_new_stores_what_was_typed_and_shows_it_escaped(
    slack: SlackDriver, engine: Engine
) -> None:
    reply = text_of(slack.command("/crm", "new AT&amp;T &lt;!channel&gt;").reply())
    assert accounts_in(engine) == {"AT&T <!channel>": "U0ALICE"}
    assert "AT&amp;T &lt;!channel&gt;" in reply and "<!channel>" not in reply


def test_crm_new_refuses_a_duplicate_spelled_differently(
    slack: SlackDriver, engine: Engine
) -> None:
    slack.command("/crm", "new Acme Corp").reply()
    reply = text_of(slack.command("/crm", "new ACME, Inc.").reply())
    assert "already an account called Acme Corp" in reply
    assert accounts_in(engine) == {"Acme Corp": "U0ALICE"} and audit_count(engine) == 1


def test_crm_new_with_bad_input_says_what_to_type(slack: SlackDriver, engine: Engine) -> None:
    assert "Name the account" in text_of(slack.command("/crm", "new").ack_json())
    assert "at least one letter" in text_of(slack.command("/crm", "new ?!...").reply())
    assert "at most 120" in text_of(slack.command("/crm", "new " + "x" * 121).reply())
    assert accounts_in(engine) == {}


def test_crm_new_cannot_give_an_account_to_a_guest_a_bot_or_a_stranger(
    slack: SlackDriver, engine: Engine
) -> None:
    for owner in ("<@U0GUEST|gus>", "<@U0ROBOT|robot>", "<@U0STRANGER|stan>"):
        assert "full members" in text_of(slack.command("/crm", f"new Acme {owner}").reply())
    assert "can't find that person" in text_of(
        slack.command("/crm", "new Acme <@U0NOBODY>").reply()
    )
    assert accounts_in(engine) == {}


def test_crm_assign_by_the_owner_moves_the_account_and_audits_it(
    slack: SlackDriver, engine: Engine
) -> None:
    slack.command("/crm", "new Acme Corp").reply()
    reply = text_of(slack.command("/crm", "assign acme corp <@U0BOB|bob>").reply())
    assert "*Acme Corp* is now owned by <@U0BOB> (was <@U0ALICE>)" in reply
    assert accounts_in(engine) == {"Acme Corp": "U0BOB"}
    with Session(engine) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "account.assign")).one()
    assert (entry.actor, entry.before["owner"], entry.after["owner"]) == (
        "U0ALICE",
        "U0ALICE",
        "U0BOB",
    )


def test_crm_assign_by_someone_else_is_refused_and_changes_nothing(
    slack: SlackDriver, engine: Engine
) -> None:
    slack.command("/crm", "new Acme").reply()
    reply = text_of(slack.command("/crm", "assign Acme <@U0BOB|bob>", user_id="U0BOB").reply())
    assert "Only the account's owner or a Rapport admin" in reply
    assert accounts_in(engine) == {"Acme": "U0ALICE"} and audit_count(engine) == 1


def test_workspace_admins_and_rapport_admins_can_reassign(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0ROOT", name="root", real_name="Root Rapport-Admin")  # in RAPPORT_ADMINS
    slack.command("/crm", "new Acme").reply()
    assert "now owned by <@U0BOB>" in text_of(
        slack.command("/crm", "assign Acme <@U0BOB>", user_id="U0ADMIN").reply()
    )
    assert "now owned by <@U0ALICE>" in text_of(
        slack.command("/crm", "assign Acme <@U0ALICE>", user_id="U0ROOT").reply()
    )
    assert accounts_in(engine) == {"Acme": "U0ALICE"}


def test_crm_assign_of_an_unknown_account_says_so(slack: SlackDriver) -> None:
    assert "No account is close to “Initech”" in text_of(
        slack.command("/crm", "assign Initech <@U0BOB>").reply()
    )


def test_crm_handoff_is_in_this_version_and_for_admins(slack: SlackDriver) -> None:
    # No /crm subcommand is still to come: handoff was the last (tests/test_crm_handoff.py).
    answer = text_of(slack.command("/crm", "handoff <@U0ALICE> <@U0BOB>").ack_json())
    assert "Only a Rapport admin can hand" in answer and "isn't in this version" not in answer


def test_users_info_is_cached_across_requests(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    for _ in range(3):
        slack.command("/crm", "help").ack_json()
    assert len(fake_slack.calls_to("users.info")) == 1


def test_crm_assign_resolves_names_like_every_other_command(
    slack: SlackDriver, engine: Engine
) -> None:
    slack.command("/crm", "new Acme Corp").reply()
    slack.command("/crm", "new Globex Widgets").reply()
    slack.command("/crm", "new Globex Robotics").reply()
    typo = text_of(slack.command("/crm", "assign acmee <@U0BOB|bob>").reply())
    assert "*Acme Corp* is now owned by <@U0BOB>" in typo
    prefix = text_of(slack.command("/crm", "assign ACME, inc. <@U0ALICE>", user_id="U0BOB").reply())
    assert "*Acme Corp* is now owned by <@U0ALICE>" in prefix
    unclear = text_of(slack.command("/crm", "assign globex <@U0BOB>").reply())
    assert "Which account do you mean by “globex”?" in unclear
    assert accounts_in(engine)["Globex Widgets"] == "U0ALICE"
