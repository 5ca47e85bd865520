"""Proving who a chat visitor is: a typed contact is a claim; the code sent to it proves it.

The attacks these pin down: a visitor typing someone else's phone or email must learn nothing
about them (not even whether they are on file), must never be joined to them when the owner
later proves the contact, and must not be able to use up the owner's codes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from domain.clients.verification import (
    ATTEMPTS_PER_CODE,
    CODE_LIFETIME,
    CODES_PER_CONTACT,
    CODES_PER_CONVERSATION,
    VerificationRefused,
    identify_client,
    verify_code,
)
from domain.conversations.transcripts import take_in
from domain.kernel.clock import FrozenClock
from domain.kernel.errors import InvalidInput
from domain.kernel.uow import UnitOfWork
from domain.models import Client, Conversation, OutboxMessage, find_identity
from domain.notifications.codes import destination_of
from testkit.stored import identity_at

pytestmark = pytest.mark.usefixtures("sample_world")
ANA_PHONE = "+49 151 12345678"
ANA_EMAIL = "ana.silva@example.com"
NEW_PHONE = "+49 170 5550123"
NOBODYS_PHONE = "+49 151 12345578"  # ends like Ana's


def visitor_says_hello(uow: UnitOfWork, address: str) -> str:
    """A web visitor's first message starts their conversation."""
    said = take_in(uow=uow, channel="web", address=address, text="Hello", external_id=None)
    return said.conversation.id


@pytest.fixture
def conversation_id(uow: UnitOfWork) -> str:
    return visitor_says_hello(uow, "session-hash-1")


def last_code(uow: UnitOfWork) -> dict[str, Any]:
    """The latest code message, with the contact it goes to (kept in the sealed code row)."""
    with uow.reading() as reader:
        latest = reader.session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.event == "identity.code")
            .order_by(col(OutboxMessage.id).desc())
        ).first()
        assert latest is not None
        assert "to" not in latest.payload  # no contact a visitor typed sits in clear
        return {**latest.payload, "to": destination_of(reader.session, latest.payload)}


def sent_code(uow: UnitOfWork) -> str:
    return str(last_code(uow)["code"])


def linked_client(uow: UnitOfWork, conversation_id: str) -> str | None:
    with uow.reading() as reader:
        return reader.session.get_one(Conversation, conversation_id).client_id


def web_session_owner(uow: UnitOfWork, address: str) -> str | None:
    with uow.reading() as reader:
        identity = find_identity(reader.session, "web", address)
        return None if identity is None else identity.client_id


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


