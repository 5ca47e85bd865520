"""The demo's staff accounts, so a person trying `make run` can sign in to the console."""

from __future__ import annotations

from sqlmodel import select

from api.bootstrap import Frontdesk
from domain.kernel.actors import SYSTEM
from domain.models import Provider, StaffRole, StaffUser
from domain.staff.accounts import create_staff

DEMO_PASSWORD = "frontdesk-demo"  # noqa: S105 (documented in the README, for local demos only)
DEMO_DOMAIN = "demo.frontdesk"


def create_demo_staff(frontdesk: Frontdesk) -> list[str]:
    """Create an admin and one account per provider, unless staff accounts exist already."""
    with frontdesk.uow().reading() as reader:
        if reader.session.exec(select(StaffUser.id).limit(1)).first() is not None:
            return []
        providers = list(reader.session.exec(select(Provider).order_by(Provider.id)))
    made = [
        create_staff(
            uow=frontdesk.uow(),
            actor=SYSTEM,
            email=f"admin@{DEMO_DOMAIN}",
            name="Practice admin",
            role=StaffRole.ADMIN,
            password=DEMO_PASSWORD,
        )
    ]
    made += [
        create_staff(
            uow=frontdesk.uow(),
            actor=SYSTEM,
            email=f"{provider.id}@{DEMO_DOMAIN}",
            name=provider.name,
            role=StaffRole.PROVIDER,
            password=DEMO_PASSWORD,
            provider_id=provider.id,
        )
        for provider in providers
    ]
    return [user.email for user in made]
