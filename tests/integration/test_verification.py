"""Proving who a chat visitor is: registration, one-time codes, expiry and attempt limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from domain.clients.verification import (
    ATTEMPTS_PER_CODE,
    CODE_LIFETIME,
    CODES_PER_HOUR,
    VerificationRefused,
    identify_client,
    verify_code,
)
from domain.conversations.transcripts import take_in
from domain.kernel.clock import FrozenClock
from domain.kernel.errors import InvalidInput
from domain.kernel.uow import UnitOfWork
from domain.models import ChannelIdentity, Client, Conversation, OutboxMessage
from domain.world.schema import WorldIn

pytestmark = pytest.mark.usefixtures("sample_world")
ANA_PHONE = "+49 151 12345678"


def visitor_says_hello(uow: UnitOfWork, address: str) -> str:
    """A web visitor's first message starts their conversation."""
    said = take_in(uow=uow, channel="web", address=address, text="Hello", external_id=None)
    return said.conversation.id


@pytest.fixture
def conversation_id(uow: UnitOfWork) -> str:
    return visitor_says_hello(uow, "session-hash-1")


def sent_code(uow: UnitOfWork) -> str:
    with uow.reading() as reader:
        latest = reader.session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.event == "identity.code")
            .order_by(col(OutboxMessage.id).desc())
        ).first()
    assert latest is not None
    return str(latest.payload["code"])


def linked_client(uow: UnitOfWork, conversation_id: str) -> str | None:
    with uow.reading() as reader:
        return reader.session.get_one(Conversation, conversation_id).client_id


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


class TestNewClients:
    def test_a_new_visitor_is_registered_and_linked_at_once(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        found = identify_client(
            uow=uow, conversation_id=conversation_id, name="Nora New", phone="+49 170 5550123"
        )
        assert found.status == "registered"
        assert linked_client(uow, conversation_id) == found.client_id
        with uow.reading() as reader:
            web = reader.session.get(ChannelIdentity, ("web", "session-hash-1"))
            assert web is not None
            assert web.client_id == found.client_id

    def test_a_new_visitor_needs_a_name_and_a_phone_or_email(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        with pytest.raises(InvalidInput, match="full name"):
            identify_client(
                uow=uow, conversation_id=conversation_id, name=None, phone="+49 170 5550101"
            )
        with pytest.raises(InvalidInput, match="phone number or email"):
            identify_client(uow=uow, conversation_id=conversation_id, name="Nora New")


class TestKnownClients:
    def test_claiming_a_known_phone_sends_a_code_and_links_nothing(
        self, uow: UnitOfWork, conversation_id: str, sample_world: WorldIn
    ) -> None:
        found = identify_client(
            uow=uow, conversation_id=conversation_id, name="Ana Silva", phone=ANA_PHONE
        )
        assert found.status == "code_sent"
        assert found.sent_to == "your phone number ending in 78"
        assert linked_client(uow, conversation_id) is None
        assert len(sent_code(uow)) == 6

    def test_the_right_code_links_the_conversation(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        identify_client(uow=uow, conversation_id=conversation_id, name=None, phone=ANA_PHONE)
        linked = verify_code(uow=uow, conversation_id=conversation_id, code=sent_code(uow))
        assert (linked.status, linked.client_id) == ("linked", "ana")
        assert linked_client(uow, conversation_id) == "ana"
        with pytest.raises(VerificationRefused) as reused:
            verify_code(uow=uow, conversation_id=conversation_id, code=sent_code(uow))
        assert reused.value.code == "no_code"

    def test_a_wrong_code_is_refused_with_the_tries_left(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        identify_client(uow=uow, conversation_id=conversation_id, name=None, phone=ANA_PHONE)
        with pytest.raises(VerificationRefused) as refused:
            verify_code(uow=uow, conversation_id=conversation_id, code=wrong(sent_code(uow)))
        assert refused.value.code == "wrong_code"
        assert f"{ATTEMPTS_PER_CODE - 1} tries left" in refused.value.message
        assert linked_client(uow, conversation_id) is None

    def test_an_expired_code_is_refused(
        self, uow: UnitOfWork, conversation_id: str, clock: FrozenClock
    ) -> None:
        identify_client(uow=uow, conversation_id=conversation_id, name=None, phone=ANA_PHONE)
        clock.advance(CODE_LIFETIME + timedelta(seconds=1))
        with pytest.raises(VerificationRefused) as refused:
            verify_code(uow=uow, conversation_id=conversation_id, code=sent_code(uow))
        assert refused.value.code == "code_expired"
        assert linked_client(uow, conversation_id) is None

    def test_too_many_wrong_codes_lock_the_code_even_for_the_right_one(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        identify_client(uow=uow, conversation_id=conversation_id, name=None, phone=ANA_PHONE)
        code = sent_code(uow)
        for _ in range(ATTEMPTS_PER_CODE):
            with pytest.raises(VerificationRefused):
                verify_code(uow=uow, conversation_id=conversation_id, code=wrong(code))
        with pytest.raises(VerificationRefused) as refused:
            verify_code(uow=uow, conversation_id=conversation_id, code=code)
        assert refused.value.code == "too_many_attempts"
        assert linked_client(uow, conversation_id) is None

    def test_a_new_code_replaces_the_old_one_and_codes_per_hour_are_limited(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        identify_client(uow=uow, conversation_id=conversation_id, name=None, phone=ANA_PHONE)
        first = sent_code(uow)
        for _ in range(CODES_PER_HOUR - 1):
            identify_client(uow=uow, conversation_id=conversation_id, name=None, phone=ANA_PHONE)
        with pytest.raises(VerificationRefused) as limited:
            identify_client(uow=uow, conversation_id=conversation_id, name=None, phone=ANA_PHONE)
        assert limited.value.code == "too_many_codes"
        if first != sent_code(uow):
            with pytest.raises(VerificationRefused):
                verify_code(uow=uow, conversation_id=conversation_id, code=first)
        linked = verify_code(uow=uow, conversation_id=conversation_id, code=sent_code(uow))
        assert linked.client_id == "ana"

    def test_a_claim_by_email_sends_the_code_to_the_phone_on_file(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        found = identify_client(
            uow=uow, conversation_id=conversation_id, name=None, email="ANA.SILVA@example.com"
        )
        assert found.status == "code_sent"
        with uow.reading() as reader:
            (message,) = reader.session.exec(select(OutboxMessage)).all()
            assert reader.session.get_one(Client, "ana").phone == message.payload["to"]


def test_codes_per_hour_count_per_client_whatever_the_chat(uow: UnitOfWork) -> None:
    chats = [visitor_says_hello(uow, f"attacker-{n}") for n in range(CODES_PER_HOUR + 1)]
    for chat in chats[:-1]:
        identify_client(uow=uow, conversation_id=chat, name=None, phone=ANA_PHONE)
    with pytest.raises(VerificationRefused) as limited:
        identify_client(uow=uow, conversation_id=chats[-1], name=None, phone=ANA_PHONE)
    assert limited.value.code == "too_many_codes"


def test_a_code_sent_names_nobody(uow: UnitOfWork, conversation_id: str) -> None:
    found = identify_client(uow=uow, conversation_id=conversation_id, name=None, phone=ANA_PHONE)
    assert found.name == ""
    assert found.client_id is None
