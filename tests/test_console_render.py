"""`rapport console`'s rendering: mrkdwn, blocks, numbering, modals' fields, and the payloads the
app really builds, laid out for a terminal. Pure: no Slack, no DB; `plain()` is compared."""

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text

from bot.console.mrkdwn import mrkdwn
from bot.console.render import Screen, render_message, render_suggestions, render_view
from handlers.blocks.calls import Choice as AccountChoice
from handlers.blocks.calls import LogForm, build_log_modal
from handlers.blocks.deals import DealCard, build_deal_card
from handlers.blocks.followups import build_followup_list, build_followup_set
from handlers.blocks.home import build_home
from handlers.blocks.lookups import build_owner_card, build_pick
from handlers.blocks.text import bold, escape, literal, local_time
from handlers.ids import DealAction, FollowupAction, LookupAction
from models.deals import Change, Deal
from models.stages import DEFAULT_PIPELINE
from models.summaries import FollowupAgenda, FollowupRow, HomeSummary
from tests.test_builders import T0, TZ, card

PEOPLE = {"U0ALICE": "alice", "U0BOB": "bob", "U0ADMIN": "admin"}
ROOMS = {"C1": "sales", "C2": "general"}
NOW = datetime(2023, 11, 14, 23, 0, tzinfo=UTC)  # 1700000000 is 22:13:20 UTC that day


def names(user_id: str) -> str:
    return PEOPLE.get(user_id, user_id)


def channels(channel_id: str) -> str:
    return ROOMS.get(channel_id, channel_id)


def md(text: str, *, tz: str = "UTC", now: datetime = NOW) -> Text:
    return mrkdwn(text, names=names, channels=channels, tz=tz, now=now)


def shown(text: str, **kw: Any) -> str:
    return md(text, **kw).plain


def styled(text: Text, attribute: str) -> list[str]:
    """The runs of `text` under spans whose style sets `attribute` (bold, italic, color…)."""
    marked = [False] * len(text)
    for span in text.spans:
        if getattr(span.style, attribute, None):
            marked[span.start : span.end] = [True] * (span.end - span.start)
    runs = "".join(c if on else "\0" for c, on in zip(text.plain, marked, strict=True))
    return [run for run in runs.split("\0") if run]


def screen_of(m: dict[str, Any], **kw: Any) -> Screen:
    return render_message(m, names=names, channels=channels, tz=TZ, now=T0, **kw)


def view_of(v: dict[str, Any], **kw: Any) -> Screen:
    return render_view(v, names=names, channels=channels, tz=TZ, now=T0, **kw)


def message(m: dict[str, Any], **kw: Any) -> str:
    return screen_of(m, **kw).plain()


def view(v: dict[str, Any], **kw: Any) -> str:
    return view_of(v, **kw).plain()


def section(text: str, **more: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **more}


def button(text: str, action_id: str, **more: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        **more,
    }


def option(text: str, value: str | None = None) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text}, "value": value or text.lower()}


# -- mrkdwn -----------------------------------------------------------------------------------


def test_bold_italic_strike_and_code_drop_their_marks_and_keep_their_styles() -> None:
    text = md("*bold* and _it_ and ~gone~ and `co*de*` and ```pre *x*\nline```")
    assert text.plain == "bold and it and gone and co*de* and pre *x*\nline"
    assert styled(text, "bold") == ["bold"]
    assert styled(text, "italic") == ["it"] and styled(text, "strike") == ["gone"]
    assert "co*de*" in styled(text, "color") and "pre *x*\nline" in styled(text, "color")


def test_emphasis_nests_sits_at_word_edges_and_stays_on_a_line() -> None:
    both = md("*_both_*")
    assert both.plain == "both" and styled(both, "bold") == styled(both, "italic") == ["both"]
    assert shown("snake_case_name and 2*3*4") == "snake_case_name and 2*3*4"
    assert shown("* not bold *") == "* not bold *"
    assert shown("*one\ntwo*") == "*one\ntwo*"


