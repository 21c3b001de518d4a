"""The hot answers, built as plain dicts (handlers/blocks/kit.py), are byte for byte what the
slack_sdk.models construction they replaced built, and every block of them is valid to slack_sdk.

tests/data/hot_blocks.json holds that construction's output for each case below, recorded before
the switch. A builder changed on purpose re-records it: `python -m tests.test_hot_blocks`.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block

from handlers.blocks import Message
from handlers.blocks.calls import Logged, build_done, build_log_result, build_logged
from handlers.blocks.crm import build_crm_help
from handlers.blocks.lookups import (
    build_history,
    build_mention_help,
    build_not_logged,
    build_owner_card,
    build_pick,
    build_shared_card,
)
from handlers.blocks.names import Choice, build_created
from models import logbook
from models.accounts import Account
from models.interactions import Interaction
from models.matching import Candidate
from models.reps import Rep
from models.summaries import DealTotal, LastTouch, OwnerCard
from models.timeline import Cursor, Entry, EntryKind, Page

RECORDED = Path(__file__).parent / "data" / "hot_blocks.json"
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TZ = "America/New_York"
HOSTILE = "<!channel> *R&D* <@U123> _x_ ~y~ `z` > & <#C9>"
LONG = "Ab&c <Corp> " * 10  # 120 characters: the longest account name
LINK = "https://acme.slack.com/archives/C0123/p1700000000000100"


def card(**changes: object) -> OwnerCard:
    fields: dict = {
        "account_id": 7, "account": "Acme Corp", "owner_slack_id": "U0ALICE",
        "owner_since": T0 - timedelta(days=30), "assigned_by_slack_id": "U0ADMIN",
        "last_touch": LastTouch("U0BOB", T0, "call", "talked renewal, they want SSO", None),
        "open_deals": 2, "open_stages": ["Proposal", "Negotiation"],
        "open_totals": [DealTotal("USD", 4_800_000, 1), DealTotal("EUR", 120_050, 1)],
        "next_followup": (T0 + timedelta(days=3), "U0ALICE", "send the contract"),
    }  # fmt: skip
    return OwnerCard(**(fields | changes))


CURRENCIES = ["USD", "EUR", "GBP", "JPY", "KWD", "HUF", "CHF", None, "SEK", "BRL", "INR", "XYZ"]
MANY_DEALS = {
    "open_deals": 40,
    "open_stages": [f"Stage {n} & <{n}>" for n in range(12)],
    "open_totals": [DealTotal(c, 1_234_567 * (n + 1), 3) for n, c in enumerate(CURRENCIES)]
    + [DealTotal("AUD", 0, 1)],
}


def entry(kind: EntryKind, n: int, text: str = "note {n}", **more: object) -> Entry:
    rep = None if n % 4 == 3 else "U0BOB"
    at = T0 - timedelta(hours=n)
    return Entry(kind, at, n, rep, text.format(n=n), **more)


def full_page() -> list[Entry]:
    done = {"status": "done", "due_at": T0, "done_at": T0 + timedelta(days=1)}
    return [
        entry(EntryKind.CALL, 0, "talked renewal", permalink=LINK),
        entry(EntryKind.MEETING, 1, HOSTILE),
        entry(EntryKind.EMAIL, 2, "sent the quote"),
        entry(EntryKind.NOTE, 3, "x" * 5000),
        entry(EntryKind.STAGE, 4, "Renewal 2027: Proposal → Negotiation"),
        entry(EntryKind.FOLLOWUP, 5, "send the contract", **done),
        entry(EntryKind.FOLLOWUP, 6, "", status="open", due_at=T0 + timedelta(days=2)),
        entry(EntryKind.FOLLOWUP, 7, "call back", status="canceled"),
        entry(EntryKind.FOLLOWUP, 8, HOSTILE, status="snoozed", due_at=T0),
        entry(EntryKind.CALL, 9, "word " * 700),
    ]


def history(page: Page, *, account: str = "Acme", only: str | None = None) -> Message:
    return build_history(account_id=7, account=account, page=page, tz=TZ, only=only)


def choices(n: int, name: str = "Acme {i}") -> list[Choice]:
    return [Choice(i + 1, name.format(i=i)) for i in range(n)]


def logged(**changes: object) -> Logged:
    fields: dict = {
        "interaction_id": 9, "kind": "call", "account": "Acme Corp", "typed_account": "acme",
        "notes": "talked renewal", "permalink": None, "followup_due": None, "tz": TZ,
    }  # fmt: skip
    return Logged(**(fields | changes))


def stored_log(*, typed: str | None, occurred: datetime, **more: object) -> logbook.Logged:
    interaction = Interaction(
        id=12, team_id="T1", account_id=3, rep_id=1, kind="meeting", summary=HOSTILE,
        occurred_at=occurred, permalink=LINK, source="slash", created_at=T0,
    )  # fmt: skip
    account = Account(id=3, team_id="T1", name="Initech & Co", normalized_name="initech")
    rep = Rep(id=1, team_id="T1", slack_user_id="U0ALICE", tz="Europe/Berlin")
    return logbook.Logged(interaction, account, rep, typed, None, None, True, **more)


def needs_pick(typed: str, close: int, near: int) -> logbook.NeedsPick:
    return logbook.NeedsPick(
        pending_id=4,
        typed=typed,
        choices=[Candidate(i, f"Globex {i}", 90.0) for i in range(close)],
        nearest=[Candidate(i + 10, f"Globe <{i}>", 60.0) for i in range(near)],
    )


CASES: dict[str, Callable[[], Message]] = {
    "card": lambda: build_owner_card(card(), tz=TZ, shareable=True),
    "card not shareable": lambda: build_owner_card(card(), tz=TZ, shareable=False),
    "card no owner": lambda: build_owner_card(
        card(owner_slack_id=None, owner_since=None, assigned_by_slack_id=None),
        tz=TZ,
        shareable=True,
    ),
    "card self-assigned, no date": lambda: build_owner_card(
        card(owner_since=None, assigned_by_slack_id="U0ALICE"), tz=TZ, shareable=False
    ),
    "card long hostile name": lambda: build_owner_card(
        card(account=LONG, open_stages=[HOSTILE]), tz="Asia/Kolkata", shareable=True
    ),
    "card hostile name": lambda: build_owner_card(card(account=HOSTILE), tz=TZ, shareable=True),
    "card empty optionals": lambda: build_owner_card(
        card(last_touch=None, open_deals=0, open_stages=[], open_totals=[], next_followup=None),
        tz="UTC",
        shareable=False,
    ),
    "card zero totals, blank note": lambda: build_owner_card(
        card(
            open_deals=1,
            open_stages=["Demo"],
            open_totals=[DealTotal("USD", 0, 1)],
            next_followup=(T0, "U0BOB", ""),
        ),
        tz=TZ,
        shareable=True,
    ),
    "card many deals and currencies": lambda: build_owner_card(
        card(**MANY_DEALS), tz=TZ, shareable=True
    ),
    "card long touch with link": lambda: build_owner_card(
        card(
            last_touch=LastTouch("U0BOB", T0, "email", HOSTILE + " y" * 3000, LINK),
            next_followup=(T0, "U0BOB", HOSTILE * 10),
        ),
        tz=TZ,
        shareable=True,
    ),
    "card what's new, one": lambda: build_owner_card(
        card(), tz=TZ, shareable=False, touches=[entry(EntryKind.NOTE, 0, HOSTILE)]
    ),
    "card what's new, full": lambda: build_owner_card(
        card(owner_slack_id=None), tz=TZ, shareable=True, touches=full_page()[:5]
    ),
    "shared card": lambda: build_shared_card(card(account=HOSTILE), tz=TZ, shared_by="U0BOB"),
    "history full page": lambda: history(
        Page(full_page(), older=Cursor(T0, 3, 1), newer=Cursor(T0, 1, 2), first=11, total=37),
        only="calls+meetings",
    ),
    "history empty": lambda: history(Page([], older=None, newer=None)),
    "history empty filtered": lambda: history(
        Page([], older=None, newer=None), account=LONG, only="follow-ups"
    ),
    "history first page": lambda: history(
        Page(full_page()[:3], older=Cursor(T0, 2, 3), newer=None, first=1, total=3),
        account=HOSTILE,
    ),
    "history last page": lambda: history(
        Page(full_page()[8:], older=None, newer=Cursor(T0, 3, 4), first=31, total=32)
    ),
    "history one unpositioned": lambda: history(Page(full_page()[:1], older=None, newer=None)),
    "not logged": lambda: build_not_logged(build_owner_card(card(), tz=TZ, shareable=False)),
    "mention help": build_mention_help,
    "created": lambda: build_created(build_owner_card(card(), tz=TZ, shareable=True), HOSTILE),
    "logged": lambda: build_logged(logged()),
    "logged everything": lambda: build_logged(
        logged(
            typed_account="acme inc",
            notes=HOSTILE + " word" * 1000,
            permalink=LINK,
            followup_due=T0 + timedelta(days=7),
            warning="I couldn't read <that> date & left it",
            contact="Jane <Roe>",
            occurred_at=T0 - timedelta(days=1),
        )
    ),
    "logged new account, no notes": lambda: build_logged(
        logged(account=LONG, typed_account=LONG, notes="", new_account=True, kind="email")
    ),
    "logged edit": lambda: build_logged(
        logged(changed=["account_id", "summary", "occurred_at"], new_account=True)
    ),
    "logged edit, nothing changed": lambda: build_logged(logged(changed=[], kind="note")),
    "log result": lambda: build_log_result(stored_log(typed="initech", occurred=T0)),
    "log result, told when": lambda: build_log_result(
        stored_log(typed=None, occurred=T0 - timedelta(hours=5), new_account=True)
    ),
    "log result edited": lambda: build_log_result(
        logbook.Edited(stored_log(typed=None, occurred=T0), ["kind", "occurred_at"])
    ),
    "log result picks": lambda: build_log_result(needs_pick("glob", 3, 0)),
    "log result nearest": lambda: build_log_result(needs_pick(HOSTILE, 0, 5)),
    "log result nothing near": lambda: build_log_result(needs_pick("q" * 200, 0, 0)),
    "done": lambda: build_done(f"Undone: the call on *{HOSTILE}* is removed."),
    "help": build_crm_help,
    "help unknown": lambda: build_crm_help(unknown="frobnicate"),
    "help unknown hostile": lambda: build_crm_help(unknown=HOSTILE * 20),
}
for n in range(6):
    CASES[f"pick {n} close"] = lambda n=n: build_pick(
        typed="acme", choices=choices(n), action="who_owns", close=True
    )
    CASES[f"pick {n} near, filtered"] = lambda n=n: build_pick(
        typed=HOSTILE, choices=choices(n, "Acme <{i}> & *Sons*"), action="history", close=False,
        only="calls+deals",
    )  # fmt: skip
CASES |= {
    "pick seven, long names": lambda: build_pick(
        typed="  acme   corp ", choices=choices(7, "Z{i}" * 60), action="history", close=True
    ),
    "pick no create": lambda: build_pick(
        typed="acme", choices=choices(2), action="who_owns", close=False, create=False
    ),
    "pick name too long to create": lambda: build_pick(
        typed="a" * 121, choices=[], action="who_owns", close=False
    ),
    "pick longest name": lambda: build_pick(typed=LONG, choices=[], action="who_owns", close=False),
}


def serialized(payload: Message) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_every_case_has_a_recording() -> None:
    assert sorted(json.loads(RECORDED.read_text())) == sorted(CASES)


@pytest.mark.parametrize("case", list(CASES))
def test_a_hot_answer_is_byte_for_byte_what_slack_sdk_built(case: str) -> None:
    recorded = json.loads(RECORDED.read_text())[case]
    assert serialized(CASES[case]()) == serialized(recorded)


@pytest.mark.parametrize("case", list(CASES))
def test_every_block_of_a_hot_answer_is_one_slack_sdk_validates_and_rebuilds_the_same(
    case: str,
) -> None:
    payload = CASES[case]()
    assert payload["text"] and len(payload["blocks"]) <= 50
    for raw in payload["blocks"]:
        block = Block.parse(raw)
        assert block is not None
        block.validate_json()
        assert serialized(block.to_dict()) == serialized(raw)


if __name__ == "__main__":
    built = {case: build() for case, build in CASES.items()}
    RECORDED.write_text(json.dumps(built, ensure_ascii=False, indent=1) + "\n")
    print(f"recorded {len(built)} answers in {RECORDED}")
