"""The practice's figures over REST, for admins only (a provider's own diary is /bookings)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from api.bootstrap import frontdesk_of
from api.conventions import Admin
from domain.reporting.figures import MAX_DAYS, Counts, practice_figures


class CountsRead(BaseModel):
    """Bookings that were made (lapsed holds are not), by status, and the rates they give."""

    bookings: int
    confirmed: int
    completed: int
    no_show: int
    cancelled: int
    no_show_rate: float | None = Field(description="no-shows / (completed + no-shows)")
    cancellation_rate: float | None = Field(description="cancelled / bookings")

    @classmethod
    def of(cls, counts: Counts) -> CountsRead:
        return cls(
            bookings=counts.bookings,
            confirmed=counts.confirmed,
            completed=counts.completed,
            no_show=counts.no_show,
            cancelled=counts.cancelled,
            no_show_rate=counts.no_show_rate,
            cancellation_rate=counts.cancellation_rate,
        )


class DayRead(CountsRead):
    day: date


class ProviderFiguresRead(CountsRead):
    provider_id: str
    name: str
    booked_minutes: int = Field(description="Confirmed, completed and no-show bookings")
    open_minutes: int = Field(description="Opening hours and overrides, less time off")
    utilisation: float | None = Field(description="booked_minutes / open_minutes")


class ServiceFiguresRead(CountsRead):
    service_id: str
    name: str


class ConversationFiguresRead(BaseModel):
    started: int
    handed_to_humans: int = Field(description="Asked for a person, or a person took them over")
    handoff_share: float | None


class AnalyticsRead(BaseModel):
    first_day: date
    last_day: date
    timezone: str
    totals: CountsRead
    per_day: list[DayRead]
    per_provider: list[ProviderFiguresRead]
    per_service: list[ServiceFiguresRead]
    conversations: ConversationFiguresRead


analytics_router = APIRouter(prefix="/analytics", tags=["analytics"])


@analytics_router.get("", response_model=AnalyticsRead)
def figures(
    request: Request,
    admin: Admin,
    first_day: Annotated[date, Query(alias="from", description="First day, included")],
    last_day: Annotated[
        date, Query(alias="to", description=f"Last day, included; at most {MAX_DAYS} days")
    ],
) -> AnalyticsRead:
    """The practice's figures for its calendar days `from` to `to`.

    Bookings per day, provider and service; no-show, cancellation and handoff rates; each
    provider's utilisation (booked minutes over open minutes).
    """
    report = practice_figures(
        uow=frontdesk_of(request).uow(), staff=admin, first_day=first_day, last_day=last_day
    )
    return AnalyticsRead(
        first_day=report.first_day,
        last_day=report.last_day,
        timezone=report.timezone,
        totals=CountsRead.of(report.totals),
        per_day=[DayRead(day=day, **CountsRead.of(c).model_dump()) for day, c in report.per_day],
        per_provider=[
            ProviderFiguresRead(
                provider_id=p.provider_id,
                name=p.name,
                booked_minutes=p.booked_minutes,
                open_minutes=p.open_minutes,
                utilisation=p.utilisation,
                **CountsRead.of(p.counts).model_dump(),
            )
            for p in report.per_provider
        ],
        per_service=[
            ServiceFiguresRead(service_id=service_id, name=name, **CountsRead.of(c).model_dump())
            for service_id, name, c in report.per_service
        ],
        conversations=ConversationFiguresRead(
            started=report.conversations,
            handed_to_humans=report.handed_to_humans,
            handoff_share=report.handoff_share,
        ),
    )