def test_links_show_their_label_or_their_address_and_carry_the_link() -> None:
    text = md(
        "See <https://x.example/a_b_c|the_deal> or <https://y.example> or <mailto:a@b.c|mail>"
    )
    assert text.plain == "See the_deal or https://y.example or mail"
    assert [s.style.link for s in text.spans if s.style.link] == [  # type: ignore[union-attr]
        "https://x.example/a_b_c",
        "https://y.example",
        "mailto:a@b.c",
    ]
    assert styled(text, "italic") == []


def test_mentions_channels_and_broadcasts_read_as_names() -> None:
    assert shown("<@U0ALICE> and <@U0BOB|robert> and <@U9>") == "@alice and @bob and @U9"
    assert shown("in <#C1|sales-team> and <#C2>") == "in #sales-team and #general"
    assert shown("<!here> <!channel> <!everyone>") == "@here @channel @everyone"
    assert shown("<!subteam^S1|@closers> and <!subteam^S2>") == "@closers and @S2"
    assert styled(md("hi *<@U0ALICE>*"), "bold") == ["@alice"]


def test_quotes_and_emoji() -> None:
    assert shown(">quoted *text*\nnot quoted :tada:") == "▌ quoted text\nnot quoted 🎉"
    assert shown(":no_such_emoji_here:") == ":no_such_emoji_here:"


def test_escaped_text_shows_as_typed_and_never_pings_or_links() -> None:
    text = md(escape("<!channel> & <@U0ALICE> <https://evil|x>"))
    assert text.plain == "<!channel> & <@U0ALICE> <https://evil|x>"
    assert text.spans == []
    assert shown("&amp;lt; is how you write &lt;") == "&lt; is how you write <"
    assert shown("&lt;!channel&gt;") == "<!channel>"


def test_names_made_literal_read_as_typed() -> None:
    text = md(f"{bold('*Acme* _x_ ~y~ `z`')} and {literal('a_b *c*')}")
    assert text.plain == "*Acme* _x_ ~y~ `z` and a_b *c*"
    assert styled(text, "bold") == ["*Acme* _x_ ~y~ `z`"] and styled(text, "italic") == []


# -- dates ------------------------------------------------------------------------------------


def test_a_date_token_reads_in_the_readers_time_zone() -> None:
    token = "<!date^1700000000^{date_short_pretty} at {time}|Nov 14>"
    assert shown(token, tz="UTC") == "Today at 10:13 PM"
    later = NOW + timedelta(hours=2)  # 01:00 on the 15th in UTC, the 14th still in Los Angeles
    assert shown(token, tz="UTC", now=later) == "Yesterday at 10:13 PM"
    assert shown(token, tz="America/Los_Angeles", now=later) == "Today at 2:13 PM"
    assert shown(token, tz="Asia/Tokyo", now=later) == "Today at 7:13 AM"
    days_on = NOW + timedelta(days=3)
    assert shown(token, tz="Asia/Tokyo", now=days_on) == "Nov 15, 2023 at 7:13 AM"
    assert shown(token, tz="UTC", now=days_on) == "Nov 14, 2023 at 10:13 PM"
    assert shown(token, tz="UTC", now=NOW - timedelta(days=1)) == "Tomorrow at 10:13 PM"


def test_every_date_format_slack_documents() -> None:
    formats = {
        "date_num": "2023-11-14",
        "date": "November 14th, 2023",
        "date_short": "Nov 14, 2023",
        "date_long": "Tuesday, November 14th, 2023",
        "date_pretty": "Today",
        "date_short_pretty": "Today",
        "date_long_pretty": "Today",
        "time": "10:13 PM",
        "time_secs": "10:13:20 PM",
        "ago": "46 minutes ago",
    }
    for token, expected in formats.items():
        assert shown(f"<!date^1700000000^{{{token}}}|x>") == expected, token
    week_on = NOW + timedelta(days=7)
    assert shown("<!date^1700000000^{date_long_pretty}|x>", now=week_on) == (
        "Tuesday, November 14th, 2023"
    )
    assert shown("<!date^1700000000^on {date_num}^https://x.example|x>") == "on 2023-11-14"


