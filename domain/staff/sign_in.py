"""Signing staff in with a password, under limits a stranger cannot use to lock anyone out.

What is limited, per 15 minutes (see docs/security.md for why these keys):

- an account from one address: 5 failures, then that address waits (even with the right
  password), and only that address;
- an account from a device that signed in to it before (its cookie): 5 failures, counted for
  that device alone, so the owner's browser is neither slowed by others nor locked by them;
- an account from everywhere that is neither such a device nor an address it signed in from
  before: 20 failures, then new places wait — a guesser spread over many addresses is slowed
  down, while the owner's own devices and addresses still get in with the right password;
- an address, over every account: 50 failures.

Every limit is counted before the password is hashed (domain.staff.attempts), and an unknown
account goes through the same counting, the same look-ups and the same hash as a known one:
the answer, and its timing, are the same.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from domain.kernel.uow import UnitOfWork
from domain.models import StaffUser, TrustedSignIn
from domain.staff.accounts import authenticate
from domain.staff.attempts import Limit, reserve_attempt, take_back_attempt

WINDOW = timedelta(minutes=15)
PER_ACCOUNT_AND_ADDRESS = 5
PER_ACCOUNT_AND_DEVICE = 5
PER_ACCOUNT_FROM_NEW_PLACES = 20
# Higher: many people may share one address (an office, a clinic's network).
PER_ADDRESS = 50
DEVICE_TRUSTED_FOR = timedelta(days=90)
ADDRESS_KNOWN_FOR = timedelta(days=30)
TOO_MANY = "Too many failed sign-ins."
DEVICE, ADDRESS = "device", "address"


@dataclass(frozen=True)
class SignInAttempt:
    """Who someone says they are, from where, and their device's cookie if they sent one."""

    email: str
    address: str
    device: str | None = None

    @property
    def account(self) -> str:
        return self.email.strip().lower()


@dataclass(frozen=True)
class SignedIn:
    staff: StaffUser
    # The device cookie to keep (set again: its lifetime starts over).
    device: str


def sign_in(*, uow: UnitOfWork, attempt: SignInAttempt, password: str) -> SignedIn:
    """Check the password under the limits; TooManyAttempts or SignInRefused if refused."""
    counted, cleared = limits_for(uow=uow, attempt=attempt)
    reserve_attempt(uow=uow, limits=counted, refusal=TOO_MANY)
    staff = authenticate(uow=uow, email=attempt.email, password=password)
    take_back_attempt(uow=uow, limits=counted, clear=cleared)
    device = _usable(attempt.device) or secrets.token_urlsafe(24)
    _remember(uow, attempt, device)
    return SignedIn(staff, device)


def limits_for(*, uow: UnitOfWork, attempt: SignInAttempt) -> tuple[list[Limit], list[Limit]]:
    """Return the limits this attempt counts under, and those a success clears."""
    trusted_device, known_address = _trust(uow, attempt)
    account, address = attempt.account, attempt.address
    if trusted_device:
        own = Limit(f"sign-in:device:{account}\x1f{attempt.device}", PER_ACCOUNT_AND_DEVICE, WINDOW)
        return [own], [own]
    pair = Limit(f"sign-in:pair:{account}\x1f{address}", PER_ACCOUNT_AND_ADDRESS, WINDOW)
    limits = [pair, Limit(f"sign-in:address:{address}", PER_ADDRESS, WINDOW)]
    if not known_address:
        limits.append(Limit(f"sign-in:account:{account}", PER_ACCOUNT_FROM_NEW_PLACES, WINDOW))
    return limits, [pair]


def _trust(uow: UnitOfWork, attempt: SignInAttempt) -> tuple[bool, bool]:
    """Tell whether the device, and the address, signed in to this account lately."""
    now = uow.now()
    device = _digest(_usable(attempt.device) or "")
    with uow.reading() as reader:
        found = reader.session.exec(
            select(TrustedSignIn.kind).where(
                col(TrustedSignIn.account_hash) == _digest(attempt.account),
                or_(
                    and_(
                        col(TrustedSignIn.kind) == DEVICE,
                        col(TrustedSignIn.value_hash) == device,
                        col(TrustedSignIn.last_success_at) > now - DEVICE_TRUSTED_FOR,
                    ),
                    and_(
                        col(TrustedSignIn.kind) == ADDRESS,
                        col(TrustedSignIn.value_hash) == _digest(attempt.address),
                        col(TrustedSignIn.last_success_at) > now - ADDRESS_KNOWN_FOR,
                    ),
                ),
            )
        ).all()
    return DEVICE in found, ADDRESS in found


def _remember(uow: UnitOfWork, attempt: SignInAttempt, device: str) -> None:
    """Trust this device and know this address for the account, from now."""
    account = _digest(attempt.account)
    with uow:
        insert = (postgresql if uow.engine.dialect.name == "postgresql" else sqlite).insert
        for kind, value in ((DEVICE, device), (ADDRESS, attempt.address)):
            statement = insert(TrustedSignIn).values(
                account_hash=account,
                kind=kind,
                value_hash=_digest(value),
                last_success_at=uow.now(),
            )
            uow.session.connection().execute(
                statement.on_conflict_do_update(
                    index_elements=["account_hash", "kind", "value_hash"],
                    set_={"last_success_at": statement.excluded.last_success_at},
                )
            )
        uow.commit()


def _usable(device: str | None) -> str | None:
    """The device cookie as sent, if it looks like one this service made."""
    if device is not None and 16 <= len(device) <= 64 and device.isascii():
        return device
    return None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
