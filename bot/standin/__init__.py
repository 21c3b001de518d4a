"""A stand-in for Slack: plays Slack's side so the real app runs without a workspace.

- `webapi`: a fake Slack Web API on loopback that records calls (`records`), answers like Slack
  (`answers`, `response_urls`), keeps each conversation's messages and checks every call
  (`checks`) against Slack's spec (`spec`).
- `driver`: what Slack sends to the app (signed v0 requests with recorded payload shapes), built
  by pure functions (`payloads`, `wire`) and sent through a pluggable transport (`http` for tests).
- `listeners`: knowing when the app's after-ack work has finished.

Users: the test suite, and `rapport console` (the real app in a terminal).
"""