def test_a_date_with_a_format_slack_cant_read_shows_its_fallback_verbatim() -> None:
    assert shown("<!date^1700000000^{nope}|*not bold* &amp; me>") == "*not bold* & me"
    assert shown("<!date^soon^{date}|later>") == "later"


def test_the_apps_own_local_times_read_as_dates() -> None:
    moment = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    assert shown(local_time(moment, TZ), tz=TZ, now=moment) == "Today at 10:00 AM"
    assert shown(local_time(moment, TZ), tz="Europe/Paris", now=moment) == "Today at 4:00 PM"


# -- messages ---------------------------------------------------------------------------------


def test_a_message_shows_its_text_only_when_it_has_no_blocks() -> None:
    assert message({"text": "*hi* <@U0BOB>"}) == "Rapport\n  hi @bob"
    assert message({"text": "fallback", "blocks": [section("blocks")]}) == "Rapport\n  blocks"
    assert message({"text": "*raw*", "mrkdwn": False}, author="Slackbot") == "Slackbot\n  *raw*"


def test_ephemeral_and_updated_messages_say_so() -> None:
    assert message({"text": "x"}, ephemeral=True).splitlines()[0] == (
        "Rapport  only visible to you"
    )
    assert message({"text": "x"}, updated=True).splitlines()[0] == "Rapport  (updated)"


def test_sections_fields_headers_context_dividers_and_images_are_laid_out() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Acme Corp :tada:"}},
        section(
            "*Owner* <@U0ALICE>",
            fields=[
                {"type": "mrkdwn", "text": "*Stage*\nProposal"},
                {"type": "mrkdwn", "text": "*Amount*\n$48,000"},
                {"type": "plain_text", "text": "Close"},
            ],
            accessory=button("Edit", "edit"),
        ),
        {"type": "divider"},
        {
            "type": "context",
            "elements": [
                {"type": "image", "image_url": "https://x/i.png", "alt_text": "logo"},
                {"type": "mrkdwn", "text": "by <@U0BOB>"},
                {"type": "plain_text", "text": "today"},
            ],
        },
        {"type": "image", "image_url": "https://x/chart.png", "alt_text": "pipeline chart"},
    ]
    assert message({"blocks": blocks}) == "\n".join(
        [
            "Rapport",
            "  Acme Corp 🎉",
            "  Owner @alice",
            "  Stage      Amount",
            "  Proposal   $48,000",
            "  Close",
            "  [1 Edit]",
            "  " + "─" * 48,
            "  [logo]  by @bob  today",
            "  [image: pipeline chart]",
        ]
    )
    screen = screen_of({"blocks": blocks})
    header, context = screen.lines[1], screen.lines[8]
    assert styled(header, "bold") == ["Acme Corp 🎉"]
    assert styled(context, "dim") == ["[logo]  by @bob  today"]


def test_buttons_show_their_style_and_number_in_reading_order_from_where_they_start() -> None:
    blocks = [
        section("Pick one", accessory=button("Top", "top")),
        {
            "type": "actions",
            "block_id": "row",
            "elements": [
                button("Save", "save", style="primary"),
                button("Delete", "del", style="danger"),
                button("Docs", "docs", url="https://x.example"),
            ],
        },
    ]
    screen = screen_of({"blocks": blocks}, first_button=4)
    assert screen.plain().splitlines()[2:] == ["  [4 Top]", "  [5 Save]  [6 Delete]  [7 Docs ↗]"]
    assert [(c.number, c.label, c.block_id) for c in screen.buttons] == [
        (4, "Top", None),
        (5, "Save", "row"),
        (6, "Delete", "row"),
        (7, "Docs", "row"),
    ]
    assert screen.buttons[1].element["action_id"] == "save" and screen.buttons[1].option is None
    colours = {str(s.style.color.name) for s in screen.lines[3].spans if s.style.color}  # type: ignore[union-attr]
    assert colours == {"green", "red"}


