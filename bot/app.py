"""The app factory: a Bolt App wired to Rapport's handlers, with one central error handler."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

import handlers
from bot.config import Settings
from bot.logs import ContextThreadPoolExecutor, correlation_id, new_correlation_id
from handlers.deps import Deps
from handlers.errors import reply_for

logger = logging.getLogger(__name__)

# Bolt's default listener pool is 5 threads; what listeners do after their ack runs here.
LISTENER_THREADS = 16
# Set by the first middleware of ours; Bolt runs its signature check before any of them.
VERIFIED = "rapport_verified"


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_client(settings: Settings) -> WebClient:
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    # A confirmation Slack refuses with a 429 or a 5xx is tried again (twice) rather than lost;
    # slack_sdk already retries dropped connections.
    client.retry_handlers += [
        RateLimitErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
    return client


def create_app(
    settings: Settings, deps: Deps, *, client: WebClient | None = None, socket_mode: bool = False
) -> App:
    """The Bolt app; `client` is the Web API client it and its listeners use (bot.runtime)."""
    app = App(
        client=client or make_client(settings),
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=not socket_mode,  # Socket Mode requests are not signed
        # Listeners run in the request's thread and hand what follows their ack to the listener
        # executor (handlers.listener): no 10 ms ack poll on every answer.
        process_before_response=True,
        listener_executor=ContextThreadPoolExecutor(
            LISTENER_THREADS, thread_name_prefix="listener"
        ),
    )
    app.use(Admit())
    app.error(handle_listener_error)
    handlers.register_listeners(app, deps)
    return app


class Admit(Middleware):
    """Past Bolt's signature check (HTTP) or off the app's own socket (Socket Mode): the request
    is Slack's, and gets a correlation id if no HTTP layer gave it one. A class middleware: Bolt
    calls it as is, without the keyword injection a function middleware pays on every request."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context[VERIFIED] = True
        if correlation_id.get() == "-":  # Socket Mode
            correlation_id.set(new_correlation_id())
        next()
        return resp


def handle_listener_error(
    error: Exception, body: dict, context: BoltContext, client: WebClient
) -> BoltResponse | None:
    """Errors that escaped a listener before its ack (after it, `handlers.errors.reporting`).

    One that came before `Admit` belongs to a request nobody verified (slack_sdk's verifier
    raises on a timestamp that isn't an integer): its response_url and channel are whatever the
    sender wrote, so nothing is sent anywhere and the answer is Bolt's own 401.
    """
    if not context.get(VERIFIED):
        logger.warning("refused an unverified request (%s)", type(error).__name__)
        return BoltResponse(status=401, body={"error": "invalid request"})
    reply = reply_for(error, what=body.get("type") or body.get("command"))
    if context.respond is not None:
        context.respond(**reply, response_type="ephemeral", replace_original=False)
    elif context.channel_id and context.user_id:
        client.chat_postEphemeral(channel=context.channel_id, user=context.user_id, **reply)
    return None
