"""A provider's calendar connections: added (after a test read), listed, tested, removed.

Admins manage anyone's; a provider only their own. A connection is read once before it is
saved, so a wrong password or address is refused on the spot with the reason, and what that
read found is cached at once: its busy time blocks slots from the moment it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete
from sqlmodel import col, select

from domain.calendars.busy_times import UnreadableCalendar, busy_intervals, parse_calendars
from domain.calendars.sources import CalendarSource, CalendarUnreachable, read_calendar
from domain.calendars.sync import Reader, store_intervals, sync_window
from domain.kernel.errors import InvalidInput, NotFound
from domain.kernel.journal import audit
from domain.kernel.timefmt import zone
from domain.kernel.uow import UnitOfWork
from domain.models import CalendarConnection, CalendarKind, ExternalBusy, Provider, StaffUser
from domain.staff.access import require_own_provider, staff_actor


@dataclass(frozen=True)
class ConnectionCreate:
    kind: str
    url: str
    username: str = ""
    password: str | None = None
    calendar_name: str = ""
    count_tentative: bool = True


def add_connection(
    *,
    uow: UnitOfWork,
    staff: StaffUser,
    provider_id: str,
    connection_in: ConnectionCreate,
    read: Reader = read_calendar,
) -> CalendarConnection:
    """Test the calendar, then save the connection with the busy time the test read."""
    require_own_provider(staff, provider_id)
    _check(connection_in)
    with uow.reading() as reader:
        provider = reader.session.get(Provider, provider_id)
        if provider is None:
            raise NotFound(f"No provider '{provider_id}'.")
        timezone = provider.timezone
    window = sync_window(uow=uow)
    source = CalendarSource(
        kind=connection_in.kind,
        url=connection_in.url,
        username=connection_in.username,
        password=connection_in.password,
        calendar_name=connection_in.calendar_name,
    )
    found = read(source, start=window.start, end=window.end, known_token=None)
    try:
        intervals = busy_intervals(
            parse_calendars(found.texts or ()),
            start=window.start,
            end=window.end,
            zone=zone(timezone),
            count_tentative=connection_in.count_tentative,
        )
    except UnreadableCalendar as exc:
        raise CalendarUnreachable(str(exc)) from exc
    with uow:
        connection = CalendarConnection(
            provider_id=provider_id,
            kind=connection_in.kind,
            url=connection_in.url,
            username=connection_in.username,
            password=connection_in.password,
            calendar_name=connection_in.calendar_name,
            count_tentative=connection_in.count_tentative,
            created_at=uow.now(),
        )
        uow.session.add(connection)
        uow.session.flush()
        _audit(uow, staff, connection, "calendar_connected")
        uow.commit()
    store_intervals(
        uow=uow,
        connection_id=connection.id,
        change_token=window.token_prefix + found.change_token,
        intervals=intervals,
    )
    return get_connection(
        uow=uow, staff=staff, provider_id=provider_id, connection_id=connection.id
    )


def list_connections(
    *, uow: UnitOfWork, staff: StaffUser, provider_id: str
) -> list[CalendarConnection]:
    """Return the provider's connections, oldest first."""
    require_own_provider(staff, provider_id)
    with uow.reading() as reader:
        return list(
            reader.session.exec(
                select(CalendarConnection)
                .where(col(CalendarConnection.provider_id) == provider_id)
                .order_by(col(CalendarConnection.created_at), col(CalendarConnection.id))
            )
        )


def get_connection(
    *, uow: UnitOfWork, staff: StaffUser, provider_id: str, connection_id: str
) -> CalendarConnection:
    require_own_provider(staff, provider_id)
    with uow.reading() as reader:
        connection = reader.session.get(CalendarConnection, connection_id)
    if connection is None or connection.provider_id != provider_id:
        raise NotFound(f"No calendar connection '{connection_id}' for provider '{provider_id}'.")
    return connection


def remove_connection(
    *, uow: UnitOfWork, staff: StaffUser, provider_id: str, connection_id: str
) -> None:
    """Remove the connection and the busy time it brought: its events no longer block slots."""
    require_own_provider(staff, provider_id)
    with uow:
        connection = uow.session.get(CalendarConnection, connection_id, with_for_update=True)
        if connection is None or connection.provider_id != provider_id:
            raise NotFound(
                f"No calendar connection '{connection_id}' for provider '{provider_id}'."
            )
        uow.session.execute(
            delete(ExternalBusy).where(col(ExternalBusy.connection_id) == connection_id)
        )
        _audit(uow, staff, connection, "calendar_disconnected")
        uow.session.delete(connection)
        uow.commit()


def _check(connection_in: ConnectionCreate) -> None:
    if connection_in.kind not in set(CalendarKind):
        kinds = ", ".join(CalendarKind)
        raise InvalidInput(f"A calendar connection is one of: {kinds}.", field="kind")
    parts = urlsplit(connection_in.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("The calendar's address must be an http(s) URL.", field="url")
    if connection_in.kind == CalendarKind.CALDAV and not connection_in.username:
        raise InvalidInput("A CalDAV calendar needs the account's username.", field="username")


def _audit(uow: UnitOfWork, staff: StaffUser, connection: CalendarConnection, action: str) -> None:
    audit(
        uow,
        actor=staff_actor(staff),
        action=f"provider.{action}",
        subject_type="provider",
        subject_id=connection.provider_id,
        details={"connection_id": connection.id, "kind": connection.kind},
    )