def test_options_are_numbered_under_their_select_with_the_initial_one_marked() -> None:
    select = {
        "type": "static_select",
        "action_id": "stage",
        "placeholder": {"type": "plain_text", "text": "Move to…"},
        "option_groups": [
            {
                "label": {"type": "plain_text", "text": "Open"},
                "options": [option("Lead"), option("Demo")],
            },
            {"label": {"type": "plain_text", "text": "Closed"}, "options": [option("Won")]},
        ],
        "initial_option": option("Demo"),
    }
    overflow = {
        "type": "overflow",
        "action_id": "more",
        "options": [option("Rename"), option("Archive")],
    }
    bare = {
        "type": "static_select",
        "action_id": "pick",
        "placeholder": {"type": "plain_text", "text": "Choose a rep"},
        "options": [option("alice"), option("bob")],
    }
    blocks = [
        section("Deal", accessory=select, block_id="deal_1"),
        {"type": "actions", "block_id": "acts", "elements": [button("Won", "won"), overflow, bare]},
    ]
    screen = screen_of(
        {"blocks": blocks},
        first_button=2,
        first_option=5,
    )
    assert screen.plain() == "\n".join(
        [
            "Rapport",
            "  Deal",
            "  ▾ Demo",
            "    (5) Lead",
            "    (6) Demo ✓",
            "    (7) Won",
            "  [2 Won]",
            "  ⋯ more",
            "    (8) Rename",
            "    (9) Archive",
            "  ▾ Choose a rep",
            "    (10) alice",
            "    (11) bob",
        ]
    )
    picked = {c.number: c for c in screen.options}
    assert picked[7].label == "Won" and picked[7].option == option("Won")
    assert picked[7].element is select and picked[7].block_id == "deal_1"
    assert picked[9].element is overflow and picked[9].block_id == "acts"
    assert [c.number for c in screen.buttons] == [2]


def test_numbering_continues_across_messages() -> None:
    first = screen_of(
        {"blocks": [{"type": "actions", "elements": [button("A", "a"), button("B", "b")]}]}
    )
    second = screen_of(
        {"blocks": [{"type": "actions", "elements": [button("C", "c")]}]},
        first_button=first.buttons[-1].number + 1,
    )
    assert "[3 C]" in second.plain() and second.buttons[0].number == 3


def test_pickers_that_need_a_value_are_numbered_with_the_buttons() -> None:
    elements: list[dict[str, Any]] = [
        {"type": "datepicker", "action_id": "d", "initial_date": "2026-11-23"},
        {"type": "users_select", "action_id": "u", "initial_user": "U0BOB"},
        {
            "type": "external_select",
            "action_id": "e",
            "placeholder": {"type": "plain_text", "text": "Start typing"},
        },
    ]
    screen = screen_of({"blocks": [{"type": "actions", "elements": elements}]})
    assert screen.plain().splitlines()[1] == "  [1 📅 2026-11-23]  [2 ▾ @bob]  [3 ▾ Start typing]"
    assert [c.element["type"] for c in screen.buttons] == [e["type"] for e in elements]


def test_rich_text_shows_sections_lists_quotes_and_code() -> None:
    def txt(t: str, **style: bool) -> dict[str, Any]:
        return {"type": "text", "text": t, **({"style": style} if style else {})}

    block = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    txt("Hi "),
                    {"type": "user", "user_id": "U0ALICE"},
                    txt(" see ", bold=True),
                    {"type": "link", "url": "https://x.example", "text": "this"},
                    {"type": "emoji", "name": "tada", "unicode": "1f389"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "ordered",
                "elements": [
                    {"type": "rich_text_section", "elements": [txt("one")]},
                    {"type": "rich_text_section", "elements": [txt("two")]},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "bullet",
                "indent": 1,
                "elements": [
                    {"type": "rich_text_section", "elements": [txt("dot")]},
                ],
            },
            {"type": "rich_text_quote", "elements": [txt("said *this*")]},
            {"type": "rich_text_preformatted", "elements": [txt("x = <1>")]},
        ],
    }
    assert message({"blocks": [block]}).splitlines()[1:] == [
        "  Hi @alice see this🎉",
        "  1. one",
        "  2. two",
        "    • dot",
        "  ▌ said *this*",
        "  x = <1>",
    ]


# -- modals and Home --------------------------------------------------------------------------


