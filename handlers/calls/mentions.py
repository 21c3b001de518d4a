"""The people a message mentions, by the names Slack shows for them: `<@U0CAROL>` reads as
`@Carol Diaz` in what Rapport prefills, stores and echoes.

Names come from the directory's cache, then the store, then users.info for the rest, all at
once and within a budget (a modal's trigger_id lasts 3 s); whoever isn't known in time keeps
their id.
"""

from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime

from slack_sdk import WebClient

from handlers.deps import Deps
from handlers.directory import SlackUnreachable, UnknownUser
from handlers.parsing.text import MENTION, NameOf

LOOKUP_BUDGET_SECONDS = 1.0
MAX_LOOKUPS = 10  # people looked up per message; the rest keep their ids
LOOKUP_THREADS = 4


def names_in(deps: Deps, client: WebClient, team_id: str, text: str, *, now: datetime) -> NameOf:
    """A name lookup for the people `text` mentions."""
    ids = list(dict.fromkeys(MENTION.findall(text)))[:MAX_LOOKUPS]
    names: dict[str, str] = {}
    missing = []
    for user_id in ids:
        known = deps.directory.cached(team_id, user_id) or deps.known_user(team_id, user_id)
        if known is not None:
            names[user_id] = known.name
        else:
            missing.append(user_id)
    if missing:
        names |= _ask_slack(deps, client, team_id, missing, now=now)
    return names.get


def _ask_slack(
    deps: Deps, client: WebClient, team_id: str, user_ids: list[str], *, now: datetime
) -> dict[str, str]:
    pool = ThreadPoolExecutor(min(LOOKUP_THREADS, len(user_ids)), thread_name_prefix="names")
    try:
        asked = {pool.submit(_ask, deps, client, team_id, uid, now): uid for uid in user_ids}
        done, _ = wait(asked, timeout=LOOKUP_BUDGET_SECONDS)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a slow answer is not waited for
    return {asked[f]: name for f in done if (name := f.result())}


def _ask(deps: Deps, client: WebClient, team_id: str, user_id: str, now: datetime) -> str | None:
    try:
        user = deps.directory.look_up(client, user_id, budget=1, now=now)
    except (UnknownUser, SlackUnreachable):
        return None
    deps.directory.remember(team_id, user)
    return user.name
