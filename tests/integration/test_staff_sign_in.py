"""Staff sign-in limits, sessions and password resets in the domain, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import col, select

from domain.kernel.actors import SYSTEM
from domain.kernel.clock import FrozenClock
from domain.kernel.errors import InvalidInput
from domain.kernel.uow import UnitOfWork
from domain.models import Notification, OutboxMessage, StaffRole, StaffUser
from domain.notifications.claims import claim_due, record_sent
from domain.notifications.fanout import fan_out
from domain.staff.accounts import SignInRefused, create_staff
from domain.staff.attempts import Limit, TooManyAttempts, reserve_attempt
from domain.staff.passwords import (
    PASSWORD_RESET_EVENT,
    RESET_LIFETIME,
    RESETS_PER_HOUR,
    request_password_reset,
    reset_password,
)
from domain.staff.sessions import SessionEnded, rotate_refresh, staff_in_session, start_session
from domain.staff.sign_in import PER_ACCOUNT_AND_ADDRESS, SignInAttempt, sign_in

EMAIL = "anna@practice.example"
PASSWORD = "correct-horse-1"
LINK = "https://frontdesk.example/console/reset-password#token="


@pytest.fixture
def anna(uow: UnitOfWork) -> StaffUser:
    return create_staff(
        uow=uow, actor=SYSTEM, email=EMAIL, name="Anna", role=StaffRole.ADMIN, password=PASSWORD
    )


def test_simultaneous_attempts_never_exceed_the_limit(uow: UnitOfWork) -> None:
    limit = Limit("sign-in:pair:someone|10.0.0.1", allowed=5, window=timedelta(minutes=15))

    def attempt(_: int) -> bool:
        try:
            reserve_attempt(uow=UnitOfWork(uow.engine, uow.clock), limits=[limit], refusal="no")
        except TooManyAttempts:
            return False
        return True

    with ThreadPoolExecutor(20) as pool:
        allowed = list(pool.map(attempt, range(60)))
    assert allowed.count(True) == 5


def test_a_new_window_gives_new_attempts(uow: UnitOfWork, clock: FrozenClock) -> None:
    limit = Limit("sign-in:address:10.0.0.2", allowed=2, window=timedelta(minutes=15))
    for _ in range(2):
        reserve_attempt(uow=uow, limits=[limit], refusal="no")
    with pytest.raises(TooManyAttempts) as refused:
        reserve_attempt(uow=uow, limits=[limit], refusal="no")
    assert refused.value.retry_after == timedelta(minutes=15)
    clock.advance(timedelta(minutes=15))
    reserve_attempt(uow=uow, limits=[limit], refusal="no")


@pytest.mark.usefixtures("anna")
def test_a_success_takes_its_attempt_back_and_clears_the_address(uow: UnitOfWork) -> None:
    here = SignInAttempt(email=EMAIL, address="10.0.0.3")
    for _ in range(PER_ACCOUNT_AND_ADDRESS - 1):
        with pytest.raises(SignInRefused):
            sign_in(uow=uow, attempt=here, password="wrong-guess")
    signed_in = sign_in(uow=uow, attempt=here, password=PASSWORD)
    for _ in range(PER_ACCOUNT_AND_ADDRESS):
        with pytest.raises(SignInRefused):
            sign_in(uow=uow, attempt=here, password="wrong-guess")
    with pytest.raises(TooManyAttempts):
        sign_in(uow=uow, attempt=here, password=PASSWORD)
    # The device that signed in before is counted on its own.
    device = SignInAttempt(email=EMAIL, address="10.0.0.3", device=signed_in.device)
    assert sign_in(uow=uow, attempt=device, password=PASSWORD).staff.email == EMAIL


def test_a_reused_refresh_token_ends_the_session(uow: UnitOfWork, anna: StaffUser) -> None:
    grant = start_session(uow=uow, staff_id=anna.id)
    rotated = rotate_refresh(
        uow=uow,
        staff_id=anna.id,
        session_id=grant.session_id,
        refresh_id=grant.refresh_id,
        token_version=0,
    )
    with pytest.raises(SessionEnded):
        rotate_refresh(
            uow=uow,
            staff_id=anna.id,
            session_id=grant.session_id,
            refresh_id=grant.refresh_id,
            token_version=0,
        )
    with pytest.raises(SessionEnded):
        staff_in_session(uow=uow, staff_id=anna.id, session_id=rotated.session_id, token_version=0)


def test_two_refreshes_with_one_token_at_once_give_one_new_token(
    uow: UnitOfWork, anna: StaffUser
) -> None:
    grant = start_session(uow=uow, staff_id=anna.id)

    def refresh(_: int) -> bool:
        try:
            rotate_refresh(
                uow=UnitOfWork(uow.engine, uow.clock),
                staff_id=anna.id,
                session_id=grant.session_id,
                refresh_id=grant.refresh_id,
                token_version=0,
            )
        except SessionEnded:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(refresh, range(8))).count(True) == 1


def _reset_secret(uow: UnitOfWork) -> str:
    with uow:
        message = uow.session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.event) == PASSWORD_RESET_EVENT)
            .order_by(col(OutboxMessage.id).desc())
        ).first()
        assert message is not None
        assert message.payload["link"] == LINK
        return str(message.payload["code"])


def test_a_reset_link_works_once_and_ends_every_session(uow: UnitOfWork, anna: StaffUser) -> None:
    grant = start_session(uow=uow, staff_id=anna.id)
    request_password_reset(uow=uow, email=EMAIL, link=LINK)
    secret = _reset_secret(uow)
    assert reset_password(uow=uow, secret=secret, new_password="chosen-anew-1") == anna.id
    with pytest.raises(SessionEnded):
        staff_in_session(uow=uow, staff_id=anna.id, session_id=grant.session_id, token_version=0)
    with pytest.raises(InvalidInput):
        reset_password(uow=uow, secret=secret, new_password="chosen-anew-2")
    attempt = SignInAttempt(email=EMAIL, address="10.0.0.4")
    assert sign_in(uow=uow, attempt=attempt, password="chosen-anew-1").staff.id == anna.id


@pytest.mark.usefixtures("anna")
def test_a_reset_link_expires(uow: UnitOfWork, clock: FrozenClock) -> None:
    request_password_reset(uow=uow, email=EMAIL, link=LINK)
    clock.advance(RESET_LIFETIME)
    with pytest.raises(InvalidInput):
        reset_password(uow=uow, secret=_reset_secret(uow), new_password="too-late-for-it")


@pytest.mark.usefixtures("anna")
def test_reset_links_an_hour_are_limited_and_unknown_emails_get_none(uow: UnitOfWork) -> None:
    for _ in range(RESETS_PER_HOUR + 2):
        request_password_reset(uow=uow, email=EMAIL, link=LINK)
    request_password_reset(uow=uow, email="nobody@practice.example", link=LINK)
    with uow:
        sent = uow.session.exec(
            select(OutboxMessage).where(col(OutboxMessage.event) == PASSWORD_RESET_EVENT)
        ).all()
    assert [message.payload["to"] for message in sent] == [EMAIL] * RESETS_PER_HOUR


@pytest.mark.usefixtures("anna")
def test_a_reset_link_goes_by_email_and_is_not_kept_once_sent(uow: UnitOfWork) -> None:
    request_password_reset(uow=uow, email=EMAIL, link=LINK)
    secret = _reset_secret(uow)
    fan_out(uow=uow, channels={"email"})
    (claim,) = claim_due(uow=uow, limit=10)
    with uow:
        sent = uow.session.get_one(Notification, claim.notification_id)
    assert (sent.channel, sent.to_address) == ("email", EMAIL)
    assert f'href="{LINK}{secret}"' in sent.body
    record_sent(uow=uow, claim=claim, provider_message_id="smtp-1")
    with uow:
        assert uow.session.get_one(Notification, claim.notification_id).body == ""
        message = uow.session.exec(select(OutboxMessage)).one()
        assert "code" not in message.payload
