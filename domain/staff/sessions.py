"""Staff sessions: a sign-in's refresh tokens rotating, and all of an account's tokens ending.

Every token carries its account's token version and its session's id. A token is good while
the account is active, its version is the account's and its session has not ended. Bumping
the version (deactivation, a password changed or reset, an admin's "sign out everywhere")
therefore ends every token and console socket of the account, in every app process, without
keeping a list of tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, update
from sqlmodel import col, select

from domain.kernel.actors import Actor
from domain.kernel.errors import Forbidden
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.models import StaffSession, StaffUser, new_id

REUSED = "refresh token reused"


class SessionEnded(Forbidden):
    code = "session_ended"


@dataclass(frozen=True)
class SessionGrant:
    """What new tokens are made from: the account, its session and the refresh token's id."""

    staff: StaffUser
    session_id: str
    refresh_id: str


def start_session(*, uow: UnitOfWork, staff_id: str) -> SessionGrant:
    """Open a session for an account that just proved who it is."""
    with uow:
        staff = uow.session.get(StaffUser, staff_id)
        if staff is None or not staff.active:
            raise SessionEnded("Sign in again: that account is no longer active.")
        now = uow.now()
        session = StaffSession(
            staff_id=staff.id, current_refresh_id=new_id(), created_at=now, refreshed_at=now
        )
        uow.session.add(session)
        uow.commit()
        return SessionGrant(staff, session.id, session.current_refresh_id)


def staff_in_session(
    *, uow: UnitOfWork, staff_id: str, session_id: str, token_version: int
) -> StaffUser:
    """Return the account a token names while the token is still good; refuse it otherwise."""
    live_session = exists().where(
        col(StaffSession.id) == session_id,
        col(StaffSession.staff_id) == staff_id,
        col(StaffSession.ended_at).is_(None),
    )
    with uow.reading() as reader:
        staff = reader.session.exec(
            select(StaffUser).where(
                col(StaffUser.id) == staff_id,
                col(StaffUser.active),
                col(StaffUser.token_version) == token_version,
                live_session,
            )
        ).first()
    if staff is None:
        raise SessionEnded("Sign in again: you were signed out.")
    return staff


def rotate_refresh(
    *, uow: UnitOfWork, staff_id: str, session_id: str, refresh_id: str, token_version: int
) -> SessionGrant:
    """Trade the session's current refresh token for a new one.

    A refresh token already traded in means two parties hold it (one of them a thief): the
    session ends, and with it every token issued from it. Of two refreshes with one token at
    the same moment, one wins and the other ends the session, as a thief's would.
    """
    with uow:
        staff = uow.session.get(StaffUser, staff_id)
        if staff is None or not staff.active or staff.token_version != token_version:
            raise SessionEnded("Sign in again: you were signed out.")
        now = uow.now()
        replacement = new_id()
        rotated = uow.session.connection().execute(
            update(StaffSession)
            .where(
                col(StaffSession.id) == session_id,
                col(StaffSession.staff_id) == staff_id,
                col(StaffSession.current_refresh_id) == refresh_id,
                col(StaffSession.ended_at).is_(None),
            )
            .values(current_refresh_id=replacement, refreshed_at=now)
            .returning(col(StaffSession.id))
        )
        if rotated.first() is None:
            _end_if_reused(uow, staff_id=staff_id, session_id=session_id)
            raise SessionEnded("Sign in again: that session has ended.")
        uow.commit()
        return SessionGrant(staff, session_id, replacement)


def _end_if_reused(uow: UnitOfWork, *, staff_id: str, session_id: str) -> None:
    session = uow.session.get(StaffSession, session_id, with_for_update=True)
    if session is None or session.staff_id != staff_id or session.ended_at is not None:
        return
    session.ended_at = uow.now()
    session.end_reason = REUSED
    audit(
        uow,
        actor=Actor(kind="staff", id=staff_id, channel="api"),
        action="staff.session_ended",
        subject_type="staff",
        subject_id=staff_id,
        details={"session_id": session_id, "reason": REUSED},
    )
    uow.commit()


def end_every_session(uow: UnitOfWork, *, actor: Actor, staff: StaffUser, reason: str) -> None:
    """Bump the account's token version and end its sessions, in the caller's transaction."""
    uow.session.connection().execute(
        update(StaffUser)
        .where(col(StaffUser.id) == staff.id)
        .values(token_version=col(StaffUser.token_version) + 1)
    )
    uow.session.connection().execute(
        update(StaffSession)
        .where(col(StaffSession.staff_id) == staff.id, col(StaffSession.ended_at).is_(None))
        .values(ended_at=uow.now(), end_reason=reason[:64])
    )
    audit(
        uow,
        actor=actor,
        action="staff.signed_out_everywhere",
        subject_type="staff",
        subject_id=staff.id,
        details={"reason": reason},
    )
