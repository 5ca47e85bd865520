"""Staff accounts: the people who sign in to the console (admins and providers)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from domain.models.clients import new_id
from domain.models.types import utc_column


class StaffRole(StrEnum):
    ADMIN = "admin"
    PROVIDER = "provider"


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_users"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    email: str = Field(max_length=255, unique=True)
    name: str = Field(max_length=200)
    role: str = Field(default=StaffRole.PROVIDER, max_length=16)
    # A provider's account is linked to their diary; an admin's usually is not.
    provider_id: str | None = Field(default=None, foreign_key="providers.id", index=True)
    password_hash: str | None = None  # None for accounts that only sign in through Entra ID
    active: bool = True
    # Carried by every token issued; bumping it ends every token and console socket at once
    # (deactivation, a password changed or reset, an admin's "sign out everywhere").
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(sa_column=utc_column())


class StaffSession(SQLModel, table=True):
    """One sign-in and its refresh tokens: each refresh replaces the one token that may be used.

    A refresh token used a second time means someone else holds a copy: the whole session
    ends, with every token issued from it.
    """

    __tablename__ = "staff_sessions"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    staff_id: str = Field(foreign_key="staff_users.id", index=True, max_length=64)
    current_refresh_id: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=utc_column())
    refreshed_at: datetime = Field(sa_column=utc_column())
    ended_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    end_reason: str = Field(default="", max_length=64)


class PasswordReset(SQLModel, table=True):
    """A link sent by email to choose a new password: used once, before it expires."""

    __tablename__ = "staff_password_resets"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    token_hash: str = Field(max_length=64, unique=True)  # sha256: a leaked table resets nothing
    staff_id: str = Field(foreign_key="staff_users.id", index=True, max_length=64)
    created_at: datetime = Field(sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column())
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class AttemptCounter(SQLModel, table=True):
    """Failed attempts (sign-ins, password checks) under one key in the current window.

    Kept in the database so the limit holds across app processes; the key is a hash, so the
    table does not keep what people typed as a user name.
    """

    __tablename__ = "attempt_counters"

    key: str = Field(primary_key=True, max_length=64)
    window_started_at: datetime = Field(sa_column=utc_column())
    attempts: int = 0


class TrustedSignIn(SQLModel, table=True):
    """A device (its cookie) or an address an account last signed in from successfully."""

    __tablename__ = "staff_trusted_sign_ins"

    # Hashes of the account as typed (normalised) and of the device's cookie or the address.
    account_hash: str = Field(primary_key=True, max_length=64)
    kind: str = Field(primary_key=True, max_length=16)  # "device" or "address"
    value_hash: str = Field(primary_key=True, max_length=64)
    last_success_at: datetime = Field(sa_column=utc_column())