def test_a_modal_asks_its_inputs_as_fields_with_labels_hints_and_defaults() -> None:
    def input_block(block_id: str, label: str, element: dict[str, Any], **more: Any) -> dict:
        return {
            "type": "input",
            "block_id": block_id,
            "label": {"type": "plain_text", "text": label},
            "element": element,
            **more,
        }

    plain = {"type": "plain_text", "text": "Say more"}
    blocks = [
        section("A *deal* for <@U0ALICE>"),
        input_block(
            "notes",
            "Notes",
            {
                "type": "plain_text_input",
                "action_id": "n",
                "multiline": True,
                "initial_value": "line 1\nline 2",
            },
            hint={"type": "plain_text", "text": "Who, what, next"},
        ),
        input_block(
            "why",
            "Why",
            {"type": "plain_text_input", "action_id": "w", "placeholder": plain},
            optional=True,
        ),
        input_block(
            "stage",
            "Stage",
            {
                "type": "static_select",
                "action_id": "s",
                "option_groups": [{"label": plain, "options": [option("Lead"), option("Won")]}],
                "initial_option": option("Won"),
            },
        ),
        input_block(
            "kind",
            "Kind",
            {
                "type": "radio_buttons",
                "action_id": "k",
                "options": [option("Call"), option("Email")],
                "initial_option": option("Email"),
            },
        ),
        input_block(
            "tags",
            "Tags",
            {
                "type": "checkboxes",
                "action_id": "t",
                "options": [option("Hot"), option("VIP")],
                "initial_options": [option("VIP")],
            },
            optional=True,
        ),
        input_block("due", "Due", {"type": "datepicker", "action_id": "d"}),
        input_block(
            "who", "Owner", {"type": "users_select", "action_id": "u", "initial_user": "U0BOB"}
        ),
    ]
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "New deal"},
        "submit": {"type": "plain_text", "text": "Create"},
        "blocks": blocks,
    }
    screen = view_of(modal)
    assert screen.plain() == "\n".join(
        [
            "▣ New deal",
            "  A deal for @alice",
            "  Notes",
            "    ┆ line 1",
            "    ┆ line 2",
            "    Who, what, next",
            "  Why (optional)",
            "    ✎ Say more",
            "  Stage",
            "    ▾ Won",
            "  Kind",
            "    ○ Call",
            "    ◉ Email",
            "  Tags (optional)",
            "    ☐ Hot",
            "    ☑ VIP",
            "  Due",
            "    📅",
            "  Owner",
            "    ▾ @bob",
            "submit: Create · close: Cancel",
        ]
    )
    fields = {f.block_id: f for f in screen.fields}
    assert list(fields) == ["notes", "why", "stage", "kind", "tags", "due", "who"]
    notes, why, stage = fields["notes"], fields["why"], fields["stage"]
    assert (notes.label, notes.hint, notes.multiline, notes.initial) == (
        "Notes",
        "Who, what, next",
        True,
        "line 1\nline 2",
    )
    assert notes.action_id == "n" and notes.kind == "plain_text_input" and not notes.optional
    assert why.optional and why.placeholder == "Say more" and why.initial is None
    assert stage.kind == "static_select" and stage.initial == "Won"
    assert stage.options == [option("Lead"), option("Won")]
    assert fields["kind"].initial == "Email" and len(fields["kind"].options) == 2
    assert fields["tags"].initial == "VIP" and fields["tags"].optional
    assert fields["due"].kind == "datepicker" and fields["due"].initial is None
    assert fields["who"].kind == "users_select" and fields["who"].initial == "@bob"
    assert screen.buttons == [] and screen.options == []


# -- what the app really builds ---------------------------------------------------------------


