"""How often the language of a short client message is recognised, per language.

The labelled set is evals/languages/detection.yaml (one- to five-word messages, written by the
language suites' author). Two figures per language: the detector's best guess (lingua over
English, German and Russian), and what the service decides with it (`written_in`): right,
wrong, or undecided, when a message is too short or too unclear and the conversation's
language is kept. Messages labelled `any` ("ok", "10:30") are right whatever is said.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from agent.language.detection import detect_language, written_in
from bench.common import Figures, PostgresDatabases, fmt, markdown_table
from domain.kernel.languages import SUPPORTED

LABELLED = Path(__file__).parent.parent / "evals" / "languages" / "detection.yaml"


def labelled_messages() -> list[tuple[str, str]]:
    """Return (text, language) pairs; language is en, de, ru or any."""
    raw = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))
    return [(str(m["text"]), str(m["language"])) for m in raw["messages"]]


def run(_: PostgresDatabases | None) -> Figures:
    messages = labelled_messages()
    figures: Figures = {}
    rows: list[list[object]] = []
    guessers: dict[str, Callable[[str], str | None]] = {
        "lingua": lambda text: detect_language(text).language
    }
    for language in SUPPORTED:
        mine = [text for text, label in messages if label == language]
        for name, guess in guessers.items():
            right = sum(1 for text in mine if guess(text) == language)
            figures[f"{name}.{language}.accuracy"] = 100 * right / len(mine)
        decided = [written_in(text) for text in mine]
        figures[f"{language}.messages"] = len(mine)
        figures[f"{language}.decided_right"] = 100 * decided.count(language) / len(mine)
        figures[f"{language}.undecided"] = 100 * decided.count(None) / len(mine)
        wrong = len(mine) - decided.count(language) - decided.count(None)
        figures[f"{language}.decided_wrong"] = 100 * wrong / len(mine)
        rows.append(
            [
                language,
                len(mine),
                *(f"{fmt(figures[f'{name}.{language}.accuracy'])} %" for name in guessers),
                f"{fmt(figures[f'{language}.decided_right'])} %",
                f"{fmt(figures[f'{language}.undecided'])} %",
                f"{fmt(figures[f'{language}.decided_wrong'])} %",
            ]
        )
    anything = [text for text, label in messages if label == "any"]
    figures["any.messages"] = len(anything)
    figures["any.undecided"] = (
        100 * sum(1 for t in anything if written_in(t) is None) / max(1, len(anything))
    )
    headers = [
        "language",
        "messages",
        *(f"{name}: best guess right" for name in guessers),
        "service: decided right",
        "undecided (kept the conversation's)",
        "decided wrong",
    ]
    print(markdown_table(headers, rows))
    print(
        f"\n`any` messages ({len(anything)}): {fmt(figures['any.undecided'])} % left undecided, "
        "as they should be"
    )
    print(headline(figures))
    return figures


def headline(figures: Figures) -> str:
    parts = [f"{code} {figures[f'lingua.{code}.accuracy']:.0f} %" for code in SUPPORTED]
    return "language_detection: " + ", ".join(parts)
