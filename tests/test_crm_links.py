"""/crm link through signed HTTP: re-pointing another account's channel needs its owner or an
admin, and every change is announced in the channel (or the linker is told why it wasn't)."""

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import SlackDriver, click, text_of
from bot.standin.webapi import FakeSlack
from models.accounts import Account
from models.channels import AccountChannel

BOT = "U0CRMBOT1"
DEAL_ROOM = "C0DEALRM1"


def linked(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        rows = session.exec(
            select(AccountChannel.channel_id, Account.name).join(
                Account, Account.id == AccountChannel.account_id
            )
        )
        return dict(rows.all())


def link(slack: SlackDriver, text: str, user_id: str = "U0ALICE") -> str:
    return text_of(slack.command("/crm", text, user_id=user_id, channel_id=DEAL_ROOM).reply())


def announcements(fake_slack: FakeSlack) -> list[str]:
    return [
        text_of(call.args)
        for call in fake_slack.calls_to("chat.postMessage")
        if call.args.get("channel") == DEAL_ROOM
    ]


def setup(slack: SlackDriver, fake_slack: FakeSlack, members: list[str] | None = None) -> None:
    fake_slack.add_channel(DEAL_ROOM, name="deal-room", members=members)
    assert "Created" in text_of(slack.command("/crm", "new Initech").reply())  # Alice's
    assert "Created" in text_of(slack.command("/crm", "new Hooli", user_id="U0BOB").reply())
    assert "now *Initech*'s" in link(slack, "link initech")


def test_a_link_is_announced_in_the_channel(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    setup(slack, fake_slack)
    [said] = announcements(fake_slack)
    assert "<@U0ALICE> linked this channel to *Initech* in Rapport" in said
    assert linked(engine) == {DEAL_ROOM: "Initech"}


def test_someone_else_cannot_re_point_or_unlink_an_owned_channel(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    setup(slack, fake_slack)
    for text in ("link Hooli", "unlink"):
        refused = link(slack, text, user_id="U0BOB")
        assert "This channel is *Initech*'s. Only its owner <@U0ALICE> or an admin" in refused
        assert "nothing changed" in refused
    assert linked(engine) == {DEAL_ROOM: "Initech"}
    assert len(announcements(fake_slack)) == 1  # only the first link's


def test_the_owner_and_admins_can_re_point_and_the_channel_hears_whose_it_was(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake_slack.add_user("U0ROOT", name="root", real_name="Root Rapport-Admin")  # RAPPORT_ADMINS
    setup(slack, fake_slack)
    assert "now *Hooli*'s (it was *Initech*'s)" in link(slack, "link hooli", user_id="U0ADMIN")
    assert "now *Initech*'s (it was *Hooli*'s)" in link(slack, "link initech", user_id="U0ROOT")
    assert "now *Hooli*'s" in link(slack, "link Hooli")  # Alice owns Initech, the current one
    said = announcements(fake_slack)
    assert "<@U0ADMIN> linked this channel to *Hooli* in Rapport (it was *Initech*'s)" in said[1]
    assert "<@U0ALICE> linked this channel to *Hooli*" in said[3]
    assert linked(engine) == {DEAL_ROOM: "Hooli"}
    assert "no longer linked to *Hooli*" in link(slack, "unlink", user_id="U0BOB")  # Hooli's owner
    assert "<@U0BOB> unlinked this channel from *Hooli*" in announcements(fake_slack)[-1]


def test_linking_again_to_the_same_account_changes_and_announces_nothing(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    setup(slack, fake_slack)
    assert "already *Initech*'s; nothing changed" in link(slack, "link Initech", user_id="U0BOB")
    assert len(announcements(fake_slack)) == 1


def test_when_rapport_isnt_in_the_channel_the_linker_is_told_and_the_link_holds(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    setup(slack, fake_slack)
    fake_slack.fail("chat.postMessage", error="not_in_channel")
    reply = link(slack, "link Hooli", user_id="U0ADMIN")
    assert "now *Hooli*'s" in reply and "Rapport isn't a member of it" in reply
    assert "/invite @Rapport" in reply
    assert linked(engine) == {DEAL_ROOM: "Hooli"}


def test_a_channel_a_guest_reads_hears_of_the_change_without_account_names(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    setup(slack, fake_slack, members=[BOT, "U0ALICE", "U0ADMIN", "U0GUEST"])
    link(slack, "link Hooli", user_id="U0ADMIN")
    for said in announcements(fake_slack):
        assert "changed which account this channel is linked to" in said
        assert "Initech" not in said and "Hooli" not in said


def accounts_named(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.exec(select(Account.name)).all())


def test_a_re_link_that_would_be_refused_offers_no_names_and_creates_nothing(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    setup(slack, fake_slack)
    for typed in ("Zebra Works", "Hooly"):  # nothing close, and a close name
        reply = slack.command("/crm", f"link {typed}", user_id="U0BOB", channel_id=DEAL_ROOM)
        said = reply.reply()
        assert "Only its owner <@U0ALICE> or an admin" in text_of(said)
        assert [b for b in said.get("blocks", []) if b["type"] == "actions"] == []
    assert accounts_named(engine) == ["Hooli", "Initech"]
    assert linked(engine) == {DEAL_ROOM: "Initech"}


def test_create_on_a_link_whose_channel_was_taken_meanwhile_creates_nothing(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake_slack.add_channel(DEAL_ROOM, name="deal-room")
    assert "Created" in text_of(slack.command("/crm", "new Initech").reply())
    asked = slack.command("/crm", "link Zebra Works", user_id="U0BOB", channel_id=DEAL_ROOM).reply()
    assert "now *Initech*'s" in link(slack, "link initech")  # Alice links it before Bob clicks
    _, url = click(slack, asked, "crm_create_account", user_id="U0BOB", channel_id=DEAL_ROOM)
    said = text_of(fake_slack.wait_for_hook(url)[0].body)
    assert "Only its owner <@U0ALICE> or an admin" in said and "Created" not in said
    assert accounts_named(engine) == ["Initech"]
    assert linked(engine) == {DEAL_ROOM: "Initech"}


def test_create_on_an_unlinked_channel_creates_the_account_and_links_it(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake_slack.add_channel(DEAL_ROOM, name="deal-room")
    asked = slack.command(
        "/crm", "link A&B: *Zebra*", user_id="U0BOB", channel_id=DEAL_ROOM
    ).reply()
    _, url = click(slack, asked, "crm_create_account", user_id="U0BOB", channel_id=DEAL_ROOM)
    said = text_of(fake_slack.wait_for_hook(url)[0].body)
    assert "Created" in said and "A&amp;B" in said
    assert linked(engine) == {DEAL_ROOM: "A&B: *Zebra*"}
