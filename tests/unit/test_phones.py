"""Phone numbers as people write them are read into E.164 in the practice's region."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from domain.clients.phones import (
    NotAPhoneNumber,
    checked_region,
    phone_as_stored,
    practice_region,
    region_of_time_zone,
    to_e164,
)
from domain.kernel.errors import InvalidInput
from domain.kernel.uow import UnitOfWork
from domain.models import PRACTICE_ROW_ID, Practice


class TestNationalAndInternationalForms:
    @pytest.mark.parametrize(
        "written",
        [
            "0170 34419208",
            "0170 344 192 08",
            "0170-34419208",
            "0170/34419208",
            "(0170) 34419208",
            "0170.344.192.08",
            "+49 170 34419208",
            "+49 (0)170 34419208",
            "0049 170 34419208",
            "+4917034419208",
            " 0170 34419208 ",
        ],
    )
    def test_a_german_mobile_number_is_one_number_however_it_is_written(self, written: str) -> None:
        assert to_e164(written, region="DE") == "+4917034419208"

    @pytest.mark.parametrize(
        "written",
        [
            "(416) 555-0199",
            "416-555-0199",
            "416.555.0199",
            "416 555 0199",
            "1-416-555-0199",
            "+1 416 555 0199",
            "+1 (416) 555-0199",
        ],
    )
    def test_a_toronto_number_is_one_number_however_it_is_written(self, written: str) -> None:
        assert to_e164(written, region="CA") == "+14165550199"

    def test_an_international_number_keeps_its_own_country_in_any_region(self) -> None:
        assert to_e164("+49 170 34419208", region="CA") == "+4917034419208"
        assert to_e164("+1 416 555 0199", region="DE") == "+14165550199"
        assert to_e164("011 49 170 34419208", region="CA") == "+4917034419208"

    def test_a_national_number_means_the_regions_number(self) -> None:
        assert to_e164("030 1234567", region="DE") == "+49301234567"
        assert to_e164("044 668 18 00", region="CH") == "+41446681800"

    def test_telegrams_number_without_its_plus_is_international(self) -> None:
        assert to_e164("4917034419208", region="DE", international=True) == "+4917034419208"
        assert to_e164("0170 34419208", region="DE", international=True) == "+4917034419208"


class TestWhatIsNoNumber:
    @pytest.mark.parametrize(
        ("written", "region"),
        [
            ("call me", "DE"),
            ("12", "DE"),
            ("0170 123", "DE"),
            ("+49 151 123456789012345", "DE"),
            ("555-0199", "CA"),  # no area code
            ("(416) 555-019", "CA"),
            ("+1 999 555 0199", "DE"),  # no such area code
        ],
    )
    def test_is_refused_saying_so(self, written: str, region: str) -> None:
        with pytest.raises(NotAPhoneNumber, match="does not look like a phone number"):
            to_e164(written, region=region)

    def test_the_refusal_shows_the_regions_way_of_writing_one(self) -> None:
        with pytest.raises(NotAPhoneNumber, match=r"\(\d{3}\) \d{3}-\d{4} or \+1 "):
            to_e164("12", region="CA")

    def test_a_national_number_without_a_region_asks_for_the_country_code(self) -> None:
        with pytest.raises(NotAPhoneNumber, match="needs its country code"):
            to_e164("0170 34419208", region=None)
        assert to_e164("+49 170 34419208", region=None) == "+4917034419208"
        assert to_e164("0049 170 34419208", region=None) == "+4917034419208"

    def test_a_number_with_an_extension_is_refused(self) -> None:
        with pytest.raises(NotAPhoneNumber, match="extension"):
            to_e164("0170 34419208 ext. 5", region="DE")

    def test_the_refusal_is_the_domains_invalid_input(self) -> None:
        assert issubclass(NotAPhoneNumber, InvalidInput)


class TestThePracticesRegion:
    @pytest.mark.parametrize(
        ("time_zone", "region"),
        [
            ("Europe/Berlin", "DE"),
            ("America/Toronto", "CA"),
            ("America/New_York", "US"),
            ("Europe/Zurich", "CH"),
            ("UTC", None),
            ("Not/AZone", None),
        ],
    )
    def test_a_time_zone_gives_its_country(self, time_zone: str, region: str | None) -> None:
        assert region_of_time_zone(time_zone) == region

    def test_a_region_is_stored_as_its_upper_case_code(self) -> None:
        assert checked_region(" de ") == "DE"

    @pytest.mark.parametrize("region", ["XX", "Germany", ""])
    def test_an_unknown_region_is_refused(self, region: str) -> None:
        with pytest.raises(InvalidInput, match="ISO 3166") as refused:
            checked_region(region)
        assert refused.value.field == "region"

    def test_the_practices_own_region_comes_first(self, uow: UnitOfWork) -> None:
        set_practice(uow, timezone="Europe/Berlin", region="AT")
        assert phone_as_stored(uow=uow, written="0664 1234567") == "+436641234567"

    def test_without_one_the_time_zones_country_stands_in(self, uow: UnitOfWork) -> None:
        set_practice(uow, timezone="America/Toronto", region=None)
        with uow.reading() as reader:
            assert practice_region(reader.session) == "CA"
        assert phone_as_stored(uow=uow, written="(416) 555-0199") == "+14165550199"

    def test_a_practice_in_utc_reads_international_numbers_only(self, uow: UnitOfWork) -> None:
        set_practice(uow, timezone="UTC", region=None)
        assert phone_as_stored(uow=uow, written="+49 170 34419208") == "+4917034419208"
        with pytest.raises(NotAPhoneNumber, match="country code"):
            phone_as_stored(uow=uow, written="0170 34419208")


def set_practice(uow: UnitOfWork, *, timezone: str, region: str | None) -> None:
    with uow:
        session: Session = uow.session
        practice = session.get(Practice, PRACTICE_ROW_ID) or Practice(id=PRACTICE_ROW_ID)
        practice.timezone, practice.region = timezone, region
        session.add(practice)
        uow.commit()
