"""`rapport console --demo`: a fresh store seeded with a sample team, through models/ alone.

The same seed and `now` give the same store (the clock is never read): five reps in five time
zones, 30 accounts with a few contacts each, a few hundred calls, meetings, emails and notes over
the last 90 days, deals in every stage of the pipeline, follow-ups due later today and overdue in
each rep's zone, a few stale accounts, and two deal channels linked to their accounts.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from bot.standin.payloads import TEAM_ID
from models import channels, contacts, deals, followups, interactions, reps
from models.accounts import Account, create_account
from models.base import id_of
from models.interactions import InteractionKind
from models.money import Money
from models.reps import Rep, RepProfile
from models.stages import Stage, StageOutcome, get_pipeline


@dataclass(frozen=True)
class DemoUser:
    id: str  # Slack user id, e.g. "U0DANA"
    name: str  # user name, e.g. "dana"
    real_name: str  # "Dana Scully"
    tz: str  # IANA zone
    email: str
    is_admin: bool = False
    locale: str = "en-US"  # users.info `locale`: how the person writes dates


DEMO_TEAM_ID = TEAM_ID  # the stand-in's workspace, so the console's fake Slack knows these people
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("U0DANA", "dana", "Dana Scully", "America/New_York", "dana@rapport.example", True),
    DemoUser("U0OLIVER", "oliver", "Oliver Hughes", "Europe/London", "oliver@rapport.example",
             locale="en-GB"),
    DemoUser("U0LENA", "lena", "Lena Vogel", "Europe/Berlin", "lena@rapport.example",
             locale="de-DE"),
    DemoUser("U0KENJI", "kenji", "Kenji Sato", "Asia/Tokyo", "kenji@rapport.example",
             locale="ja-JP"),
    DemoUser("U0MARIA", "maria", "Maria Lopez", "America/Los_Angeles", "maria@rapport.example"),
)  # fmt: skip
DEMO_CHANNELS: tuple[tuple[str, str], ...] = (
    ("C0SALES", "sales"),
    ("C0DEALACME", "deal-acme"),
    ("C0DEALGLOBEX", "deal-globex"),
)
CHANNEL_ACCOUNTS = {"C0DEALACME": "Acme Corp", "C0DEALGLOBEX": "Globex"}

# Fictional companies at reserved .example domains; the last STALE of them nobody has touched
# for a month or more (App Home's "gone quiet"), one per rep.
COMPANIES = (
    *[("Acme Corp", "acme"), ("Globex", "globex"), ("Initech", "initech"), ("Hooli", "hooli")],
    *[("Umbrella Corporation", "umbrella"), ("Stark Industries", "stark"), ("Oscorp", "oscorp")],
    *[("Wayne Enterprises", "wayne"), ("Pied Piper", "piedpiper"), ("Cyberdyne", "cyberdyne")],
    *[("Soylent Corp", "soylent"), ("Tyrell Corporation", "tyrell"), ("Wonka", "wonka")],
    *[("Vandelay Industries", "vandelay"), ("Dunder Mifflin", "dundermifflin")],
    *[("Massive Dynamic", "massivedynamic"), ("Aperture Science", "aperture")],
    *[("Black Mesa", "blackmesa"), ("Nakatomi Trading K.K.", "nakatomi"), ("Blue Sun", "bluesun")],
    *[("Weyland-Yutani", "weyland"), ("Brandt & Söhne GmbH", "brandt-soehne")],
    *[("Virtucon", "virtucon"), ("Sirius Cybernetics", "sirius"), ("Bluth Company", "bluth")],
    *[("Monarch Solutions", "monarch"), ("Prestige Worldwide", "prestige")],
    *[("Los Pollos Hermanos", "lospollos"), ("Gekko & Co", "gekko"), ("Oceanic", "oceanic")],
)
STALE = 5
FIRST = (
    *["Alice", "Ben", "Chloé", "Diego", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Keiko"],
    *["Liam", "Mia", "Noah", "Olga", "Pavel", "Rosa", "Sam", "Tara", "Umar", "Vera", "Yara", "Zoe"],
)
LAST = (
    *["Adams", "Brooks", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen"],
    *["Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Silva"],
    *["Tanaka", "Weber", "Young"],
)
TITLES = ("CTO", "VP Sales", "Head of IT", "Procurement Manager", "COO", "Director of Ops", "CFO")
PRODUCTS = ("the Team plan", "the Enterprise tier", "the analytics add-on", "API access", "SSO")
SUMMARIES = {
    InteractionKind.CALL: (
        "Intro call with {first}: wants to see {product} before the budget review",
        "Walked {first} through pricing for {product}; asked for a multi-year quote",
        "Checked in with {first} on the rollout timeline, on track for next month",
        "{first} flagged a budget freeze until Q{q}; revisit then",
        "Quick call with {first} about renewal terms, wants 3% off for two years",
    ),
    InteractionKind.MEETING: (
        "Onsite with {first} and team: mapped their current workflow",
        "Demo of {product} for {first}'s team; good questions on SSO and audit logs",
        "QBR with {first}: usage up 40%, asked about expansion seats",
        "Lunch with {first}; new CIO starts next quarter, need an intro",
    ),
    InteractionKind.EMAIL: (
        "Sent {first} the revised proposal for {product}",
        "Emailed the security questionnaire answers to {first}",
        "{first} asked for a reference customer in their industry",
        "Followed up with {first} after the demo, shared the recording",
    ),
    InteractionKind.NOTE: (
        "Legal sent redlines on the MSA, mostly liability caps",
        "Champion {first} is moving teams; we need a new sponsor",
        "Competitor came in 20% cheaper; {first} still prefers us on support",
        "Procurement wants net-60 payment terms",
    ),
}
KINDS, KIND_WEIGHTS = tuple(SUMMARIES), (35, 20, 30, 15)
DEAL_NAMES = ("Platform rollout", "Renewal 2027", "Expansion: 50 seats", "Pilot", "EMEA rollout")
LOST_REASONS = ("Went with a competitor", "No budget this year", "Project cancelled")
TODAY_NOTES = ("Send the updated quote", "Call back about the pilot results", "Prep QBR deck")
OVERDUE_NOTES = ("Chase the signed order form", "Reply to the security review", "Book a demo")
SOON_NOTES = ("Check in after their board meeting", "Renewal reminder", "Share the case study")
DEALS_PER_STAGE = {StageOutcome.OPEN: 3, StageOutcome.WON: 4, StageOutcome.LOST: 3}


@dataclass
class _Seeded:
    """The rows written so far that later steps hang their rows on."""

    team: list[Rep]
    accounts: list[tuple[Account, Rep]]  # each with its owner
    people: dict[int, list[tuple[int, str]]]  # contacts per account id: (contact id, first name)


def seed_demo(*, db: sessionmaker[Session], now: datetime, seed: int = 7) -> None:
    """Fill an empty, migrated store with the demo team, in one transaction."""
    rng = Random(seed)
    with db.begin() as session:
        seeded = _seed_team(session, rng, now)
        _seed_interactions(session, rng, seeded, now)
        _seed_deals(session, rng, seeded, now)
        _seed_followups(session, rng, seeded, now)
        admin = next(rep for rep in seeded.team if rep.is_admin)
        by_name = {account.name: account for account, _ in seeded.accounts}
        for channel_id, name in CHANNEL_ACCOUNTS.items():
            channels.link_channel(
                session=session, account=by_name[name], channel_id=channel_id, actor=admin,
                now=now - timedelta(days=45),
            )  # fmt: skip


def _seed_team(session: Session, rng: Random, now: datetime) -> _Seeded:
    team: list[Rep] = []
    for user in DEMO_USERS:
        profile = RepProfile(
            slack_user_id=user.id, name=user.real_name, tz=user.tz, is_admin=user.is_admin,
            locale=user.locale,
        )  # fmt: skip
        rep = reps.upsert_rep(session=session, team_id=DEMO_TEAM_ID, profile=profile, now=now)
        rep.email = user.email  # users.info's profile.email; upsert_rep leaves it alone
        session.add(rep)
        team.append(rep)
    seeded = _Seeded(team=team, accounts=[], people={})
    for n, (name, slug) in enumerate(COMPANIES):
        owner, created = team[n % len(team)], now - timedelta(days=rng.randint(120, 400))
        account = create_account(
            session=session, team_id=DEMO_TEAM_ID, name=name, owner=owner, created_by=owner,
            now=created,
        )  # fmt: skip
        account.domain = f"{slug}.example"
        session.add(account)
        seeded.accounts.append((account, owner))
        people = seeded.people.setdefault(id_of(account), [])
        size = rng.randint(2, 3)
        for given, family in zip(rng.sample(FIRST, size), rng.sample(LAST, size), strict=True):
            saved = contacts.save_contact(
                session=session, account=account, name=f"{given} {family}",
                email=f"{_ascii(given)}.{_ascii(family)}@{account.domain}",
                title=rng.choice(TITLES), actor=owner.slack_user_id, now=created,
            )  # fmt: skip
            assert isinstance(saved, contacts.ContactSaved)  # new emails never clash
            people.append((id_of(saved.contact), given))
    return seeded


def _ascii(name: str) -> str:
    return name.lower().replace("é", "e")


def _seed_interactions(session: Session, rng: Random, seeded: _Seeded, now: datetime) -> None:
    """A few hundred touches over 90 days, mostly by the owner; stale accounts none for 30."""
    count = 0
    for n, (account, owner) in enumerate(seeded.accounts):
        stale = n >= len(seeded.accounts) - STALE
        ages = [rng.randint(32, 89) for _ in range(rng.randint(3, 5))] if stale else [
            rng.randint(0, 6), *(rng.randint(1, 89) for _ in range(rng.randint(7, 8)))
        ]  # fmt: skip
        for age in sorted(ages):  # newest first: the account's last touch is written once
            rep = owner if rng.random() < 0.8 else rng.choice(seeded.team)
            contact_id, first = rng.choice(seeded.people[id_of(account)])
            kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
            summary = rng.choice(SUMMARIES[kind]).format(
                first=first, product=rng.choice(PRODUCTS), q=rng.randint(1, 4)
            )
            at = _working_moment(rng, rep.tz, now, age, weekdays=True)
            at = at if at < now else now - timedelta(minutes=rng.randint(5, 90))
            count += 1
            interactions.log_interaction(
                session=session, account=account, rep=rep, kind=kind, summary=summary,
                occurred_at=at, now=at, source="demo", source_key=f"demo:interaction:{count}",
                contact_id=None if kind == InteractionKind.NOTE else contact_id,
            )  # fmt: skip


def _working_moment(rng: Random, tz: str, now: datetime, age: int, *, weekdays: bool) -> datetime:
    """A moment in the rep's working day `age` days ago (the weekday before, if asked)."""
    zone = ZoneInfo(tz)
    day = now.astimezone(zone).date() - timedelta(days=age)
    while weekdays and day.weekday() >= 5:
        day -= timedelta(days=1)
    local = time(rng.randint(9, 17), rng.choice((0, 15, 30, 45)))
    return datetime.combine(day, local, tzinfo=zone).astimezone(UTC)


