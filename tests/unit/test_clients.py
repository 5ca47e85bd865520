"""Clients: identities on channels lead to one client; profiles take only sane fields."""

from __future__ import annotations

import pytest

from domain.actors import Actor, client_actor
from domain.clients import find_client_by_identity, get_client, link_identity, update_profile
from domain.errors import InvalidInput, NotFound
from domain.uow import UnitOfWork

pytestmark = pytest.mark.usefixtures("sample_world")
STAFF = Actor(kind="staff", id="admin")


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
