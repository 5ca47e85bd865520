"""Staff book for clients and record what became of bookings over REST, never double booking."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import httpx
import pytest

from domain.booking.confirmation import staff_key
from domain.booking.holds import hold_slot, release_hold
from domain.kernel.clock import FrozenClock
from domain.kernel.db import make_engine
from domain.kernel.uow import UnitOfWork
from domain.models import StaffUser
from domain.staff.access import staff_actor
from testkit.api_client import ADMIN, YILMAZ, api_client, bearer_token, if_match
from testkit.keys import TEST_KEYRING
from testkit.live import LiveServer, live_server

# Thursday noon of the demo week: the first half of the week has happened, so its confirmed
# bookings can be marked completed or no-show; the earliest start offered is 14:00.
NOW = "2026-03-12T12:00:00+01:00"
FRIDAY = "2026-03-13"
# Clients whose profiles hold everything a GP visit asks (birth date, insurance number).
READY_CLIENTS = ["lena-schmidt", "markus-wolf", "aylin-demir", "sophie-krueger", "thomas-richter"]
READY_CLIENTS += ["anna-zimmermann", "mia-schulz", "fatma-oezdemir"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("bookings") / "data", now=NOW) as running:
        yield running


def gp_visit(start: str, client_id: str = "lena-schmidt", **more: Any) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "provider_id": "dr-hoffmann",
        "service_id": "gp-visit",
        "start": start,
        **more,
    }


def key(name: str) -> dict[str, str]:
    return {"Idempotency-Key": name}


def ids(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, page.text
    return [b["id"] for b in page.json()["items"]]


def hoffmann_on_friday(admin: httpx.Client, at: str) -> list[dict[str, Any]]:
    found = admin.get(
        "/bookings",
        params={"provider": "dr-hoffmann", "from": FRIDAY, "to": FRIDAY, "status": "confirmed"},
    ).json()["items"]
    return [b for b in found if b["starts_at"] == at]


def given_back_under(
    server: LiveServer, staff: httpx.Client, idempotency_key: str, request: dict[str, Any]
) -> None:
    """Leave what a confirmation that failed leaves: the staff member's key holding a released
    booking (a start given back). Nothing over HTTP fails between holding and confirming."""
    engine = make_engine(
        f"sqlite:///{server.log_path.parent / 'frontdesk.db'}", keyring=TEST_KEYRING
    )
    uow = UnitOfWork(engine, FrozenClock(datetime.fromisoformat(NOW)))
    try:
        with uow.reading() as reader:
            member = reader.session.get_one(StaffUser, staff.get("/auth/me").json()["id"])
        held = hold_slot(
            uow=uow,
            actor=staff_actor(member),
            client_id=request["client_id"],
            provider_id=request["provider_id"],
            service_id=request["service_id"],
            start=datetime.fromisoformat(request["start"]),
            idempotency_key=staff_key(member, idempotency_key),
        )
        release_hold(uow=uow, actor=staff_actor(member), booking_id=held.id)
    finally:
        engine.dispose()


class TestBookingForAClient:
    def test_a_free_start_is_booked_and_confirmed_at_once(self, admin: httpx.Client) -> None:
        booked = admin.post(
            "/bookings", json=gp_visit(f"{FRIDAY}T08:00:00+01:00"), headers=key("a")
        )
        assert booked.status_code == 201, booked.text
        body = booked.json()
        assert (body["status"], body["channel"]) == ("confirmed", "api")
        assert body["starts_at"] == "2026-03-13T07:00:00Z"
        assert body["intake"] == {"date_of_birth": "1988-05-14", "insurance_number": "K204518733"}
        assert booked.headers["ETag"] == f'"{body["version"]}"'

    def test_the_same_request_key_books_once(self, admin: httpx.Client) -> None:
        request = gp_visit(f"{FRIDAY}T08:20:00+01:00")
        first = admin.post("/bookings", json=request, headers=key("double-click"))
        second = admin.post("/bookings", json=request, headers=key("double-click"))
        assert first.status_code == second.status_code == 201
        assert first.json()["id"] == second.json()["id"]
        assert len(hoffmann_on_friday(admin, "2026-03-13T07:20:00Z")) == 1
        reused = admin.post(
            "/bookings", json=gp_visit(f"{FRIDAY}T08:40:00+01:00"), headers=key("double-click")
        )
        assert (reused.status_code, reused.json()["code"]) == (409, "idempotency_conflict")

    def test_concurrent_requests_for_one_start_book_it_exactly_once(
        self, server: LiveServer, admin: httpx.Client
    ) -> None:
        token = bearer_token(server, ADMIN)

        def book(client_id: str) -> httpx.Response:
            with httpx.Client(
                base_url=f"{server.base_url}/api/v1",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            ) as staff:
                request = gp_visit(f"{FRIDAY}T09:00:00+01:00", client_id)
                return staff.post("/bookings", json=request, headers=key(f"race-{client_id}"))

        with ThreadPoolExecutor(max_workers=len(READY_CLIENTS)) as pool:
            answers = list(pool.map(book, READY_CLIENTS))
        assert sorted(a.status_code for a in answers) == [201] + [409] * (len(READY_CLIENTS) - 1)
        refused = {a.json()["code"] for a in answers if a.status_code == 409}
        assert refused == {"slot_unavailable"}
        assert len(hoffmann_on_friday(admin, "2026-03-13T08:00:00Z")) == 1

    def test_concurrent_repeats_of_one_request_book_it_once(
        self, server: LiveServer, admin: httpx.Client
    ) -> None:
        token = bearer_token(server, ADMIN)

        def book(_: int) -> httpx.Response:
            with httpx.Client(
                base_url=f"{server.base_url}/api/v1",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            ) as staff:
                request = gp_visit(f"{FRIDAY}T09:20:00+01:00", "markus-wolf")
                return staff.post("/bookings", json=request, headers=key("one-request"))

        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(book, range(6)))
        assert [a.status_code for a in answers] == [201] * 6
        assert len({a.json()["id"] for a in answers}) == 1
        assert len(hoffmann_on_friday(admin, "2026-03-13T08:20:00Z")) == 1

    def test_a_key_whose_booking_could_not_be_confirmed_is_refused_again(
        self, server: LiveServer, admin: httpx.Client
    ) -> None:
        request = gp_visit(f"{FRIDAY}T11:00:00+01:00", "markus-wolf")
        given_back_under(server, admin, "given-back", request)

        retried = [admin.post("/bookings", json=request, headers=key("given-back")) for _ in "ab"]

        assert [r.status_code for r in retried] == [409, 409]
        assert retried[0].json() == retried[1].json()
        assert retried[0].json()["code"] == "conflict"
        assert "new key" in retried[0].json()["detail"]
        assert hoffmann_on_friday(admin, "2026-03-13T10:00:00Z") == []
        fresh = admin.post("/bookings", json=request, headers=key("given-back-2"))
        assert (fresh.status_code, fresh.json()["status"]) == (201, "confirmed")

    def test_what_the_profile_lacks_must_come_with_the_request(self, admin: httpx.Client) -> None:
        # Jonas Becker's profile has no insurance number.
        request = gp_visit(f"{FRIDAY}T10:00:00+01:00", "jonas-becker")
        lacking = admin.post("/bookings", json=request, headers=key("jonas-1"))
        assert lacking.status_code == 422
        assert lacking.json() == {
            "code": "invalid_input",
            "detail": "Before booking we still need: insurance number.",
            "field": "intake",
        }
        assert hoffmann_on_friday(admin, "2026-03-13T09:00:00Z") == []  # nothing held meanwhile
        request["intake"] = {"insurance_number": "B99887766"}
        booked = admin.post("/bookings", json=request, headers=key("jonas-2"))
        assert booked.status_code == 201, booked.text
        assert booked.json()["intake"]["insurance_number"] == "B99887766"

    @pytest.mark.parametrize(
        ("request_", "reason"),
        [
            (
                gp_visit(f"{FRIDAY}T08:10:00+01:00"),
                "Dr. Katrin Hoffmann has no General practitioner visit starting",
            ),
            (
                gp_visit(
                    "2026-03-12T13:30:00+01:00",
                    provider_id="physio-fischer",
                    service_id="physio-session",
                ),
                "at least 120 minutes' notice",
            ),
        ],
    )
    def test_a_start_slot_search_would_not_offer_is_refused_with_the_reason(
        self, admin: httpx.Client, request_: dict[str, str], reason: str
    ) -> None:
        refused = admin.post("/bookings", json=request_, headers=key(f"refused-{reason}"))
        assert (refused.status_code, refused.json()["code"]) == (409, "slot_unavailable")
        assert reason in refused.json()["detail"]

    def test_a_taken_start_is_refused(self, admin: httpx.Client) -> None:
        # b-0062: Niklas Schröder sees Dr. Hoffmann on Tuesday 17 March at 17:20.
        taken = admin.post(
            "/bookings", json=gp_visit("2026-03-17T17:20:00+01:00"), headers=key("taken")
        )
        assert (taken.status_code, taken.json()["code"]) == (409, "slot_unavailable")
        assert "already taken" in taken.json()["detail"]

    @pytest.mark.parametrize(
        ("change", "headers", "where"),
        [
            ({"start": "2026-03-13T08:00:00"}, key("naive"), ["body", "start"]),
            ({"client_id": ""}, key("empty"), ["body", "client_id"]),
            ({"intake": {"Bad Key": "x"}}, key("intake"), ["body", "intake"]),
            ({}, {}, ["header", "idempotency-key"]),
        ],
    )
    def test_bad_input_is_refused_field_by_field(
        self,
        admin: httpx.Client,
        change: dict[str, Any],
        headers: dict[str, str],
        where: list[str],
    ) -> None:
        request = {**gp_visit(f"{FRIDAY}T11:00:00+01:00"), **change}
        refused = admin.post("/bookings", json=request, headers=headers)
        assert refused.status_code == 422
        assert [e["loc"][:2] for e in refused.json()["detail"]] == [where]


class TestTheDiary:
    def test_bookings_are_filtered_by_provider_and_days_and_sorted_by_start(
        self, admin: httpx.Client
    ) -> None:
        week = admin.get(
            "/bookings", params={"provider": "dr-yilmaz", "from": "2026-03-16", "to": "2026-03-20"}
        )
        assert ids(week) == ["b-0048", "b-0050", "b-0056", "b-0057", "b-0067", "b-0076"]

    def test_several_statuses_and_a_client_can_be_asked_for(self, admin: httpx.Client) -> None:
        outcomes = admin.get(
            "/bookings",
            params=[("status", "completed"), ("status", "no_show"), ("to", "2026-03-06")],
        )
        assert ids(outcomes) == [f"b-000{n}" for n in range(1, 9)] + ["b-0010"]
        lukas = admin.get("/bookings", params={"client": "lukas-meyer", "to": "2026-03-12"})
        assert ids(lukas) == ["b-0004", "b-0010", "b-0023", "b-0034"]

    def test_lists_come_in_pages_with_the_total(self, admin: httpx.Client) -> None:
        params: dict[str, str | int] = {"provider": "dr-yilmaz", "from": "2026-03-16"}
        params |= {"to": "2026-03-20", "limit": 4}
        first = admin.get("/bookings", params=params).json()
        rest = admin.get("/bookings", params={**params, "offset": 4}).json()
        assert first["total"] == rest["total"] == 6
        assert (len(first["items"]), len(rest["items"])) == (4, 2)
        assert "intake" not in first["items"][0]  # the client's answers are in the audited read

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"from": "2026-03-20", "to": "2026-03-16"}, "to"),
            ({"from": "0001-01-01"}, "from"),
            ({"status": "sleeping"}, "status"),
            ({"from": "someday"}, "from"),
        ],
    )
    def test_bad_filters_are_refused_by_field(
        self, admin: httpx.Client, params: dict[str, str], field: str
    ) -> None:
        refused = admin.get("/bookings", params=params)
        assert refused.status_code == 422, refused.text
        body = refused.json()
        fields = [body["field"]] if "field" in body else [e["loc"][1] for e in body["detail"]]
        assert fields == [field]

    def test_reading_one_booking_gives_its_version_and_is_audited(
        self, admin: httpx.Client
    ) -> None:
        read = admin.get("/bookings/b-0045")
        assert read.status_code == 200
        assert (read.json()["client_id"], read.headers["ETag"]) == ("lena-schmidt", '"1"')
        audited = admin.get(
            "/audit-events", params={"subject_id": "b-0045", "action": "booking.intake_read"}
        ).json()
        assert audited["total"] == 1
        missing = admin.get("/bookings/b-9999")
        assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


class TestOutcomes:
    def test_staff_may_cancel_inside_the_notice_period_from_the_version_read(
        self, admin: httpx.Client
    ) -> None:
        # b-0037 starts today at 14:40, well inside the 24 hours clients must give.
        read = admin.get("/bookings/b-0037")
        cancelled = admin.post(
            "/bookings/b-0037/cancel", json={"reason": "doctor ill"}, headers=if_match(read)
        )
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        assert cancelled.headers["ETag"] == '"2"'
        again = admin.post("/bookings/b-0037/cancel", headers=if_match(cancelled))
        assert (again.status_code, again.json()["version"]) == (200, 2)
        completed = admin.post("/bookings/b-0037/complete", headers=if_match(cancelled))
        assert (completed.status_code, completed.json()["code"]) == (409, "invalid_transition")
        log = admin.get("/audit-events", params={"subject_id": "b-0037", "action": "booking.*"})
        cancel_events = [e for e in log.json()["items"] if e["action"] == "booking.cancelled"]
        assert [e["details"] for e in cancel_events] == [{"reason": "doctor ill"}]

    def test_a_stale_or_missing_version_changes_nothing(self, admin: httpx.Client) -> None:
        read = admin.get("/bookings/b-0040")
        stale = admin.post("/bookings/b-0040/cancel", headers={"If-Match": '"7"'})
        assert (stale.status_code, stale.json()["code"]) == (412, "stale_version")
        assert admin.post("/bookings/b-0040/cancel").status_code == 428
        assert admin.get("/bookings/b-0040").json() == read.json()

    def test_started_bookings_are_marked_completed_or_no_show(self, admin: httpx.Client) -> None:
        came = admin.post(
            "/bookings/b-0031/complete", headers=if_match(admin.get("/bookings/b-0031"))
        )
        missed = admin.post(
            "/bookings/b-0036/no-show", headers=if_match(admin.get("/bookings/b-0036"))
        )
        assert (came.json()["status"], missed.json()["status"]) == ("completed", "no_show")
        # b-0040 starts at 17:00 today: nothing to record yet.
        early = admin.post(
            "/bookings/b-0040/complete", headers=if_match(admin.get("/bookings/b-0040"))
        )
        assert (early.status_code, early.json()["code"]) == (409, "invalid_transition")
        assert "once it starts" in early.json()["detail"]


class TestWhoMayDoWhat:
    def test_a_provider_sees_their_own_diary_only(self, provider: httpx.Client) -> None:
        diary = provider.get("/bookings", params={"from": "2026-03-16", "to": "2026-03-20"})
        assert ids(diary) == ["b-0062", "b-0072", "b-0075"]
        colleague = provider.get("/bookings", params={"provider": "dr-yilmaz"})
        assert (colleague.status_code, colleague.json()["code"]) == (403, "forbidden")
        # A colleague's booking does not exist as far as a provider can tell.
        other = provider.get("/bookings/b-0048")
        assert (other.status_code, other.json()["code"]) == (404, "not_found")
        cancel = provider.post("/bookings/b-0048/cancel", headers={"If-Match": '"1"'})
        assert cancel.status_code == 404

    def test_a_provider_books_and_records_only_with_themself(self, provider: httpx.Client) -> None:
        # Markus Wolf is Dr. Hoffmann's patient already (b-0031).
        own = provider.post(
            "/bookings",
            json=gp_visit(f"{FRIDAY}T11:40:00+01:00", "markus-wolf"),
            headers=key("hoffmann-own"),
        )
        assert own.status_code == 201, own.text
        elsewhere = gp_visit(f"{FRIDAY}T11:40:00+01:00", "markus-wolf", provider_id="dr-yilmaz")
        refused = provider.post("/bookings", json=elsewhere, headers=key("hoffmann-other"))
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
        came = provider.post(
            "/bookings/b-0027/complete", headers=if_match(provider.get("/bookings/b-0027"))
        )
        assert came.json()["status"] == "completed"

    @pytest.mark.parametrize(
        "client_id",
        [
            "maria-koch",  # a patient of the physiotherapist's, never Dr. Hoffmann's
            "paul-hartmann",  # nor is he; his profile lacks an insurance number, too
        ],
    )
    def test_a_provider_cannot_book_a_stranger_to_make_them_a_client(
        self, admin: httpx.Client, provider: httpx.Client, client_id: str
    ) -> None:
        start = f"{FRIDAY}T10:20:00+01:00"
        nobody = provider.post(
            "/bookings", json=gp_visit(start, "no-such-client"), headers=key("stranger-0")
        )
        assert (nobody.status_code, nobody.json()["code"]) == (404, "not_found")

        refused = provider.post(
            "/bookings", json=gp_visit(start, client_id), headers=key(f"stranger-{client_id}")
        )

        # The same answer as for no client at all: not which intake is missing, not that they exist.
        assert (refused.status_code, refused.json()) == (404, nobody.json())
        held = admin.get("/bookings", params={"client": client_id, "provider": "dr-hoffmann"})
        assert held.json()["total"] == 0
        assert provider.get(f"/clients/{client_id}").status_code == 404

    def test_a_provider_books_a_caller_they_registered_and_no_colleague_may(
        self, server: LiveServer, provider: httpx.Client
    ) -> None:
        registered = provider.post(
            "/clients",
            json={
                "name": "New Caller",
                "phone": "+491705550777",
                "profile": {"date_of_birth": "1970-01-01", "insurance_number": "N-1"},
            },
        )
        assert registered.status_code == 201, registered.text
        caller = registered.json()["id"]
        booked = provider.post(
            "/bookings", json=gp_visit(f"{FRIDAY}T10:40:00+01:00", caller), headers=key("caller")
        )
        assert booked.status_code == 201, booked.text
        assert provider.get(f"/clients/{caller}").status_code == 200
        with api_client(server, YILMAZ) as colleague:
            elsewhere = gp_visit(f"{FRIDAY}T10:40:00+01:00", caller, provider_id="dr-yilmaz")
            refused = colleague.post("/bookings", json=elsewhere, headers=key("caller"))
            assert (refused.status_code, refused.json()["code"]) == (404, "not_found")

    def test_anonymous_callers_are_refused(self, server: LiveServer) -> None:
        with api_client(server, None) as anonymous:
            assert anonymous.get("/bookings").status_code == 401
            assert anonymous.get("/bookings/b-0045").status_code == 401
            booked = anonymous.post(
                "/bookings", json=gp_visit(f"{FRIDAY}T11:20:00+01:00"), headers=key("anon")
            )
            assert booked.status_code == 401