def _seed_deals(session: Session, rng: Random, seeded: _Seeded, now: datetime) -> None:
    """Deals on the live accounts, in every stage: each created, then moved on to it."""
    pipeline = get_pipeline(session=session, team_id=DEMO_TEAM_ID)
    live = seeded.accounts[: len(seeded.accounts) - STALE]
    # The furthest along first, so the big accounts have them; each rep gets open deals.
    stages = [*reversed(pipeline.open_stages), *(s for s in pipeline.stages if s.is_closed)]
    targets = [s for s in stages for _ in range(DEALS_PER_STAGE[s.outcome])]
    names: dict[int, list[str]] = {id_of(account): list(DEAL_NAMES) for account, _ in live}
    for n, target in enumerate(targets):
        account, owner = live[n % len(live)]
        name = names[id_of(account)].pop(rng.randrange(len(names[id_of(account)])))
        path = _path_to(rng, pipeline.open_stages, target)
        end = now - timedelta(days=rng.randint(1, 25), hours=rng.randint(0, 8))
        start = end - timedelta(days=rng.randint(10, 50))
        euro = owner.tz.startswith("Europe/")
        close = end.date() if target.is_closed else now.date() + timedelta(rng.randint(-10, 120))
        deal = deals.create_deal(
            session=session, account=account, owner=owner, name=name, expected_close=close,
            money=Money(rng.randrange(6, 240) * 100_000, "EUR" if euro else "USD"), now=start,
        )  # fmt: skip
        for step, stage in enumerate(path, 1):
            lost = stage.outcome == StageOutcome.LOST
            deals.move_deal(
                session=session, team_id=DEMO_TEAM_ID, deal_id=id_of(deal), to=stage,
                actor=owner, now=start + (end - start) * step / len(path),
                note=rng.choice(LOST_REASONS) if lost else None,
            )  # fmt: skip


