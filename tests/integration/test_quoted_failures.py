"""Every quoted failure becomes a conversation test (issue 15).

Each test replays one failure a person saw in the demo, talking to the real agent (offline
model, real tools, a fresh database on SQLite and on PostgreSQL) over the demo world
(domain/world/demo.yaml, the world of evals/suites/demo), whose clock stands at Monday
9 March 2026, 09:00 Berlin. Each asserts what a good receptionist would do: the right tool
with the right arguments, the right fact in the reply, the right booking in the database.

Covered elsewhere, not repeated here:
  * "so is it booked now?" after a person handed the conversation back:
    tests/integration/test_hand_back_answers.py; here it follows a booking confirmed in the
    same chat.
  * "Markus Wolf, 0170 34419208" (on file as +4917034419208) finds the existing client, shows
    his appointments and makes no second Markus Wolf:
    tests/integration/test_offline_identification.py
    ::test_a_known_client_typing_a_national_number_sees_their_appointments.
Not testable on the demo world: a nationality given as a demonym ("I'm German"), since no
demo service asks for a nationality; tests/unit/test_understanding_facts.py reads them.
Not yet here: a provider with two services asked for by name alone is still offered their
first service rather than asked which, with buttons (issue 15, open).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from agent.runner import Turn
from channels.presenting import turn_entries
from domain.clients.registration import register_client
from domain.kernel.actors import SYSTEM
from domain.kernel.clock import FrozenClock
from domain.kernel.db import make_engine
from domain.kernel.migrate import upgrade_schema
from domain.kernel.uow import UnitOfWork
from domain.models import BookingStatus, Client, ConversationEntry
from domain.world.loader import load_world, read_world
from knowledge.embeddings import MiniLMEmbedder
from knowledge.entries import entries_from_database
from knowledge.index import KnowledgeIndex
from testkit.keys import TEST_KEYRING
from testkit.live import DEMO_NOW
from testkit.when_labels import label_wall_times
from tests.conftest import DEMO_WORLD
from tests.integration.test_offline_conversations import (
    Chat,
    StartChat,
    called,
    calls,
    chat_starter,
    checked_providers,
    checked_services,
    held_start,
    text,
)
from tests.integration.test_offline_conversations import offered as offered_from

NOW = datetime.fromisoformat(DEMO_NOW)
TODAY = NOW.date()
TOMORROW = date(2026, 3, 10)
EMERGENCY = "not for emergencies"
MARKUS_PHYSIO = "Wed 11 Mar 2026, 08:00"  # with Lena Fischer


@pytest.fixture(scope="module")
def demo_index(
    tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder
) -> Iterator[KnowledgeIndex]:
    """The demo world's knowledge and services, indexed once for the module."""
    folder = tmp_path_factory.mktemp("demo-index")
    engine = make_engine(f"sqlite:///{folder / 'world.db'}", keyring=TEST_KEYRING)
    upgrade_schema(engine)
    load_world(
        uow=_world_uow(engine), world=read_world(DEMO_WORLD), base_dir=DEMO_WORLD.parent, source=""
    )
    with KnowledgeIndex.open(folder / "chroma", embedder) as index:
        index.reindex(entries_from_database(_world_uow(engine)))
        yield index
    engine.dispose()


def _world_uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(engine, FrozenClock(NOW))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def start_chat(uow: UnitOfWork, clock: FrozenClock, demo_index: KnowledgeIndex) -> StartChat:
    """Start conversations with the real agent over the demo world, in a fresh database."""
    load_world(uow=uow, world=read_world(DEMO_WORLD), base_dir=DEMO_WORLD.parent, source="demo")
    return chat_starter(uow, clock, demo_index)


def new_client(start_chat: StartChat, uow: UnitOfWork, name: str, phone: str) -> Chat:
    """A client on file with a name and a phone and nothing else in their profile."""
    client = register_client(
        uow=uow, actor=SYSTEM, name=name, phone=phone, idempotency_key=f"test:{phone}"
    )
    return start_chat(client.id)


