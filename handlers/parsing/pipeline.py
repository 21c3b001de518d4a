"""The /crm pipeline grammar: `pipeline [team] [chart]`, in either order."""

from dataclasses import dataclass

from handlers.parsing.text import CommandError

WORDS = frozenset(["team", "chart"])


@dataclass(frozen=True)
class PipelineRequest:
    team: bool  # the whole workspace, else the caller's own deals
    chart: bool  # a PNG uploaded into the conversation, rather than the report


def parse_pipeline(text: str) -> PipelineRequest | None:
    """`pipeline [team] [chart]`; None when the text isn't a pipeline request at all."""
    words = text.lower().split()
    if not words or words[0] != "pipeline":
        return None
    rest = words[1:]
    if not set(rest) <= WORDS or len(rest) != len(set(rest)):
        raise CommandError(
            "`/crm pipeline` takes `team` and `chart`, e.g. `/crm pipeline team chart`."
        )
    return PipelineRequest(team="team" in rest, chart="chart" in rest)
