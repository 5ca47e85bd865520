"""Notification preferences: defaults, changes in order, who may read and change them.

In the sample world Ana has an email, a phone and a linked Telegram chat, and a confirmed
visit with Dr. Keller; Tom has an email and a phone, and no booking.
"""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from domain.clients.preferences import (
    EVENT_NAMES,
    PreferenceChange,
    change_preferences,
    channels_for,
    preferences_of,
)
from domain.kernel.actors import SYSTEM, Actor, client_actor
from domain.kernel.errors import Forbidden, InvalidInput, NotFound
from domain.kernel.uow import UnitOfWork
from domain.models import AuditEvent, Client, SmsOptOut, StaffRole
from domain.staff.accounts import create_staff

pytestmark = pytest.mark.usefixtures("sample_world")
ANA = client_actor("ana", "web")
TOM = client_actor("tom", "web")
REMINDER = "booking.reminder"


def staff(uow: UnitOfWork, role: StaffRole, provider_id: str | None = None) -> Actor:
    made = create_staff(
        uow=uow,
        actor=SYSTEM,
        email=f"{role}-{provider_id or 'all'}@example.com",
        name="Someone",
        role=role,
        password=None,
        provider_id=provider_id,
    )
    return Actor(kind="staff", id=made.id, channel="api")


def delivered(uow: UnitOfWork, client_id: str, event: str) -> dict[str, str]:
    with uow.reading() as reader:
        return channels_for(reader.session, reader.session.get_one(Client, client_id), event)


class TestDefaults:
    def test_a_linked_chat_and_an_email_carry_everything_and_texts_stay_off(
        self, uow: UnitOfWork
    ) -> None:
        found = preferences_of(uow=uow, actor=ANA, client_id="ana")
        assert {e: found.delivered_on(e) for e in EVENT_NAMES} == {
            e: ["email", "telegram"] for e in EVENT_NAMES
        }
        assert set(found.reachable) == {"email", "sms", "telegram"}
        assert found.chosen == frozenset()

    def test_an_opted_out_number_does_not_reach_the_client(self, uow: UnitOfWork) -> None:
        with uow:
            uow.session.add(SmsOptOut(phone="+4915198765432", opted_out_at=uow.now()))
            uow.commit()
        assert "sms" not in preferences_of(uow=uow, actor=TOM, client_id="tom").reachable


class TestChanging:
    def test_stopping_the_reminders_turns_them_off_everywhere_and_is_audited(
        self, uow: UnitOfWork
    ) -> None:
        change_preferences(
            uow=uow,
            actor=ANA,
            client_id="ana",
            changes=[PreferenceChange(enabled=False, event=REMINDER)],
        )
        assert delivered(uow, "ana", REMINDER) == {}
        assert set(delivered(uow, "ana", "booking.confirmed")) == {"email", "telegram"}
        with uow.reading() as reader:
            audited = reader.session.exec(
                select(AuditEvent).where(
                    col(AuditEvent.action) == "client.notification_preferences_changed"
                )
            ).one()
        assert (audited.actor_kind, audited.subject_id, audited.channel) == ("client", "ana", "web")
        assert audited.details == {
            "changes": [{"event": REMINDER, "channel": None, "enabled": False}]
        }

    def test_changes_apply_in_order_so_a_later_one_wins(self, uow: UnitOfWork) -> None:
        found = change_preferences(
            uow=uow,
            actor=TOM,
            client_id="tom",
            changes=[
                PreferenceChange(enabled=False),
                PreferenceChange(enabled=True, channel="sms"),
            ],
        )
        assert {e: found.delivered_on(e) for e in EVENT_NAMES} == {e: ["sms"] for e in EVENT_NAMES}
        assert delivered(uow, "tom", "booking.confirmed") == {"sms": "+4915198765432"}

    @pytest.mark.parametrize(
        ("changed", "field"),
        [
            (PreferenceChange(enabled=False, event="booking.party"), "event"),
            (PreferenceChange(enabled=False, channel="pigeon"), "channel"),
        ],
    )
    def test_an_unknown_event_or_channel_is_refused_by_name(
        self, uow: UnitOfWork, changed: PreferenceChange, field: str
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            change_preferences(uow=uow, actor=TOM, client_id="tom", changes=[changed])
        assert refused.value.field == field
        assert str(changed.event or changed.channel) in refused.value.message


class TestUnreachableChannels:
    def test_a_client_cannot_turn_on_telegram_before_linking_it(self, uow: UnitOfWork) -> None:
        with pytest.raises(InvalidInput) as refused:
            change_preferences(
                uow=uow,
                actor=TOM,
                client_id="tom",
                changes=[
                    PreferenceChange(enabled=False, channel="email"),
                    PreferenceChange(enabled=True, channel="telegram"),
                ],
            )
        assert "Telegram isn't linked" in refused.value.message
        assert preferences_of(uow=uow, actor=TOM, client_id="tom").chosen == frozenset()

    def test_a_client_without_a_phone_hears_so_when_asking_for_texts(self, uow: UnitOfWork) -> None:
        with uow:
            uow.session.get_one(Client, "tom").phone = None
            uow.commit()
        with pytest.raises(InvalidInput) as refused:
            change_preferences(
                uow=uow, actor=TOM, client_id="tom", changes=[PreferenceChange(True, None, "sms")]
            )
        assert refused.value.message.startswith("I don't have a phone number for you")

    def test_staff_may_set_a_channel_ahead_of_the_client_linking_it(self, uow: UnitOfWork) -> None:
        admin = staff(uow, StaffRole.ADMIN)
        found = change_preferences(
            uow=uow,
            actor=admin,
            client_id="tom",
            changes=[PreferenceChange(True, None, "telegram")],
        )
        assert found.choices["booking.confirmed"]["telegram"] is True
        assert "telegram" not in found.delivered_on("booking.confirmed")


class TestWhoMay:
    def test_a_client_cannot_read_or_change_another_clients_preferences(
        self, uow: UnitOfWork
    ) -> None:
        with pytest.raises(NotFound):
            preferences_of(uow=uow, actor=TOM, client_id="ana")
        with pytest.raises(NotFound):
            change_preferences(
                uow=uow, actor=TOM, client_id="ana", changes=[PreferenceChange(False)]
            )
        assert delivered(uow, "ana", REMINDER) != {}

    def test_a_provider_reaches_only_clients_who_had_an_appointment_with_them(
        self, uow: UnitOfWork
    ) -> None:
        keller = staff(uow, StaffRole.PROVIDER, "dr-keller")
        assert preferences_of(uow=uow, actor=keller, client_id="ana").client_id == "ana"
        with pytest.raises(NotFound):
            preferences_of(uow=uow, actor=keller, client_id="tom")
        with pytest.raises(NotFound):
            change_preferences(
                uow=uow, actor=keller, client_id="tom", changes=[PreferenceChange(False)]
            )

    def test_an_admin_reaches_every_client(self, uow: UnitOfWork) -> None:
        admin = staff(uow, StaffRole.ADMIN)
        assert preferences_of(uow=uow, actor=admin, client_id="tom").client_id == "tom"

    def test_a_staff_actor_without_an_account_is_refused(self, uow: UnitOfWork) -> None:
        with pytest.raises(Forbidden):
            preferences_of(uow=uow, actor=Actor(kind="staff", id="ghost"), client_id="tom")
