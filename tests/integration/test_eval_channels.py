"""A scenario plays on its channel: SMS numbers pick, Telegram taps, replies read as the channel
shows them, and every trial starts from the world as loaded."""

from __future__ import annotations

from pathlib import Path

from agent.models import ModelSettings
from evals.results import ScenarioResult
from evals.runner import run_suite
from evals.suite import read_whole_suite
from knowledge.embeddings import MiniLMEmbedder
from tests.support.eval_suites import sample_world_suite

OFFLINE = ModelSettings(kind="offline")
ANA_GP = '{service: gp-visit, provider: dr-keller, start: "2026-03-04T08:40"}'


def played(tmp_path: Path, embedder: MiniLMEmbedder, **scenarios: str) -> list[ScenarioResult]:
    suite = sample_world_suite(tmp_path, scenarios)
    return run_suite(read_whole_suite(suite), model=OFFLINE, embedder=embedder).scenarios


def derm(channel: str, pick: str, start: str, *, contain: str) -> str:
    return f"""\
id: derm-{channel}
client: ana
channel: {channel}
turns: ["I'd like to see a dermatologist on Tuesday afternoon.", "{pick}", "yes"]
expect:
  bookings:
    - {ANA_GP}
    - {{service: derm-consult, provider: dr-weber, start: "{start}"}}
  replies_contain: ["{contain}"]
"""


def test_a_bare_number_by_sms_picks_the_offered_time_and_replies_are_texts(
    tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    [sms] = played(
        tmp_path,
        embedder,
        sms=derm("sms", "2", "2026-03-03T13:30", contain="Reply 1 or 2."),
    )
    assert sms.passed, sms.first_problem
    replies = [s for s in sms.trials[0].steps if s.author == "agent"]
    assert "1) tomorrow, 13:00" in replies[0].text
    assert all(s.buttons == [] for s in replies)  # a text message has no buttons


def test_a_web_reply_is_not_an_sms_text(tmp_path: Path, embedder: MiniLMEmbedder) -> None:
    [web] = played(
        tmp_path,
        embedder,
        web=derm("web", "13:30 please", "2026-03-03T13:30", contain="Reply 1 or 2."),
    )
    assert not web.passed
    assert web.first_problem == "replies_contain: no reply contains 'Reply 1 or 2.'"
    first = next(s for s in web.trials[0].steps if s.author == "agent")
    assert "tomorrow, 13:30 · Dr. Anna Weber" in first.buttons


def test_the_buttons_a_web_client_sees_are_part_of_the_replies(
    tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    # "· Dr. Anna Weber" appears only in the labels of the offered times' buttons.
    [web] = played(
        tmp_path,
        embedder,
        web=derm("web", "13:30 please", "2026-03-03T13:30", contain="13:00 · Dr. Anna Weber"),
    )
    assert web.passed, web.first_problem


def test_a_telegram_button_label_is_a_tap_and_replies_are_the_rendered_messages(
    tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    tap = "tomorrow, 15:00 · Dr. Anna Weber"
    [telegram] = played(
        tmp_path,
        embedder,
        telegram=derm("telegram", tap, "2026-03-03T15:00", contain="Booking confirmed"),
    )
    assert telegram.passed, telegram.first_problem
    steps = telegram.trials[0].steps
    offered = next(s for s in steps if s.author == "agent")
    assert tap in offered.buttons  # the inline keyboard's labels
    said = [s.text for s in steps if s.author == "client"]
    assert said[1] == "tomorrow, 15:00 with Dr. Anna Weber"  # the button's value
    summary = [s for s in steps if s.author == "agent"][1]
    assert summary.buttons == ["Confirm", "Change"]
    assert not any("<b>" in s.text for s in steps)  # the HTML as the client reads it


def test_every_trial_starts_from_the_world_as_loaded(
    tmp_path: Path, embedder: MiniLMEmbedder
) -> None:
    suite = sample_world_suite(
        tmp_path, {"web": derm("web", "14:30", "2026-03-03T14:30", contain="14:30")}
    )
    run = run_suite(read_whole_suite(suite), model=OFFLINE, embedder=embedder, trials=3)
    # Had a trial kept the last one's booking, 14:30 would be taken and the set would differ.
    assert [t.passed for t in run.scenarios[0].trials] == [True, True, True]
    assert run.pass_hat(3) == 1.0
    assert all(t.tokens is None for t in run.scenarios[0].trials)  # offline: no usage
