"""The pipeline as a picture: a PNG of bars per stage, one panel and colour per currency (amounts
in different currencies are never added or converted), and alt text that says the same in words.

matplotlib draws headless with its Agg backend, through its object API only (no pyplot: no
global figure state shared between the threads that answer requests).
"""

import io
from dataclasses import dataclass

from models.money import format_money, major_units
from models.pipeline import PipelineReport

MAX_PANELS = 4  # currencies drawn; the rest are named in the title
ALT_TEXT_MAX = 1000  # files.getUploadURLExternal's alt_txt_too_large limit
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Chart:
    png: bytes
    alt_text: str
    title: str


def _currencies(report: PipelineReport) -> list[str | None]:
    """The currencies with an amount, the largest total first."""
    return [t.currency for t in report.open_totals if t.amount_minor]


def warm_up() -> None:
    """Import matplotlib now (a second of a cold start) rather than on the first chart."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401


def build_pipeline_chart(report: PipelineReport) -> Chart:
    """The chart of `report`'s open deals; one panel per currency, bars per stage."""
    # matplotlib on first use: it is most of a cold start's imports, and few ask for a chart.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    title = f"{'Team' if report.team else 'Your'} pipeline, {report.now:%b} {report.now.day}"
    currencies = _currencies(report)
    drawn = currencies[:MAX_PANELS]
    figure = Figure(figsize=(8, 2.2 + 2.6 * max(1, len(drawn))), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots(max(1, len(drawn)), 1, squeeze=False)[:, 0]
    stages = [line.stage for line in report.stages]
    for n, (panel, currency) in enumerate(zip(axes, drawn or [None], strict=False)):
        amounts, labels = [], []
        for line in report.stages:
            total = next((t for t in line.totals if t.currency == currency), None)
            minor = total.amount_minor if total else 0
            amounts.append(major_units(minor, currency))
            labels.append(f"{format_money(minor, currency)}\n{_deals(total.count if total else 0)}")
        bars = panel.bar(range(len(stages)), amounts, color=COLOURS[n % len(COLOURS)])
        panel.bar_label(bars, labels=labels, fontsize=8, padding=2)
        panel.set_xticks(range(len(stages)), [_short(s) for s in stages], fontsize=8)
        panel.set_title(currency or "no currency", fontsize=10, loc="left")
        panel.margins(y=0.3)
        panel.tick_params(axis="y", labelsize=8)
    more = len(currencies) - len(drawn)
    figure.suptitle(title + (f" (and {more} more currencies)" if more > 0 else ""))
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return Chart(out.getvalue(), alt_text(report), title)


def _deals(count: int) -> str:
    return f"{count:,} deal{'' if count == 1 else 's'}"


def _short(stage: str) -> str:
    return stage if len(stage) <= 14 else stage[:13] + "…"


def alt_text(report: PipelineReport) -> str:
    """The chart in words: per currency, each stage's value and count; cut to Slack's limit."""
    whose = "the team's" if report.team else "your"
    if not report.stages:
        return f"Bar chart of {whose} open pipeline: no open deals."
    parts = [f"Bar chart of {whose} open pipeline by stage, one panel per currency."]
    for currency in _currencies(report) or [None]:
        stages = []
        for line in report.stages:
            total = next((t for t in line.totals if t.currency == currency), None)
            if total:
                shown = format_money(total.amount_minor, currency)
                stages.append(f"{line.stage} {shown} in {_deals(total.count)}")
        parts.append(f"{currency or 'No currency'}: " + "; ".join(stages) + ".")
    text = " ".join(parts)
    return text if len(text) <= ALT_TEXT_MAX else text[: ALT_TEXT_MAX - 1] + "…"
