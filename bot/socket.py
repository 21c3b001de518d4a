"""Socket Mode: no public URL needed, for a laptop or a server behind a firewall."""

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot import db
from bot.app import create_app
from bot.config import Settings
from bot.scheduler import start_scheduler
from bot.server import DB_POOL_SIZE, build_deps
from handlers import dates


def serve_socket(settings: Settings) -> None:
    engine = db.make_engine(settings.database_url, pool_size=DB_POOL_SIZE)
    deps = build_deps(settings, engine)
    app = create_app(settings, deps, socket_mode=True)
    start_scheduler(settings, deps)
    dates.warm_up(deps.now())
    SocketModeHandler(app, settings.slack_app_token).start()
