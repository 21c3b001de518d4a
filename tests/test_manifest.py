"""manifest.yml, the ids in code, and the listeners the app registers all agree."""

import re
from collections import defaultdict

import pytest
import yaml
from slack_bolt import App

import handlers
from bot.manifest import REPO_MANIFEST, render_manifest
from handlers.deps import Deps
from handlers.ids import Command, Event, Shortcut

MANIFEST = yaml.safe_load(REPO_MANIFEST.read_text())


@pytest.fixture
def registered(deps: Deps, settings) -> dict[str, set[str]]:
    """What the modules register, by kind (Bolt gets commands and buttons through a router)."""
    app = App(token="xoxb-test", signing_secret="s", token_verification_enabled=False)
    seen: dict[str, set[str]] = defaultdict(set)
    for method, kept in handlers.register_listeners(app, deps).kept.items():
        kind = method.rsplit("_", 1)[-1]  # *_shortcut: shortcut
        seen[kind] |= {c if isinstance(c, str) else c.pattern for c, _ in kept}
    return seen


def test_manifest_commands_match_ids_and_listeners(registered: dict[str, set[str]]) -> None:
    declared = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert declared == {str(c) for c in Command} == registered["command"]


def test_every_command_escapes_and_explains_itself() -> None:
    for command in MANIFEST["features"]["slash_commands"]:
        assert command["should_escape"] is True
        assert command["description"] and command["usage_hint"]
        assert 2 <= len(command["command"]) <= 32 and len(command["description"]) <= 2000


def test_manifest_shortcuts_match_ids_and_listeners(registered: dict[str, set[str]]) -> None:
    shortcuts = {s["callback_id"]: s for s in MANIFEST["features"]["shortcuts"]}
    assert set(shortcuts) == {str(s) for s in Shortcut} == registered["shortcut"]
    assert (
        shortcuts[Shortcut.LOG_MESSAGE]["type"] == "message"
        and shortcuts[Shortcut.LOG_MESSAGE]["name"] == "Log to CRM"
    )
    assert (
        shortcuts[Shortcut.LOG_CALL]["type"] == "global"
        and shortcuts[Shortcut.LOG_CALL]["name"] == "Log a call"
    )
    assert all(len(s["name"]) <= 24 and len(s["description"]) <= 150 for s in shortcuts.values())


def test_manifest_events_match_listeners(registered: dict[str, set[str]]) -> None:
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    assert {e.split(".")[0] for e in events} == {str(e) for e in Event} == registered["event"]
    assert set(events) == {"app_home_opened", "app_mention", "message.im"}


def test_manifest_asks_for_the_scopes_it_uses_and_no_more() -> None:
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "users:read",
        "users:read.email",
        "app_mentions:read",
        "im:history",
        "im:write",
        "channels:read",
        "groups:read",
        "files:write",
    }


def test_manifest_has_app_home_tabs_and_interactivity() -> None:
    home = MANIFEST["features"]["app_home"]
    assert (
        home["home_tab_enabled"]
        and home["messages_tab_enabled"]
        and not home["messages_tab_read_only_enabled"]
    )
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert len(MANIFEST["display_information"]["name"]) <= 35
    assert len(MANIFEST["display_information"]["description"]) <= 140
    assert re.fullmatch(r"#[0-9a-f]{6}", MANIFEST["display_information"]["background_color"])


def test_rendered_manifest_puts_the_url_everywhere() -> None:
    url = "https://crm.acme.example/slack/events"
    rendered = yaml.safe_load(render_manifest(url=url))
    settings = rendered["settings"]
    urls = [c["url"] for c in rendered["features"]["slash_commands"]] + [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],
    ]
    assert urls == [url] * 9 and settings["socket_mode_enabled"] is False


def test_socket_mode_manifest_has_no_urls() -> None:
    rendered = render_manifest(url=None, socket_mode=True)
    assert (
        "https://" not in rendered
        and yaml.safe_load(rendered)["settings"]["socket_mode_enabled"] is True
    )
