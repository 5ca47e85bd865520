"""Notification templates over REST: staff read and preview the wording, admins change it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.bootstrap import frontdesk_of
from api.conventions import Admin, IfMatch, Page, PageQuery, StaffMember, page, tagged
from domain.notifications.events import Channel
from domain.notifications.templates import (
    NotificationTemplateView,
    get_notification_template,
    page_notification_templates,
    preview_notification_template,
    reset_notification_template,
    save_notification_template,
)

EventPath = Annotated[str, Path(max_length=64, examples=["booking.confirmed"])]
ChannelPath = Annotated[str, Path(max_length=16, examples=["sms"])]
Subject = Annotated[str, Field(max_length=500, description="Email only; jinja2")]
TemplateBody = Annotated[
    str, Field(min_length=1, max_length=20_000, description="jinja2; HTML for email")
]


class VariableRead(BaseModel):
    name: str
    description: str
    sample: str | int | list[str]


class NotificationTemplateRead(BaseModel):
    event: str
    channel: Channel
    subject: str
    body: str
    customised: bool = Field(description="False while the built-in wording is in use")
    version: int
    updated_at: datetime | None
    variables: list[VariableRead]


class NotificationTemplateUpdate(BaseModel):
    """The whole wording: PUT replaces subject and body together."""

    subject: Subject = ""
    body: TemplateBody


class NotificationTemplateDraft(BaseModel):
    """Unsaved wording to preview; a part left out is taken from the wording in use."""

    subject: Subject | None = None
    body: TemplateBody | None = None


class SmsSizeRead(BaseModel):
    encoding: Literal["GSM-7", "UCS-2"]
    characters: int
    segments: int


class NotificationPreviewRead(BaseModel):
    subject: str
    body: str
    sms: SmsSizeRead | None = Field(description="What the body costs as an SMS (sms only)")


notification_template_router = APIRouter(prefix="/notification-templates", tags=["templates"])


def _item(template: NotificationTemplateView) -> NotificationTemplateRead:
    return NotificationTemplateRead.model_validate(template, from_attributes=True)


def _read(template: NotificationTemplateView, response: Response) -> NotificationTemplateRead:
    tagged(response, template.version)
    return _item(template)


@notification_template_router.get("", response_model=Page[NotificationTemplateRead])
def list_notification_templates(
    request: Request,
    _: StaffMember,
    paged: PageQuery,
    event: Annotated[str | None, Query(max_length=64, examples=["booking.reminder"])] = None,
    channel: Channel | None = None,
) -> Page[NotificationTemplateRead]:
    """Every event on every channel, with the wording in use and whether an admin changed it."""
    found, total = page_notification_templates(
        uow=frontdesk_of(request).uow(),
        event=event,
        channel=channel,
        limit=paged.limit,
        offset=paged.offset,
    )
    return page([_item(t) for t in found], total, paged)


@notification_template_router.get("/{event}/{channel}", response_model=NotificationTemplateRead)
def read(
    request: Request, response: Response, _: StaffMember, event: EventPath, channel: ChannelPath
) -> NotificationTemplateRead:
    """The wording in use; its ETag is "0" while it is the built-in one."""
    template = get_notification_template(
        uow=frontdesk_of(request).uow(), event=event, channel=channel
    )
    return _read(template, response)


@notification_template_router.put("/{event}/{channel}", response_model=NotificationTemplateRead)
def save(
    request: Request,
    response: Response,
    admin: Admin,
    version: IfMatch,
    event: EventPath,
    channel: ChannelPath,
    template_in: NotificationTemplateUpdate,
) -> NotificationTemplateRead:
    """Save new wording, checked first (422 with every reason); `If-Match` carries the ETag read."""
    template = save_notification_template(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        event=event,
        channel=channel,
        expected_version=version,
        subject=template_in.subject,
        body=template_in.body,
    )
    return _read(template, response)


@notification_template_router.delete("/{event}/{channel}", response_model=NotificationTemplateRead)
def reset(
    request: Request,
    response: Response,
    admin: Admin,
    version: IfMatch,
    event: EventPath,
    channel: ChannelPath,
) -> NotificationTemplateRead:
    """Go back to the built-in wording; `If-Match` carries the ETag read."""
    template = reset_notification_template(
        uow=frontdesk_of(request).uow(),
        staff=admin,
        event=event,
        channel=channel,
        expected_version=version,
    )
    return _read(template, response)


@notification_template_router.post(
    "/{event}/{channel}/preview", response_model=NotificationPreviewRead
)
def preview(
    request: Request,
    staff: StaffMember,
    event: EventPath,
    channel: ChannelPath,
    draft_in: Annotated[NotificationTemplateDraft | None, Body()] = None,
) -> NotificationPreviewRead:
    """Fill the wording in use (any staff), or unsaved wording sent (admins), with sample data."""
    draft = draft_in or NotificationTemplateDraft()
    filled = preview_notification_template(
        uow=frontdesk_of(request).uow(),
        staff=staff,
        event=event,
        channel=channel,
        subject=draft.subject,
        body=draft.body,
    )
    return NotificationPreviewRead.model_validate(filled, from_attributes=True)
