"""The practice's own settings as admins read and change them: for now, its phone region."""

from __future__ import annotations

from dataclasses import dataclass

from domain.clients.phones import checked_region, practice_region
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.models import PRACTICE_ROW_ID, Practice, StaffUser
from domain.staff.access import require_admin, staff_actor


@dataclass(frozen=True)
class PracticeSettings:
    name: str
    timezone: str
    region: str | None  # as set; None: the time zone's country is used
    phone_region: str | None  # the region national phone numbers are read in


def read_practice(*, uow: UnitOfWork) -> PracticeSettings:
    """Return the practice's name, time zone and phone region (the defaults if none set)."""
    with uow.reading() as reader:
        practice = reader.session.get(Practice, PRACTICE_ROW_ID) or Practice()
        return _settings(practice, practice_region(reader.session))


def set_practice_region(
    *, uow: UnitOfWork, staff: StaffUser, region: str | None
) -> PracticeSettings:
    """Set the country national phone numbers are read in; None reads them in the time zone's.

    Numbers already stored are E.164 and stay as they are: only numbers read from now on
    ("0170 …" typed in a chat, entered by staff, sent by a gateway) are read in the new region.
    """
    require_admin(staff)
    code = None if region is None or not region.strip() else checked_region(region)
    with uow:
        practice = uow.session.get(Practice, PRACTICE_ROW_ID)
        if practice is None:
            practice = Practice(id=PRACTICE_ROW_ID)
            uow.session.add(practice)
        before = practice.region
        practice.region = code
        audit(
            uow,
            actor=staff_actor(staff),
            action="practice.region_set",
            subject_type="practice",
            subject_id=str(PRACTICE_ROW_ID),
            details={"from": before, "to": code},
        )
        uow.session.flush()
        settings = _settings(practice, practice_region(uow.session))
        uow.commit()
    return settings


def _settings(practice: Practice, phone_region: str | None) -> PracticeSettings:
    return PracticeSettings(
        name=practice.name,
        timezone=practice.timezone,
        region=practice.region,
        phone_region=phone_region,
    )