def profile(chat: Chat) -> dict[str, str]:
    with chat.uow().reading() as reader:
        return dict(reader.session.get_one(Client, chat.client_id).profile)


def buttons(turn: Turn) -> list[str]:
    """The labels of the buttons the client sees under this turn's last reply."""
    entries = turn_entries(turn, lambda booking_id: f"/forms/{booking_id}")
    return [str(b["label"]) for b in entries[-1].extra.get("buttons") or []]


def summary(turn: Turn) -> str:
    assert turn.question is not None, text(turn)
    assert turn.question["action"] == "confirm_booking"
    return str(turn.question["question"])


def naive(instant: datetime) -> datetime:
    return instant.replace(tzinfo=None)


def offered(turn: Turn) -> list[datetime]:
    """The times listed in this turn's offer, read from the demo clock ('tomorrow' is 10 March)."""
    return offered_from(turn, today=TODAY)


def said_times(words: str) -> list[datetime]:
    """Every date and time the words name ('Thu 12 Mar, 18:00'), as naive Berlin wall times."""
    return label_wall_times(words, today=TODAY)


# 1. "what is the address?" -> the emergency notice.
def test_the_address_is_answered_from_the_knowledge(start_chat: StartChat) -> None:
    turn = start_chat("lena-schmidt").say("what is the address?")
    assert "search_knowledge" in called(turn)
    reply = text(turn)
    assert "Gartenstrasse 21" in reply or "Kantstrasse 58" in reply, reply
    assert EMERGENCY not in reply
    assert "112" not in reply


# 2. "how much will the consultation cost?" about a tenancy lawyer -> another service's price.
def test_the_price_asked_is_the_tenancy_consultations(start_chat: StartChat) -> None:
    chat = start_chat("jonas-becker")
    offer = chat.say("I need a tenancy law consultation")
    assert checked_providers(offer) == {"lawyer-wagner"}
    assert checked_services(offer) == {"tenancy-law-consult"}
    turn = chat.say("how much will the consultation cost?")
    reply = text(turn)
    assert "120.00" in reply, reply
    assert "160.00" not in reply  # the employment law consultation, also Stefan Wagner's
    assert "190.00" not in reply  # the family law consultation


# 3. "so is it booked now?" after a booking confirmed in the same chat -> the emergency notice.
def test_is_it_booked_after_a_confirmed_booking_says_yes_with_the_booking(
    start_chat: StartChat,
) -> None:
    chat = start_chat("lena-schmidt")
    offer = chat.say("Can I see Dr. Hoffmann on Thursday?")
    first = offered(offer)[0]
    summary(chat.say("the first one"))
    chat.say("yes")
    assert label_of(first) in chat.confirmed_starts()
    turn = chat.say("so is it booked now?")
    reply = text(turn)
    assert first in said_times(reply), reply
    assert "Dr. Katrin Hoffmann" in reply
    assert EMERGENCY not in reply
    assert "check_slots" not in called(turn)


def label_of(local: datetime) -> str:
    """The label of a naive local Berlin time, as Chat.confirmed_starts() reads the database."""
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


# 4. One time offered, then a plain acknowledgement -> the help menu.
@pytest.mark.parametrize("wording", ["ok", "works for me", "👍"])
def test_an_acknowledgement_of_the_one_time_offered_takes_it(
    start_chat: StartChat, wording: str
) -> None:
    chat = start_chat("jonas-becker")  # date of birth and address on file
    offer = chat.say("I need a tenancy law consultation on Thursday evening")
    # Stefan Wagner's Thursday evening: 17:00 is booked, so 18:00 is the one time left.
    assert offered(offer) == [datetime(2026, 3, 12, 18, 0)], text(offer)
    turn = chat.say(wording)
    (prefill,) = calls(turn, "prefill_booking")
    assert (prefill["provider_id"], prefill["service_id"]) == (
        "lawyer-wagner",
        "tenancy-law-consult",
    )
    assert naive(held_start(turn)) == datetime(2026, 3, 12, 18, 0)
    assert said_times(summary(turn)) == [datetime(2026, 3, 12, 18, 0)]


