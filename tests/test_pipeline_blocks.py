"""Pure parts of /crm pipeline: money formatting, the grammar, the Block Kit answer within
Slack's limits, the chart's PNG and its alt text."""

from datetime import date

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.standin.checks import message_problems
from bot.standin.driver import text_of
from handlers.blocks.chart import ALT_TEXT_MAX, PNG_MAGIC, alt_text, build_pipeline_chart
from handlers.blocks.pipeline import build_pipeline, packed
from handlers.blocks.text import SECTION_MAX
from handlers.parsing.pipeline import PipelineRequest, parse_pipeline
from handlers.parsing.text import CommandError
from models.money import format_money
from models.pipeline import Closed, CurrencySum, DealLine, PipelineReport, StageLine
from tests.conftest import Clock

NOW = Clock().at
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CHF", "KWD", "SEK", "NOK"]


def report(stages: list[StageLine], *, stuck: int = 0, team: bool = True) -> PipelineReport:
    deal = DealLine(
        1,
        "Acme <!channel>",
        "Renewal & more",
        "Demo",
        "U0ALICE",
        100,
        "USD",
        NOW,
        date(2026, 11, 1),
    )
    return PipelineReport(
        team=team,
        now=NOW,
        stages=tuple(stages),
        won=Closed(2, (CurrencySum("USD", 2, 500),)),
        lost=Closed(0, ()),
        stuck_days=21,
        stuck=(deal,) * min(stuck, 10),
        stuck_total=stuck,
        overdue=(deal,),
        overdue_total=1,
        today=date(2026, 11, 23),
    )


def many_stages(count: int, currencies: int) -> list[StageLine]:
    return [
        StageLine(
            f"<b>Stage {n}</b> " + "x" * 50,
            n % 100,
            currencies * 3,
            tuple(
                CurrencySum(c, 3, 10**12 + n, weighted_minor=10**11)
                for c in CURRENCIES[:currencies]
            ),
        )
        for n in range(count)
    ]


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [
        (4_800_000, "USD", "$48,000"),
        (123_456, "USD", "$1,234.56"),
        (5, "EUR", "€0.05"),
        (12_000, "JPY", "¥12,000"),
        (1_234_567, "KWD", "1,234.567 KWD"),
        (10**17 + 1, "USD", "$1,000,000,000,000,000.01"),
        (-250, "GBP", "-£2.50"),
        (1_000, "sek", "10 SEK"),
        (199, None, "1.99 (no currency)"),
    ],
)
def test_format_money_is_exact_with_each_currencys_exponent(
    minor: int, currency: str | None, shown: str
) -> None:
    assert format_money(minor, currency) == shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pipeline", PipelineRequest(team=False, chart=False)),
        ("Pipeline TEAM", PipelineRequest(team=True, chart=False)),
        ("pipeline chart team", PipelineRequest(team=True, chart=True)),
        ("pipeline team chart", PipelineRequest(team=True, chart=True)),
        ("  pipeline   chart ", PipelineRequest(team=False, chart=True)),
        ("pipelines", None),
        ("new Pipeline Inc", None),
    ],
)
def test_parse_pipeline(text: str, expected: PipelineRequest | None) -> None:
    assert parse_pipeline(text) == expected


@pytest.mark.parametrize("text", ["pipeline all", "pipeline team team", "pipeline chart pdf"])
def test_parse_pipeline_refuses_other_words_in_a_sentence(text: str) -> None:
    with pytest.raises(CommandError, match="takes `team` and `chart`"):
        parse_pipeline(text)


def test_a_huge_pipeline_fits_block_kit_with_and_n_more() -> None:
    built = build_pipeline(report(many_stages(120, 8), stuck=40))
    assert message_problems(built) == [] and len(built["blocks"]) <= 50
    text = text_of(built)
    assert "more stages" in text and "+5 more currencies" in text and "…and 30 more" in text
    assert "<!channel>" not in text and "&lt;b&gt;Stage 0&lt;/b&gt;" in text
    assert "Renewal &amp; more" in text


def test_an_empty_pipeline_says_so_and_offers_no_chart() -> None:
    built = build_pipeline(report([], team=False))
    text = text_of(built)
    assert "No open deals." in text and "pipeline_chart" not in str(built["blocks"])
    assert "*Last 30 days:* won 2 ($5) · lost none · win rate 100%" in text


def test_packed_keeps_every_section_within_slacks_limit() -> None:
    lines = [f"line {n} " + "z" * 200 for n in range(100)]
    texts = packed(lines, "stages", 3)
    assert len(texts) == 3 and all(len(t) <= SECTION_MAX for t in texts)
    shown = sum(t.count("line ") for t in texts)
    assert texts[-1].endswith(f"…and {100 - shown} more stages")
    assert packed(lines[:3], "stages", 3) == ["\n".join(lines[:3])]


def test_chart_is_a_png_and_its_alt_text_says_the_same_within_slacks_limit() -> None:
    stages = [
        StageLine("Lead", 10, 3, (CurrencySum("USD", 2, 4_800_000), CurrencySum("EUR", 1, 50))),
        StageLine("Demo", 40, 1, (CurrencySum("USD", 1, 100),)),
    ]
    chart = build_pipeline_chart(report(stages))
    assert chart.png.startswith(PNG_MAGIC)
    assert chart.alt_text == (
        "Bar chart of the team's open pipeline by stage, one panel per currency. "
        "USD: Lead $48,000 in 2 deals; Demo $1 in 1 deal. EUR: Lead €0.50 in 1 deal."
    )
    long = alt_text(report(many_stages(30, 8)))
    assert len(long) == ALT_TEXT_MAX and long.endswith("…")


def test_chart_of_many_currencies_names_the_ones_not_drawn() -> None:
    chart = build_pipeline_chart(report(many_stages(3, 6)))
    assert chart.png.startswith(PNG_MAGIC) and chart.title.startswith("Team pipeline")


@pytest.mark.parametrize("value", ["0", "-3", "3651", "three"])
def test_rapport_stuck_days_must_be_a_sensible_number_of_days(value: str) -> None:
    with pytest.raises(ValidationError, match="RAPPORT_STUCK_DAYS"):
        Settings(_env_file=None, RAPPORT_STUCK_DAYS=value)


def test_rapport_stuck_days_is_read() -> None:
    assert Settings(_env_file=None, RAPPORT_STUCK_DAYS="45").stuck_days == 45
