"""The HTML report of an eval run: written where asked, escaped, and showing what the run found."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from evals.report import CHART_TRACK_WIDTH, write_report
from evals.results import ScenarioResult, Step, SuiteRun, Tokens, Trial

INJECTED = "<script>alert(1)</script> and <b>x</b>"
PROBLEM = "expected a confirmed booking with dr-hoffmann, found none"


def sample_run() -> SuiteRun:
    """Two categories over three scenarios and two trials: one scenario fails a trial."""
    hostile_client = Step(author="client", text=f"Book me a dermatologist {INJECTED}")
    search = Step(
        author="tool",
        text="",
        tool={
            "name": "search_providers",
            "args": {"need": "dermatology", "note": "<img src=x onerror=alert(2)>"},
            "result": [{"id": "dr-hoffmann", "name": "Dr. Anna Hoffmann"}],
        },
    )
    offer = Step(
        author="agent",
        text="Dr. Hoffmann has Tuesday 10:00. Shall I book it?",
        buttons=["Yes, book it", "No"],
    )
    return SuiteRun(
        suite="sample",
        model="openai:gpt-test",
        trials=2,
        started_at="2026-03-02T09:00:00+01:00",
        scenarios=[
            ScenarioResult(
                id="book-derm-by-need",
                description="A client books by describing a skin problem",
                category="booking",
                channel="web",
                trials=[
                    Trial(
                        index=1,
                        passed=True,
                        problem="",
                        steps=[hostile_client, search, offer],
                        seconds=1.25,
                        tokens=Tokens(input=1000, output=200),
                    ),
                    Trial(
                        index=2,
                        passed=False,
                        problem=PROBLEM,
                        steps=[hostile_client, search, Step(author="system", text="handed off")],
                        seconds=2.5,
                        tokens=Tokens(input=3000, output=400),
                    ),
                ],
            ),
            ScenarioResult(
                id="book-notary-by-name",
                description="A client asks for a notary by name",
                category="booking",
                channel="telegram",
                trials=[
                    Trial(
                        index=i,
                        passed=True,
                        problem="",
                        steps=[offer],
                        seconds=0.5,
                        client_tokens=Tokens(input=600 * i, output=20),
                    )
                    for i in (1, 2)
                ],
            ),
            ScenarioResult(
                id="refuse-late-cancel",
                description="Cancelling inside the notice period is refused",
                category="policy",
                channel="sms",
                trials=[
                    Trial(
                        index=i,
                        passed=True,
                        problem="",
                        steps=[Step(author="staff", text="I'll take it from here")],
                        seconds=0.75,
                    )
                    for i in (1, 2)
                ],
            ),
        ],
    )


class _ChartBars(HTMLParser):
    """Collects the pass-rate bars: label and width of every `rect.bar`."""

    def __init__(self) -> None:
        super().__init__()
        self.widths: dict[str, float] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "rect" and "bar" in (found.get("class") or "").split():
            self.widths[str(found["data-label"])] = float(str(found["width"]))


@pytest.fixture
def page(tmp_path: Path) -> str:
    written = write_report(sample_run(), tmp_path / "report" / "nested")
    assert written == tmp_path / "report" / "nested" / "index.html"
    return written.read_text(encoding="utf-8")


def text_of(page: str) -> str:
    """The page's visible words with tags dropped and entities decoded, spaces collapsed."""
    without_style = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    words = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", without_style)))
    return re.sub(r" ([,)])", r"\1", words)


def test_writes_index_html_in_a_new_directory(tmp_path: Path) -> None:
    written = write_report(sample_run(), tmp_path / "fresh")

    assert written.name == "index.html"
    assert written.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_client_markup_is_escaped_not_rendered(page: str) -> None:
    assert "<script" not in page.lower()
    assert "<b>x</b>" not in page
    assert "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page