# 5. "the first available one" of a listed set -> the same list again.
def test_the_first_available_one_holds_the_first_listed_time(start_chat: StartChat) -> None:
    chat = start_chat("lena-schmidt")
    offer = chat.say("Can I see Dr. Hoffmann on Thursday?")
    times = offered(offer)
    assert len(times) > 1
    turn = chat.say("the first available one")
    assert "check_slots" not in called(turn)
    assert naive(held_start(turn)) == times[0]
    assert said_times(summary(turn)) == [times[0]]


# 6. Moving a booking "to the same hour" on another day -> a list of times.
def test_a_move_to_the_same_hour_on_another_day_proposes_that_time(
    start_chat: StartChat,
) -> None:
    chat = start_chat("markus-wolf")
    turn = chat.say(
        "Could you move my physiotherapy appointment on Wednesday to Monday 16 March, "
        "at the same hour?"
    )
    for check in calls(turn, "check_slots"):
        assert (check["provider_id"], check["date_from"]) == ("physio-fischer", "2026-03-16")
        assert check.get("at") == "08:00"
    assert len(offered(turn)) <= 1, text(turn)
    assert turn.question is not None, text(turn)
    assert turn.question["action"] == "reschedule_booking"
    # From Wednesday's 08:00 to Monday's.
    assert said_times(turn.question["question"]) == [
        datetime(2026, 3, 11, 8, 0),
        datetime(2026, 3, 16, 8, 0),
    ]
    chat.say("yes")
    assert MARKUS_PHYSIO not in chat.confirmed_starts()
    assert "Mon 16 Mar 2026, 08:00" in chat.confirmed_starts()


# 7. A bare confirmation while an intake field is still missing -> a provider search.
def test_a_confirmation_with_a_field_missing_asks_for_exactly_that_field(
    start_chat: StartChat,
) -> None:
    chat = start_chat("markus-wolf")  # on file without an address; physiotherapy asks for it
    chat.say("I need a physiotherapy session on Monday 16 March")
    asked = chat.say("the first one")
    assert "address" in text(asked)
    turn = chat.say("yes, confirm")
    assert "search_providers" not in called(turn)
    assert "check_slots" not in called(turn)
    reply = text(turn)
    assert "address" in reply, reply
    assert "date of birth" not in reply
    assert "insurance number" not in reply
    (held,) = chat.bookings(BookingStatus.HOLD)
    assert (held.provider_id, held.service_id) == ("physio-fischer", "physio-session")
    assert not [s for s in chat.confirmed_starts() if s.startswith("Mon 16 Mar")]


# 8. Naming the other service of a provider who offers two -> nothing.
def test_naming_the_other_service_of_the_provider_offered_searches_it(
    start_chat: StartChat,
) -> None:
    chat = start_chat("jonas-becker")
    chat.say("I was fired last week, can I see Stefan Wagner?")
    turn = chat.say("Actually it is about my rent, the tenancy consultation")
    checks = calls(turn, "check_slots")
    assert checks, text(turn)
    assert {(c["provider_id"], c.get("service_id")) for c in checks} == {
        ("lawyer-wagner", "tenancy-law-consult")
    }
    assert offered(turn)


# 9. "what about in two weeks?", "the afternoon instead?" after an offer -> the need is forgotten.
def test_in_two_weeks_searches_the_same_provider_and_service(start_chat: StartChat) -> None:
    chat = start_chat("lena-schmidt")
    chat.say("Can I see Dr. Hoffmann on Tuesday?")
    turn = chat.say("what about in two weeks?")
    checks = calls(turn, "check_slots")
    assert checks, text(turn)
    assert {(c["provider_id"], c.get("service_id")) for c in checks} == {
        ("dr-hoffmann", "gp-visit")
    }
    assert checks[0]["date_from"] == "2026-03-23"
    assert offered(turn)


