"""Clients: identities on channels lead to one client; profiles take only sane fields."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.booking.drafts import fill_intake
from domain.booking.holds import hold_slot
from domain.clients.records import (
    find_client_by_identity,
    get_client,
    link_identity,
    read_client,
    update_client,
    update_profile,
)
from domain.clients.registration import (
    ContactField,
    checked_contact,
    create_client,
    merged_profile,
)
from domain.kernel.actors import Actor, client_actor
from domain.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import StaleVersion
from domain.models import Client, StaffRole, StaffUser

pytestmark = pytest.mark.usefixtures("sample_world")
STAFF = Actor(kind="staff", id="admin")
SIGNED_UP = datetime(2026, 1, 5, tzinfo=UTC)
ADMIN = StaffUser(
    id="admin", email="a@example.org", name="Admin", role=StaffRole.ADMIN, created_at=SIGNED_UP
)
# Ana had an appointment with Dr. Keller in the sample world; Tom never did.
KELLER = StaffUser(
    id="keller",
    email="k@example.org",
    name="Keller",
    role=StaffRole.PROVIDER,
    provider_id="dr-keller",
    created_at=SIGNED_UP,
)


def create(uow: UnitOfWork, staff: StaffUser, *, phone: str, email: str | None = None) -> Client:
    return create_client(
        uow=uow,
        staff=staff,
        name="New Caller",
        phone=phone,
        email=email,
        profile={},
        idempotency_key=f"{staff.id}:{phone}:{email}",
    )


def test_each_channel_address_leads_to_its_client(uow: UnitOfWork) -> None:
    by_telegram = find_client_by_identity(uow=uow, channel="telegram", address="700001")
    by_phone = find_client_by_identity(uow=uow, channel="sms", address="+4915198765432")
    assert (by_telegram and by_telegram.id, by_phone and by_phone.id) == ("ana", "tom")
    assert find_client_by_identity(uow=uow, channel="telegram", address="1") is None


def test_a_web_session_is_linked_once_and_never_to_two_clients(uow: UnitOfWork) -> None:
    link_identity(uow=uow, actor=STAFF, client_id="tom", channel="web", address="session-abc")
    link_identity(uow=uow, actor=STAFF, client_id="tom", channel="web", address="session-abc")
    found = find_client_by_identity(uow=uow, channel="web", address="session-abc")
    assert found is not None
    assert found.id == "tom"
    with pytest.raises(InvalidInput, match="belongs to another client"):
        link_identity(uow=uow, actor=STAFF, client_id="ana", channel="web", address="session-abc")


def test_profile_answers_are_merged_into_what_is_known(uow: UnitOfWork) -> None:
    tom = client_actor("tom", "sms")
    update_profile(uow=uow, actor=tom, client_id="tom", values={"insurance_number": "TK-5566778"})
    profile = get_client(uow=uow, actor=tom, client_id="tom").profile
    assert profile == {"date_of_birth": "1978-11-30", "insurance_number": "TK-5566778"}


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"Robert'); DROP": "x"}, "not a valid profile field name"),
        ({"address": ["a", "list"]}, "must be text or a number"),
    ],
)
def test_odd_profile_fields_are_refused(
    uow: UnitOfWork, values: dict[str, object], words: str
) -> None:
    with pytest.raises(InvalidInput, match=words):
        update_profile(uow=uow, actor=STAFF, client_id="tom", values=values)


def test_a_client_cannot_read_or_change_another_clients_profile(uow: UnitOfWork) -> None:
    tom = client_actor("tom", "web")
    with pytest.raises(NotFound):
        get_client(uow=uow, actor=tom, client_id="ana")
    with pytest.raises(NotFound):
        update_profile(uow=uow, actor=tom, client_id="ana", values={"address": "x"})
    assert get_client(uow=uow, actor=STAFF, client_id="ana").profile["insurance_number"] == (
        "A123456789"
    )


def test_a_client_cannot_attach_an_address_to_someone_else(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound):
        link_identity(
            uow=uow,
            actor=client_actor("tom", "telegram"),
            client_id="ana",
            channel="telegram",
            address="tom-telegram",
        )
    assert find_client_by_identity(uow=uow, channel="telegram", address="tom-telegram") is None


class TestOneProfileMerge:
    def test_answers_are_trimmed_blank_ones_keep_what_is_known_and_none_removes(self) -> None:
        current = {"date_of_birth": "1978-11-30", "address": "Alte Strasse 1"}
        edits = {"insurance_number": "  TK-1 ", "address": " ", "date_of_birth": None, "floor": 2}
        assert merged_profile(current, edits) == {
            "address": "Alte Strasse 1",
            "insurance_number": "TK-1",
            "floor": "2",
        }

    def test_a_field_with_an_odd_name_is_refused_even_to_remove_it(self) -> None:
        with pytest.raises(InvalidInput, match="not a valid profile field name"):
            merged_profile({}, {"Robert'); DROP": None})


class TestOneContactCheck:
    @pytest.mark.parametrize(
        ("field", "raw", "stored"),
        [
            ("phone", " 0049 (170) 555-0101 ", "+491705550101"),
            ("phone", "0170 555-0101", "+491705550101"),
            ("email", " Greta@Example.com ", "greta@example.com"),
            ("phone", "  ", None),
            ("email", None, None),
        ],
    )
    def test_contacts_are_stored_one_way(
        self, field: ContactField, raw: str | None, stored: str | None
    ) -> None:
        assert checked_contact(field, raw, region="DE") == stored

    @pytest.mark.parametrize(
        ("field", "raw", "words"),
        [("phone", "call me", "phone number"), ("email", "nobody-at-example", "email address")],
    )
    def test_a_bad_contact_is_refused_by_field(
        self, field: ContactField, raw: str, words: str
    ) -> None:
        with pytest.raises(InvalidInput, match=f"does not look like an? {words}") as refused:
            checked_contact(field, raw, region="DE")
        assert refused.value.field == field


class TestEveryProfileChangeCounts:
    def test_the_agent_saving_an_answer_makes_what_staff_read_before_stale(
        self, uow: UnitOfWork
    ) -> None:
        read = read_client(uow=uow, staff=ADMIN, client_id="tom")
        tom = client_actor("tom", "sms")
        update_profile(uow=uow, actor=tom, client_id="tom", values={"address": "Neue Strasse 2"})
        with pytest.raises(StaleVersion, match="you sent version 1; it is now version 2"):
            update_client(
                uow=uow,
                staff=ADMIN,
                client_id="tom",
                expected_version=read.version,
                changes={"profile": {"address": "Alte Strasse 1"}},
            )
        assert get_client(uow=uow, actor=STAFF, client_id="tom").profile["address"] == (
            "Neue Strasse 2"
        )

    def test_intake_answers_count_as_a_change_of_the_client_too(self, uow: UnitOfWork) -> None:
        tom = client_actor("tom", "sms")
        hold = hold_slot(
            uow=uow,
            actor=tom,
            client_id="tom",
            provider_id="dr-weber",
            service_id="derm-consult",
            start=datetime(2026, 3, 3, 14, 30, tzinfo=ZoneInfo("Europe/Berlin")),
            idempotency_key="tom-derm",
        )
        fill_intake(uow=uow, actor=tom, booking_id=hold.id, values={"insurance_number": "TK-1"})
        client = get_client(uow=uow, actor=STAFF, client_id="tom")
        assert (client.version, client.profile["insurance_number"]) == (2, "TK-1")

    def test_a_staff_correction_merges_the_profile_the_same_way(self, uow: UnitOfWork) -> None:
        corrected = update_client(
            uow=uow,
            staff=ADMIN,
            client_id="tom",
            expected_version=1,
            changes={"profile": {"address": " Neue Strasse 2 ", "date_of_birth": None}},
        )
        assert (corrected.version, corrected.profile) == (2, {"address": "Neue Strasse 2"})


class TestContactDetailsAreAnAdminsToChange:
    def test_a_provider_may_not_move_a_clients_phone_or_email(self, uow: UnitOfWork) -> None:
        for changes in ({"phone": "+491705550000"}, {"email": "mine@example.com"}):
            with pytest.raises(Forbidden, match="Only an admin may change a client's") as refused:
                update_client(
                    uow=uow, staff=KELLER, client_id="ana", expected_version=1, changes=changes
                )
            assert ("phone number" in refused.value.message) == ("phone" in changes)
        ana = get_client(uow=uow, actor=STAFF, client_id="ana")
        assert (ana.phone, ana.email) == ("+4915112345678", "ana.silva@example.com")
        assert find_client_by_identity(uow=uow, channel="sms", address="+491705550000") is None

    def test_a_provider_still_corrects_name_and_profile_sending_the_same_contacts(
        self, uow: UnitOfWork
    ) -> None:
        corrected = update_client(
            uow=uow,
            staff=KELLER,
            client_id="ana",
            expected_version=1,
            changes={
                "name": "Ana Silva-Costa",
                "phone": "+49 151 12345678",
                "profile": {"address": "Linienstrasse 1"},
            },
        )
        assert (corrected.name, corrected.phone) == ("Ana Silva-Costa", "+4915112345678")
        assert corrected.profile["address"] == "Linienstrasse 1"

    def test_an_admin_moves_the_phone_and_the_sms_identity_with_it(self, uow: UnitOfWork) -> None:
        update_client(
            uow=uow,
            staff=ADMIN,
            client_id="ana",
            expected_version=1,
            changes={"phone": "+491705550000"},
        )
        moved = find_client_by_identity(uow=uow, channel="sms", address="+491705550000")
        assert (moved and moved.id) == "ana"
        assert find_client_by_identity(uow=uow, channel="sms", address="+4915112345678") is None


class TestATakenContactTellsOnlyAdminsWhose:
    def test_an_admin_hears_which_contact_is_taken(self, uow: UnitOfWork) -> None:
        with pytest.raises(Conflict, match="A client with this phone number already exists"):
            create(uow, ADMIN, phone="+4915198765432")
        with pytest.raises(Conflict, match="Another client already has this email address"):
            update_client(
                uow=uow,
                staff=ADMIN,
                client_id="ana",
                expected_version=1,
                changes={"email": "tom.becker@example.com"},
            )

    def test_a_provider_gets_the_same_answer_for_a_taken_number_and_a_free_one(
        self, uow: UnitOfWork
    ) -> None:
        # Tom never had an appointment with Dr. Keller: he is not Dr. Keller's to know about,
        # so a 409 for his number and a 201 for a free one would tell who is on file.
        taken = create(uow, KELLER, phone="+4915198765432", email="tom.becker@example.com")
        free = create(uow, KELLER, phone="+491705550099", email="someone.new@example.com")

        assert (taken.name, taken.phone, taken.email) == (
            "New Caller",
            "+4915198765432",
            "tom.becker@example.com",
        )
        assert free.phone == "+491705550099"
        # Tom's number and email still find Tom alone: the provider's entry is only a claim.
        by_phone = find_client_by_identity(uow=uow, channel="sms", address="+4915198765432")
        by_email = find_client_by_identity(
            uow=uow, channel="email", address="tom.becker@example.com"
        )
        assert (by_phone and by_phone.id, by_email and by_email.id) == ("tom", "tom")

    def test_a_provider_registers_a_new_caller(self, uow: UnitOfWork) -> None:
        assert create(uow, KELLER, phone="+491705550000").phone == "+491705550000"
