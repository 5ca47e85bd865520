"""All tables; importing this module registers them on SQLModel.metadata."""

from domain.models.bookings import (
    NO_OVERLAP,
    OCCUPYING_STATUSES,
    Booking,
    BookingStatus,
    occupied_span,
    occupied_until,
    occupies,
)
from domain.models.calendars import CalendarConnection, CalendarKind, ExternalBusy
from domain.models.catalog import (
    PRACTICE_ROW_ID,
    Category,
    DocumentKind,
    Practice,
    Provider,
    ProviderService,
    Service,
)
from domain.models.clients import ChannelIdentity, Client, find_identity, new_id
from domain.models.content import DocumentTemplate, KnowledgeEntry, NotificationTemplate
from domain.models.conversations import (
    Conversation,
    ConversationEntry,
    ConversationStatus,
    EntryAuthor,
    TurnUsage,
    VerificationCode,
)
from domain.models.documents import DocumentRequest, GeneratedForm, UploadedDocument
from domain.models.notifications import (
    ChannelLinkCode,
    InboundReceipt,
    Notification,
    NotificationPreference,
    NotificationStatus,
    SmsOptOut,
    opt_out_of,
)
from domain.models.records import AuditEvent, IdempotencyKey, OutboxMessage
from domain.models.schedule import DateOverride, TimeOff, WeeklyHours
from domain.models.staff import (
    AttemptCounter,
    PasswordReset,
    StaffRole,
    StaffSession,
    StaffUser,
    TrustedSignIn,
)
from domain.models.turns import ConversationLease, QueuedTurn

__all__ = [
    "NO_OVERLAP",
    "OCCUPYING_STATUSES",
    "PRACTICE_ROW_ID",
    "AttemptCounter",
    "AuditEvent",
    "Booking",
    "BookingStatus",
    "CalendarConnection",
    "CalendarKind",
    "Category",
    "ChannelIdentity",
    "ChannelLinkCode",
    "Client",
    "Conversation",
    "ConversationEntry",
    "ConversationLease",
    "ConversationStatus",
    "DateOverride",
    "DocumentKind",
    "DocumentRequest",
    "DocumentTemplate",
    "EntryAuthor",
    "ExternalBusy",
    "GeneratedForm",
    "IdempotencyKey",
    "InboundReceipt",
    "KnowledgeEntry",
    "Notification",
    "NotificationPreference",
    "NotificationStatus",
    "NotificationTemplate",
    "OutboxMessage",
    "PasswordReset",
    "Practice",
    "Provider",
    "ProviderService",
    "QueuedTurn",
    "Service",
    "SmsOptOut",
    "StaffRole",
    "StaffSession",
    "StaffUser",
    "TimeOff",
    "TrustedSignIn",
    "TurnUsage",
    "UploadedDocument",
    "VerificationCode",
    "WeeklyHours",
    "find_identity",
    "new_id",
    "occupied_span",
    "occupied_until",
    "occupies",
    "opt_out_of",
]