def test_the_who_owns_card_renders_its_facts_and_buttons() -> None:
    built = build_owner_card(card(), tz=TZ, shareable=True)
    screen = screen_of(built, ephemeral=True)
    assert screen.plain() == "\n".join(
        [
            "Rapport  only visible to you",
            "  Acme Corp is owned by @alice since Oct 24, 2026 at 11:00 AM (assigned by @admin).",
            "  Last touch: call by @bob Today at 10:00 AM: “talked renewal, they want SSO”",
            "  2 open deals (Proposal, Negotiation) worth $48,000 + €1,200.50.",
            "  Next follow-up Nov 26, 2026 at 10:00 AM by @alice: send the contract.",
            "  [1 History]  [2 Share in channel]",
        ]
    )
    assert [c.element["action_id"] for c in screen.buttons] == [
        LookupAction.SHOW_HISTORY,
        LookupAction.SHARE,
    ]
    assert styled(screen.lines[1], "bold")[0] == "Acme Corp"


def test_a_hostile_account_name_reads_as_typed() -> None:
    built = build_owner_card(card(account="<!channel> *Acme* & Co"), tz=TZ, shareable=False)
    first = message(built).splitlines()[1]
    assert first.startswith("  <!channel> *Acme* & Co is owned by @alice")


def test_the_deal_card_renders_its_stage_select_and_buttons() -> None:
    deal = Deal(
        id=7,
        team_id="T1",
        account_id=3,
        owner_id=1,
        name="Renewal <!here>",
        stage="Demo",
        amount_minor=4_800_050,
        currency="USD",
        version=4,
        stage_changed_at=T0 - timedelta(days=3),
        created_at=T0,
        expected_close=date(2026, 11, 1),
    )
    changes = [Change("Lead", "Demo", "U0BOB", T0, "<@U0X> liked it")]
    built = build_deal_card(
        DealCard(
            deal=deal,
            account="Acme <b>",
            owner="U0ALICE",
            pipeline=DEFAULT_PIPELINE,
            changes=changes,
            today=date(2026, 11, 23),
            now=T0,
        ),
        tz=TZ,
    )
    screen = screen_of(built, updated=True)
    text = screen.plain()
    assert text.startswith("Rapport  (updated)\n  Renewal <!here> · Acme <b>\n  Owner: @alice")
    assert "  Expected close: Nov 1, 2026 ⚠ past" in text
    assert "  ▾ Demo\n    (1) Lead\n    (2) Qualified\n    (3) Demo ✓" in text
    assert "  Lead → Demo by @bob, Today at 10:00 AM — <@U0X> liked it" in text
    assert text.endswith("  [1 Won]  [2 Lost]  [3 Log a call]")
    assert [c.element["action_id"] for c in screen.buttons] == [
        DealAction.WON,
        DealAction.LOST,
        DealAction.LOG_CALL,
    ]
    assert {c.element["action_id"] for c in screen.options} == {DealAction.STAGE}
    assert [c.label for c in screen.options] == [s.name for s in DEFAULT_PIPELINE.stages]


def test_the_follow_up_list_renders_each_row_with_its_buttons_and_date() -> None:
    agenda = FollowupAgenda(
        [FollowupRow(1, "Acme & Co", T0 - timedelta(days=1), "call <back>", 0)],
        [FollowupRow(2, "Beta", T0, "x", 1)],
        [],
        1,
        1,
        0,
    )
    screen = screen_of(build_followup_list(agenda, tz=TZ))
    assert screen.plain().splitlines()[1:5] == [
        "  Overdue (1)",
        "  Acme & Co · Yesterday at 10:00 AM",
        "  call <back>",
        "  [1 Done]  [2 Snooze 1 day]  [3 Snooze 1 week]  [4 📅 2026-11-22]",
    ]
    assert screen.buttons[4].element["action_id"] == FollowupAction.DONE
    assert screen.buttons[3].element["type"] == "datepicker"


def test_a_follow_up_confirmation_reads_its_time() -> None:
    built = build_followup_set(
        account="Acme", typed="acme", due_at=T0 + timedelta(days=1), note="send it", tz=TZ
    )
    assert (
        message(built).splitlines()[1] == "  ⏰ Follow-up on Acme Tomorrow at 10:00 AM: “send it”"
    )


def test_picking_among_accounts_numbers_each_and_create() -> None:
    built = build_pick(
        typed="acm",
        choices=[AccountChoice(1, "Acme"), AccountChoice(2, "Acme EU")],
        action=LookupAction.SHOW_CARD,
        close=True,
    )
    lines = message(built).splitlines()
    assert lines[1] == "  Which account do you mean by “acm”?"
    assert lines[2].startswith("  [1 Acme]  [2 Acme EU]  [3 Create account “acm”")


