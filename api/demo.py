"""The demo's staff accounts, so a person trying `make run` can sign in to the console."""

from __future__ import annotations

from api.bootstrap import Frontdesk
from domain.catalog.reading import every_provider
from domain.kernel.actors import SYSTEM
from domain.models import StaffRole
from domain.staff.accounts import create_staff, has_staff

DEMO_PASSWORD = "frontdesk-demo"  # noqa: S105 (documented in the README, for local demos only)
DEMO_DOMAIN = "demo.frontdesk"


def create_demo_staff(frontdesk: Frontdesk) -> list[str]:
    """Create an admin and one account per provider, unless staff accounts exist already."""
    if has_staff(uow=frontdesk.uow()):
        return []
    providers = every_provider(uow=frontdesk.uow())
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
