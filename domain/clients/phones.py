"""Phone numbers as people write them, read into E.164 with the practice's region.

A number is stored, looked up and compared only in E.164 ("+4917034419208"), so "0170 34419208"
typed in a chat finds the client on file as "+49 170 34419208". A national number means
something only in a country: the practice's region (ISO 3166 alpha-2, "DE") says which; when the
practice has none, the country of its time zone does, and without either only international
numbers ("+49 …", "0049 …") can be read.
"""

from __future__ import annotations

import functools
import importlib.resources
import zoneinfo
from pathlib import Path

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from sqlmodel import Session

from domain.kernel.errors import InvalidInput
from domain.kernel.uow import UnitOfWork
from domain.models import PRACTICE_ROW_ID, Practice


class NotAPhoneNumber(InvalidInput):
    """Text that is no phone number that could be called or texted."""

    code = "invalid_phone"


def phone_as_stored(*, uow: UnitOfWork, written: str) -> str:
    """Return the number as clients' numbers are stored (E.164), read in the practice's region."""
    with uow.reading() as reader:
        return to_e164(written, region=practice_region(reader.session))


def to_e164(written: str, *, region: str | None, international: bool = False) -> str:
    """Return the number in E.164, reading a national one as the region's; or refuse it.

    `international`: the source sends international numbers without their '+' (Telegram), so
    digits that do not start with 0 get one.
    """
    text = written.strip()
    if international and text[:1].isdigit() and not text.startswith("0"):
        text = "+" + text
    elif region is None and text.startswith("00"):
        # With a region, its own international prefix is read (011 in Canada); without one,
        # the 00 that most of the world dials stands for the '+'.
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise NotAPhoneNumber(
                f"{written!r} needs its country code; please write it like "
                f"{_example(region, national=False)}."
            ) from exc
        raise NotAPhoneNumber(f"{written!r} does not look like a phone number.") from exc
    if number.extension:
        # An extension cannot receive a text or a code: storing the line without it would
        # reach someone else.
        raise NotAPhoneNumber(f"{written!r} has an extension; give a direct number.")
    if not phonenumbers.is_valid_number(number):
        raise NotAPhoneNumber(
            f"{written!r} does not look like a phone number; please write it like "
            f"{_example(region, national=True)}."
        )
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _example(region: str | None, *, national: bool) -> str:
    """A mobile number of the region as people write it, to show what is expected."""
    example = phonenumbers.example_number_for_type(region or "DE", PhoneNumberType.MOBILE)
    if example is None:  # pragma: no cover - every supported region has a mobile example
        return "+49 151 23456789"
    international = phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)
    if not national or region is None:
        return international
    return f"{phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL)} or {international}"


def checked_region(region: str) -> str:
    """Return a region code as stored ("DE"), or refuse one phone numbers are not known for."""
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(
            f"{region!r} is not a country code phone numbers are known for; give an "
            "ISO 3166 alpha-2 code like DE or CA.",
            field="region",
        )
    return code


def practice_region(session: Session) -> str | None:
    """Return the region national numbers are read in: the practice's, else its time zone's."""
    practice = session.get(Practice, PRACTICE_ROW_ID)
    if practice is None:
        return None
    return practice.region or region_of_time_zone(practice.timezone)


def region_of_time_zone(time_zone: str) -> str | None:
    """Return the country a time zone belongs to ("Europe/Berlin" → "DE"); None if not one."""
    return _countries_of_time_zones().get(time_zone)


@functools.cache
def _countries_of_time_zones() -> dict[str, str]:
    """The IANA database's zone.tab: the country each canonical time zone is in."""
    text = _zone_table()
    countries: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        country, _coordinates, time_zone, *_ = line.split("\t")
        if country in phonenumbers.SUPPORTED_REGIONS:
            countries[time_zone] = country
    return countries


def _zone_table() -> str:
    # zoneinfo reads the system's database first, then the tzdata package: so do we.
    for directory in zoneinfo.TZPATH:
        table = Path(directory) / "zone.tab"
        if table.is_file():
            return table.read_text(encoding="utf-8")
    try:
        return (importlib.resources.files("tzdata.zoneinfo") / "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""
