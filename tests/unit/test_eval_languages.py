"""The eval format's language keys: every reply in the language expected, the client's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from domain.kernel.errors import WorldError
from domain.kernel.uow import UnitOfWork
from domain.models import Client
from domain.world.schema import WorldIn
from evals.judge import before_playing, judge
from evals.scenario import Expect, read_scenario

GERMAN = [
    "Dr. Sabine Lehmann hat diese freien Zeiten für Dermatology consultation:\n1. heute, 11:00",
    "10:30",
    "Dr. Sabine Lehmann",
    "Ihr Termin ist gebucht: Dermatology consultation bei Dr. Sabine Lehmann morgen, 09:00.",
]


def verdict(uow: UnitOfWork, expect: Expect, replies: list[str]) -> str:
    with uow.reading() as reader:
        client_id = next(iter(reader.session.exec(select(Client.id))))
    found = judge(
        expect,
        uow=uow,
        client_id=client_id,
        conversation_id="none",
        replies=replies,
        before=before_playing(uow),
    )
    return found.problem


class TestReplyLanguage:
    def test_replies_in_the_language_pass_with_times_and_names_among_them(
        self, uow: UnitOfWork, sample_world: WorldIn
    ) -> None:
        assert verdict(uow, Expect(reply_language="de"), GERMAN) == ""

    def test_one_reply_in_another_language_fails_naming_it(
        self, uow: UnitOfWork, sample_world: WorldIn
    ) -> None:
        replies = [*GERMAN, "Which one suits you? These times are free tomorrow morning."]
        problem = verdict(uow, Expect(reply_language="de"), replies)
        assert problem.startswith("reply_language: expected de, found en")

    def test_russian_replies_are_russian(self, uow: UnitOfWork, sample_world: WorldIn) -> None:
        assert verdict(uow, Expect(reply_language="ru"), ["Вы записаны: завтра, 09:00."]) == ""
        assert verdict(uow, Expect(reply_language="en"), ["Вы записаны."]) != ""


class TestProfileLanguage:
    def test_the_clients_stored_language_is_checked_beside_the_profile(
        self, uow: UnitOfWork, sample_world: WorldIn
    ) -> None:
        assert verdict(uow, Expect(profile={"language": "de"}), []).startswith("profile:")
        with uow:
            client = uow.session.exec(select(Client)).first()
            assert client is not None
            client.language = "de"
            uow.commit()
        assert verdict(uow, Expect(profile={"language": "de"}), []) == ""


def test_an_unknown_reply_language_is_refused_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("id: s\nclient: ana\nturns: [hi]\nexpect: {reply_language: fr}\n")
    with pytest.raises(WorldError) as refused:
        read_scenario(path)
    assert "expect.reply_language" in str(refused.value.problems)