def test_the_afternoon_instead_searches_the_same_provider_and_service(
    start_chat: StartChat,
) -> None:
    chat = start_chat("lena-schmidt")
    chat.say("Can I see Dr. Hoffmann on Thursday morning?")
    turn = chat.say("can we make it the afternoon instead?")
    checks = calls(turn, "check_slots")
    assert checks, text(turn)
    assert {(c["provider_id"], c.get("service_id")) for c in checks} == {
        ("dr-hoffmann", "gp-visit")
    }
    times = offered(turn)
    assert times
    assert {t.date() for t in times} == {date(2026, 3, 12)}
    assert all(t.time() >= time(12) for t in times)


# 10. "my knee hurts when I run" -> "I'm not sure about that".
def test_a_knee_that_hurts_when_running_finds_physiotherapy(start_chat: StartChat) -> None:
    turn = start_chat("lena-schmidt").say("my knee hurts when I run")
    assert checked_providers(turn) == {"physio-fischer"}
    assert offered(turn)
    assert "Lena Fischer" in text(turn)


# 11. A long story naming a district that is not a site -> the district becomes a filter.
def test_a_district_in_a_story_is_no_location_filter(start_chat: StartChat) -> None:
    turn = start_chat("lena-schmidt").say(
        "Hi, so I moved to Kreuzberg last autumn and since I started cycling to work every "
        "day my lower back has been aching, a friend said I should get physiotherapy for it"
    )
    for search in calls(turn, "search_providers"):
        assert "Kreuzberg" not in str(search.get("location") or "")
    assert checked_providers(turn) == {"physio-fischer"}
    assert offered(turn)


# 12. "is dr hoffmann free tomorrow?" -> another doctor.
def test_is_dr_hoffmann_free_tomorrow_checks_dr_hoffmann_only(start_chat: StartChat) -> None:
    turn = start_chat("lena-schmidt").say("is dr hoffmann free tomorrow?")
    assert checked_providers(turn) == {"dr-hoffmann"}
    assert calls(turn, "check_slots")[0]["date_from"] == TOMORROW.isoformat()
    times = offered(turn)
    assert times
    assert {t.date() for t in times} == {TOMORROW}
    assert "Yilmaz" not in text(turn)


# 13. A date of birth and an insurance number in everyday words -> not taken.
def gp_visit_asking_intake(start_chat: StartChat, uow: UnitOfWork) -> Chat:
    chat = new_client(start_chat, uow, "Julia Roth", "+4917000000042")
    chat.say("Can I see Dr. Hoffmann tomorrow?")
    asked = chat.say("the first one")
    assert asked.question is None
    assert "date of birth" in text(asked)
    assert "insurance number" in text(asked)
    return chat


def test_a_date_of_birth_written_as_2_nov_1979_is_stored(
    start_chat: StartChat, uow: UnitOfWork
) -> None:
    chat = gp_visit_asking_intake(start_chat, uow)
    turn = chat.say("2 Nov 1979")
    (update,) = calls(turn, "update_booking_draft")
    assert update["values"] == {"date_of_birth": "1979-11-02"}
    assert profile(chat)["date_of_birth"] == "1979-11-02"
    assert "insurance number" in text(turn)
    assert "date of birth" not in text(turn)


def test_an_insurance_number_said_with_the_insurer_is_stored(
    start_chat: StartChat, uow: UnitOfWork
) -> None:
    chat = gp_visit_asking_intake(start_chat, uow)
    turn = chat.say("I am with TK, number is T482913570")
    (update,) = calls(turn, "update_booking_draft")
    assert update["values"].get("insurance_number") == "T482913570"
    assert profile(chat)["insurance_number"] == "T482913570"
    assert "date of birth" in text(turn)


# 14. "Markus Wolf, 0170 34419208" -> covered by
# tests/integration/test_offline_identification.py
# ::test_a_known_client_typing_a_national_number_sees_their_appointments.