def test_the_log_modal_renders_its_fields() -> None:
    form = LogForm(account=AccountChoice(1, "Acme"), author_id="U0BOB", notes="talked")
    screen = view_of(build_log_modal(form, private_metadata="{}"))
    text = screen.plain()
    assert text.startswith("▣ Log to CRM\n  Message from @bob\n  Account\n    ▾ Acme\n")
    assert "  Contact (optional)\n    ▾ Who you talked to" in text
    assert "    “now”, “yesterday 3pm”, “Mon 10:30”" in text
    assert text.endswith("submit: Log · close: Cancel")
    labels = [(f.label, f.kind, f.optional, f.initial) for f in screen.fields]
    assert labels == [
        ("Account", "external_select", False, "Acme"),
        ("What happened", "static_select", False, "Call"),
        ("Contact", "external_select", True, None),
        ("Notes", "plain_text_input", False, "talked"),
        ("When", "plain_text_input", False, "now"),
        ("Follow up", "plain_text_input", True, None),
    ]
    assert [o["text"]["text"] for o in screen.fields[1].options] == [
        "Call",
        "Meeting",
        "Email",
        "Note",
    ]


def test_the_home_tab_renders_under_a_home_header() -> None:
    row = FollowupRow(1, "Acme", T0 + timedelta(hours=2), "send the deck", 0)
    summary = HomeSummary(
        overdue=[],
        today=[row],
        upcoming=[],
        overdue_total=0,
        today_total=1,
        upcoming_total=0,
        stages=[],
        stale=[],
        stale_total=0,
    )
    screen = view_of(build_home(summary, tz=TZ, stale_days=14))
    text = screen.plain()
    assert text.startswith("▣ Home\n  Your day in Rapport\n  [1 Log a call]\n  Follow-ups")
    assert "Acme" in text and "send the deck" in text
    assert "submit:" not in text and "close:" not in text


@pytest.mark.parametrize("close", [None, {"type": "plain_text", "text": "Done"}])
def test_a_modal_without_inputs_has_only_its_close(close: dict | None) -> None:
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Deleted"},
        "blocks": [section("Gone.")],
        **({"close": close} if close else {}),
    }
    assert view(modal).splitlines()[-1] == f"close: {'Done' if close else 'Cancel'}"


def test_suggestions_for_an_external_select_are_numbered_to_pick() -> None:
    element = {"type": "external_select", "action_id": "log_account_select"}
    answer = {
        "option_groups": [
            {
                "label": {"type": "plain_text", "text": "Accounts"},
                "options": [option("Acme", "1"), option("Create “acm”", "new:acm")],
            }
        ]
    }
    screen = render_suggestions(
        answer,
        element=element,
        block_id="log_account",
        names=names,
        channels=channels,
        tz=TZ,
        now=T0,
        first_option=3,
    )
    assert screen.plain() == "    (3) Acme\n    (4) Create “acm”"
    assert [(c.number, c.option["value"] if c.option else None) for c in screen.options] == [
        (3, "1"),
        (4, "new:acm"),
    ]
    assert all(c.element is element and c.block_id == "log_account" for c in screen.options)
    none = render_suggestions(
        {"options": []},
        element=element,
        block_id=None,
        names=names,
        channels=channels,
        tz=TZ,
        now=T0,
    )
    assert none.plain() == "  no matches" and none.options == []


def test_a_field_carries_its_element_to_submit_with() -> None:
    form = LogForm(account=AccountChoice(1, "Acme"))
    account = view_of(build_log_modal(form, private_metadata="{}")).fields[0]
    assert account.element["initial_option"]["value"] == "1"


def test_every_screen_prints_to_a_real_terminal() -> None:
    built = build_owner_card(card(), tz=TZ, shareable=True)
    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=100)
    for line in screen_of(built, ephemeral=True).lines:
        console.print(line)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[" in out and "Acme Corp" in out and "@alice" in out
