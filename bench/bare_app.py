"""The baseline for bench/ack.py: a bare Bolt app that only acks /crm, served like Rapport."""

import argparse
import os

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.server import GunicornServer, gunicorn_options


def build() -> SlackRequestHandler:
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.command("/crm")
    def ack_only(ack: Ack) -> None:
        ack()

    return SlackRequestHandler(app, path="/slack/events")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    GunicornServer(build, gunicorn_options(port=parser.parse_args().port)).run()


if __name__ == "__main__":
    main()
