"""Notification templates: an admin's wording per event and channel, else the built-in one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from domain.kernel.actors import Actor
from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.journal import audit
from domain.kernel.uow import UnitOfWork
from domain.kernel.versioning import StaleVersion, bump_version, require_version
from domain.models import NotificationTemplate, StaffUser
from domain.notifications.events import CHANNELS, EVENTS, Channel, NotificationEvent, Variable
from domain.notifications.rendering import (
    RenderedNotification,
    SmsSize,
    Wording,
    built_in_wording,
    problems_with,
    render,
    sms_size,
)
from domain.staff.access import require_admin, staff_actor

WHAT = "notification template"
SUBJECT = "notification_template"


@dataclass(frozen=True)
class NotificationTemplateView:
    """The wording in use for one event on one channel; version 0 until an admin saves one."""

    event: str
    channel: Channel
    subject: str
    body: str
    customised: bool
    version: int
    updated_at: datetime | None
    variables: tuple[Variable, ...]


@dataclass(frozen=True)
class NotificationPreview:
    subject: str
    body: str
    sms: SmsSize | None  # what the body costs as an SMS; None on other channels


def page_notification_templates(
    *, uow: UnitOfWork, event: str | None, channel: str | None, limit: int, offset: int
) -> tuple[list[NotificationTemplateView], int]:
    """Return a page of every event and channel pair, each with the wording in use."""
    pairs = [
        (name, ch)
        for name in EVENTS
        for ch in CHANNELS
        if event in (None, name) and channel in (None, ch)
    ]
    with uow.reading() as reader:
        saved = {(r.event, r.channel): r for r in reader.session.exec(select(NotificationTemplate))}
    views = [_view(EVENTS[name], ch, saved.get((name, ch))) for name, ch in pairs]
    return views[offset : offset + limit], len(views)


def get_notification_template(
    *, uow: UnitOfWork, event: str, channel: str
) -> NotificationTemplateView:
    known, on = _known(event, channel)
    with uow.reading() as reader:
        return _view(known, on, _saved(reader.session, event, on))


def save_notification_template(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    event: str,
    channel: str,
    expected_version: int,
    subject: str,
    body: str,
) -> NotificationTemplateView:
    """Save an admin's wording, checked, from the version they read (0: the built-in one)."""
    require_admin(staff)
    known, on = _known(event, channel)
    _refuse_problems(known, on, Wording(subject=subject, body=body))
    with uow:
        row = _saved(uow.session, event, on, lock=True) or _built_in(uow, event, on)
        require_version(row, expected_version, what=WHAT)
        row.subject, row.body, row.updated_at = subject, body, uow.now()
        bump_version(row)
        uow.session.add(row)
        _audit(uow, staff_actor(staff), row, "updated")
        _flush_or_stale(uow)
        uow.commit()
    return _view(known, on, row)


def reset_notification_template(
    *, uow: UnitOfWork, staff: StaffUser, event: str, channel: str, expected_version: int
) -> NotificationTemplateView:
    """Go back to the built-in wording; the version keeps counting, so old ETags stay stale."""
    require_admin(staff)
    known, on = _known(event, channel)
    with uow:
        row = _saved(uow.session, event, on, lock=True)
        require_version(row or _built_in(uow, event, on), expected_version, what=WHAT)
        if row is None or not row.body:
            return _view(known, on, row)  # nothing of the admin's to drop
        row.subject, row.body, row.updated_at = "", "", uow.now()
        bump_version(row)
        _audit(uow, staff_actor(staff), row, "reset")
        uow.commit()
    return _view(known, on, row)


def preview_notification_template(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    event: str,
    channel: str,
    subject: str | None,
    body: str | None,
) -> NotificationPreview:
    """Fill the wording in use, or the unsaved subject and body given, with sample data.

    Anyone on the staff sees the wording in use; trying out new wording is an admin's job (the
    sandbox keeps a template from Python, not from asking for a gigabyte-long string).
    """
    if subject is not None or body is not None:
        require_admin(staff)
    current = get_notification_template(uow=uow, event=event, channel=channel)
    known, on = EVENTS[current.event], current.channel
    wording = Wording(
        subject=current.subject if subject is None else subject,
        body=current.body if body is None else body,
    )
    _refuse_problems(known, on, wording)
    rendered = render(on, wording, known.sample())
    return NotificationPreview(
        subject=rendered.subject,
        body=rendered.body,
        sms=sms_size(rendered.body) if on == "sms" else None,
    )


def render_notification(
    *, uow: UnitOfWork, event: str, channel: str, context: dict[str, object]
) -> RenderedNotification:
    """Fill the wording in use for an event on a channel with a real booking's values."""
    current = get_notification_template(uow=uow, event=event, channel=channel)
    try:
        return render(current.channel, Wording(current.subject, current.body), context)
    except Exception as exc:  # the admin's expressions meet real values here for the first time
        raise InvalidInput(
            f"The {event} notification for {channel} could not be filled: {exc}"
        ) from exc


def _known(event: str, channel: str) -> tuple[NotificationEvent, Channel]:
    if event not in EVENTS:
        raise NotFound(f"No notification event '{event}'; there are {', '.join(EVENTS)}.")
    if channel not in CHANNELS:
        raise NotFound(f"No notification channel '{channel}'; there are {', '.join(CHANNELS)}.")
    return EVENTS[event], channel


def _saved(
    session: Session, event: str, channel: Channel, *, lock: bool = False
) -> NotificationTemplate | None:
    query = select(NotificationTemplate).where(
        col(NotificationTemplate.event) == event, col(NotificationTemplate.channel) == channel
    )
    return session.exec(query.with_for_update() if lock else query).first()


def _built_in(uow: UnitOfWork, event: str, channel: Channel) -> NotificationTemplate:
    """A row for wording never saved: the built-in one, at version 0 (not added to the session)."""
    return NotificationTemplate(
        event=event, channel=channel, subject="", body="", version=0, updated_at=uow.now()
    )


def _view(
    event: NotificationEvent, channel: Channel, row: NotificationTemplate | None
) -> NotificationTemplateView:
    # A row with no body is one an admin reset: the built-in wording, at the row's version.
    customised = row is not None and bool(row.body)
    wording = (
        Wording(subject=row.subject, body=row.body)
        if row is not None and customised
        else built_in_wording(event.name, channel)
    )
    return NotificationTemplateView(
        event=event.name,
        channel=channel,
        subject=wording.subject,
        body=wording.body,
        customised=customised,
        version=row.version if row else 0,
        updated_at=row.updated_at if row else None,
        variables=event.variables,
    )


def _refuse_problems(event: NotificationEvent, channel: Channel, wording: Wording) -> None:
    problems = problems_with(event, channel, wording)
    if problems:
        field = problems[0][0]
        raise InvalidInput("; ".join(f"{f}: {p}" for f, p in problems), field=field)


def _flush_or_stale(uow: UnitOfWork) -> None:
    try:
        uow.session.flush()
    except IntegrityError as exc:  # another admin saved the first version of this pair meanwhile
        raise StaleVersion(
            f"This {WHAT} changed since you read it. Read it again and reapply your change."
        ) from exc


def _audit(uow: UnitOfWork, actor: Actor, row: NotificationTemplate, action: str) -> None:
    audit(
        uow,
        actor=actor,
        action=f"{SUBJECT}.{action}",
        subject_type=SUBJECT,
        subject_id=f"{row.event}/{row.channel}",
        details={"version": row.version},
    )
