"""Staff signed in with Microsoft Entra ID: access tokens checked against the tenant's keys.

A token is accepted only when its signature verifies with a key from the tenant's JWKS, its
issuer is the tenant, its audience is this app, and it has not expired by the service's
clock. Its `roles` claim (app roles defined on the app registration) gives the staff role;
the account is found, or made, by the token's email.
"""

from __future__ import annotations

from typing import Any

import jwt
from jwt import PyJWKClient

from api.auth import Unauthorized
from api.settings import EntraSettings
from domain.kernel.clock import Clock
from domain.kernel.uow import UnitOfWork
from domain.models import StaffRole, StaffUser
from domain.staff.accounts import SignInRefused
from domain.staff.directory import staff_from_directory

ROLE_BY_APP_ROLE = {"Frontdesk.Admin": StaffRole.ADMIN, "Frontdesk.Provider": StaffRole.PROVIDER}


class EntraTokens:
    def __init__(self, settings: EntraSettings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        # Keys are cached for an hour; an unknown key id refetches once (keys roll over).
        self._keys = PyJWKClient(settings.jwks_uri, cache_keys=True, lifespan=3600, timeout=10)

    def claims(self, token: str) -> dict[str, Any]:
        """Return the verified claims of an Entra access token; refuse anything else."""
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self.settings.audiences,
                issuer=self.settings.issuer,
                # Expiry is judged below by the service's clock, which demos and tests freeze.
                options={"require": ["exp", "iss", "aud"], "verify_exp": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized("Sign in again: that Microsoft token is not valid.") from exc
        if int(claims["exp"]) <= self.clock.now().timestamp():
            raise Unauthorized("Sign in again: that Microsoft token has expired.")
        return claims

    def staff_and_time_left(self, uow: UnitOfWork, token: str) -> tuple[StaffUser, float]:
        """Return the staff account of a valid token (made on first sign-in), and its time."""
        claims = self.claims(token)
        left = int(claims["exp"]) - self.clock.now().timestamp()
        return self.account(uow, claims), left

    def account(self, uow: UnitOfWork, claims: dict[str, Any]) -> StaffUser:
        """Return the staff account verified claims name, made on first sign-in."""
        role = staff_role(claims)
        if role is None:
            raise Unauthorized("Your Microsoft account has no Frontdesk role.")
        email = str(claims.get("preferred_username") or claims.get("email") or "").lower()
        if not email:
            raise Unauthorized("That Microsoft token names no account.")
        name = str(claims.get("name") or email)
        try:
            return staff_from_directory(uow=uow, email=email, name=name, role=role)
        except SignInRefused as refused:
            raise Unauthorized(refused.message) from None


def staff_role(claims: dict[str, Any]) -> StaffRole | None:
    """The staff role the directory's app roles give (admin over provider); None without one."""
    roles = [ROLE_BY_APP_ROLE[r] for r in claims.get("roles", []) if r in ROLE_BY_APP_ROLE]
    if not roles:
        return None
    return StaffRole.ADMIN if StaffRole.ADMIN in roles else StaffRole.PROVIDER


def is_entra_token(token: str) -> bool:
    """Tell an Entra token (RS256, signed by Microsoft) from our own (HS256)."""
    try:
        return jwt.get_unverified_header(token).get("alg") == "RS256"
    except jwt.PyJWTError:
        return False