# 15. "ok thanks, bye" -> the help menu; "I am running 10 minutes late" -> "couldn't find anyone".
def test_thanks_bye_is_answered_with_a_closing_line(start_chat: StartChat) -> None:
    chat = start_chat("lena-schmidt")
    offer = chat.say("Can I see Dr. Hoffmann on Thursday?")
    first = offered(offer)[0]
    summary(chat.say("the first one"))
    chat.say("yes")
    assert label_of(first) in chat.confirmed_starts()
    turn = chat.say("ok thanks, bye")
    assert called(turn) == []
    reply = text(turn).lower()
    assert any(word in reply for word in ("bye", "welcome", "take care", "see you")), reply
    assert "?" not in reply  # nothing more is asked of someone leaving
    assert label_of(first) in chat.confirmed_starts()


def test_running_late_is_acknowledged_and_passed_to_the_practice(
    start_chat: StartChat,
) -> None:
    chat = start_chat("sophie-krueger")  # paediatrics with Dr. Schubert today at 09:30
    turn = chat.say("I am running 10 minutes late")
    assert "search_providers" not in called(turn)
    assert "check_slots" not in called(turn)
    assert "handoff_to_human" not in called(turn)  # the conversation stays with the agent
    (note,) = calls(turn, "note_for_practice")
    assert "late" in str(note.get("note")).lower()
    with chat.uow().reading() as reader:
        entries = reader.session.exec(
            select(ConversationEntry).where(
                col(ConversationEntry.conversation_id) == chat.conversation_id
            )
        ).all()
    staff_notes = [e for e in entries if e.extra.get("event") == "note_for_staff"]
    assert [e.extra["note"] for e in staff_notes] == ["I am running 10 minutes late"]
    reply = text(turn)
    assert "couldn't find" not in reply.lower()
    assert "passed it on" in reply
    assert "Mon 9 Mar 2026, 09:30" in chat.confirmed_starts()


# The general mechanisms of the second round (a story's question, a provider's site, a wish
# about notifications named a sentence before, Russian words in any case, a provider named
# with a need): the wordings are examples of each.
REMINDER = "booking.reminder"


def test_a_place_question_about_a_provider_is_answered_for_their_site(
    start_chat: StartChat,
) -> None:
    turn = start_chat("lena-schmidt").say(
        "I have my appointment with Ms Vogel next Monday. Where is that exactly?"
    )
    assert "check_slots" not in called(turn)  # a question about a place, not a search
    (looked_up,) = calls(turn, "search_providers")
    assert looked_up == {"provider_name": "Vogel"}
    reply = text(turn)
    assert "Kantstrasse 58" in reply, reply  # the law office, not the medical practice
    assert "Gartenstrasse 21" not in reply


def test_notifications_named_a_sentence_before_are_switched_off(start_chat: StartChat) -> None:
    turn = start_chat("lena-schmidt").say(
        "Hi, I get a reminder e-mail for every single appointment and my inbox is "
        "overflowing. Could you switch those off please?"
    )
    (change,) = calls(turn, "set_notification_preferences")
    assert change["changes"] == [{"event": REMINDER, "via": "email", "enabled": False}]
    assert "reminder" in text(turn).lower()


def test_a_russian_price_question_in_another_case_finds_the_service(
    start_chat: StartChat,
) -> None:
    turn = start_chat("lena-schmidt").say("Здравствуйте, сколько стоит консультация кардиолога?")
    assert "140" in text(turn), text(turn)


def test_a_provider_named_with_a_need_is_searched_for_the_service_that_fits(
    start_chat: StartChat,
) -> None:
    # Dr. Berger offers deeds and certifications; copies of diplomas are a certification.
    turn = start_chat("lena-schmidt").say("Can Dr. Berger certify copies of my diplomas tomorrow?")
    assert checked_services(turn) == {"notary-certification"}


def test_a_fee_asked_at_the_end_of_a_story_is_answered_not_searched(
    start_chat: StartChat,
) -> None:
    turn = start_chat("markus-wolf").say(
        "My schedule at work is pretty unpredictable lately. If I have to cancel my physio "
        "last minute, like the same morning, is there a fee?"
    )
    assert "check_slots" not in called(turn)
    assert "24 hours" in text(turn), text(turn)
