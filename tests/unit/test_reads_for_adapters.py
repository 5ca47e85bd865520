"""The domain's answers the agent, its tools and the channels read instead of querying tables."""

from __future__ import annotations

import pytest

from domain.clients.names import client_names
from domain.conversations.opening import open_conversation
from domain.conversations.participants import client_of_conversation
from domain.kernel.actors import Actor
from domain.kernel.uow import UnitOfWork
from domain.models import StaffRole
from domain.scheduling.calendars import practice_policies
from domain.staff.accounts import create_staff
from domain.staff.names import staff_names


def test_a_practice_without_a_world_has_the_default_policies(uow: UnitOfWork) -> None:
    policy = practice_policies(uow=uow)
    assert (policy.name, policy.timezone, policy.hold_minutes) == ("Frontdesk practice", "UTC", 10)


@pytest.mark.usefixtures("sample_world")
def test_the_practice_policies_are_the_worlds(uow: UnitOfWork) -> None:
    policy = practice_policies(uow=uow)
    assert (policy.timezone, policy.min_notice_minutes, policy.cancellation_notice_hours) == (
        "Europe/Berlin",
        120,
        24,
    )


@pytest.mark.usefixtures("sample_world")
def test_clients_are_named_by_id_and_unknown_ids_are_left_out(uow: UnitOfWork) -> None:
    assert client_names(uow=uow, client_ids=["ana", "tom", "nobody"]) == {
        "ana": "Ana Silva",
        "tom": "Tom Becker",
    }
    assert client_names(uow=uow, client_ids=[]) == {}


def test_staff_are_named_by_id_and_unknown_ids_are_left_out(uow: UnitOfWork) -> None:
    staff = create_staff(
        uow=uow,
        actor=Actor(kind="system"),
        email="desk@example.com",
        name="Mia Desk",
        role=StaffRole.ADMIN,
        password=None,
    )
    assert staff_names(uow=uow, staff_ids={staff.id, "nobody"}) == {staff.id: "Mia Desk"}
    assert staff_names(uow=uow, staff_ids=set()) == {}


@pytest.mark.usefixtures("sample_world")
def test_a_conversation_knows_its_client_once_they_said_who_they_are(uow: UnitOfWork) -> None:
    open_conversation(uow=uow, conversation_id="c-anon", channel="web", client_id=None)
    open_conversation(uow=uow, conversation_id="c-ana", channel="web", client_id="ana")

    assert client_of_conversation(uow=uow, conversation_id="c-anon") is None
    assert client_of_conversation(uow=uow, conversation_id="c-ana") == "ana"
    assert client_of_conversation(uow=uow, conversation_id="not-started") is None
