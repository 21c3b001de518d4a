"""Socket Mode: no public URL needed, for a laptop or a server behind a firewall.

One process answers Slack and sweeps: its scheduler runs here, in a thread of its own.
"""

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.config import Settings
from bot.runtime import Runtime, build_runtime
from bot.scheduler import start_scheduler


def build_socket_mode(settings: Settings) -> tuple[Runtime, SocketModeHandler]:
    """The shared runtime and its Socket Mode handler; nothing connects until `start()`."""
    runtime = build_runtime(settings, socket_mode=True)
    return runtime, SocketModeHandler(runtime.app, settings.slack_app_token)


def serve_socket(settings: Settings, *, sweep: bool = True) -> None:
    runtime, handler = build_socket_mode(settings)
    scheduler = start_scheduler(settings, runtime.deps, runtime.client) if sweep else None
    try:
        handler.start()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        handler.close()
        runtime.close()
