"""The stand-in's Web API answers like real Slack and flags calls that break Slack's contract."""

import http.client
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.standin import spec
from bot.standin.webapi import FakeSlack

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
)
MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "deal_create",
    "title": {"type": "plain_text", "text": "New deal"},
    "submit": {"type": "plain_text", "text": "Save"},
    "private_metadata": "C0SALES01",
    "blocks": [
        {
            "type": "input",
            "block_id": "name",
            "label": {"type": "plain_text", "text": "Deal name"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}

HOME: dict[str, Any] = {
    "type": "home",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Your pipeline"}}],
}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:  # slack_sdk honours these and ignores NO_PROXY
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U0ALICE", name="alice", real_name="Alice Ng", email="alice@acme.example")
        fake.add_user("U0BOB", name="bob", real_name="Bob Berg", tz="Europe/Berlin")
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url)


def test_auth_test_answers_with_the_bot_identity_and_scopes(
    fake: FakeSlack, client: WebClient
) -> None:
    response = client.auth_test()
    assert response.data == {
        "ok": True,
        "url": "https://acme.slack.com/",
        "team": "Acme",
        "user": "rapport",
        "team_id": "T0001",
        "user_id": "U0CRMBOT1",
        "bot_id": "B0CRMBOT1",
        "is_enterprise_install": False,
    }
    assert "chat:write" in response.headers["x-oauth-scopes"]
    [call] = fake.calls_to("auth.test")
    assert call.authorization == "Bearer xoxb-test"
    assert fake.violations == []


def test_missing_or_non_bot_token_is_refused_like_slack(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as no_token:
        WebClient(base_url=fake.api_url).auth_test()
    assert no_token.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as user_token:
        WebClient(token="xoxp-someone", base_url=fake.api_url).auth_test()
    assert user_token.value.response["error"] == "invalid_auth"


def test_users_info_is_form_encoded_and_returns_the_stored_user(
    fake: FakeSlack, client: WebClient
) -> None:
    user = client.users_info(user="U0BOB")["user"]
    assert user["id"] == "U0BOB" and user["team_id"] == "T0001"
    assert user["name"] == "bob" and user["profile"]["real_name"] == "Bob Berg"
    assert user["tz"] == "Europe/Berlin" and user["tz_offset"] in (3600, 7200)
    assert user["is_admin"] is False and user["deleted"] is False
    [call] = fake.calls_to("users.info")
    assert call.content_type.startswith("application/x-www-form-urlencoded")
    assert call.args == {"user": "U0BOB"}


def test_users_info_for_an_unknown_user_is_user_not_found(
    fake: FakeSlack, client: WebClient
) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.users_info(user="U0NOBODY")
    assert caught.value.response["error"] == "user_not_found"
    assert fake.violations == []


def test_users_list_returns_every_user_in_one_page(client: WebClient) -> None:
    response = client.users_list(limit=200)
    assert [member["id"] for member in response["members"]] == ["U0ALICE", "U0BOB"]
    assert response["response_metadata"] == {"next_cursor": ""}


def test_conversations_open_parses_the_comma_list_and_answers_a_dm(
    fake: FakeSlack, client: WebClient
) -> None:
    assert client.conversations_open(users=["U0ALICE"])["channel"]["id"] == "D0ALICE"
    group = client.conversations_open(users=["U0ALICE", "U0BOB"])["channel"]["id"]
    assert group.startswith("G")
    assert [call.args for call in fake.calls_to("conversations.open")] == [
        {"users": "U0ALICE"},
        {"users": "U0ALICE,U0BOB"},
    ]
    assert fake.violations == []


def test_post_message_records_args_and_returns_incrementing_ts(
    fake: FakeSlack, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="C0SALES01", text="Logged call", blocks=[section("x")])
    second = client.chat_postMessage(channel="C0SALES01", text="again", thread_ts=first["ts"])
    assert first["channel"] == "C0SALES01"
    assert first["message"]["text"] == "Logged call" and first["message"]["bot_id"] == "B0CRMBOT1"
    assert float(second["ts"]) > float(first["ts"])
    calls = fake.calls_to("chat.postMessage")
    assert calls[0].args == {
        "channel": "C0SALES01",
        "text": "Logged call",
        "blocks": [section("x")],
    }
    assert calls[1].args["thread_ts"] == first["ts"]
    assert calls[0].content_type.startswith("application/json")
    assert fake.violations == []


def test_post_message_to_a_user_id_answers_with_the_dm_channel(client: WebClient) -> None:
    assert client.chat_postMessage(channel="U0ALICE", text="hi")["channel"] == "D0ALICE"


def test_message_edits_ephemerals_and_permalinks_have_slacks_shapes(
    fake: FakeSlack, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel="C0SALES01", text="v1")["ts"]
    updated = client.chat_update(channel="C0SALES01", ts=ts, text="v2")
    assert (updated["channel"], updated["ts"], updated["message"]["text"]) == (
        "C0SALES01",
        ts,
        "v2",
    )
    assert client.chat_postEphemeral(channel="C0SALES01", user="U0BOB", text="psst")["message_ts"]
    link = client.chat_getPermalink(channel="C0SALES01", message_ts=ts)["permalink"]
    assert link == f"https://acme.slack.com/archives/C0SALES01/p{ts.replace('.', '')}"
    assert client.chat_delete(channel="C0SALES01", ts=ts)["ts"] == ts
    assert fake.violations == []


def test_missing_required_argument_is_a_violation(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.api_call("chat.postMessage", json={"text": "where does this go?"})
    assert caught.value.response["error"] == "invalid_arguments"
    [violation] = fake.violations
    assert "chat.postMessage" in violation and "channel" in violation


def test_message_without_text_or_blocks_is_a_no_text_violation(
    fake: FakeSlack, client: WebClient
) -> None:
    with pytest.raises(SlackApiError) as caught, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel="C0SALES01")
    assert caught.value.response["error"] == "no_text"
    assert "text or blocks" in fake.violations[0]


def test_contract_rules_are_stricter_than_the_2020_spec(fake: FakeSlack, client: WebClient) -> None:
    cases: list[tuple[str, dict[str, Any]]] = [
        ("users.info", {}),  # the spec marks user optional
        ("conversations.open", {}),  # the spec marks every argument optional
        ("views.update", {"view": MODAL}),  # needs view_id or external_id
        ("chat.postEphemeral", {"channel": "C0SALES01", "text": "hi"}),  # needs user
    ]
    for method, args in cases:
        with pytest.raises(SlackApiError):
            client.api_call(method, json=args)
    assert len(fake.violations) == 4


def test_views_open_accepts_an_interactivity_pointer_instead_of_a_trigger_id(
    fake: FakeSlack, client: WebClient
) -> None:
    client.views_open(interactivity_pointer="123.456.abc", view=MODAL)
    assert fake.violations == []


def test_button_text_over_75_chars_is_invalid_blocks(fake: FakeSlack, client: WebClient) -> None:
    button = {
        "type": "button",
        "action_id": "open_deal",
        "text": {"type": "plain_text", "text": "x" * 76},
    }
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(
            channel="C0SALES01", text="deal", blocks=[{"type": "actions", "elements": [button]}]
        )
    assert caught.value.response["error"] == "invalid_blocks"
    [violation] = fake.violations
    assert "75" in violation


def test_unknown_block_type_is_a_violation(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0SALES01", text="x", blocks=[{"type": "sectoin"}])
    assert "not a known block" in fake.violations[0]


def test_a_sixty_block_message_is_a_violation(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(
            channel="C0SALES01", text="long", blocks=[section(f"row {i}") for i in range(60)]
        )
    assert caught.value.response["error"] == "invalid_blocks"
    assert "60 blocks, at most 50" in fake.violations[0]


def test_message_text_over_40000_chars_is_msg_too_long(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C0SALES01", text="x" * 40_001)
    assert caught.value.response["error"] == "msg_too_long"
    assert len(fake.violations) == 1


def test_scripted_429_raises_with_status_and_retry_after_header(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=0)
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C0SALES01", text="hi")
    response = caught.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "0"
    assert response.data == {"ok": False, "error": "ratelimited"}
    assert client.chat_postMessage(channel="C0SALES01", text="hi")["ok"]  # only once
    assert fake.violations == []


def test_rate_limit_retry_handler_succeeds_after_a_scripted_429(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=0)
    retrying = WebClient(
        token="xoxb-test",
        base_url=fake.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert retrying.chat_postMessage(channel="C0SALES01", text="hi")["ok"]
    assert len(fake.calls_to("chat.postMessage")) == 2


def test_scripted_error_answers_the_next_calls_then_stops(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.fail("auth.test", error="invalid_auth", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as caught:
            client.auth_test()
        assert caught.value.response.status_code == 200
        assert caught.value.response["error"] == "invalid_auth"
    assert client.auth_test()["ok"]


def test_scripted_server_error_and_delay(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("users.info", status=500, delay=0.2)
    started = time.monotonic()
    with pytest.raises(SlackApiError) as caught:
        client.users_info(user="U0ALICE")
    assert caught.value.response.status_code == 500
    assert time.monotonic() - started >= 0.2


def test_slow_slack_still_answers_normally(fake: FakeSlack, client: WebClient) -> None:
    fake.slow("users.info", 0.2)
    started = time.monotonic()
    assert client.users_info(user="U0ALICE")["user"]["name"] == "alice"
    assert time.monotonic() - started >= 0.2


def test_wait_for_returns_calls_made_from_another_thread(
    fake: FakeSlack, client: WebClient
) -> None:
    def later() -> None:
        time.sleep(0.1)
        client.chat_postMessage(channel="C0SALES01", text="nudge")

    threading.Thread(target=later).start()
    [call] = fake.wait_for("chat.postMessage", timeout=2)
    assert call.args["text"] == "nudge"


def test_wait_for_times_out_with_a_helpful_assertion(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    started = time.monotonic()
    with pytest.raises(AssertionError) as caught:
        fake.wait_for("views.publish", timeout=0.2)
    assert 0.2 <= time.monotonic() - started < 1
    message = str(caught.value)
    assert "views.publish" in message and "auth.test" in message


def test_views_open_with_a_valid_modal_succeeds(fake: FakeSlack, client: WebClient) -> None:
    view = client.views_open(trigger_id="123.456.abc", view=MODAL)["view"]
    assert view["id"].startswith("V") and view["root_view_id"] == view["id"]
    assert view["callback_id"] == "deal_create" and view["state"] == {"values": {}}
    assert view["private_metadata"] == "C0SALES01" and view["blocks"] == MODAL["blocks"]
    updated = client.views_update(view_id=view["id"], view=MODAL)["view"]
    assert updated["id"] == view["id"]
    pushed = client.views_push(trigger_id="123.456.def", view=MODAL)["view"]
    assert pushed["id"] != view["id"] and pushed["root_view_id"] == view["id"]
    [call] = fake.calls_to("views.open")
    assert call.args["view"]["title"]["text"] == "New deal"
    assert fake.violations == []


def test_a_25_char_modal_title_is_a_violation(fake: FakeSlack, client: WebClient) -> None:
    view = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    with pytest.raises(SlackApiError) as caught:
        client.views_open(trigger_id="123.456.abc", view=view)
    assert caught.value.response["error"] == "invalid_arguments"
    [violation] = fake.violations
    assert "title is 25 chars" in violation


def test_too_long_private_metadata_is_a_violation(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id="1.2.a", view={**MODAL, "private_metadata": "m" * 3001})
    assert "private_metadata" in fake.violations[0]


def test_views_publish_keeps_one_home_view_per_user(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [section("Your pipeline")]}
    first = client.views_publish(user_id="U0ALICE", view=home)["view"]
    again = client.views_publish(user_id="U0ALICE", view=home)["view"]
    other = client.views_publish(user_id="U0BOB", view=home)["view"]
    assert first["id"] == again["id"] != other["id"] and first["type"] == "home"
    assert fake.violations == []


def test_a_form_encoded_view_is_decoded_before_validation(
    fake: FakeSlack, client: WebClient
) -> None:
    view = {**MODAL, "title": {"type": "plain_text", "text": "y" * 30}}
    with pytest.raises(SlackApiError):
        client.api_call("views.open", data={"trigger_id": "1.2.a", "view": json.dumps(view)})
    [call] = fake.calls_to("views.open")
    assert isinstance(call.args["view"], str)
    assert "title is 30 chars" in fake.violations[0]


def test_unknown_method_is_a_violation(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.api_call("chat.postMesage", json={"channel": "C1", "text": "x"})
    assert caught.value.response["error"] == "unknown_method"
    assert "chat.postMesage" in fake.violations[0]


def test_other_methods_in_the_spec_answer_ok(fake: FakeSlack, client: WebClient) -> None:
    assert client.reactions_add(channel="C0SALES01", name="eyes", timestamp="1.2")["ok"]
    assert fake.violations == []


def test_hooks_are_recorded_and_answered_ok(fake: FakeSlack) -> None:
    url = fake.response_url("cmd")
    assert url.startswith(fake.url + "hooks/cmd-") and url != fake.response_url("cmd")
    response = WebhookClient(url).send(text="done", response_type="ephemeral")
    assert (response.status_code, response.body) == (200, "ok")
    [hook] = fake.wait_for_hook(url)
    assert hook.body == {"text": "done", "response_type": "ephemeral"}
    assert hook.content_type.startswith("application/json")
    assert fake.hooks_to(url) == fake.hooks and fake.violations == []


def test_hook_delete_original_needs_no_text(fake: FakeSlack) -> None:
    url = fake.response_url()
    assert WebhookClient(url).send_dict({"delete_original": True}).status_code == 200
    assert fake.violations == []


def test_hook_without_text_or_with_a_bad_response_type_is_a_violation(fake: FakeSlack) -> None:
    url = fake.response_url()
    assert WebhookClient(url).send_dict({"text": ""}).status_code == 400
    WebhookClient(url).send_dict({"text": "hi", "response_type": "public"})
    assert len(fake.hooks_to(url)) == 2
    assert "text or blocks" in fake.violations[0] and "response_type" in fake.violations[1]


def test_hook_blocks_are_validated_too(fake: FakeSlack) -> None:
    url = fake.response_url()
    WebhookClient(url).send(text="x", blocks=[section(str(i)) for i in range(51)])
    assert "51 blocks, at most 50" in fake.violations[0]


def test_a_sixth_post_to_one_response_url_is_a_violation(fake: FakeSlack) -> None:
    url = fake.response_url()
    for i in range(6):
        WebhookClient(url).send(text=f"update {i}")
    assert len(fake.violations) == 1 and "at most 5" in fake.violations[0]


def test_wait_for_hook_times_out_with_a_helpful_assertion(fake: FakeSlack) -> None:
    with pytest.raises(AssertionError, match="hooks/cmd-"):
        fake.wait_for_hook(fake.response_url(), timeout=0.05)


def test_reset_forgets_everything(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("C0SALES01")
    fake.fail("users.info")
    fake.slow("auth.test", 5)
    with pytest.raises(SlackApiError), pytest.warns(UserWarning):
        client.chat_postMessage(channel="C0SALES01")
    client.chat_postMessage(channel="C0SALES01", text="kept until reset")
    home = client.views_publish(user_id="U0ALICE", view=HOME)["view"]
    modal = client.views_open(trigger_id="1.2.a", view={**MODAL, "external_id": "e1"})["view"]
    WebhookClient(fake.response_url(channel="C0SALES01", user="U0ALICE")).send(text="x")
    fake.reset()
    assert (fake.calls, fake.hooks, fake.violations) == ([], [], [])
    assert (fake.users, fake.channels) == ({}, {})
    assert fake.messages("C0SALES01") == [] and fake.conversations.channels() == []
    assert fake.home("U0ALICE") is None and fake.view(modal["id"]) is None
    fake.add_user("U0ALICE")
    assert client.users_info(user="U0ALICE")["user"]["name"] == "u0alice"  # no script left
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 1
    again = client.views_publish(user_id="U0ALICE", view=HOME)["view"]
    assert again["id"] != home["id"]  # a fresh Home view: the old one was forgotten
    updated = client.views_update(external_id="e1", view=MODAL)["view"]
    assert updated["id"] != modal["id"]  # external ids were forgotten too


def test_keep_alive_connection_serves_several_requests(fake: FakeSlack) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", int(fake.url.split(":")[2].rstrip("/")))
    try:
        for _ in range(3):
            connection.request(
                "POST", "/api/auth.test", body=b"", headers={"Authorization": "Bearer xoxb-t"}
            )
            response = connection.getresponse()
            assert json.loads(response.read())["ok"] is True
    finally:
        connection.close()
    assert len(fake.calls_to("auth.test")) == 3


def test_concurrent_calls_are_all_recorded(fake: FakeSlack, client: WebClient) -> None:
    threads = [
        threading.Thread(target=client.chat_postMessage, kwargs={"channel": "C1", "text": str(i)})
        for i in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls = fake.wait_for("chat.postMessage", count=20)
    assert sorted(int(call.args["text"]) for call in calls) == list(range(20))


def test_the_spec_loads_once_and_knows_the_methods_the_bot_uses() -> None:
    required = spec.required_args()
    assert required is spec.required_args()
    assert {"chat.postMessage", "views.open", "users.info", "auth.test"} <= required.keys()
    assert required["chat.postMessage"] == {"channel"} and "token" not in required["views.open"]


def test_with_the_spec_check_off_unknown_methods_answer_ok_but_limits_still_hold(
    client: WebClient,
) -> None:
    with FakeSlack(check_spec=False) as lenient:
        lax = WebClient(token="xoxb-test", base_url=lenient.api_url)
        assert lax.api_call("chat.scheduleMessage2", json={"channel": "C1"})["ok"]
        with pytest.raises(SlackApiError):
            lax.chat_postMessage(channel="C1", text="x", blocks=[{"type": "sectoin"}])
        assert len(lenient.violations) == 1 and "not a known block" in lenient.violations[0]


def test_a_request_cut_off_mid_body_is_neither_a_call_nor_a_violation(fake: FakeSlack) -> None:
    """A client killed mid-request (a sweeper's process, say) asked Slack nothing."""
    host, port = urllib.parse.urlsplit(fake.api_url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST /api/conversations.open HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 40\r\n\r\nusers=U0"
        )
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(100) == b""  # no answer: the connection is closed
    assert fake.calls == [] and fake.violations == []
