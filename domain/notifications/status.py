"""What a channel reports about a message it took (an SMS status callback), on its notification."""

from __future__ import annotations

from sqlmodel import select

from domain.kernel.uow import UnitOfWork
from domain.models import Notification, NotificationStatus

# Twilio's MessageStatus values, by what they mean for the client.
_REPORTED = {
    "queued": NotificationStatus.SENT,
    "accepted": NotificationStatus.SENT,
    "scheduled": NotificationStatus.SENT,
    "sending": NotificationStatus.SENT,
    "sent": NotificationStatus.SENT,
    "delivered": NotificationStatus.DELIVERED,
    "read": NotificationStatus.DELIVERED,
    "undelivered": NotificationStatus.FAILED,
    "failed": NotificationStatus.FAILED,
    "canceled": NotificationStatus.FAILED,
}
# Reports arrive out of order: a status only ever moves up this ladder, never back down.
_RANK: dict[str, int] = {
    NotificationStatus.QUEUED: 0,
    NotificationStatus.SENDING: 1,
    NotificationStatus.SENT: 2,
    NotificationStatus.DELIVERED: 3,
    NotificationStatus.FAILED: 3,
}


def record_channel_status(
    *,
    uow: UnitOfWork,
    channel: str,
    provider_message_id: str,
    status: str,
    error: str | None = None,
) -> bool:
    """Note the reported status on the notification the channel knows by this id.

    Returns False when no notification has that id (not one of ours, or not recorded yet);
    a status it does not know, or one behind what is known already, changes nothing.
    """
    reported = _REPORTED.get(status.strip().lower())
    with uow:
        notification = uow.session.exec(
            select(Notification)
            .where(
                Notification.channel == channel,
                Notification.provider_message_id == provider_message_id,
            )
            .with_for_update()
        ).first()
        if notification is None:
            return False
        current = _RANK.get(notification.status, 0)
        if reported is None or _RANK[reported] <= current:
            return True
        notification.status = reported
        if reported == NotificationStatus.FAILED:
            notification.error = f"{status}: error {error}" if error else status
        notification.updated_at = uow.now()
        uow.commit()
        return True
