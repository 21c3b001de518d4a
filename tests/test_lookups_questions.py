"""Questions people ask: in a linked channel without a name, in a DM, "what's new", history
filters, positions and follow-up rows. Through the real Bolt pipeline."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from bot.standin.driver import SlackDriver, click, text_of
from bot.standin.webapi import FakeSlack
from models import followups
from models.followups import Followup
from models.interactions import Interaction
from models.reps import Rep
from tests.conftest import Clock
from tests.test_lookups import add_interactions, setup_account
from tests.test_lookups_clicks import answer_in_thread, mention

CHANNEL = "C0SALES01"


def dm(slack: SlackDriver, text: str, ts: str) -> None:
    slack.event(
        {
            "type": "message",
            "channel_type": "im",
            "user": "U0ALICE",
            "text": text,
            "ts": ts,
            "channel": "D0ALICE",
            "event_ts": ts,
            "client_msg_id": "c-" + ts,
        }
    )


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("who owns this?", "*Tessaro Wines* is owned by <@U0ALICE>"),
        ("who's the owner here?", "*Tessaro Wines* is owned by <@U0ALICE>"),
        ("who owns this account", "*Tessaro Wines* is owned by <@U0ALICE>"),
        ("history", "History of *Tessaro Wines*"),
        ("history here calls", "History of *Tessaro Wines* (calls)"),
        ("what's new here?", "Latest 2:"),
        ("what\u2019s new in this channel", "Latest 2:"),
    ],
)
def test_questions_without_a_name_in_a_linked_channel_mean_its_account(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, question: str, expected: str
) -> None:
    fake_slack.add_channel(CHANNEL)
    account_id = setup_account(slack, "Tessaro Wines")
    add_interactions(engine, account_id, 2)
    assert "now *Tessaro Wines*'s" in text_of(slack.command("/crm", "link tessaro").reply())
    mention(slack, question, "1763900701.000100")
    answer = answer_in_thread(fake_slack, "1763900701.000100")
    assert expected in text_of(answer.to_dict()), question


def test_a_named_account_still_wins_in_a_linked_channel(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel(CHANNEL)
    setup_account(slack, "Tessaro Wines")
    setup_account(slack, "Umber Tiles", owner="U0BOB")
    slack.command("/crm", "link tessaro").reply()
    mention(slack, "who owns umber tiles?", "1763900702.000100")
    answer = answer_in_thread(fake_slack, "1763900702.000100")
    assert "*Umber Tiles* is owned by <@U0BOB>" in text_of(answer.to_dict())


@pytest.mark.parametrize("question", ["who owns this?", "history", "what's new here"])
def test_in_an_unlinked_channel_a_nameless_question_says_how_to_link_or_name_one(
    slack: SlackDriver, fake_slack: FakeSlack, question: str
) -> None:
    fake_slack.add_channel("C0PLAIN01", name="random")
    setup_account(slack, "Tessaro Wines")
    mention(slack, question, "1763900703.000100", channel="C0PLAIN01")
    [call] = fake_slack.wait_for("chat.postMessage")
    text = text_of(call.args)
    assert call.args["thread_ts"] == "1763900703.000100"
    assert "isn't linked to an account" in text and "/crm link Acme" in text
    assert "@Rapport" in text


def test_whats_new_shows_the_card_the_three_latest_touches_and_a_history_button(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake_slack.add_channel(CHANNEL)
    add_interactions(engine, setup_account(slack, "Wexford Mills"), 6, kind="meeting")
    mention(slack, "what's new with wexford?", "1763900704.000100")
    answer = answer_in_thread(fake_slack, "1763900704.000100").to_dict()
    text = text_of(answer)
    assert "*Wexford Mills* is owned by <@U0ALICE>" in text and "Latest 3:" in text
    assert all(f"meeting number {n}" in text for n in (5, 4, 3))
    assert "meeting number 2" not in text and "Last touch" not in text
    assert len(answer["blocks"]) <= 3
    _, url = click(slack, answer, "history_show", user_id="U0BOB")
    assert "1-6 of 6" in text_of(fake_slack.wait_for_hook(url)[0].body)


def test_a_dm_question_is_answered_and_logs_nothing_while_a_log_line_still_logs(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    setup_account(slack, "Globex Shipping", owner="U0BOB")
    dm(slack, "who owns globex?", "1763900705.000100")
    [answer] = fake_slack.wait_for("chat.postMessage")
    assert answer.args["channel"] == "D0ALICE" and answer.args["thread_ts"] == "1763900705.000100"
    assert "*Globex Shipping* is owned by <@U0BOB>" in text_of(answer.args)
    dm(slack, "History of Globex Shipping", "1763900706.000100")
    assert "History of *Globex Shipping*" in text_of(
        fake_slack.wait_for("chat.postMessage", count=2)[-1].args
    )
    dm(slack, "what's new with globex", "1763900707.000100")
    assert "is owned by <@U0BOB>" in text_of(
        fake_slack.wait_for("chat.postMessage", count=3)[-1].args
    )
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Interaction)).one() == 0
    dm(slack, "called globex: asked who owns the budget", "1763900708.000100")
    logged = text_of(fake_slack.wait_for("chat.postMessage", count=4)[-1].args)
    assert "Globex Shipping" in logged and "is owned by" not in logged
    with Session(engine) as session:
        [call] = session.exec(select(Interaction)).all()
    assert call.summary == "asked who owns the budget"


def test_a_dm_question_without_a_name_asks_which_account(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    setup_account(slack, "Globex Shipping")
    dm(slack, "who owns this?", "1763900709.000100")
    [answer] = fake_slack.wait_for("chat.postMessage")
    assert "Which account?" in text_of(answer.args) and "who owns Acme" in text_of(answer.args)


@pytest.mark.parametrize(
    ("typed", "shown", "count"),
    [
        ("call", "(calls)", 3),
        ("Calls", "(calls)", 3),
        ("meeting", "(meetings)", 2),
        ("email", "(emails)", 1),
        ("emails", "(emails)", 1),
        ("note", "(notes)", 0),
        ("deal", "(deals)", 0),
        ("follow-ups", "(follow-ups)", 0),
    ],
)
def test_history_filters_take_singular_and_plural_words(
    slack: SlackDriver, engine: Engine, typed: str, shown: str, count: int
) -> None:
    account_id = setup_account(slack, "Pellworm Energy")
    add_interactions(engine, account_id, 3, kind="call")
    add_interactions(engine, account_id, 2, kind="meeting")
    add_interactions(engine, account_id, 1, kind="email")
    reply = slack.command("/history", f"pellworm energy {typed}").reply()
    text = text_of(reply)
    assert f"History of *Pellworm Energy* {shown}" in text
    assert (f"1-{count} of {count}" in text) if count else ("Nothing logged yet." in text)
    assert "Which account" not in text and "No account matches" not in text


def test_history_shows_where_each_page_sits(slack: SlackDriver, engine: Engine) -> None:
    account_id = setup_account(slack, "Marlow Freight")
    add_interactions(engine, account_id, 23, kind="call")
    add_interactions(engine, account_id, 4, kind="note")
    page = slack.command("/history", "marlow freight calls").reply()
    positions = []
    while True:
        positions.append(page["blocks"][0]["text"]["text"].rsplit("· ", 1)[-1])
        if "history_older" not in str(page["blocks"]):
            break
        _, url = click(slack, page, "history_older")
        page = slack.fake.wait_for_hook(url)[0].body
    assert positions == ["1-10 of 23", "11-20 of 23", "21-23 of 23"]
    _, url = click(slack, page, "history_newer")
    assert "11-20 of 23" in text_of(slack.fake.wait_for_hook(url)[0].body)
    assert "1-10 of 27" in text_of(slack.command("/history", "marlow freight").reply())


def test_follow_up_rows_label_each_date(slack: SlackDriver, engine: Engine, clock: Clock) -> None:
    clock.at = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    setup_account(slack, "Ostrava Steel")
    slack.command("/log-call", "Ostrava Steel: quote sent. Follow up Dec 3").reply()
    slack.command("/log-call", "Ostrava Steel: second call. Follow up Dec 10").reply()
    with Session(engine) as session:
        alice = session.exec(select(Rep).where(Rep.slack_user_id == "U0ALICE")).one()
        first = session.exec(select(Followup).order_by(Followup.due_at)).first()
        assert first is not None and first.id is not None
        followups.complete_followup(
            session=session, team_id=alice.team_id, followup_id=first.id, rep=alice,
            now=clock.at + timedelta(days=4),
        )  # fmt: skip
        session.commit()
    text = text_of(slack.command("/history", "ostrava follow-ups").reply())
    rows = [line for line in text.splitlines() if line.startswith(":alarm_clock:")]
    assert len(rows) == 2
    done = next(r for r in rows if " · done " in r)
    assert done.startswith(":alarm_clock: *Follow-up* · due <!date^")
    assert "|Thu Dec 3," in done and " · done <!date^" in done and "|Tue Dec 1," in done
    assert "by <@U0ALICE> · set <!date^" in done
    still = next(r for r in rows if r is not done)
    assert " · open, set <!date^" in still and "by <@U0ALICE>" in still


def test_whats_new_among_several_close_names_shows_the_picked_ones_news(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    fake_slack.add_channel(CHANNEL)
    add_interactions(engine, setup_account(slack, "Orchard Labs"), 2, kind="email")
    setup_account(slack, "Orchard Foods")
    mention(slack, "what's new with orchard", "1763900710.000100")
    pick = answer_in_thread(fake_slack, "1763900710.000100").to_dict()
    assert "Which account do you mean" in text_of(pick) and "whats_new_show" in str(pick)
    _, url = click(slack, pick, "whats_new_show", user_id="U0BOB")
    [hook] = fake_slack.wait_for_hook(url)
    assert hook.body["replace_original"] is False
    assert "*Orchard Labs* is owned by" in text_of(hook.body) and "Latest 2:" in text_of(hook.body)


def test_a_history_pick_keeps_the_filter_that_was_asked_for(
    slack: SlackDriver, engine: Engine
) -> None:
    labs = setup_account(slack, "Orchard Labs")
    setup_account(slack, "Orchard Foods")
    add_interactions(engine, labs, 2, kind="email")
    add_interactions(engine, labs, 3, kind="call")
    pick = slack.command("/history", "orchard email").reply()
    assert "Which account do you mean" in text_of(pick)
    _, url = click(slack, pick, "history_show")
    page = text_of(slack.fake.wait_for_hook(url)[0].body)
    assert "History of *Orchard Labs* (emails) · 1-2 of 2" in page and "call number" not in page


def interactions(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Interaction)).one()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Acme, Inc.?", "*Acme, Inc.* is owned by <@U0BOB>"),
        ("Globex Shipping?", "*Globex Shipping* is owned by <@U0ALICE>"),
        ("acme inc: who decides?", "*Acme, Inc.* is owned by <@U0BOB>"),
        ("who is the owner of globex", "*Globex Shipping* is owned by <@U0ALICE>"),
        ("whos acme's owner?", "*Acme, Inc.* is owned by <@U0BOB>"),
        ("who's got globex shipping", "*Globex Shipping* is owned by <@U0ALICE>"),
        ("who\u2019s got acme", "*Acme, Inc.* is owned by <@U0BOB>"),
        ("is the renewal on track?", "I can answer “who owns Acme?”"),
        ("how do I log a meeting", "“called Acme: they signed” logs a call"),
    ],
)
def test_a_dm_that_asks_is_answered_and_never_logged(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine, question: str, expected: str
) -> None:
    setup_account(slack, "Acme, Inc.", owner="U0BOB")
    setup_account(slack, "Globex Shipping")
    dm(slack, question, "1763900710.000100")
    [answer] = fake_slack.wait_for("chat.postMessage")
    assert expected in text_of(answer.args), question
    assert interactions(engine) == 0


def test_a_question_followed_by_a_log_line_answers_and_says_nothing_was_logged(
    slack: SlackDriver, fake_slack: FakeSlack, engine: Engine
) -> None:
    setup_account(slack, "Acme, Inc.", owner="U0BOB")
    dm(slack, "Who owns Acme, Inc.? I called them - they signed", "1763900711.000100")
    [answer] = fake_slack.wait_for("chat.postMessage")
    said = text_of(answer.args)
    assert "*Acme, Inc.* is owned by <@U0BOB>" in said
    assert "To log the call, send it on its own." in said and interactions(engine) == 0
    dm(slack, "who owns acme? thx", "1763900712.000100")
    assert "send it on its own" not in text_of(fake_slack.wait_for("chat.postMessage", 2)[-1].args)
    dm(slack, "called acme inc - they asked: can we get SSO?", "1763900713.000100")
    assert "on *Acme, Inc.*" in text_of(fake_slack.wait_for("chat.postMessage", 3)[-1].args)
    assert interactions(engine) == 1


@pytest.mark.parametrize(
    ("typed", "shown", "count"),
    [
        ("calls emails", "(calls, emails)", 4),
        ("emails and meetings", "(meetings, emails)", 3),
        ("call, meeting, email", "(calls, meetings, emails)", 6),
    ],
)
def test_history_takes_several_filters_and_pages_with_them(
    slack: SlackDriver, engine: Engine, typed: str, shown: str, count: int
) -> None:
    account_id = setup_account(slack, "Pellworm Energy")
    add_interactions(engine, account_id, 3, kind="call")
    add_interactions(engine, account_id, 2, kind="meeting")
    add_interactions(engine, account_id, 1, kind="email")
    add_interactions(engine, account_id, 12, kind="note")
    text = text_of(slack.command("/history", f"pellworm energy {typed}").reply())
    assert f"History of *Pellworm Energy* {shown} · 1-{count} of {count}" in text
    assert "note number" not in text


def test_a_filtered_history_pages_keep_every_filter(slack: SlackDriver, engine: Engine) -> None:
    account_id = setup_account(slack, "Marlow Freight")
    add_interactions(engine, account_id, 8, kind="call")
    add_interactions(engine, account_id, 5, kind="email")
    add_interactions(engine, account_id, 9, kind="note")
    page = slack.command("/history", "marlow freight calls emails").reply()
    assert "1-10 of 13" in text_of(page)
    _, url = click(slack, page, "history_older")
    older = text_of(slack.fake.wait_for_hook(url)[0].body)
    assert "(calls, emails) · 11-13 of 13" in older and "note number" not in older
