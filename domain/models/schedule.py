"""Provider schedule tables: weekly hours, date overrides and time off."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlmodel import Field, SQLModel

from domain.models.types import utc_column


class WeeklyHours(SQLModel, table=True):
    """One opening range on a weekday, in the provider's local time (several per day allowed)."""

    __tablename__ = "weekly_hours"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: str = Field(foreign_key="providers.id", index=True)
    weekday: int = Field(ge=0, le=6)  # Monday is 0, as in datetime.weekday()
    opens: time
    closes: time


class DateOverride(SQLModel, table=True):
    """Replaces the weekly hours on one local date; a row without times closes the day."""

    __tablename__ = "date_overrides"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: str = Field(foreign_key="providers.id", index=True)
    day: date = Field(index=True)
    opens: time | None = None
    closes: time | None = None


class TimeOff(SQLModel, table=True):
    __tablename__ = "time_off"

    id: int | None = Field(default=None, primary_key=True)
    provider_id: str = Field(foreign_key="providers.id", index=True)
    starts_at: datetime = Field(sa_column=utc_column())
    ends_at: datetime = Field(sa_column=utc_column())
    reason: str = ""
