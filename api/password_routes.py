"""Staff passwords: changed with the current one, or reset through a link sent by email."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from api.auth import StaffTokens, TokenRead, current_staff, too_many
from api.bootstrap import frontdesk_of
from api.sign_in_bounds import SignInBounds
from domain.kernel.errors import DomainError
from domain.models import StaffUser
from domain.staff.attempts import Limit, TooManyAttempts, reserve_attempt, take_back_attempt
from domain.staff.passwords import (
    WrongPassword,
    change_password,
    request_password_reset,
    reset_password,
)

PASSWORD_CHECKS = 5  # wrong current passwords per account in CHECK_WINDOW
CHECK_WINDOW = timedelta(minutes=15)
RESET_REQUESTS_PER_ADDRESS = 10  # in RESET_WINDOW, whatever the emails
RESET_WINDOW = timedelta(hours=1)
# Uses of a reset link per address in RESET_WINDOW: each one hashes the new password first.
RESET_USES_PER_ADDRESS = 20
RESET_PAGE = "/console/reset-password"
LINK_SENT = (
    "If there is an account with a password for that email, a link to choose a new one is on "
    "its way. It works once, for 30 minutes."
)
# Called on the event loop with an account whose every token just ended: closes its sockets.
EndConsoles = Callable[[str], None]


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class PasswordResetRequest(BaseModel):
    email: str = Field(min_length=1, max_length=255)


class PasswordReset(BaseModel):
    token: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=256)


class Done(BaseModel):
    detail: str


def password_router(static_dir: str) -> APIRouter:
    router = APIRouter()

    @router.post("/api/v1/auth/password", response_model=TokenRead, tags=["auth"])
    async def change_own_password(
        request: Request,
        change_in: PasswordChange,
        staff: Annotated[StaffUser, Depends(current_staff)],
    ) -> TokenRead:
        """Change your password (give the current one): every other session ends, this one
        gets new tokens. Five wrong current passwords in 15 minutes: 429."""
        frontdesk = frontdesk_of(request)
        bounds: SignInBounds = request.app.state.sign_in_bounds
        checks = [Limit(f"password-check:{staff.id}", PASSWORD_CHECKS, CHECK_WINDOW)]
        address = request.client.host if request.client else "unknown"
        try:
            with bounds.hashing(account=staff.email, address=address):
                await to_thread.run_sync(
                    lambda: reserve_attempt(
                        uow=frontdesk.uow(), limits=checks, refusal="Too many wrong passwords."
                    )
                )
                grant = await bounds.run(
                    lambda: change_password(
                        uow=frontdesk.uow(),
                        staff_id=staff.id,
                        current_password=change_in.current_password,
                        new_password=change_in.new_password,
                    )
                )
        except TooManyAttempts as refusal:
            raise too_many(refusal) from None
        except WrongPassword:
            raise
        except DomainError:
            # Not a wrong guess (a new password too short): it does not count against them.
            await to_thread.run_sync(lambda: take_back_attempt(uow=frontdesk.uow(), limits=checks))
            raise
        await to_thread.run_sync(
            lambda: take_back_attempt(uow=frontdesk.uow(), limits=checks, clear=checks)
        )
        end_consoles: EndConsoles = request.app.state.end_consoles_of
        end_consoles(staff.id)
        tokens: StaffTokens = request.app.state.tokens
        return tokens.issue(grant)

    @router.post("/api/v1/auth/password-reset", response_model=Done, status_code=202, tags=["auth"])
    async def ask_for_a_reset_link(request: Request, reset_in: PasswordResetRequest) -> Done:
        """Email a link to choose a new password; the same answer whether or not the account
        exists. Ten requests an hour from one address."""
        frontdesk = frontdesk_of(request)
        address = request.client.host if request.client else "unknown"
        # Never the Host header, which the asker chooses: the link would lead to their site.
        link = f"{frontdesk.settings.public_url or ''}{RESET_PAGE}#token="
        per_address = [Limit(f"password-reset:{address}", RESET_REQUESTS_PER_ADDRESS, RESET_WINDOW)]

        def ask() -> None:
            reserve_attempt(
                uow=frontdesk.uow(), limits=per_address, refusal="Too many reset requests."
            )
            request_password_reset(uow=frontdesk.uow(), email=reset_in.email, link=link)

        try:
            await to_thread.run_sync(ask)
        except TooManyAttempts as refusal:
            raise too_many(refusal) from None
        return Done(detail=LINK_SENT)

    @router.post("/api/v1/auth/password-reset/complete", response_model=Done, tags=["auth"])
    async def choose_a_new_password(request: Request, reset_in: PasswordReset) -> Done:
        """Set a new password with the link's token (once, within 30 minutes); every session
        of the account ends."""
        frontdesk = frontdesk_of(request)
        bounds: SignInBounds = request.app.state.sign_in_bounds
        address = request.client.host if request.client else "unknown"
        uses = [Limit(f"password-reset-use:{address}", RESET_USES_PER_ADDRESS, RESET_WINDOW)]

        def reset() -> str:
            reserve_attempt(uow=frontdesk.uow(), limits=uses, refusal="Too many tries.")
            staff_id = reset_password(
                uow=frontdesk.uow(), secret=reset_in.token, new_password=reset_in.new_password
            )
            take_back_attempt(uow=frontdesk.uow(), limits=uses)
            return staff_id

        try:
            with bounds.hashing(account="password-reset", address=address):
                staff_id = await bounds.run(reset)
        except TooManyAttempts as refusal:
            raise too_many(refusal) from None
        end_consoles: EndConsoles = request.app.state.end_consoles_of
        end_consoles(staff_id)
        return Done(detail="Your password is changed. Sign in with it.")

    @router.get(RESET_PAGE, include_in_schema=False)
    def reset_page() -> FileResponse:
        return FileResponse(f"{static_dir}/reset-password.html")

    return router
