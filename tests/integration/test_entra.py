"""Microsoft Entra ID access tokens, checked against a local tenant's JWKS over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from api.auth import Unauthorized
from api.entra import EntraTokens
from api.settings import EntraSettings
from domain.kernel.clock import FrozenClock
from domain.kernel.uow import UnitOfWork
from testkit.entra import CLIENT_ID, TENANT, LocalTenant, local_tenant


@pytest.fixture(scope="module")
def tenant() -> Iterator[LocalTenant]:
    with local_tenant() as running:
        yield running


@pytest.fixture
def entra(tenant: LocalTenant, clock: FrozenClock) -> EntraTokens:
    settings = EntraSettings(tenant_id=TENANT, client_id=CLIENT_ID, authority=tenant.authority)
    return EntraTokens(settings, clock)


def test_a_valid_token_signs_in_with_the_role_from_its_claim(
    entra: EntraTokens, tenant: LocalTenant, uow: UnitOfWork, clock: FrozenClock
) -> None:
    expires = (clock.now() + timedelta(minutes=30)).timestamp()
    staff, left = entra.staff_and_time_left(uow, tenant.token(expires_at=expires))
    assert (staff.email, staff.role, staff.name) == (
        "ines.admin@clinic.example",
        "admin",
        "Ines Admin",
    )
    assert left == pytest.approx(1800, abs=1)
    again, _ = entra.staff_and_time_left(
        uow, tenant.token(roles=("Frontdesk.Provider",), expires_at=expires)
    )
    assert again.id == staff.id
    assert again.role == "provider"  # the directory decides


def test_the_api_audience_form_is_accepted(
    entra: EntraTokens, tenant: LocalTenant, clock: FrozenClock
) -> None:
    expires = (clock.now() + timedelta(minutes=5)).timestamp()
    token = tenant.token(audience=f"api://{CLIENT_ID}", expires_at=expires)
    assert entra.claims(token)["aud"] == f"api://{CLIENT_ID}"


@pytest.mark.parametrize(
    "wrong",
    [
        "audience",
        "issuer",
        "expired",
        "unknown key id",
        "tampered signature",
        "other key",
        "no role",
    ],
)
def test_a_bad_token_is_refused(
    entra: EntraTokens, tenant: LocalTenant, uow: UnitOfWork, clock: FrozenClock, wrong: str
) -> None:
    valid_until = (clock.now() + timedelta(minutes=30)).timestamp()
    if wrong == "audience":
        token = tenant.token(audience="someone-else", expires_at=valid_until)
    elif wrong == "issuer":
        token = tenant.token(issuer=f"{tenant.authority}/other-tenant/v2.0", expires_at=valid_until)
    elif wrong == "expired":
        token = tenant.token(expires_at=(clock.now() - timedelta(seconds=1)).timestamp())
    elif wrong == "unknown key id":
        token = tenant.token(key_id="not-published", expires_at=valid_until)
    elif wrong == "tampered signature":
        header, payload, signature = tenant.token(expires_at=valid_until).split(".")
        token = ".".join(
            [header, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")]
        )
    elif wrong == "other key":
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = tenant.token(key=stranger, expires_at=valid_until)
    else:
        token = tenant.token(roles=(), expires_at=valid_until)
    with pytest.raises(Unauthorized):
        entra.staff_and_time_left(uow, token)
