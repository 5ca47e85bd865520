"""Numbers that texted STOP: carriers require that they get nothing more until they text START."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain.clients.phones import NotAPhoneNumber, practice_region, to_e164
from domain.kernel.actors import Actor, client_actor
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.models import SmsOptOut, find_identity, opt_out_of
from domain.models.sealed import keyring_of

OPTED_OUT = "opted out"  # the error of a text not sent because its number texted STOP


def opt_out(*, uow: UnitOfWork, phone: str) -> bool:
    """Stop texting this number; return False when it had opted out already."""
    with uow:
        phone = to_e164(phone, region=practice_region(uow.session))
        if opt_out_of(uow.session, phone) is not None:
            return False
        uow.session.add(SmsOptOut(phone=phone, opted_out_at=uow.now()))
        _audit(uow, phone, "sms.opted_out")
        try:
            uow.commit()
        except IntegrityError:  # the same STOP, retried at the same moment, got there first
            return False
        return True


def opt_in(*, uow: UnitOfWork, phone: str) -> bool:
    """Text this number again; return False when it was not opted out."""
    with uow:
        phone = to_e164(phone, region=practice_region(uow.session))
        opted_out = opt_out_of(uow.session, phone)
        if opted_out is None:
            return False
        uow.session.delete(opted_out)
        _audit(uow, phone, "sms.opted_in")
        uow.commit()
        return True


def is_opted_out(*, uow: UnitOfWork, phone: str) -> bool:
    """Tell whether this number texted STOP (and not START since)."""
    with uow.reading() as reader:
        phone = to_e164(phone, region=practice_region(reader.session))
        return opt_out_of(reader.session, phone) is not None


def number_opted_out(session: Session, phone: str) -> bool:
    """Tell, in a transaction already open, whether this number texted STOP (not START since).

    Checked right before a text goes out: a STOP may have come after it was queued.
    Something that is no phone number has not opted out (the carrier refuses it anyway).
    """
    try:
        phone = to_e164(phone, region=practice_region(session))
    except NotAPhoneNumber:
        return False
    return opt_out_of(session, phone) is not None


def opted_out_before_sending(*, uow: UnitOfWork, phone: str) -> bool:
    """Tell, as a text is about to go out, whether its number texted STOP (not START since)."""
    with uow.reading() as reader:
        return number_opted_out(reader.session, phone)


def _audit(uow: UnitOfWork, phone: str, action: str) -> None:
    owner = find_identity(uow.session, "sms", phone)
    # The carrier proves the number: its owner, when known, is the one who asked.
    actor = client_actor(owner.client_id, "sms") if owner else Actor(kind="system", channel="sms")
    # The log names the number by its keyed digest: a backup of it reveals no phone number.
    digest = keyring_of(uow.engine.dialect).blind_index(phone)
    audit(uow, actor=actor, action=action, subject_type="phone", subject_id=digest)
