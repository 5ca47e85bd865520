"""Webhook deliveries taken in once: a retried Telegram update or Twilio message is skipped."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete

from domain.kernel.uow import UnitOfWork
from domain.models import InboundReceipt


def first_delivery(*, uow: UnitOfWork, channel: str, external_id: str) -> bool:
    """Record the delivery; return False when it was recorded before (a retry: skip it).

    Two copies racing each other both try the insert; the primary key lets one through.
    """
    with uow:
        try:
            uow.session.add(
                InboundReceipt(channel=channel, external_id=external_id, received_at=uow.now())
            )
            uow.commit()
        except IntegrityError:
            uow.session.rollback()
            return False
        return True


def forget_delivery(*, uow: UnitOfWork, channel: str, external_id: str) -> None:
    """Let a delivery be processed again (its processing failed before it took effect)."""
    with uow:
        uow.session.exec(
            delete(InboundReceipt).where(
                col(InboundReceipt.channel) == channel,
                col(InboundReceipt.external_id) == external_id,
            )
        )
        uow.commit()
