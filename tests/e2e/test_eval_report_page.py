"""The eval report opened from disk in headless Chromium: it renders offline, its chart bars
are as long as the pass rates, and nothing from a transcript runs as script."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, Request

from evals.report import write_report
from tests.conftest import ROOT
from tests.unit.test_eval_report import sample_run

SCREENSHOTS = ROOT / "test-output" / "screenshots"


@pytest.fixture
def report(tmp_path: Path) -> Path:
    return write_report(sample_run(), tmp_path / "report")


def test_report_opens_offline_with_bars_sized_by_pass_rate_and_runs_no_script(
    browser: Browser, report: Path
) -> None:
    context = browser.new_context(offline=True)
    page: Page = context.new_page()
    dialogs: list[str] = []
    script_errors: list[str] = []
    fetched: list[str] = []
    page.on("dialog", lambda dialog: _refuse(dialog, dialogs))
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    page.on("request", lambda request: _remember_remote(request, fetched))

    page.goto(report.as_uri())

    assert page.title() == "Eval report: sample"
    widths = {label: _bar_width(page, label) for label in ("booking", "policy", "overall")}
    full = _track_width(page)
    assert widths["booking"] == pytest.approx(full / 2, abs=1)
    assert widths["policy"] == pytest.approx(full, abs=1)
    assert widths["overall"] == pytest.approx(full * 2 / 3, abs=1)
    # The hostile client text is on the page as words, not as elements.
    assert page.get_by_text("<script>alert(1)</script>", exact=False).count() >= 1
    assert page.locator(".transcript b").count() == 0
    assert page.locator("script").count() == 0
    # The tool details open to pretty-printed JSON.
    page.locator("details.tool summary").first.click()
    assert '"need": "dermatology"' in page.locator("details.tool pre.args").first.inner_text()
    page.wait_for_timeout(200)  # give any injected handler a moment to fire
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "eval-report.png", full_page=True)
    context.close()

    assert dialogs == []
    assert script_errors == []
    assert fetched == []


def _bar_width(page: Page, label: str) -> float:
    box = page.locator(f'svg.chart rect.bar[data-label="{label}"]').bounding_box()
    assert box is not None, f"no bar for {label}"
    return box["width"]


def _track_width(page: Page) -> float:
    box = page.locator("svg.chart rect.track").first.bounding_box()
    assert box is not None
    return box["width"]


def _refuse(dialog: Dialog, dialogs: list[str]) -> None:
    dialogs.append(dialog.message)
    dialog.dismiss()


def _remember_remote(request: Request, fetched: list[str]) -> None:
    if not request.url.startswith("file:"):
        fetched.append(request.url)
