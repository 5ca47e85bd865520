"""Loading world files: everything the format names lands; a bad world loads nothing."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import docx
import pytest
import yaml
from sqlmodel import col, func, select

from domain.kernel.errors import WorldError
from domain.kernel.uow import UnitOfWork
from domain.models import (
    Booking,
    DocumentTemplate,
    Practice,
    Provider,
    Service,
)
from domain.scheduling.slots import free_starts
from domain.world.loader import load_world, read_world, weeks_until
from domain.world.schema import WorldIn
from testkit.stored import identity_at
from tests.conftest import DEMO_WORLD, ROOT, SAMPLE_WORLD

BERLIN = ZoneInfo("Europe/Berlin")
TORONTO_WORLD = ROOT / "evals" / "suites" / "toronto" / "world.yaml"


def sample() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SAMPLE_WORLD.read_text())
    return copy.deepcopy(loaded)


def write(tmp_path: Path, world: dict[str, Any]) -> Path:
    path = tmp_path / "world.yaml"
    path.write_text(yaml.safe_dump(world, sort_keys=False))
    return path


def load(uow: UnitOfWork, path: Path) -> None:
    load_world(uow=uow, world=read_world(path), base_dir=path.parent, source=str(path))


def problems_of(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(WorldError) as refused:
        read_world(path)
    assert all(str(path) in line for line in refused.value.message.splitlines())
    return refused.value.problems


def count(uow: UnitOfWork, table: type[Provider] | type[Booking]) -> int:
    with uow.reading() as reader:
        return reader.session.exec(select(func.count()).select_from(table)).one()


class TestTheSampleWorld:
    def test_loads_catalog_people_policies_and_the_existing_booking(self, uow: UnitOfWork) -> None:
        load(uow, SAMPLE_WORLD)
        with uow.reading() as reader:
            session = reader.session
            practice = session.get_one(Practice, 1)
            assert (practice.timezone, practice.hold_minutes) == ("Europe/Berlin", 10)
            derm = session.get_one(Service, "derm-consult")
            assert derm.intake_fields == ["date_of_birth", "insurance_number"]
            assert derm.form_templates == ["medical-intake"]
            booking = session.get_one(Booking, "b-ana-gp")
            assert booking.starts_at == datetime(2026, 3, 4, 7, 40, tzinfo=UTC)
            assert booking.status == "confirmed"
            assert identity_at(session, "telegram", "700001").client_id == "ana"
            assert identity_at(session, "sms", "+4915198765432").client_id == "tom"
            template = session.get_one(DocumentTemplate, "medical-intake")
            assert template.paragraphs[1].startswith("Patient: {{ client.name }}")

    def test_the_demo_world_loads_too(self, uow: UnitOfWork) -> None:
        load(uow, DEMO_WORLD)
        assert count(uow, Provider) >= 8
        assert count(uow, Booking) >= 60


class TestBadWorldsNameFileKeyAndProblem:
    @pytest.mark.parametrize(
        ("change", "key", "problem"),
        [
            (
                lambda w: w["providers"][0]["services"].append("botox"),
                "providers[dr-weber].services",
                "unknown service 'botox'",
            ),
            (
                lambda w: w["providers"][0]["hours"].update(mon=["9-12"]),
                "providers[dr-weber].hours.mon[0]",
                "'9-12' is not a range like '09:00-12:00'",
            ),
            (
                lambda w: w["providers"][0]["hours"].update(mon=["12:00-09:00"]),
                "providers[dr-weber].hours.mon[0]",
                "closes before it opens",
            ),
            (
                lambda w: w["providers"][0]["hours"].update(mon=["09:00-12:00", "11:00-13:00"]),
                "providers[dr-weber].hours.mon",
                "opening ranges overlap",
            ),
            (
                # A directory of zones, not a zone: zoneinfo meets it as a file it cannot read.
                lambda w: w["providers"][1].update(timezone="Europe"),
                "providers[dr-keller].timezone",
                "unknown time zone 'Europe'",
            ),
            (
                lambda w: w["providers"][1].update(timezone="Europe/Atlantis"),
                "providers[dr-keller].timezone",
                "unknown time zone 'Europe/Atlantis'",
            ),
            (
                lambda w: w["bookings"].append(
                    {
                        "id": "b-2",
                        "client": "tom",
                        "service": "gp-visit",
                        "provider": "dr-keller",
                        "start": "2026-03-04T08:30",
                    }
                ),
                "bookings[b-2].start",
                "overlaps booking 'b-ana-gp'",
            ),
            (
                lambda w: w["bookings"].append(
                    {
                        "id": "b-3",
                        "client": "zoe",
                        "service": "gp-visit",
                        "provider": "dr-keller",
                        "start": "2026-03-05T08:00",
                    }
                ),
                "bookings[b-3].client",
                "unknown client 'zoe'",
            ),
            (
                lambda w: w["bookings"].append(
                    {
                        "id": "b-4",
                        "client": "tom",
                        "service": "gp-visit",
                        "provider": "dr-keller",
                        "start": "2026-03-29T02:30",
                    }
                ),
                "bookings[b-4].start",
                "does not exist in Europe/Berlin",
            ),
            (
                lambda w: w["services"][0].update(form_templates=["nope"]),
                "services[derm-consult].form_templates",
                "unknown template 'nope'",
            ),
            (
                lambda w: w["services"][0].update(duraton_min=30),
                "services[derm-consult].duraton_min",
                "Extra inputs are not permitted",
            ),
            (
                lambda w: w["clients"][1].update(phone="+4915112345678"),
                "clients.phone",
                "belongs to 2 clients",
            ),
            (
                lambda w: w["clients"][1].update(phone="0151 1234 5678"),  # national, in DE
                "clients.phone",
                "'+4915112345678' belongs to 2 clients",
            ),
            (
                lambda w: w["clients"][1].update(phone="0170 123"),
                "clients[tom].phone",
                "does not look like a phone number",
            ),
            (
                lambda w: w.update(region="XX"),
                "region",
                "ISO 3166",
            ),
            (
                lambda w: w["categories"].append({"id": "legal", "name": "Again"}),
                "categories[legal]",
                "is used 2 times",
            ),
            (lambda w: w.pop("now"), "now", "Field required"),
            (
                lambda w: w["templates"].append({"id": "poa", "name": "POA", "file": "poa.docx"}),
                "templates[poa].file",
                "no such file",
            ),
            (
                lambda w: w["templates"][0]["paragraphs"].append("{{ client.name "),
                "templates[medical-intake].paragraphs[4]",
                "template syntax error",
            ),
        ],
    )
    def test_each_problem_is_named(
        self, tmp_path: Path, change: Any, key: str, problem: str
    ) -> None:
        world = sample()
        change(world)
        found = problems_of(write(tmp_path, world))
        assert any(k == key and problem in p for k, p in found), found

    def test_every_problem_is_reported_at_once(self, tmp_path: Path) -> None:
        world = sample()
        world["providers"][0]["timezone"] = "Mars/Olympus"
        world["services"][1]["category"] = "dental"
        keys = {key for key, _ in problems_of(write(tmp_path, world))}
        assert keys == {"providers[dr-weber].timezone", "services[gp-visit].category"}

    def test_yaml_that_does_not_parse_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "world.yaml"
        path.write_text("now: [unclosed\n")
        assert problems_of(path) == [
            (
                "(file)",
                "not valid YAML at line 2, column 1: expected ',' or ']', but got '<stream end>'",
            )
        ]

    def test_a_refused_world_loads_nothing(self, uow: UnitOfWork, tmp_path: Path) -> None:
        load(uow, SAMPLE_WORLD)
        before = (count(uow, Provider), count(uow, Booking))
        world = sample()
        world["providers"] = [dict(world["providers"][0], id="dr-new")]
        world["services"] = [dict(world["services"][0], id="derm-2")]
        world["providers"][0]["services"] = ["derm-2"]
        world["bookings"] = []
        with pytest.raises(WorldError, match=r"categories\[medical\]: already exists"):
            load(uow, write(tmp_path, world))
        assert (count(uow, Provider), count(uow, Booking)) == before


class TestWhatTheFormatOffers:
    def test_docx_template_files_are_stored(self, uow: UnitOfWork, tmp_path: Path) -> None:
        document = docx.Document()
        document.add_paragraph("Power of attorney for {{ client.name }}")
        document.save(str(tmp_path / "poa.docx"))
        world = sample()
        world["templates"].append({"id": "poa", "name": "Power of attorney", "file": "poa.docx"})
        load(uow, write(tmp_path, world))
        with uow.reading() as reader:
            stored = reader.session.get_one(DocumentTemplate, "poa")
        assert stored.docx == (tmp_path / "poa.docx").read_bytes()

    def test_date_overrides_replace_or_close_a_day(self, uow: UnitOfWork, tmp_path: Path) -> None:
        world = sample()
        world["providers"][0]["overrides"] = {"2026-03-03": ["15:00-16:00"], "2026-03-04": []}
        load(uow, write(tmp_path, world))
        start = datetime(2026, 3, 3, tzinfo=BERLIN)
        found = free_starts(
            uow=uow,
            provider_id="dr-weber",
            service_id="derm-consult",
            start=start,
            end=start + timedelta(days=2),
        )
        assert [s.astimezone(BERLIN).strftime("%d %H:%M") for s in found] == [
            "03 15:00",
            "03 15:30",
        ]

    def test_shifting_moves_dates_by_whole_weeks(self, uow: UnitOfWork, tmp_path: Path) -> None:
        world = read_world(SAMPLE_WORLD)
        shift = weeks_until(world.now, date(2026, 11, 21))
        assert shift % 7 == 0
        assert abs((date(2026, 11, 21) - (world.now.date() + timedelta(days=shift))).days) <= 3
        loaded = load_world(
            uow=uow, world=world, base_dir=SAMPLE_WORLD.parent, source="sample", shift_days=shift
        )
        with uow.reading() as reader:
            booking = reader.session.get_one(Booking, "b-ana-gp")
        local = booking.starts_at.astimezone(BERLIN)
        # A November Wednesday in winter time again: same weekday, same wall-clock time.
        assert (local.strftime("%a %H:%M"), local.date()) == (
            "Wed 08:40",
            date(2026, 3, 4) + timedelta(days=shift),
        )
        assert loaded.now.date().weekday() == 0
        with uow.reading() as reader:
            assert (
                reader.session.exec(
                    select(func.count()).select_from(Booking).where(col(Booking.id) == "b-ana-gp")
                ).one()
                == 1
            )


class TestThePhoneRegion:
    def test_the_worlds_region_is_the_practices(self, uow: UnitOfWork, tmp_path: Path) -> None:
        world = sample()
        world["region"] = "at"
        world["clients"][1]["phone"] = "0664 1234567"  # an Austrian mobile, written nationally
        load(uow, write(tmp_path, world))
        with uow.reading() as reader:
            assert reader.session.get_one(Practice, 1).region == "AT"
            owner = identity_at(reader.session, "sms", "+436641234567")
            assert owner.client_id == "tom"

    @pytest.mark.parametrize(("world_file", "region"), [(SAMPLE_WORLD, "DE"), (DEMO_WORLD, "DE")])
    def test_without_one_the_time_zones_country_is_stored(
        self, uow: UnitOfWork, world_file: Path, region: str
    ) -> None:
        load(uow, world_file)
        with uow.reading() as reader:
            assert reader.session.get_one(Practice, 1).region == region

    def test_national_phones_are_stored_in_e164(self, uow: UnitOfWork, tmp_path: Path) -> None:
        world = sample()
        world["clients"][1]["phone"] = "0151 98765432"
        load(uow, write(tmp_path, world))
        with uow.reading() as reader:
            assert identity_at(reader.session, "sms", "+4915198765432")

    def test_the_toronto_suite_reads_canadian_numbers(self) -> None:
        world = WorldIn.model_validate({**toronto(), "clients": [national_client()]})
        assert world.phone_region == "CA"
        assert world.clients[0].phone == "+14165550199"

    @pytest.mark.parametrize(("name", "region"), [("demo", "DE"), ("toronto", "CA")])
    def test_a_world_without_a_region_takes_it_from_its_zone(
        self, uow: UnitOfWork, tmp_path: Path, name: str, region: str
    ) -> None:
        world = yaml.safe_load((ROOT / "evals" / "suites" / name / "world.yaml").read_text())
        del world["region"]
        load(uow, write(tmp_path, world))
        with uow.reading() as reader:
            assert reader.session.get_one(Practice, 1).region == region

    @pytest.mark.parametrize("copy_of", ["tuning", "heldout"])
    @pytest.mark.parametrize("name", ["demo", "toronto"])
    def test_the_understanding_suites_play_in_the_suites_own_worlds(
        self, copy_of: str, name: str
    ) -> None:
        copy = ROOT / "evals" / "understanding" / copy_of / name / "world.yaml"
        original = ROOT / "evals" / "suites" / name / "world.yaml"
        assert copy.read_text() == original.read_text()

    @pytest.mark.parametrize(
        ("copy", "original"),
        [
            (f"languages/{copy_of}/{suite}", original)
            for copy_of in ("tuning", "heldout")
            for suite, original in (
                ("demo-de", "suites/demo"),
                ("demo-ru", "suites/demo"),
                ("moscow-ru", "languages/moscow"),
            )
        ],
    )
    def test_the_language_suites_play_in_their_worlds(self, copy: str, original: str) -> None:
        copied = ROOT / "evals" / copy / "world.yaml"
        assert copied.read_text() == (ROOT / "evals" / original / "world.yaml").read_text()


def toronto() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(TORONTO_WORLD.read_text())
    assert loaded["region"] == "CA"
    return {k: v for k, v in loaded.items() if k != "bookings"}


def national_client() -> dict[str, str]:
    return {"id": "jane", "name": "Jane Roe", "phone": "(416) 555-0199"}


class TestReviewedEdges:
    def test_a_shift_that_lands_bookings_on_a_dst_change_is_checked_again(
        self, uow: UnitOfWork
    ) -> None:
        world = read_world(SAMPLE_WORLD).model_dump()
        world["providers"][0]["hours"] = {"sun": ["00:00-06:00"]}
        world["bookings"] = [
            {
                "id": "early",
                "client": "ana",
                "service": "derm-consult",
                "provider": "dr-weber",
                "start": "2026-03-22T01:30",
            },
            {
                "id": "later",
                "client": "tom",
                "service": "derm-consult",
                "provider": "dr-weber",
                "start": "2026-03-22T02:30",
            },
        ]
        checked = WorldIn.model_validate(world)  # a week earlier, 01:30 and 02:30 do not touch
        with pytest.raises(WorldError) as refused:
            load_world(
                uow=uow, world=checked, base_dir=SAMPLE_WORLD.parent, source="w", shift_days=7
            )
        assert refused.value.problems == [
            (
                "bookings[later].start",
                "2026-03-29 02:30:00 does not exist in Europe/Berlin (DST gap)",
            )
        ]
        assert count(uow, Booking) == 0

    def test_a_phone_already_stored_is_a_clash_however_it_is_written(
        self, uow: UnitOfWork, tmp_path: Path
    ) -> None:
        load(uow, SAMPLE_WORLD)
        world = {
            "now": "2026-03-02T09:00:00+01:00",
            "timezone": "Europe/Berlin",
            "services": [],
            "providers": [],
            "clients": [{"id": "ana-2", "name": "Ana S.", "phone": "+49 151 1234 5678"}],
        }
        with pytest.raises(
            WorldError, match="sms address '\\+4915112345678' already belongs to client 'ana'"
        ):
            load(uow, write(tmp_path, world))

    def test_a_national_phone_already_stored_is_a_clash_too(
        self, uow: UnitOfWork, tmp_path: Path
    ) -> None:
        load(uow, SAMPLE_WORLD)
        world = {
            "now": "2026-03-02T09:00:00+01:00",
            "timezone": "Europe/Berlin",
            "services": [],
            "providers": [],
            "clients": [{"id": "ana-2", "name": "Ana S.", "phone": "0151 1234 5678"}],
        }
        with pytest.raises(
            WorldError, match="sms address '\\+4915112345678' already belongs to client 'ana'"
        ):
            load(uow, write(tmp_path, world))

    @pytest.mark.parametrize(
        ("change", "key"),
        [
            (
                lambda w: w["policies"].update(max_advance_days=99_999_999),
                "policies.max_advance_days",
            ),
            (
                lambda w: w["services"][0].update(duration_min=10**13),
                "services[derm-consult].duration_min",
            ),
            (
                lambda w: w["providers"][0].update(
                    time_off=[{"start": "2026-03-29T02:15", "end": "2026-03-30T00:00"}]
                ),
                "providers[dr-weber].time_off[0].start",
            ),
        ],
    )
    def test_values_no_calendar_can_hold_are_refused(
        self, tmp_path: Path, change: Any, key: str
    ) -> None:
        world = sample()
        change(world)
        assert key in {k for k, _ in problems_of(write(tmp_path, world))}
