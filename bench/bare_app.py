"""The baseline for bench/ack.py: a bare Bolt app that gives Rapport's answers, the same way.

Each slash command it knows is acked with the message Rapport answered it with (a command's
answer rides in its ack); the History button is acked empty and its answer, the page Rapport
posted, goes to the click's response_url with the same kind of client Rapport uses (a
WebhookClient with retries). The answers come from a JSON file (BENCH_ANSWERS) that bench/ack.py
writes from what Rapport answered in process: {"answers": {kind: message}, ...}. Nothing is read
or written anywhere else, so the difference to Rapport is Rapport's own work.
"""

import argparse
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot.app import LISTENER_THREADS
from bot.server import GunicornServer, gunicorn_options

COMMANDS = {
    "who-owns": "/who-owns",
    "history": "/history",
    "log-call": "/log-call",
    "crm-help": "/crm",
}
ACTIONS = {"click-history": "history_show"}


# BENCH_BARE_BEFORE_RESPONSE=1 (bench/ack.py --bare before-response): listeners run in the
# request's thread as Rapport's do (process_before_response=True), the click's post in the
# listener executor; else Bolt's default (each listener in the executor, its ack polled).
BEFORE_RESPONSE = "BENCH_BARE_BEFORE_RESPONSE"


def build_app(answers: dict[str, Any], *, token: str, api_url: str, secret: str) -> App:
    """A Bolt app with one listener per kind in `answers` (as many listener threads as
    Rapport's, so neither waits on a smaller pool)."""
    before_response = os.environ.get(BEFORE_RESPONSE) == "1"
    executor = ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="listener")
    app = App(
        client=WebClient(token=token, base_url=api_url),
        signing_secret=secret,
        listener_executor=executor,
        process_before_response=before_response,
    )
    for kind, command in COMMANDS.items():
        if kind in answers:
            app.command(command)(acked_with(answers[kind]))
    for kind, action_id in ACTIONS.items():
        if kind in answers:
            post = posted(answers[kind])
            app.action(action_id)(_in(executor, post) if before_response else post)
    return app


def _in(executor: ThreadPoolExecutor, post: Any) -> Any:
    """Acked in the request's thread (Bolt answers once the listener returns, acked or not:
    unacked, a 404), then posted from the executor, as Rapport's actions are."""

    def ack_then_post_later(ack: Ack, body: dict) -> None:
        ack()
        executor.submit(post, _acked, body)

    return ack_then_post_later


def _acked(*_: Any, **__: Any) -> None:
    """The ack, already sent."""


def acked_with(message: dict[str, Any]) -> Any:
    def answer_in_the_ack(ack: Ack) -> None:
        ack(dict(message))

    return answer_in_the_ack


def posted(message: dict[str, Any]) -> Any:
    def ack_then_post(ack: Ack, body: dict) -> None:
        ack()
        webhook = WebhookClient(
            body["response_url"],
            retry_handlers=[
                RateLimitErrorRetryHandler(max_retry_count=2),
                ServerErrorRetryHandler(max_retry_count=2),
                ConnectionErrorRetryHandler(max_retry_count=2),
            ],
        )
        webhook.send_dict(message)

    return ack_then_post


def build() -> SlackRequestHandler:
    saved = json.loads(Path(os.environ["BENCH_ANSWERS"]).read_text())
    app = build_app(
        saved["answers"],
        token=os.environ["SLACK_BOT_TOKEN"],
        api_url=os.environ["SLACK_API_URL"],
        secret=os.environ["SLACK_SIGNING_SECRET"],
    )
    return SlackRequestHandler(app, path="/slack/events")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    GunicornServer(build, gunicorn_options(port=parser.parse_args().port)).run()


if __name__ == "__main__":
    main()
