"""Staff passwords changed (with the current one) or reset (by a link sent to the account's
email): either way every other token and console socket of the account ends.

Hashing happens outside the write transaction (argon2 takes tens of milliseconds, and on
SQLite the transaction holds the database); the transaction then writes only if the stored
hash is still the one checked, so two changes at once cannot both win.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, update
from sqlmodel import col, select

from domain.kernel.actors import SYSTEM, Actor
from domain.kernel.errors import Conflict, InvalidInput, NotFound
from domain.kernel.journal import audit, enqueue
from domain.kernel.uow import UnitOfWork
from domain.models import PasswordReset, StaffSession, StaffUser, new_id
from domain.staff.accounts import check_new_password, hash_password, password_matches
from domain.staff.sessions import SessionEnded, SessionGrant, end_every_session

# The outbox event of a reset link; the notifications context delivers it like a one-time code.
PASSWORD_RESET_EVENT = "staff.password_reset"  # noqa: S105 (an event name)
RESET_LIFETIME = timedelta(minutes=30)
# More links than this an hour go nowhere: asking cannot flood someone's inbox.
RESETS_PER_HOUR = 3
RESET_LINK_REFUSED = "That link does not work any more; ask for a new one."


class WrongPassword(InvalidInput):
    code = "wrong_password"


def change_password(
    *, uow: UnitOfWork, staff_id: str, current_password: str, new_password: str
) -> SessionGrant:
    """Change a signed-in account's password; end its other sessions, open a new one here."""
    check_new_password(new_password, field="new_password")
    with uow.reading() as reader:
        staff = reader.session.get(StaffUser, staff_id)
    if staff is None or not staff.active:
        raise SessionEnded("Sign in again: that account is no longer active.")
    if not password_matches(staff.password_hash, current_password):
        raise WrongPassword("Your current password is not right.", field="current_password")
    if current_password == new_password:
        raise InvalidInput("Choose a password other than the current one.", field="new_password")
    return _replace_password(
        uow,
        staff=staff,
        expected_hash=staff.password_hash,
        new_hash=hash_password(new_password),
        actor=Actor(kind="staff", id=staff.id, channel="api"),
        reason="password changed",
    )


def request_password_reset(*, uow: UnitOfWork, email: str, link: str) -> None:
    """Email a reset link (`link` followed by the secret) to an account with a password.

    Says nothing either way: an unknown email, an account without a password (Microsoft
    sign-in only) or one past RESETS_PER_HOUR are all answered as a link sent would be.
    """
    with uow:
        staff = uow.session.exec(
            select(StaffUser).where(
                col(StaffUser.email) == email.strip().lower(),
                col(StaffUser.active),
                col(StaffUser.password_hash).is_not(None),
            )
        ).first()
        if staff is None:
            return
        recent = uow.session.exec(
            select(func.count())
            .select_from(PasswordReset)
            .where(
                col(PasswordReset.staff_id) == staff.id,
                col(PasswordReset.created_at) > uow.now() - timedelta(hours=1),
            )
        ).one()
        if recent >= RESETS_PER_HOUR:
            return
        secret = secrets.token_urlsafe(32)
        uow.session.add(
            PasswordReset(
                token_hash=_hash(secret),
                staff_id=staff.id,
                created_at=uow.now(),
                expires_at=uow.now() + RESET_LIFETIME,
            )
        )
        enqueue(
            uow,
            event=PASSWORD_RESET_EVENT,
            subject_id=staff.id,
            payload={
                "channel": "email",
                "to": staff.email,
                "code": secret,
                "link": link,
                "staff_id": staff.id,
            },
        )
        audit(
            uow,
            actor=SYSTEM,
            action="staff.password_reset_requested",
            subject_type="staff",
            subject_id=staff.id,
        )
        uow.commit()


def reset_password(*, uow: UnitOfWork, secret: str, new_password: str) -> str:
    """Set a new password with a reset link's secret (once, before it expires); say whose."""
    check_new_password(new_password, field="new_password")
    new_hash = hash_password(new_password)
    with uow:
        now = uow.now()
        # One statement takes the link: of two uses at once, one finds it already used.
        used = (
            uow.session.connection()
            .execute(
                update(PasswordReset)
                .where(
                    col(PasswordReset.token_hash) == _hash(secret),
                    col(PasswordReset.used_at).is_(None),
                    col(PasswordReset.expires_at) > now,
                )
                .values(used_at=now)
                .returning(col(PasswordReset.staff_id))
            )
            .first()
        )
        staff = uow.session.get(StaffUser, used[0]) if used is not None else None
        if staff is None or not staff.active:
            raise InvalidInput(RESET_LINK_REFUSED, field="token")
        # The other links sent to this account are spent too.
        uow.session.connection().execute(
            update(PasswordReset)
            .where(col(PasswordReset.staff_id) == staff.id, col(PasswordReset.used_at).is_(None))
            .values(used_at=now)
        )
        staff.password_hash = new_hash
        end_every_session(uow, actor=SYSTEM, staff=staff, reason="password reset")
        audit(
            uow,
            actor=SYSTEM,
            action="staff.password_reset",
            subject_type="staff",
            subject_id=staff.id,
        )
        uow.commit()
        return staff.id


def set_password(*, uow: UnitOfWork, actor: Actor, email: str, new_password: str) -> StaffUser:
    """Set an account's password as an operator (the command line); end its every session."""
    check_new_password(new_password)
    new_hash = hash_password(new_password)
    with uow:
        staff = uow.session.exec(
            select(StaffUser).where(col(StaffUser.email) == email.strip().lower())
        ).first()
        if staff is None:
            raise NotFound(f"No staff account for {email.strip().lower()}.")
        staff.password_hash = new_hash
        end_every_session(uow, actor=actor, staff=staff, reason="password set by an operator")
        audit(
            uow,
            actor=actor,
            action="staff.password_set",
            subject_type="staff",
            subject_id=staff.id,
        )
        uow.commit()
        return staff


def _replace_password(
    uow: UnitOfWork,
    *,
    staff: StaffUser,
    expected_hash: str | None,
    new_hash: str,
    actor: Actor,
    reason: str,
) -> SessionGrant:
    with uow:
        changed = (
            uow.session.connection()
            .execute(
                update(StaffUser)
                .where(
                    col(StaffUser.id) == staff.id,
                    col(StaffUser.active),
                    col(StaffUser.password_hash) == expected_hash,
                )
                .values(password_hash=new_hash)
                .returning(col(StaffUser.id))
            )
            .first()
        )
        if changed is None:
            raise Conflict("Your password was changed meanwhile; sign in again.")
        end_every_session(uow, actor=actor, staff=staff, reason=reason)
        audit(
            uow,
            actor=actor,
            action="staff.password_changed",
            subject_type="staff",
            subject_id=staff.id,
        )
        fresh = uow.session.get_one(StaffUser, staff.id, populate_existing=True)
        now = uow.now()
        session = StaffSession(
            staff_id=staff.id, current_refresh_id=new_id(), created_at=now, refreshed_at=now
        )
        uow.session.add(session)
        uow.commit()
        return SessionGrant(fresh, session.id, session.current_refresh_id)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