class TestNewVisitors:
    def test_a_new_visitor_gets_a_record_at_once_and_a_code_to_the_phone_typed(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        found = identify_client(
            uow=uow, conversation_id=conversation_id, name="Nora New", phone=NEW_PHONE
        )
        assert (found.status, found.name) == ("registered", "Nora New")
        assert found.sent_to == "the phone number you gave, ending in 23"
        assert linked_client(uow, conversation_id) == found.client_id
        assert web_session_owner(uow, "session-hash-1") == found.client_id
        assert last_code(uow)["to"] == "+491705550123"

    def test_a_new_visitor_needs_a_name_and_a_phone_or_email(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        with pytest.raises(InvalidInput, match="full name"):
            identify_client(
                uow=uow, conversation_id=conversation_id, name=None, phone="+49 170 5550101"
            )
        with pytest.raises(InvalidInput, match="phone number or email"):
            identify_client(uow=uow, conversation_id=conversation_id, name="Nora New")

    def test_entering_the_code_proves_the_phone_for_the_visitors_own_record(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        found = identify_client(
            uow=uow, conversation_id=conversation_id, name="Nora New", phone=NEW_PHONE
        )
        linked = verify_code(uow=uow, conversation_id=conversation_id, code=sent_code(uow))
        assert (linked.status, linked.client_id) == ("linked", found.client_id)
        with uow.reading() as reader:
            proven = find_identity(reader.session, "sms", "+491705550123")
            assert proven is not None
            assert proven.client_id == found.client_id


class TestAClaimOfAKnownContact:
    def test_gets_exactly_the_answer_an_unknown_one_gets(self, uow: UnitOfWork) -> None:
        unknown = identify_client(
            uow=uow,
            conversation_id=visitor_says_hello(uow, "a"),
            name="Ana Silva",
            phone=NOBODYS_PHONE,
        )
        known = identify_client(
            uow=uow,
            conversation_id=visitor_says_hello(uow, "b"),
            name="Ana Silva",
            phone=ANA_PHONE,
        )
        assert (known.status, known.name, known.sent_to) == (
            unknown.status,
            unknown.name,
            unknown.sent_to,
        )

    def test_takes_the_same_steps_as_an_unknown_one(self, uow: UnitOfWork) -> None:
        """Timing follows the work done: the same statements for a known and a new contact."""
        statements: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements.append(statement.split()[0])

        runs = []
        for session, phone in (("a", NOBODYS_PHONE), ("b", ANA_PHONE)):
            chat = visitor_says_hello(uow, session)
            statements.clear()
            event.listen(uow.engine, "before_cursor_execute", count)
            try:
                identify_client(uow=uow, conversation_id=chat, name="Ana Silva", phone=phone)
            finally:
                event.remove(uow.engine, "before_cursor_execute", count)
            runs.append(list(statements))
        assert runs[0] == runs[1]

    def test_links_a_record_of_ones_own_holding_nothing_of_the_owner(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        found = identify_client(
            uow=uow, conversation_id=conversation_id, name="Ana Silva", phone=ANA_PHONE
        )
        assert found.client_id not in (None, "ana")
        assert linked_client(uow, conversation_id) == found.client_id
        with uow.reading() as reader:
            record = reader.session.get_one(Client, found.client_id)
            assert record.profile == {}
            assert identity_at(reader.session, "sms", "+4915112345678").client_id == ("ana")

    def test_the_right_code_links_the_conversation_to_the_proven_client(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        own = identify_client(
            uow=uow, conversation_id=conversation_id, name="Ana Silva", phone=ANA_PHONE
        )
        linked = verify_code(uow=uow, conversation_id=conversation_id, code=sent_code(uow))
        assert (linked.status, linked.client_id) == ("linked", "ana")
        assert linked_client(uow, conversation_id) == "ana"
        assert web_session_owner(uow, "session-hash-1") == "ana"
        with uow.reading() as reader:
            # The empty record made a moment ago is folded into Ana's: no twin in the lists.
            assert reader.session.get(Client, own.client_id) is None
        with pytest.raises(VerificationRefused) as reused:
            verify_code(uow=uow, conversation_id=conversation_id, code=sent_code(uow))
        assert reused.value.code == "no_code"

    def test_a_claim_by_email_sends_the_code_to_that_email_not_to_a_phone(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        found = identify_client(
            uow=uow, conversation_id=conversation_id, name="Ana", email="ANA.SILVA@example.com"
        )
        assert found.sent_to == "the email address you gave, at example.com"
        assert (last_code(uow)["channel"], last_code(uow)["to"]) == ("email", ANA_EMAIL)


class TestPreRegistrationTakeover:
    """Mallory types the victim's contact first; the victim proves it later."""

    @pytest.mark.parametrize(
        "contact",
        [{"phone": "+49 170 5550400"}, {"email": "victor@example.org"}],
        ids=["phone", "email"],
    )
    def test_the_prover_gets_a_clean_record_and_the_claimant_is_cut_off(
        self, uow: UnitOfWork, contact: dict[str, str]
    ) -> None:
        mallory_chat = visitor_says_hello(uow, "mallory-session")
        mallory = identify_client(
            uow=uow, conversation_id=mallory_chat, name="Victor Victim", **contact
        )
        assert mallory.client_id is not None

        victor_chat = visitor_says_hello(uow, "victor-session")
        identify_client(uow=uow, conversation_id=victor_chat, name="Victor Victim", **contact)
        victor = verify_code(uow=uow, conversation_id=victor_chat, code=sent_code(uow))

        assert victor.client_id != mallory.client_id
        assert linked_client(uow, mallory_chat) is None
        assert web_session_owner(uow, "mallory-session") is None
        assert web_session_owner(uow, "victor-session") == victor.client_id
        with uow.reading() as reader:
            left = reader.session.get_one(Client, mallory.client_id)
            assert (left.phone, left.email) == (None, None)
        # Mallory's next message starts anonymous: she is asked who she is, and a new claim
        # gets her a new record of her own again, never Victor's.
        again = identify_client(
            uow=uow, conversation_id=mallory_chat, name="Victor Victim", **contact
        )
        assert again.client_id not in (None, victor.client_id, mallory.client_id)

    def test_a_claimed_email_never_sends_the_owners_codes_to_the_claimants_phone(
        self, uow: UnitOfWork
    ) -> None:
        mallory_chat = visitor_says_hello(uow, "mallory-session")
        identify_client(
            uow=uow,
            conversation_id=mallory_chat,
            name="Victor Victim",
            phone="+49 170 5550666",  # Mallory's own
            email="victor@example.org",
        )
        with uow.reading() as reader:
            assert find_identity(reader.session, "email", "victor@example.org") is None

        victor_chat = visitor_says_hello(uow, "victor-session")
        identify_client(
            uow=uow, conversation_id=victor_chat, name="Victor", email="victor@example.org"
        )

        assert last_code(uow)["to"] == "victor@example.org"


class TestCodes:
    def test_a_wrong_code_is_refused_with_the_tries_left(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        own = identify_client(uow=uow, conversation_id=conversation_id, name="A", phone=ANA_PHONE)
        with pytest.raises(VerificationRefused) as refused:
            verify_code(uow=uow, conversation_id=conversation_id, code=wrong(sent_code(uow)))
        assert refused.value.code == "wrong_code"
        assert f"{ATTEMPTS_PER_CODE - 1} tries left" in refused.value.message
        assert linked_client(uow, conversation_id) == own.client_id

    def test_an_expired_code_is_refused(
        self, uow: UnitOfWork, conversation_id: str, clock: FrozenClock
    ) -> None:
        identify_client(uow=uow, conversation_id=conversation_id, name="A", phone=ANA_PHONE)
        clock.advance(CODE_LIFETIME + timedelta(seconds=1))
        with pytest.raises(VerificationRefused) as refused:
            verify_code(uow=uow, conversation_id=conversation_id, code=sent_code(uow))
        assert refused.value.code == "code_expired"
        assert linked_client(uow, conversation_id) != "ana"

    def test_too_many_wrong_codes_lock_the_code_even_for_the_right_one(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        identify_client(uow=uow, conversation_id=conversation_id, name="A", phone=ANA_PHONE)
        code = sent_code(uow)
        for _ in range(ATTEMPTS_PER_CODE):
            with pytest.raises(VerificationRefused):
                verify_code(uow=uow, conversation_id=conversation_id, code=wrong(code))
        with pytest.raises(VerificationRefused) as refused:
            verify_code(uow=uow, conversation_id=conversation_id, code=code)
        assert refused.value.code == "too_many_attempts"
        assert linked_client(uow, conversation_id) != "ana"

    def test_a_new_code_replaces_the_old_one_and_one_chat_gets_a_few(
        self, uow: UnitOfWork, conversation_id: str
    ) -> None:
        identify_client(uow=uow, conversation_id=conversation_id, name="A", phone=ANA_PHONE)
        first = sent_code(uow)
        for _ in range(CODES_PER_CONVERSATION - 1):
            again = identify_client(
                uow=uow, conversation_id=conversation_id, name=None, phone=ANA_PHONE
            )
            assert again.status == "code_sent"
        with pytest.raises(VerificationRefused) as limited:
            identify_client(uow=uow, conversation_id=conversation_id, name=None, phone=ANA_PHONE)
        assert limited.value.code == "too_many_codes"
        if first != sent_code(uow):
            with pytest.raises(VerificationRefused):
                verify_code(uow=uow, conversation_id=conversation_id, code=first)
        linked = verify_code(uow=uow, conversation_id=conversation_id, code=sent_code(uow))
        assert linked.client_id == "ana"


class TestLockout:
    def test_a_strangers_code_requests_do_not_lock_the_owner_out(self, uow: UnitOfWork) -> None:
        stranger = visitor_says_hello(uow, "stranger")
        identify_client(uow=uow, conversation_id=stranger, name="X", phone=ANA_PHONE)
        for _ in range(CODES_PER_CONVERSATION - 1):
            identify_client(uow=uow, conversation_id=stranger, name=None, phone=ANA_PHONE)

        ana_chat = visitor_says_hello(uow, "ana-browser")
        identify_client(uow=uow, conversation_id=ana_chat, name="Ana Silva", phone=ANA_PHONE)
        linked = verify_code(uow=uow, conversation_id=ana_chat, code=sent_code(uow))

        assert linked.client_id == "ana"

    def test_codes_to_one_contact_are_bounded_whatever_the_chats(self, uow: UnitOfWork) -> None:
        chats = [visitor_says_hello(uow, f"attacker-{n}") for n in range(CODES_PER_CONTACT + 1)]
        for chat in chats[:-1]:
            identify_client(uow=uow, conversation_id=chat, name="X", phone=ANA_PHONE)
        with pytest.raises(VerificationRefused) as limited:
            identify_client(uow=uow, conversation_id=chats[-1], name="X", phone=ANA_PHONE)
        assert limited.value.code == "too_many_codes"
        with uow.reading() as reader:
            sent = reader.session.exec(
                select(OutboxMessage).where(OutboxMessage.event == "identity.code")
            ).all()
        assert len(sent) == CODES_PER_CONTACT


def test_a_proven_client_is_not_asked_again(uow: UnitOfWork, conversation_id: str) -> None:
    identify_client(uow=uow, conversation_id=conversation_id, name="A", phone=ANA_PHONE)
    verify_code(uow=uow, conversation_id=conversation_id, code=sent_code(uow))
    again = identify_client(uow=uow, conversation_id=conversation_id, name=None, phone=NEW_PHONE)
    assert (again.status, again.client_id) == ("already_known", "ana")
