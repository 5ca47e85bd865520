"""Staff sign-in: passwords checked by the domain, short-lived JWT access and refresh tokens."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, Literal

import jwt
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.bootstrap import frontdesk_of
from domain.kernel.clock import Clock
from domain.kernel.errors import DomainError, Forbidden, NotFound
from domain.kernel.uow import UnitOfWork
from domain.models import StaffUser
from domain.staff.accounts import authenticate, get_staff

ACCESS_LIFETIME = timedelta(minutes=30)
REFRESH_LIFETIME = timedelta(days=14)
ISSUER = "frontdesk"
TokenKind = Literal["access", "refresh"]


class Unauthorized(Forbidden):
    code = "unauthorized"


class TokenRead(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (OAuth2 token type, not a secret)
    expires_in: int


@dataclass(frozen=True)
class StaffTokens:
    secret: bytes
    clock: Clock

    def issue(self, staff: StaffUser) -> TokenRead:
        return TokenRead(
            access_token=self._token(staff, "access", ACCESS_LIFETIME),
            refresh_token=self._token(staff, "refresh", REFRESH_LIFETIME),
            expires_in=int(ACCESS_LIFETIME.total_seconds()),
        )

    def staff_id(self, token: str, kind: TokenKind = "access") -> str:
        """Return whose token this is; refuse an expired, forged or wrong-kind one."""
        return self.read(token, kind)[0]

    def read(self, token: str, kind: TokenKind = "access") -> tuple[str, float]:
        """Return whose token this is and the seconds it has left; refuse a bad one."""
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],
                issuer=ISSUER,
                # Expiry is judged below by the service's clock, which demos and tests freeze.
                options={"require": ["exp", "sub", "iss"], "verify_exp": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized("Sign in again: that token is not valid.") from exc
        if claims.get("kind") != kind:
            raise Unauthorized("Sign in again: that token is not valid.")
        left = int(claims["exp"]) - self.clock.now().timestamp()
        if left <= 0:
            raise Unauthorized("Sign in again: that token has expired.")
        return str(claims["sub"]), left

    def _token(self, staff: StaffUser, kind: TokenKind, lifetime: timedelta) -> str:
        now = self.clock.now()
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": staff.id,
            "role": staff.role,
            "kind": kind,
            "iat": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()),
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")


def staff_and_time_left(
    uow: UnitOfWork, tokens: StaffTokens, token: str
) -> tuple[StaffUser, float]:
    """Return the active account a valid access token belongs to, and its seconds left."""
    staff_id, left = tokens.read(token)
    try:
        return get_staff(uow=uow, staff_id=staff_id), left
    except NotFound as exc:
        raise Unauthorized("Sign in again: that account is no longer active.") from exc


bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# Whose token this is (ours or an identity provider's) and its seconds left; DomainError if bad.
IdentifyStaff = Callable[[str], tuple[StaffUser, float]]


def current_staff(request: Request, token: Annotated[str | None, Depends(bearer)]) -> StaffUser:
    """The signed-in staff member of an API request (401 without a valid bearer token)."""
    if token is None:
        raise HTTPException(401, "Sign in first.", headers={"WWW-Authenticate": "Bearer"})
    identify: IdentifyStaff = request.app.state.identify_staff
    try:
        return identify(token)[0]
    except DomainError as refusal:
        raise HTTPException(401, refusal.message, headers={"WWW-Authenticate": "Bearer"}) from None


@dataclass
class SignInLimit:
    """Failed sign-ins allowed per account and per address in a sliding window.

    Each attempt costs an argon2 hash, so unthrottled guessing is also a way to load the
    server. Kept in memory: one process's view, which is what one process can protect.
    """

    per_account: int = 5
    # Higher: many people may share one address (an office, a clinic's network).
    per_address: int = 20
    window_seconds: float = 15 * 60
    _seen: dict[str, deque[float]] = field(default_factory=dict)

    def seconds_blocked(self, *keys: str) -> float:
        """How long these keys must wait before another try (0: they may try now)."""
        now = time.monotonic()
        waits = [0.0]
        for key in keys:
            recent = self._recent(key, now)
            allowed = self.per_address if key.startswith("address:") else self.per_account
            if len(recent) >= allowed:
                waits.append(recent[0] + self.window_seconds - now)
        return max(waits)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        for key in keys:
            self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        self._seen.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        recent = self._seen.setdefault(key, deque())
        while recent and recent[0] <= now - self.window_seconds:
            recent.popleft()
        return recent


class StaffRead(BaseModel):
    id: str
    email: str
    name: str
    role: str
    provider_id: str | None


def auth_router() -> APIRouter:
    router = APIRouter(prefix="/auth", tags=["auth"])

    @router.post("/token", response_model=TokenRead)
    def sign_in(
        request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()]
    ) -> TokenRead:
        """Sign in with email and password (OAuth2 password flow); answers 401 on a mismatch."""
        frontdesk = frontdesk_of(request)
        limit: SignInLimit = request.app.state.sign_in_limit
        account = f"account:{form.username.strip().lower()}"
        address = f"address:{request.client.host if request.client else 'unknown'}"
        wait = limit.seconds_blocked(account, address)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            raise HTTPException(
                429,
                f"Too many failed sign-ins; try again in {minutes} minute(s).",
                headers={"Retry-After": str(int(wait) + 1)},
            )
        try:
            staff = authenticate(uow=frontdesk.uow(), email=form.username, password=form.password)
        except DomainError as refusal:
            limit.failed(account, address)
            raise HTTPException(401, refusal.message) from None
        limit.succeeded(account)
        tokens: StaffTokens = request.app.state.tokens
        return tokens.issue(staff)

    @router.post("/refresh", response_model=TokenRead)
    def refresh(request: Request, refresh_token: Annotated[str, Form()]) -> TokenRead:
        """Trade a refresh token for new tokens."""
        frontdesk = frontdesk_of(request)
        tokens: StaffTokens = request.app.state.tokens
        try:
            staff = get_staff(
                uow=frontdesk.uow(), staff_id=tokens.staff_id(refresh_token, "refresh")
            )
        except (Unauthorized, NotFound) as refusal:
            raise HTTPException(401, refusal.message) from None
        return tokens.issue(staff)

    @router.get("/me", response_model=StaffRead)
    def me(staff: Annotated[StaffUser, Depends(current_staff)]) -> StaffUser:
        return staff

    return router
