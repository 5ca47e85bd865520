"""Delivering notifications: one row per (outbox message, channel), what clients chose, opt-outs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from domain.models.clients import new_id
from domain.models.sealed import index_column, sealed_column, watch_sealed_rows
from domain.models.types import utc_column


class NotificationStatus(StrEnum):
    QUEUED = "queued"  # waiting for its turn (or its next attempt, at next_attempt_at)
    SENDING = "sending"  # claimed by a worker until claimed_until; retried after that
    SENT = "sent"  # the channel accepted it
    DELIVERED = "delivered"  # the channel reported it reached the client (SMS status callback)
    FAILED = "failed"  # gave up: a permanent refusal, or out of attempts


@watch_sealed_rows
class Notification(SQLModel, table=True):
    """One outbox message to be delivered on one channel, and how that went."""

    __tablename__ = "notifications"
    __table_args__ = (
        # Each (event, channel) is delivered once, however many workers fan the outbox out.
        UniqueConstraint("outbox_id", "channel", name="uq_notification_outbox_channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id", index=True)
    event: str = Field(max_length=64)  # the template's event: booking.confirmed, booking.reminder…
    channel: str = Field(max_length=16)  # email, sms, telegram
    client_id: str | None = Field(default=None, foreign_key="clients.id", index=True)
    booking_id: str | None = Field(default=None, foreign_key="bookings.id", index=True)
    # An email, an E.164 phone, a Telegram chat id: sealed at rest, bound to its outbox
    # message (the row's own id exists only once written).
    to_address: str = Field(sa_column=sealed_column("notifications.to_address", row="outbox_id"))
    subject: str = ""
    body: str = ""
    status: str = Field(default=NotificationStatus.QUEUED, max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=utc_column(index=True))
    claimed_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # The channel's own id (a Twilio MessageSid, a Telegram message id, an email Message-ID).
    provider_message_id: str | None = Field(default=None, max_length=128, index=True)
    error: str = ""
    created_at: datetime = Field(sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column())


class NotificationPreference(SQLModel, table=True):
    """A client's choice for one event on one channel; without a row, the defaults apply."""

    __tablename__ = "notification_preferences"

    client_id: str = Field(foreign_key="clients.id", primary_key=True, max_length=64)
    event: str = Field(primary_key=True, max_length=64)  # a template event, e.g. booking.reminder
    channel: str = Field(primary_key=True, max_length=16)
    enabled: bool
    updated_at: datetime = Field(sa_column=utc_column())


@watch_sealed_rows
class SmsOptOut(SQLModel, table=True):
    """A phone number that texted STOP: carriers require that it gets nothing more until START."""

    __tablename__ = "sms_opt_outs"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    # Sealed at rest; found by its blind index, which keeps one row per number.
    phone: str = Field(
        sa_column=sealed_column("sms_opt_outs.phone", indexed_by="phone_index", nullable=False)
    )
    phone_index: str | None = Field(default=None, sa_column=index_column(unique=True))
    opted_out_at: datetime = Field(sa_column=utc_column())


def opt_out_of(session: Session, phone: str) -> SmsOptOut | None:
    """The opt-out of this E.164 number, whichever key its blind index was made with."""
    return session.exec(select(SmsOptOut).where(SmsOptOut.phone == phone)).first()


class InboundReceipt(SQLModel, table=True):
    """A webhook delivery already taken in (a Telegram update_id, a Twilio MessageSid)."""

    __tablename__ = "inbound_receipts"

    channel: str = Field(primary_key=True, max_length=16)
    external_id: str = Field(primary_key=True, max_length=128)
    received_at: datetime = Field(sa_column=utc_column())


class ChannelLinkCode(SQLModel, table=True):
    """A one-time code that links a chat on another channel (Telegram) to a known client."""

    __tablename__ = "channel_link_codes"
    __table_args__ = (UniqueConstraint("code_hash", name="uq_channel_link_code"),)

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64)  # sha256 of the code: a leaked table links no one
    client_id: str = Field(foreign_key="clients.id", index=True)
    channel: str = Field(max_length=16)
    created_at: datetime = Field(sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column())
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
