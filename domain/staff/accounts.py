"""Staff accounts: creating them and checking their passwords (argon2id)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from domain.clients.registration import EMAIL
from domain.kernel.actors import Actor
from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.models import Provider, StaffRole, StaffUser

_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
# Verifying against this keeps the answer time the same whether or not the account exists.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


class SignInRefused(InvalidInput):
    code = "sign_in_refused"


def create_staff(
    *,
    uow: UnitOfWork,
    actor: Actor,
    email: str,
    name: str,
    role: StaffRole,
    password: str | None,
    provider_id: str | None = None,
) -> StaffUser:
    """Create a staff account; an email already in use is refused."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise InvalidInput(f"{email!r} does not look like an email address.")
    if not name.strip():
        raise InvalidInput("A staff account needs a name.")
    if password is not None:
        check_new_password(password)
    with uow:
        if provider_id is not None and uow.session.get(Provider, provider_id) is None:
            raise NotFound(f"No provider {provider_id!r}.")
        if uow.session.exec(select(StaffUser).where(StaffUser.email == email)).first():
            raise InvalidInput(f"There is already an account for {email}.")
        user = StaffUser(
            email=email,
            name=name.strip(),
            role=role,
            provider_id=provider_id,
            password_hash=hash_password(password) if password is not None else None,
            created_at=uow.now(),
        )
        uow.session.add(user)
        uow.session.flush()
        audit(uow, actor=actor, action="staff.created", subject_type="staff", subject_id=user.id)
        try:
            uow.commit()
        except IntegrityError as exc:
            raise InvalidInput(f"There is already an account for {email}.") from exc
        return user


def authenticate(*, uow: UnitOfWork, email: str, password: str) -> StaffUser:
    """Return the active account with this email and password; refuse anything else alike."""
    with uow.reading() as reader:
        user = reader.session.exec(
            select(StaffUser).where(StaffUser.email == email.strip().lower())
        ).first()
    stored = user.password_hash if user is not None and user.active else None
    if not password_matches(stored, password) or user is None:
        raise SignInRefused("Wrong email or password.")
    return user


def password_matches(stored: str | None, password: str) -> bool:
    """Check a password against a stored hash, taking the same time when there is none."""
    try:
        _HASHER.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def check_new_password(password: str, *, field: str | None = None) -> None:
    """Refuse a password too short to choose, or one too long to be worth hashing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", field=field
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"A password may have at most {MAX_PASSWORD_LENGTH} characters.", field=field
        )


def get_staff(*, uow: UnitOfWork, staff_id: str) -> StaffUser:
    with uow.reading() as reader:
        user = reader.session.get(StaffUser, staff_id)
        if user is None or not user.active:
            raise NotFound("No such staff account.")
        return user


def list_staff(*, uow: UnitOfWork) -> list[StaffUser]:
    with uow.reading() as reader:
        found = reader.session.exec(
            select(StaffUser).where(col(StaffUser.active)).order_by(col(StaffUser.name))
        )
        return list(found)


def has_staff(*, uow: UnitOfWork) -> bool:
    """Tell whether any staff account, active or not, exists."""
    with uow.reading() as reader:
        return reader.session.exec(select(StaffUser.id).limit(1)).first() is not None
