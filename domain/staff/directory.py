"""Staff whose accounts a directory (Microsoft Entra ID) vouches for: found or made by email,
their role always the one the directory gives."""

from __future__ import annotations

from sqlmodel import select

from domain.kernel.actors import Actor
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.models import StaffRole, StaffUser
from domain.staff.accounts import SignInRefused, create_staff

DIRECTORY = Actor(kind="system", id=None, channel="entra")


def staff_from_directory(*, uow: UnitOfWork, email: str, name: str, role: StaffRole) -> StaffUser:
    """Return the account the directory signed in, made on first sign-in, with the directory's role.

    The directory is the source of truth for roles: a role changed there changes here at the
    next sign-in, with an audit event. A deactivated account stays refused whatever it says.
    """
    email = email.strip().lower()
    with uow:
        found = uow.session.exec(select(StaffUser).where(StaffUser.email == email)).first()
        if found is not None:
            if not found.active:
                raise SignInRefused("Sign in again: that account is no longer active.")
            if found.role != role:
                audit(
                    uow,
                    actor=DIRECTORY,
                    action="staff.role_changed",
                    subject_type="staff",
                    subject_id=found.id,
                    details={"from": str(found.role), "to": str(role)},
                )
                found.role = role
                uow.commit()
            return found
    return create_staff(uow=uow, actor=DIRECTORY, email=email, name=name, role=role, password=None)
