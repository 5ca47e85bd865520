"""Staff sign-in: passwords checked by the domain under its limits, short-lived JWT access tokens
and rotating refresh tokens, both ending with their session or their account's token version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal

import jwt
from anyio import to_thread
from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.bootstrap import frontdesk_of
from api.sign_in_bounds import SignInBounds
from domain.kernel.clock import Clock
from domain.kernel.errors import DomainError, Forbidden
from domain.kernel.uow import UnitOfWork
from domain.models import StaffUser
from domain.staff.attempts import TooManyAttempts
from domain.staff.sessions import SessionGrant, rotate_refresh, staff_in_session, start_session
from domain.staff.sign_in import SignInAttempt, sign_in

ACCESS_LIFETIME = timedelta(minutes=30)
REFRESH_LIFETIME = timedelta(days=14)
ISSUER = "frontdesk"
TokenKind = Literal["access", "refresh"]
# The device cookie: a browser that signed in to an account before is trusted by its limits.
DEVICE_COOKIE = "frontdesk_device"
DEVICE_COOKIE_PATH = "/api/v1/auth"
DEVICE_COOKIE_LIFETIME = timedelta(days=90)


class Unauthorized(Forbidden):
    code = "unauthorized"


class TokenRead(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (OAuth2 token type, not a secret)
    expires_in: int


@dataclass(frozen=True)
class TokenClaims:
    staff_id: str
    session_id: str
    token_version: int
    token_id: str  # a refresh token's id in its session; "" for an access token
    seconds_left: float


@dataclass(frozen=True)
class StaffTokens:
    secret: bytes
    clock: Clock

    def issue(self, grant: SessionGrant) -> TokenRead:
        return TokenRead(
            access_token=self._token(grant, "access", ACCESS_LIFETIME),
            refresh_token=self._token(grant, "refresh", REFRESH_LIFETIME),
            expires_in=int(ACCESS_LIFETIME.total_seconds()),
        )

    def start(self, uow: UnitOfWork, staff: StaffUser) -> TokenRead:
        """Open a session for someone who just proved who they are, and issue its tokens."""
        return self.issue(start_session(uow=uow, staff_id=staff.id))

    def read(self, token: str, kind: TokenKind = "access") -> TokenClaims:
        """Return what a token says; refuse an expired, forged or wrong-kind one."""
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],
                issuer=ISSUER,
                # Expiry is judged below by the service's clock, which demos and tests freeze.
                options={"require": ["exp", "sub", "iss", "sid", "ver"], "verify_exp": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized("Sign in again: that token is not valid.") from exc
        if claims.get("kind") != kind or not isinstance(claims["ver"], int):
            raise Unauthorized("Sign in again: that token is not valid.")
        left = int(claims["exp"]) - self.clock.now().timestamp()
        if left <= 0:
            raise Unauthorized("Sign in again: that token has expired.")
        return TokenClaims(
            staff_id=str(claims["sub"]),
            session_id=str(claims["sid"]),
            token_version=claims["ver"],
            token_id=str(claims.get("jti", "")),
            seconds_left=left,
        )

    def _token(self, grant: SessionGrant, kind: TokenKind, lifetime: timedelta) -> str:
        now = self.clock.now()
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": grant.staff.id,
            "role": grant.staff.role,
            "kind": kind,
            "sid": grant.session_id,
            "ver": grant.staff.token_version,
            "iat": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()),
        }
        if kind == "refresh":
            claims["jti"] = grant.refresh_id
        return jwt.encode(claims, self.secret, algorithm="HS256")


def staff_and_time_left(
    uow: UnitOfWork, tokens: StaffTokens, token: str
) -> tuple[StaffUser, float]:
    """Return the account a still-good access token belongs to, and its seconds left."""
    claims = tokens.read(token)
    staff = staff_in_session(
        uow=uow,
        staff_id=claims.staff_id,
        session_id=claims.session_id,
        token_version=claims.token_version,
    )
    return staff, claims.seconds_left


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


def too_many(refusal: TooManyAttempts) -> HTTPException:
    """429 saying how long to wait, in words and in Retry-After."""
    seconds = int(refusal.retry_after.total_seconds()) + 1
    when = "in a moment" if seconds < 60 else f"in {max(1, round(seconds / 60))} minute(s)"
    return HTTPException(
        429, f"{refusal.message} Try again {when}.", headers={"Retry-After": str(seconds)}
    )


class StaffRead(BaseModel):
    id: str
    email: str
    name: str
    role: str
    provider_id: str | None


def auth_router() -> APIRouter:
    router = APIRouter(prefix="/auth", tags=["auth"])

    @router.post("/token", response_model=TokenRead)
    async def sign_in_with_password(
        request: Request,
        response: Response,
        form: Annotated[OAuth2PasswordRequestForm, Depends()],
    ) -> TokenRead:
        """Sign in with email and password (OAuth2 password flow); answers 401 on a mismatch.

        Failures are limited per account and address, per device, per address and for an
        account from new places (429 with Retry-After); see docs/security.md.
        """
        frontdesk = frontdesk_of(request)
        bounds: SignInBounds = request.app.state.sign_in_bounds
        attempt = SignInAttempt(
            email=form.username,
            address=request.client.host if request.client else "unknown",
            device=request.cookies.get(DEVICE_COOKIE),
        )
        try:
            with bounds.hashing(account=attempt.account, address=attempt.address):
                signed_in = await bounds.run(
                    lambda: sign_in(uow=frontdesk.uow(), attempt=attempt, password=form.password)
                )
        except TooManyAttempts as refusal:
            raise too_many(refusal) from None
        except DomainError as refusal:
            raise HTTPException(401, refusal.message) from None
        response.set_cookie(
            DEVICE_COOKIE,
            signed_in.device,
            max_age=int(DEVICE_COOKIE_LIFETIME.total_seconds()),
            path=DEVICE_COOKIE_PATH,
            httponly=True,
            secure=request.url.scheme == "https",
            samesite="strict",
        )
        tokens: StaffTokens = request.app.state.tokens
        return await to_thread.run_sync(lambda: tokens.start(frontdesk.uow(), signed_in.staff))

    @router.post("/refresh", response_model=TokenRead)
    def refresh(request: Request, refresh_token: Annotated[str, Form()]) -> TokenRead:
        """Trade a refresh token for new tokens; the old one is spent.

        A refresh token used twice ends its session: every token issued from it stops working.
        """
        frontdesk = frontdesk_of(request)
        tokens: StaffTokens = request.app.state.tokens
        try:
            claims = tokens.read(refresh_token, "refresh")
            grant = rotate_refresh(
                uow=frontdesk.uow(),
                staff_id=claims.staff_id,
                session_id=claims.session_id,
                refresh_id=claims.token_id,
                token_version=claims.token_version,
            )
        except DomainError as refusal:
            raise HTTPException(401, refusal.message) from None
        return tokens.issue(grant)

    @router.get("/me", response_model=StaffRead)
    def me(staff: Annotated[StaffUser, Depends(current_staff)]) -> StaffUser:
        return staff

    return router
