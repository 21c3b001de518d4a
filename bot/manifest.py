"""manifest.yml, the Slack app's definition, and its rendering for a given request URL."""

from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

REPO_MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"


def load_manifest() -> dict[str, Any]:
    """The packaged copy when installed, the repository's file when run from a checkout."""
    packaged = files("bot").joinpath("manifest.yml")
    text = packaged.read_text() if packaged.is_file() else REPO_MANIFEST.read_text()
    return yaml.safe_load(text)


def render_manifest(*, url: str | None, socket_mode: bool = False) -> str:
    """The manifest with every request URL set to `url`, or without URLs for Socket Mode."""
    manifest = load_manifest()
    features, settings = manifest["features"], manifest["settings"]
    targets = [
        *features.get("slash_commands", []),
        settings["event_subscriptions"],
        settings["interactivity"],
    ]
    for target in targets:
        for key in ("url", "request_url", "message_menu_options_url"):
            if key in target:
                if socket_mode:
                    del target[key]
                else:
                    target[key] = url
    settings["socket_mode_enabled"] = socket_mode
    return yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)
