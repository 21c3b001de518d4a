"""Sending Slack's requests straight into a Bolt app in this process: no HTTP, same signing.

`app.dispatch` runs Bolt's whole middleware chain (signature check included) and returns once the
listener acks; work after the ack goes on in the app's listener threads (see `listeners`).
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_bolt import App, BoltRequest

from bot.standin.wire import SlackRequest, SlackResponse, Transport


def dispatch_to(app: App) -> Transport:
    def send(request: SlackRequest) -> SlackResponse:
        headers: dict[str, str | Sequence[str]] = {
            name.lower(): value for name, value in request.headers.items()
        }
        response = app.dispatch(BoltRequest(body=request.body, headers=headers))
        shown = {name.lower(): values[0] for name, values in response.headers.items() if values}
        return SlackResponse(response.status, response.body, shown)

    return send
