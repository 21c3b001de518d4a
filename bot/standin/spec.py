"""The part of Slack's Web API OpenAPI spec the stand-in checks calls against, shipped as data.

`data/slack_web_methods.json` holds every method of slackapi/slack-api-specs
`web-api/slack_web_openapi_v2.json` with its parameter names and whether each is required; nothing
else of the 1.2 MB spec is used. `data/SOURCE.md` says which commit it came from. Regenerate it from
a copy of the spec with:

    python -m bot.standin.spec PATH/TO/slack_web_openapi_v2.json

The spec is frozen at October 2020: it is a floor (the method exists, its core arguments are
there), and `checks.CONTRACT_REQUIRED` adds the rules it is too permissive about.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

DATA_FILE = "slack_web_methods.json"
# Methods newer than the 2020 spec, from slack-ruby/slack-api-ref (SOURCE.md says which).
ADDED_FILE = "slack_web_methods_added.json"
# The spec declares `token` as a header parameter; slack_sdk sends `Authorization: Bearer …`.
TOKEN = "token"

Methods = dict[str, dict[str, bool]]


def extract(spec: dict[str, Any]) -> Methods:
    """Every method path of an OpenAPI 2.0 spec, mapped to {parameter name: required}."""
    methods: Methods = {}
    for route, operations in spec["paths"].items():
        params: dict[str, bool] = {}
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue  # e.g. a path-level "parameters" list or a vendor extension
            for param in operation.get("parameters", []):
                name = param["name"]
                params[name] = params.get(name, False) or bool(param.get("required", False))
        methods[route.lstrip("/")] = dict(sorted(params.items()))
    return dict(sorted(methods.items()))


def render(methods: Methods, *, source_sha256: str) -> str:
    """The shipped file's text: one method per line, so a regeneration diffs readably."""
    lines = [f"{json.dumps(name)}: {json.dumps(params)}" for name, params in methods.items()]
    header = json.dumps({"source": "slackapi/slack-api-specs web-api/slack_web_openapi_v2.json",
                         "source_sha256": source_sha256})  # fmt: skip
    return '{"about": ' + header + ',\n"methods": {\n' + ",\n".join(lines) + "\n}}\n"


def regenerate(spec_path: Path, out: Path) -> int:
    """Write `out` from the spec at `spec_path`; return the number of methods."""
    raw = spec_path.read_bytes()
    methods = extract(json.loads(raw))
    out.write_text(render(methods, source_sha256=hashlib.sha256(raw).hexdigest()), "utf-8")
    return len(methods)


def shipped_path() -> Path:
    return Path(str(resources.files("bot.standin").joinpath("data", DATA_FILE)))


@functools.cache
def shipped_methods() -> Methods:
    """The shipped methods table (read once per process)."""
    return json.loads(shipped_path().read_text(encoding="utf-8"))["methods"]


@functools.cache
def added_methods() -> Methods:
    """Methods Slack added after the spec froze, in the same shape (read once per process)."""
    added = shipped_path().parent / ADDED_FILE
    return json.loads(added.read_text(encoding="utf-8"))["methods"]


@functools.cache
def required_args() -> dict[str, frozenset[str]]:
    """Every method in the spec (and those added since), mapped to the arguments it marks
    required (``token`` aside)."""
    return {
        method: frozenset(name for name, required in params.items() if required and name != TOKEN)
        for method, params in (shipped_methods() | added_methods()).items()
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bot.standin.spec", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("spec", type=Path, help="a copy of slack_web_openapi_v2.json")
    parser.add_argument("--out", type=Path, default=None, help=f"default: the shipped {DATA_FILE}")
    args = parser.parse_args(argv)
    out = args.out or shipped_path()
    count = regenerate(args.spec, out)
    print(f"{count} methods written to {out}")


if __name__ == "__main__":
    main()
