"""Answers through the real Bolt pipeline: /who-owns, /history, @-mentions, links, App Home."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.standin.driver import TEAM_ID, SlackDriver, click, home_menu_payload, text_of
from bot.standin.payloads import home_opened_event
from bot.standin.webapi import FakeSlack
from models.accounts import Account
from models.deals import Deal
from models.followups import Followup, FollowupStatus
from models.interactions import Interaction
from models.reps import Rep
from tests.conftest import Clock

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def setup_account(slack: SlackDriver, name: str = "Acme Corp", owner: str = "U0ALICE") -> int:
    """Create an account through /crm new; returns its id as the reply's buttons would carry it."""
    assert "Created" in text_of(slack.command("/crm", f"new {name}", user_id=owner).reply())
    reply = slack.command("/who-owns", name, user_id=owner).reply()
    return int(
        next(e["value"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"])
    )


def add_interactions(engine: Engine, account_id: int, count: int, *, kind: str = "call") -> None:
    with Session(engine) as session:
        rep = session.exec(select(Rep).where(Rep.slack_user_id == "U0ALICE")).one()
        session.add_all(
            Interaction(
                team_id=TEAM_ID,
                account_id=account_id,
                rep_id=rep.id,
                kind=kind,
                summary=f"{kind} number {n}",
                occurred_at=T0 + timedelta(minutes=n),
                source="import",
                created_at=T0,
            )
            for n in range(count)
        )
        session.commit()


def test_who_owns_shows_owner_last_touch_deals_and_next_follow_up(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0SALES01")
    account_id = setup_account(slack)
    slack.command("/log-call", "Acme Corp: they want SSO &lt;!here&gt;. Follow up Dec 3").reply()
    with Session(engine) as session:
        rep = session.exec(select(Rep).where(Rep.slack_user_id == "U0ALICE")).one()
        for name, stage, amount, currency in [
            ("Renewal", "Proposal", 4_800_000, "USD"),
            ("Expansion", "Negotiation", 1_200_000, "EUR"),
            ("Old", "Won", 999, "USD"),
        ]:
            session.add(
                Deal(
                    team_id=TEAM_ID,
                    account_id=account_id,
                    owner_id=rep.id,
                    name=name,
                    stage=stage,
                    amount_minor=amount,
                    currency=currency,
                    stage_changed_at=T0,
                    created_at=T0,
                )
            )
        session.commit()
    reply = slack.command("/who-owns", "acme").reply()
    text = text_of(reply)
    assert "*Acme Corp* is owned by <@U0ALICE>" in text
    assert (
        "Last touch: call by <@U0ALICE>" in text
        and "&lt;!here&gt;" in text
        and "<!here>" not in text
    )
    assert "2 open deals (Proposal, Negotiation) worth $48,000 + €12,000" in text
    assert "Next follow-up <!date^" in text
    buttons = [
        e["action_id"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert "who_owns_share" in buttons and "who_owns_take" not in buttons
    assert reply["response_type"] == "ephemeral"


def test_share_in_channel_posts_the_card_for_everyone(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0SALES01")
    setup_account(slack)
    reply = slack.command("/who-owns", "Acme Corp").reply()
    _, url = click(slack, reply, "who_owns_share")
    [shared] = fake_slack.wait_for_hook(url)
    assert shared.body["response_type"] == "in_channel" and "Shared by <@U0ALICE>" in text_of(
        shared.body
    )
    assert "who_owns_share" not in str(shared.body["blocks"])


def test_a_slack_connect_channel_never_gets_a_public_answer(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0SHARED1", name="acme-shared", is_ext_shared=True)
    setup_account(slack)
    reply = slack.command("/who-owns", "Acme Corp", channel_id="C0SHARED1").reply()
    assert "who_owns_share" not in str(reply["blocks"])
    _, url = click(
        slack,
        {
            "blocks": [
                {
                    "type": "actions",
                    "block_id": "x",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "who_owns_share",
                            "value": "1",
                            "text": {"type": "plain_text", "text": "Share"},
                        }
                    ],
                }
            ]
        },
        "who_owns_share",
        channel_id="C0SHARED1",
    )
    [hook] = fake_slack.wait_for_hook(url)
    assert hook.body.get("response_type") != "in_channel" and "answer privately" in text_of(
        hook.body
    )
    slack.event(
        {
            "type": "app_mention",
            "user": "U0ALICE",
            "text": "<@U0CRMBOT1> who owns acme corp?",
            "ts": "1763900300.000100",
            "channel": "C0SHARED1",
            "event_ts": "1763900300.000100",
        }
    )
    [private] = fake_slack.wait_for("chat.postEphemeral")
    assert private.args["user"] == "U0ALICE" and "owned by <@U0ALICE>" in text_of(private.args)
    assert fake_slack.calls_to("chat.postMessage") == []


def test_an_unknown_channel_is_treated_as_shared(slack: SlackDriver) -> None:
    setup_account(slack)
    reply = slack.command("/who-owns", "Acme Corp", channel_id="C0PRIVATE").reply()
    assert "who_owns_share" not in str(reply["blocks"])


def test_nobody_owns_it_offers_take_ownership(slack: SlackDriver, engine: Engine) -> None:
    account_id = setup_account(slack)
    with Session(engine) as session:
        account = session.get(Account, account_id)
        account.owner_id = None
        session.add(account)
        session.commit()
    reply = slack.command("/who-owns", "Acme Corp", user_id="U0BOB").reply()
    assert "has no owner" in text_of(reply)
    _, url = click(slack, reply, "who_owns_take", user_id="U0BOB")
    assert "owned by <@U0BOB>" in text_of(slack.fake.wait_for_hook(url)[0].body)


def test_a_linked_channel_needs_no_account_name(slack: SlackDriver) -> None:
    setup_account(slack)
    assert "Which account?" in text_of(slack.command("/who-owns").reply())
    assert "now *Acme Corp*'s" in text_of(slack.command("/crm", "link acme").reply())
    assert "owned by <@U0ALICE>" in text_of(slack.command("/who-owns").reply())
    assert "History of *Acme Corp*" in text_of(slack.command("/history").reply())
    assert "no longer linked to *Acme Corp*" in text_of(slack.command("/crm", "unlink").reply())
    assert "Which account?" in text_of(slack.command("/who-owns").reply())


def test_several_close_names_give_a_button_each(slack: SlackDriver) -> None:
    setup_account(slack, "Acme Widgets")
    setup_account(slack, "Acme Robotics")
    reply = slack.command("/who-owns", "acme").reply()
    assert "Which account do you mean" in text_of(reply)
    _, url = click(slack, reply, "who_owns_show")
    assert "is owned by" in text_of(slack.fake.wait_for_hook(url)[0].body)
    assert "No account is close to “Zzyzx Holdings”" in text_of(
        slack.command("/who-owns", "Zzyzx Holdings").reply()
    )


def page_texts(message: dict) -> list[str]:
    return [
        b["text"]["text"].split("\n>")[-1] for b in message["blocks"][1:] if b["type"] == "section"
    ]


def test_history_pages_both_ways_through_several_pages_of_interactions(
    slack: SlackDriver, engine: Engine
) -> None:
    account_id = setup_account(slack)
    # five pages of ten, the last one partial (depth: tests/test_timeline.py, bench/history.py)
    total = 45
    add_interactions(engine, account_id, total)
    message = slack.command("/history", "Acme Corp").reply()
    seen = []
    pages = [message]
    while True:
        seen += page_texts(message)
        if "history_older" not in str(message["blocks"]):
            break
        _, url = click(slack, message, "history_older")
        message = slack.fake.wait_for_hook(url)[0].body
        pages.append(message)
    assert seen == [f"call number {n}" for n in reversed(range(total))] and len(pages) == 5
    back = []
    while "history_newer" in str(message["blocks"]):
        _, url = click(slack, message, "history_newer")
        message = slack.fake.wait_for_hook(url)[0].body
        back += page_texts(message)
    assert len(back) == len(set(back)) == 40 and set(back) == set(seen[:40])
    assert all(len(p["blocks"]) <= 50 for p in pages)


def test_history_filters_and_escapes(slack: SlackDriver, engine: Engine) -> None:
    account_id = setup_account(slack)
    add_interactions(engine, account_id, 3, kind="call")
    add_interactions(engine, account_id, 2, kind="email")
    # Slack sends an @channel mention as <!channel>, and the typed text "<!channel>" as &lt;…&gt;
    slack.command("/log-call", "Acme Corp: <!channel> big news " + "x" * 5000).reply()
    slack.command("/log-call", "Acme Corp: typed &lt;!channel&gt; on purpose").reply()
    calls = slack.command("/history", "Acme Corp calls").reply()
    assert "(calls)" in text_of(calls) and "email number" not in text_of(calls)
    assert ">@channel big news" in text_of(calls)
    assert ">typed &lt;!channel&gt; on purpose" in text_of(calls)
    assert "<!channel>" not in text_of(calls)
    assert all(len(b["text"]["text"]) <= 3000 for b in calls["blocks"] if b["type"] == "section")
    emails = slack.command("/history", "acme emails").reply()
    assert text_of(emails).count("email number") == 2


def test_mentions_are_answered_in_the_thread(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C0SALES01")
    setup_account(slack)
    for n, (question, expected) in enumerate(
        [
            ("<@U0CRMBOT1> who owns Acme?", "is owned by <@U0ALICE>"),
            ("<@U0CRMBOT1> history acme corp", "History of *Acme Corp*"),
            ("<@U0CRMBOT1> what's new with acme", "is owned by <@U0ALICE>"),
            ("<@U0CRMBOT1> sing me a song", "who owns Acme?"),
        ],
        start=1,
    ):
        ts = f"17639004{n:02d}.000100"
        slack.event(
            {
                "type": "app_mention",
                "user": "U0ALICE",
                "text": question,
                "ts": ts,
                "channel": "C0SALES01",
                "event_ts": ts,
            }
        )
        call = fake_slack.wait_for("chat.postMessage", count=n)[-1]
        assert call.args["thread_ts"] == ts and expected in text_of(call.args), question


def followups_for(engine: Engine, count: int, clock: Clock) -> None:
    with Session(engine) as session:
        rep = session.exec(select(Rep).where(Rep.slack_user_id == "U0ALICE")).one()
        account = session.exec(select(Account)).one()
        session.add_all(
            Followup(
                team_id=TEAM_ID,
                rep_id=rep.id,
                account_id=account.id,
                note=f"task {n}",
                due_at=clock.at + timedelta(hours=n - count // 2),
                created_at=T0,
            )
            for n in range(count)
        )
        session.commit()


def test_app_home_for_a_busy_rep_stays_within_slacks_limits(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack, clock: Clock
) -> None:
    setup_account(slack)
    followups_for(engine, 300, clock)
    slack.event(home_opened_event())
    [call] = fake_slack.wait_for("views.publish")
    view = call.args["view"]
    assert len(view["blocks"]) <= 100 and "more" in text_of(view) and "Overdue" in text_of(view)


def test_done_from_the_home_tab_completes_and_refreshes(
    slack: SlackDriver, engine: Engine, fake_slack: FakeSlack, clock: Clock
) -> None:
    setup_account(slack)
    followups_for(engine, 2, clock)
    slack.event(home_opened_event())
    [call] = fake_slack.wait_for("views.publish")
    menu = next(b["accessory"] for b in call.args["view"]["blocks"] if b.get("accessory"))
    done = next(o for o in menu["options"] if o["value"].startswith("done:"))
    payload = home_menu_payload(
        done,
        action_id="home_followup",
        trigger_id="9.9.9",
        action_ts="1763900600.000100",
        user_id="U0ALICE",
    )
    assert slack.interactive(payload).status_code == 200
    fake_slack.wait_for("views.publish", count=2)
    with Session(engine) as session:
        statuses = sorted(f.status for f in session.exec(select(Followup)))
    assert statuses == sorted([FollowupStatus.DONE, FollowupStatus.OPEN])
