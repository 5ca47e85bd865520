"""Linking a Telegram chat to a client: its own client at first, then by phone or by link code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from domain.clients.channel_links import (
    LinkRefused,
    client_of_chat,
    create_link_code,
    link_by_phone,
    redeem_link_code,
)
from domain.conversations.transcripts import take_in
from domain.kernel.clock import FrozenClock
from domain.kernel.uow import UnitOfWork
from domain.models import (
    AuditEvent,
    ChannelLinkCode,
    Client,
    Conversation,
    find_identity,
)
from testkit.stored import identity_at

pytestmark = pytest.mark.usefixtures("sample_world")
ANA_PHONE_AS_TELEGRAM_SENDS_IT = "4915112345678"  # Ana's +49 151 12345678, without the '+'
ANAS_CHAT = "700001"  # the sample world links it to Ana, who has a booking


def owner(uow: UnitOfWork, chat: str) -> str:
    with uow.reading() as reader:
        return identity_at(reader.session, "telegram", chat).client_id


class TestAChatsOwnClient:
    def test_a_new_chat_gets_a_client_named_from_its_profile_once(self, uow: UnitOfWork) -> None:
        first = client_of_chat(uow=uow, channel="telegram", address="800001", name="Lea Kurz")
        again = client_of_chat(uow=uow, channel="telegram", address="800001", name="Renamed")

        assert first.created
        assert (again.client_id, again.name, again.created) == (first.client_id, "Lea Kurz", False)
        assert owner(uow, "800001") == first.client_id

    def test_a_known_chat_finds_its_client(self, uow: UnitOfWork) -> None:
        found = client_of_chat(uow=uow, channel="telegram", address=ANAS_CHAT, name="Whoever")

        assert (found.client_id, found.created) == ("ana", False)


class TestLinkingByPhone:
    def test_the_phone_on_file_moves_the_chat_and_its_conversation_to_that_client(
        self, uow: UnitOfWork
    ) -> None:
        client_of_chat(uow=uow, channel="telegram", address="800002", name="Ana S.")
        talking = take_in(
            uow=uow, channel="telegram", address="800002", text="hello", external_id=None
        )

        linked = link_by_phone(
            uow=uow, channel="telegram", address="800002", phone=ANA_PHONE_AS_TELEGRAM_SENDS_IT
        )

        assert (linked.status, linked.client_id) == ("linked", "ana")
        assert owner(uow, "800002") == "ana"
        with uow.reading() as reader:
            conversation = reader.session.get_one(Conversation, talking.conversation.id)
            assert conversation.client_id == "ana"
            audited = reader.session.exec(
                select(AuditEvent).where(AuditEvent.action == "client.identity_linked")
            ).one()
            assert (audited.subject_id, audited.details["how"]) == ("ana", "phone")

    def test_sharing_it_again_changes_nothing(self, uow: UnitOfWork) -> None:
        linked = link_by_phone(
            uow=uow, channel="telegram", address=ANAS_CHAT, phone="+49 151 12345678"
        )

        assert linked.status == "already_linked"

    def test_a_chat_whose_client_has_bookings_is_not_moved(self, uow: UnitOfWork) -> None:
        with pytest.raises(LinkRefused) as refused:
            link_by_phone(uow=uow, channel="telegram", address=ANAS_CHAT, phone="+4915198765432")

        assert refused.value.code == "chat_has_bookings"
        assert owner(uow, ANAS_CHAT) == "ana"

    def test_a_number_nobody_has_is_kept_as_the_chats_clients_phone(self, uow: UnitOfWork) -> None:
        made = client_of_chat(uow=uow, channel="telegram", address="800003", name="Neu")

        noted = link_by_phone(uow=uow, channel="telegram", address="800003", phone="491700000003")

        assert (noted.status, noted.client_id) == ("phone_noted", made.client_id)
        with uow.reading() as reader:
            assert reader.session.get_one(Client, made.client_id).phone == "+491700000003"
            sms = identity_at(reader.session, "sms", "+491700000003")
            assert sms.client_id == made.client_id


class TestLinkCodes:
    def test_a_code_links_a_chat_once_and_is_kept_only_as_a_hash(self, uow: UnitOfWork) -> None:
        code = create_link_code(uow=uow, client_id="tom")

        linked = redeem_link_code(uow=uow, channel="telegram", address="800004", code=code)
        with pytest.raises(LinkRefused) as again:
            redeem_link_code(uow=uow, channel="telegram", address="800005", code=code)

        assert (linked.status, linked.client_id) == ("linked", "tom")
        assert owner(uow, "800004") == "tom"
        assert again.value.code == "used_code"
        with uow.reading() as reader:
            assert find_identity(reader.session, "telegram", "800005") is None
            stored = reader.session.exec(select(ChannelLinkCode)).one()
            assert code not in stored.code_hash
            assert stored.used_at is not None

    def test_an_expired_code_links_nobody(self, uow: UnitOfWork, clock: FrozenClock) -> None:
        code = create_link_code(uow=uow, client_id="tom")
        clock.advance(timedelta(minutes=15))

        with pytest.raises(LinkRefused) as refused:
            redeem_link_code(uow=uow, channel="telegram", address="800006", code=code)

        assert refused.value.code == "expired_code"
        with uow.reading() as reader:
            assert find_identity(reader.session, "telegram", "800006") is None

    def test_an_unknown_code_links_nobody(self, uow: UnitOfWork) -> None:
        create_link_code(uow=uow, client_id="tom")

        with pytest.raises(LinkRefused) as refused:
            redeem_link_code(uow=uow, channel="telegram", address="800007", code="guessed-code")

        assert refused.value.code == "unknown_code"

    def test_a_code_does_not_take_a_chat_from_a_client_with_bookings(self, uow: UnitOfWork) -> None:
        code = create_link_code(uow=uow, client_id="tom")

        with pytest.raises(LinkRefused) as refused:
            redeem_link_code(uow=uow, channel="telegram", address=ANAS_CHAT, code=code)

        assert refused.value.code == "chat_has_bookings"
        assert owner(uow, ANAS_CHAT) == "ana"
