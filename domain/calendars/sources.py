"""Reading a provider's calendar where it lives: a CalDAV collection, or an ICS feed URL.

Each read says what it found in words a provider can act on (wrong password, no such calendar,
unreachable) and carries the calendar's change token, so an unchanged calendar is not read
again: the collection's sync-token or ctag for CalDAV, a digest of the body for a feed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from caldav.davclient import DAVClient
from caldav.elements import dav
from caldav.elements.base import ValuedBaseElement
from caldav.lib import error as dav_error
from requests.auth import HTTPBasicAuth

from domain.kernel.errors import InvalidInput

TIMEOUT_SECONDS = 15
_SYNC_PROPERTY = "{DAV:}sync-token"
_CTAG = "{http://calendarserver.org/ns/}getctag"


class CalendarUnreachable(InvalidInput):
    """A calendar that could not be read; the message says why, without the secret."""

    code = "calendar_unreachable"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="url")


class _GetCtag(ValuedBaseElement):
    """The calendarserver.org ctag, for servers without DAV sync tokens."""

    tag = _CTAG


@dataclass(frozen=True)
class CalendarSource:
    """Where a calendar is and how to sign in to it."""

    kind: str
    url: str
    username: str = ""
    password: str | None = None
    calendar_name: str = ""


@dataclass(frozen=True)
class CalendarRead:
    """What a read found: the iCalendar texts (None when the token says nothing changed)."""

    change_token: str
    texts: list[str] | None


def read_calendar(
    source: CalendarSource, *, start: datetime, end: datetime, known_token: str | None
) -> CalendarRead:
    """Read the events of [start, end), or only the change token when it is `known_token`."""
    if source.kind == "caldav":
        return _read_caldav(source, start, end, known_token)
    return _read_feed(source, known_token)


def _read_caldav(
    source: CalendarSource, start: datetime, end: datetime, known_token: str | None
) -> CalendarRead:
    try:
        with DAVClient(
            url=source.url,
            username=source.username or None,
            # Sent with the first request: asked for after a 401, every sync pays a round trip,
            # and servers that slow down failed sign-ins (Radicale: a second) pay much more.
            auth=HTTPBasicAuth(source.username, source.password or "") if source.username else None,
            timeout=TIMEOUT_SECONDS,
        ) as client:
            calendar = _calendar(client, source)
            token = _collection_token(calendar)
            if token is not None and token == known_token:
                return CalendarRead(token, None)
            found = calendar.search(start=start, end=end, event=True)
            texts = [str(item.data) for item in found]
    except dav_error.AuthorizationError as exc:
        raise CalendarUnreachable("The calendar server refused the username or password.") from exc
    except dav_error.NotFoundError as exc:
        raise CalendarUnreachable(f"No such calendar at {_where(source)}.") from exc
    except dav_error.DAVError as exc:
        raise CalendarUnreachable(
            f"The calendar server at {_where(source)} answered with an error ({exc.reason})."
        ) from exc
    except CalendarUnreachable:
        raise
    except Exception as exc:  # the HTTP client's own errors: refused, timed out, bad address
        raise CalendarUnreachable(
            f"Could not reach {_where(source)}: {type(exc).__name__}."
        ) from exc
    return CalendarRead(token or _digest(texts), texts)


def _calendar(client: Any, source: CalendarSource) -> Any:  # caldav's calls are untyped
    if not source.calendar_name:
        return client.calendar(url=source.url)
    for calendar in client.principal().calendars():
        if source.calendar_name in (calendar.get_display_name(), calendar.id):
            return calendar
    raise CalendarUnreachable(f"No calendar named '{source.calendar_name}' on that account.")


def _collection_token(calendar: Any) -> str | None:
    properties = calendar.get_properties([dav.SyncToken()])
    token = properties.get(_SYNC_PROPERTY)
    if token:
        return str(token)
    ctag = calendar.get_properties([_GetCtag()]).get(_CTAG)
    return str(ctag) if ctag else None


def _read_feed(source: CalendarSource, known_token: str | None) -> CalendarRead:
    auth = (source.username, source.password or "") if source.username else None
    try:
        response = httpx.get(source.url, auth=auth, timeout=TIMEOUT_SECONDS, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise CalendarUnreachable(
            f"Could not reach {_where(source)}: {type(exc).__name__}."
        ) from exc
    if response.status_code in (401, 403):
        raise CalendarUnreachable("The feed refused the username or password.")
    if response.status_code == 404:
        raise CalendarUnreachable(f"No calendar feed at {_where(source)}.")
    if response.status_code >= 400:
        raise CalendarUnreachable(
            f"The feed at {_where(source)} answered HTTP {response.status_code}."
        )
    token = _digest([response.text])
    if token == known_token:
        return CalendarRead(token, None)
    return CalendarRead(token, [response.text])


def _digest(texts: list[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode())
    return f"sha256:{digest.hexdigest()}"


def _where(source: CalendarSource) -> str:
    """The server's address without path or query: a feed's path is often its secret."""
    url = httpx.URL(source.url)
    return f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")
