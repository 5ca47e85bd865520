"""A phone finds a client only once it is proven theirs, not because someone typed it in a chat.

Mallory registers a stranger's number in the web chat; the stranger's texts and Telegram chat
must not land in Mallory's client. Staff, world files, the carrier, a code sent to the phone
and Telegram (for the sender's own number) prove a phone.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from domain.clients.channel_links import client_of_chat, link_by_phone
from domain.clients.registration import create_client
from domain.clients.verification import identify_client, verify_code
from domain.conversations.transcripts import take_in
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Client,
    Conversation,
    OutboxMessage,
    StaffRole,
    StaffUser,
    find_identity,
)

pytestmark = pytest.mark.usefixtures("sample_world")
VICTIM = "+4915100000001"
VICTIM_AS_TELEGRAM_SENDS_IT = "4915100000001"
ADMIN = StaffUser(
    id="staff-admin",
    email="admin@example.org",
    name="Admin",
    role=StaffRole.ADMIN,
    created_at=datetime(2026, 3, 1, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")),
)


def says(uow: UnitOfWork, channel: str, address: str, text: str = "Hello") -> Conversation:
    return take_in(
        uow=uow, channel=channel, address=address, text=text, external_id=None
    ).conversation


def sms_owner(uow: UnitOfWork, phone: str) -> str | None:
    with uow.reading() as reader:
        identity = find_identity(reader.session, "sms", phone)
        return None if identity is None else identity.client_id


def sent_code(uow: UnitOfWork) -> str:
    with uow.reading() as reader:
        latest = reader.session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.event == "identity.code")
            .order_by(col(OutboxMessage.id).desc())
        ).first()
    assert latest is not None
    return str(latest.payload["code"])


@pytest.fixture
def mallory(uow: UnitOfWork) -> str:
    """Mallory registers in the web chat with the victim's phone number."""
    chat = says(uow, "web", "mallory-session")
    made = identify_client(uow=uow, conversation_id=chat.id, name="Mallory", phone=VICTIM)
    assert made.status == "registered"
    assert made.client_id is not None
    return made.client_id


class TestAClaimedPhoneIsNotProven:
    def test_self_registration_keeps_the_phone_without_an_sms_identity(
        self, uow: UnitOfWork, mallory: str
    ) -> None:
        with uow.reading() as reader:
            assert reader.session.get_one(Client, mallory).phone == VICTIM
        assert sms_owner(uow, VICTIM) is None

    def test_the_owners_text_does_not_land_in_mallorys_client(
        self, uow: UnitOfWork, mallory: str
    ) -> None:
        texting = says(uow, "sms", VICTIM, "Hi, I would like an appointment")

        assert texting.client_id is None

    def test_the_owner_naming_their_number_by_text_gets_a_client_of_their_own(
        self, uow: UnitOfWork, mallory: str
    ) -> None:
        texting = says(uow, "sms", VICTIM)

        found = identify_client(uow=uow, conversation_id=texting.id, name="Vera", phone=VICTIM)

        assert found.status == "registered"
        assert found.client_id not in (None, mallory)
        assert sms_owner(uow, VICTIM) == found.client_id
        assert says(uow, "sms", VICTIM, "again").client_id == found.client_id

    def test_the_owners_telegram_contact_does_not_link_to_mallory(
        self, uow: UnitOfWork, mallory: str
    ) -> None:
        own = client_of_chat(uow=uow, channel="telegram", address="900001", name="Vera")

        linked = link_by_phone(
            uow=uow, channel="telegram", address="900001", phone=VICTIM_AS_TELEGRAM_SENDS_IT
        )

        assert (linked.status, linked.client_id) == ("phone_noted", own.client_id)
        # Telegram vouched for it: the number is now proven for the chat's own client.
        assert sms_owner(uow, VICTIM) == own.client_id
        assert says(uow, "sms", VICTIM).client_id == own.client_id


class TestAProvenPhoneFindsItsClient:
    def test_a_world_clients_phone_matches_their_first_text(self, uow: UnitOfWork) -> None:
        assert says(uow, "sms", "+4915112345678").client_id == "ana"

    def test_a_staff_created_clients_phone_matches_their_first_text(self, uow: UnitOfWork) -> None:
        made = create_client(
            uow=uow,
            staff=ADMIN,
            name="Paul Telefon",
            phone="+49 170 5550001",
            email=None,
            profile={},
            idempotency_key="paul",
        )

        assert says(uow, "sms", "+491705550001").client_id == made.id

    def test_a_phone_verified_by_code_matches_texts_and_telegram(
        self, uow: UnitOfWork, mallory: str
    ) -> None:
        # Entering the code sent to the phone proves it for the one who entered it, in the
        # conversation they entered it in: never for the record that first typed the number.
        later = says(uow, "web", "owner-browser")
        claimed = identify_client(uow=uow, conversation_id=later.id, name="Vera", phone=VICTIM)
        assert claimed.status == "registered"

        verified = verify_code(uow=uow, conversation_id=later.id, code=sent_code(uow))

        assert verified.client_id not in (None, mallory)
        assert sms_owner(uow, VICTIM) == verified.client_id
        assert says(uow, "sms", VICTIM).client_id == verified.client_id
        client_of_chat(uow=uow, channel="telegram", address="900002", name="V.")
        linked = link_by_phone(
            uow=uow, channel="telegram", address="900002", phone=VICTIM_AS_TELEGRAM_SENDS_IT
        )
        assert (linked.status, linked.client_id) == ("linked", verified.client_id)
        with uow.reading() as reader:
            assert reader.session.get_one(Client, mallory).phone is None


def test_a_national_number_from_telegram_is_read_in_the_practices_region_not_made_plus_zero(
    uow: UnitOfWork,
) -> None:
    own = client_of_chat(uow=uow, channel="telegram", address="900003", name="Nora")

    link_by_phone(uow=uow, channel="telegram", address="900003", phone="0170 5550002")

    with uow.reading() as reader:
        assert reader.session.get_one(Client, own.client_id).phone == "+491705550002"
    assert sms_owner(uow, "+491705550002") == own.client_id