def test_page_needs_nothing_from_the_network(page: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page
    assert "@import" not in page


def test_header_shows_totals_and_pass_hat(page: str) -> None:
    text = text_of(page)

    assert "Eval report: sample" in text
    assert "openai:gpt-test" in text
    assert "2026-03-02T09:00:00+01:00" in text
    assert "2 passed, 1 failed" in text
    # pass^1 = (1/2 + 1 + 1) / 3, pass^2 = (0 + 1 + 1) / 3
    assert "pass^1" in text
    assert "83.3%" in text
    assert "pass^2" in text
    assert "66.7%" in text


def test_pass_hat_is_left_out_for_a_single_trial(tmp_path: Path) -> None:
    run = sample_run()
    single = SuiteRun(
        suite=run.suite,
        model=run.model,
        trials=1,
        started_at=run.started_at,
        scenarios=[
            ScenarioResult(
                id=s.id,
                description=s.description,
                category=s.category,
                channel=s.channel,
                trials=s.trials[:1],
            )
            for s in run.scenarios
        ],
    )

    text = text_of(write_report(single, tmp_path).read_text(encoding="utf-8"))

    assert "pass^" not in text
    assert "3 passed, 0 failed" in text


def test_category_table_counts_passed_and_total(page: str) -> None:
    booking = re.search(r'<tr data-category="booking">(.*?)</tr>', page, re.S)
    policy = re.search(r'<tr data-category="policy">(.*?)</tr>', page, re.S)
    assert booking is not None
    assert policy is not None

    assert re.findall(r'class="number">([^<]*)<', booking.group(1)) == ["1", "2", "50.0%"]
    assert re.findall(r'class="number">([^<]*)<', policy.group(1)) == ["1", "1", "100.0%"]


def test_chart_has_a_bar_per_category_and_overall_sized_by_pass_rate(page: str) -> None:
    bars = _ChartBars()
    bars.feed(page)

    assert bars.widths == {
        "booking": pytest.approx(CHART_TRACK_WIDTH * 1 / 2),
        "policy": pytest.approx(CHART_TRACK_WIDTH * 1),
        "overall": pytest.approx(CHART_TRACK_WIDTH * 2 / 3, abs=0.01),
    }
    text = text_of(page)
    assert "1/2 (50.0%)" in text
    assert "1/1 (100.0%)" in text
    assert "2/3 (66.7%)" in text


def test_scenario_rows_show_passes_tokens_problem_and_link_to_transcript(page: str) -> None:
    row = re.search(r'<tr class="failed" data-scenario="book-derm-by-need">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = text_of(row.group(1))

    assert "1/2" in cells
    # Averaged over both trials: (1000 + 3000) / 2 in, (200 + 400) / 2 out.
    assert "2,000 300 2,300" in cells
    assert PROBLEM in cells
    anchor = re.search(r'href="#([^"]+)"', row.group(1))
    assert anchor is not None
    assert f'id="{anchor.group(1)}"' in page


def test_failed_scenarios_come_first_and_are_marked(page: str) -> None:
    rows = re.findall(r'<tr class="(passed|failed)" data-scenario="([^"]+)"', page)

    assert rows[0] == ("failed", "book-derm-by-need")
    assert {state for state, _ in rows[1:]} == {"passed"}
    assert "FAIL" in text_of(page)


def test_transcript_shows_bubbles_buttons_tools_and_verdicts(page: str) -> None:
    text = text_of(page)

    for author in ("client", "agent", "staff", "system"):
        assert f'class="bubble step-{author}"' in page
    assert "Yes, book it" in text
    assert "search_providers" in text
    assert re.search(r'<details class="tool[^"]*">', page)
    # Args and result are pretty-printed JSON, one key per line.
    assert '"need": "dermatology",' in html.unescape(page)
    assert '"id": "dr-hoffmann",' in html.unescape(page)
    assert "Trial 2 · failed · 2.5 s" in text
    assert "tokens 3,000 in, 400 out, 3,400 total" in text
    assert text.count(PROBLEM) == 2  # the scenario row and the failed trial


def test_run_without_scenarios_still_renders(tmp_path: Path) -> None:
    empty = SuiteRun(suite="empty", model="offline", trials=3, started_at="now", scenarios=[])

    text = text_of(write_report(empty, tmp_path).read_text(encoding="utf-8"))

    assert "0 passed, 0 failed" in text
    assert "0/0" in text


def test_a_simulated_clients_tokens_are_shown_per_trial(page: str) -> None:
    assert "simulated client 620 tokens" in page
    assert "simulated client 1,220 tokens" in page