def _path_to(rng: Random, open_stages: tuple[Stage, ...], target: Stage) -> list[Stage]:
    """The stages a deal was moved to after its first, to reach `target` (people skip some)."""
    if target == open_stages[0]:
        return []
    if target.outcome == StageOutcome.WON:
        return [open_stages[-1], target]
    if target.outcome == StageOutcome.LOST:
        return [rng.choice(open_stages[1:]), target]
    return [target]


def _seed_followups(session: Session, rng: Random, seeded: _Seeded, now: datetime) -> None:
    """Per rep: two due later today (their zone), two overdue by 1-5 days, two in the week."""
    count = 0
    for rep in seeded.team:
        mine = [account for account, owner in seeded.accounts if owner.id == rep.id]
        plan = [
            *((_later_today(rng, rep.tz, now), rng.choice(TODAY_NOTES)) for _ in range(2)),
            *(
                (_working_moment(rng, rep.tz, now, rng.randint(1, 5), weekdays=False), note)
                for note in rng.sample(OVERDUE_NOTES, 2)
            ),
            *(
                (_working_moment(rng, rep.tz, now, -rng.randint(2, 6), weekdays=False), note)
                for note in rng.sample(SOON_NOTES, 2)
            ),
        ]
        for due, note in plan:
            count += 1
            followups.create_followup(
                session=session, rep=rep, account=rng.choice(mine), due_at=due, note=note,
                now=min(now, due) - timedelta(days=rng.randint(1, 6)),
                source_key=f"demo:followup:{count}",
            )  # fmt: skip


def _later_today(rng: Random, tz: str, now: datetime) -> datetime:
    """A moment after `now` and before the rep's midnight: in 09:00-18:00 there while that is
    still ahead, else later in their evening."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()

    def at(day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)

    midnight = at(today + timedelta(days=1), time(0))
    start = max(now + timedelta(minutes=30), at(today, time(9)))
    end = min(at(today, time(18)), midnight - timedelta(minutes=1))
    if start >= end:  # the working day there is over: still today, before midnight
        start, end = now + (midnight - now) / 5, now + (midnight - now) * 4 / 5
    moment = start + (end - start) * rng.random()
    rounded = moment.replace(second=0, microsecond=0)
    return rounded if rounded > now else moment
