"""Staff a directory (Microsoft Entra ID) vouches for: made on first sign-in, the role the
directory's, every change of it audited."""

from __future__ import annotations

from domain.kernel.actors import SYSTEM
from domain.kernel.uow import UnitOfWork
from domain.models import StaffRole
from domain.staff.accounts import create_staff
from domain.staff.audit_trail import page_audit_events
from domain.staff.directory import staff_from_directory


def role_changes(uow: UnitOfWork, staff_id: str) -> list[tuple[str, str | None, dict[str, str]]]:
    admin = create_staff(
        uow=uow,
        actor=SYSTEM,
        email="auditor@clinic.example",
        name="Auditor",
        role=StaffRole.ADMIN,
        password=None,
    )
    events, _ = page_audit_events(
        uow=uow,
        staff=admin,
        actor_id=None,
        actions=["staff.role_changed"],
        subject_type="staff",
        subject_id=staff_id,
        since=None,
        until=None,
        limit=10,
        offset=0,
    )
    return [(e.channel, e.actor_kind, e.details) for e in events]


def test_the_first_sign_in_makes_the_account_with_the_directorys_role(uow: UnitOfWork) -> None:
    made = staff_from_directory(
        uow=uow, email=" Ines.Admin@Clinic.example", name="Ines Admin", role=StaffRole.ADMIN
    )
    again = staff_from_directory(
        uow=uow, email="ines.admin@clinic.example", name="Ines Admin", role=StaffRole.ADMIN
    )
    assert (made.email, made.role, made.password_hash) == (
        "ines.admin@clinic.example",
        "admin",
        None,
    )
    assert again.id == made.id
    assert role_changes(uow, made.id) == []


def test_a_role_changed_in_the_directory_changes_here_with_an_audit_event(
    uow: UnitOfWork,
) -> None:
    made = staff_from_directory(
        uow=uow, email="ines@clinic.example", name="Ines", role=StaffRole.ADMIN
    )
    changed = staff_from_directory(
        uow=uow, email="ines@clinic.example", name="Ines", role=StaffRole.PROVIDER
    )
    assert (changed.id, changed.role) == (made.id, "provider")
    assert role_changes(uow, made.id) == [("entra", "system", {"from": "admin", "to": "provider"})]
