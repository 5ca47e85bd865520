"""Matching what a client calls a provider or a service against the catalog."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from agent.offline.matching import name_tokens, rank_matches, word_matches
from agent.offline.memory import TASK_KEY
from agent.offline.policy import decide
from agent.offline.questions import service_need
from agent.offline.searches import pick_providers, read_search

PROVIDERS: dict[str, list[str]] = {
    "dr-weber": ["Dr. Anna Weber", "dermatology"],
    "dr-keller": ["Dr. Jonas Keller", "general practice", "family medicine"],
    "lawyer-brandt": ["Lukas Brandt", "family law"],
    "notary-marin": ["Sofia Marin", "notary", "certification"],
}
SERVICES: dict[str, list[str]] = {
    "derm-consult": ["Dermatology consultation"],
    "gp-visit": ["General practitioner visit"],
    "family-law-consult": ["Family law consultation"],
    "notary-certification": ["Notarial certification of documents"],
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Dr. Weber", [("dr-weber", 100.0)]),
        ("Weber", [("dr-weber", 100.0)]),
        ("doctor weber", [("dr-weber", 100.0)]),
        ("Dr. Anna Weber", [("dr-weber", 100.0)]),
        ("dermatologist", [("dr-weber", 100.0)]),
        ("Can I see Dr. Weber on Thursday?", [("dr-weber", 100.0)]),
        ("keller", [("dr-keller", 100.0)]),
        ("Dr Keler", [("dr-keller", 90.9), ("dr-weber", 60.0)]),
        ("weeber", [("dr-weber", 90.9)]),
        ("dermatolgy", [("dr-weber", 95.2)]),
        ("Brandt", [("lawyer-brandt", 100.0)]),
        ("family lawyer", [("lawyer-brandt", 87.0), ("dr-keller", 66.7)]),
        ("general practitioner", [("dr-keller", 85.0)]),
        ("notar", [("notary-marin", 90.9)]),
        ("Sofia", [("notary-marin", 100.0)]),
    ],
)
def test_ranks_providers_by_name_and_specialty(
    query: str, expected: list[tuple[str, float]]
) -> None:
    assert rank_matches(query, PROVIDERS) == expected


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("dermatology consultation", "derm-consult"),
        ("a general practitioner", "gp-visit"),
        ("family law", "family-law-consult"),
        ("certification", "notary-certification"),
    ],
)
def test_ranks_services_by_name(query: str, best: str) -> None:
    assert rank_matches(query, SERVICES)[0][0] == best


def test_equal_scores_are_ordered_by_id() -> None:
    assert rank_matches("family", PROVIDERS) == [("dr-keller", 100.0), ("lawyer-brandt", 100.0)]


def test_limit_keeps_the_best() -> None:
    assert rank_matches("family", PROVIDERS, limit=1) == [("dr-keller", 100.0)]


def test_cutoff_drops_weak_matches() -> None:
    assert rank_matches("Dr Keler", PROVIDERS, cutoff=80) == [("dr-keller", 90.9)]


@pytest.mark.parametrize("query", ["xyz", "a", "Dr.", "", "the doctor", "Thursday at 11"])
def test_nothing_matches_noise_titles_or_times(query: str) -> None:
    assert rank_matches(query, PROVIDERS) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Dr. Anna Weber", ["anna", "weber"]),
        ("doctor WEBER", ["weber"]),
        ("Dermatologist", ["dermatology"]),
        ("Zoë Müller", ["zoe", "muller"]),
    ],
)
def test_names_are_folded_before_comparing(name: str, expected: list[str]) -> None:
    assert name_tokens(name) == expected


# -- whom a need finds, and which booking a request names (offline model steps) ---------------

GYN = {
    "provider_id": "dr-neumann",
    "name": "Dr. Julia Neumann",
    "kind": "doctor",
    "specialties": ["gynaecology", "obstetrics"],
    "services": [{"service_id": "gyn-consult", "name": "Gynaecology consultation"}],
}
GP = {
    "provider_id": "dr-hoffmann",
    "name": "Dr. Katrin Hoffmann",
    "kind": "doctor",
    "specialties": ["general practice"],
    "services": [
        {"service_id": "gp-visit", "name": "General practitioner visit"},
        {"service_id": "health-checkup", "name": "General health check-up"},
    ],
}
NOW = "Current local time: 2026-03-09T09:00+01:00 (Europe/Berlin).\nClient: Lena Schmidt."


def test_a_need_keeps_the_best_fit_when_another_name_matches_almost_as_well() -> None:
    need = "my yearly gynaecology check-up with a smear"
    picked = pick_providers([GYN, GP], need, {"need": need})
    assert [provider["provider_id"] for provider, _ in picked] == ["dr-neumann"]


def test_a_search_by_place_keeps_every_close_name_match() -> None:
    text = "my yearly gynaecology check-up with a smear in Mitte"
    picked = pick_providers([GYN, GP], text, {"location": "Mitte"})
    assert {provider["provider_id"] for provider, _ in picked} == {"dr-neumann", "dr-hoffmann"}


def test_a_need_is_looked_up_by_its_words_not_by_the_days_and_times_around_it() -> None:
    text = "I'd like an appointment with a cardiologist next Thursday, the 19th, in the morning."
    decided = decide([SystemMessage(NOW), HumanMessage(text)])
    assert [(c["name"], c["args"]) for c in decided.tool_calls] == [
        ("search_knowledge", {"query": "cardiologist"})
    ]


def test_a_short_form_names_the_booking_to_move() -> None:
    request = "Can I move my GP appointment tomorrow at 8 to Thursday?"
    listed = [
        {
            "booking_id": booking_id,
            "provider_id": provider_id,
            "provider": provider,
            "service_id": service_id,
            "service": service,
            "start_iso": start,
            "start": start,
        }
        for booking_id, provider_id, provider, service_id, service, start in [
            ("b-gp", "dr-yilmaz", "Dr. Murat Yilmaz", "gp-visit", "General practitioner visit",
             "2026-03-10T08:00:00+01:00"),
            ("b-derm", "dr-lehmann", "Dr. Sabine Lehmann", "derm-consult",
             "Dermatology consultation", "2026-03-16T10:00:00+01:00"),
        ]
    ]  # fmt: skip
    decided = decide(
        [
            SystemMessage(NOW),
            HumanMessage(request),
            AIMessage(
                content="",
                additional_kwargs={TASK_KEY: {"task": "reschedule", "request": request}},
                tool_calls=[{"name": "list_bookings", "args": {}, "id": "c1", "type": "tool_call"}],
            ),
            ToolMessage(json.dumps(listed), tool_call_id="c1", name="list_bookings"),
        ]
    )
    assert [(c["name"], c["args"].get("provider_id")) for c in decided.tool_calls] == [
        ("check_slots", "dr-yilmaz")
    ]


@pytest.mark.parametrize("text", ["Are you open on Saturdays?", "Are you closed on Sundays?"])
def test_opening_hours_questions_name_no_provider_or_need(text: str) -> None:
    assert read_search(text).is_empty


@pytest.mark.parametrize("text", ["hmm, afternoon instead?", "ummm later?", "ahh ok, tomorrow"])
def test_sounds_of_thinking_aloud_name_no_need(text: str) -> None:
    assert read_search(text).is_empty


def test_a_new_need_beside_a_time_is_still_a_need() -> None:
    assert read_search("well, I need a GP tomorrow morning").need


_BACK_PAIN_HITS = [
    {"kind": "knowledge", "id": "emergencies", "title": "Urgent problems", "score": 0.35},
    {"kind": "service", "id": "physio-session", "title": "Physiotherapy", "score": 0.34},
]


def test_a_booking_need_is_served_even_when_a_knowledge_entry_ranks_first() -> None:
    assert service_need(_BACK_PAIN_HITS, booking=True) == _BACK_PAIN_HITS[1]


def test_a_chat_message_is_a_need_only_when_a_service_ranks_first() -> None:
    assert service_need(_BACK_PAIN_HITS) is None


def test_a_booking_need_still_needs_a_close_enough_service() -> None:
    weak = [{"kind": "service", "id": "physio-session", "title": "Physiotherapy", "score": 0.1}]
    assert service_need(weak, booking=True) is None


FAMILY_DOCTOR = {
    "provider_id": "dr-patel",
    "name": "Dr. Priya Patel",
    "kind": "doctor",
    "specialties": ["family medicine"],
    "services": [
        {"service_id": "annual-physical", "name": "Annual physical exam", "duration_min": 30},
        {"service_id": "family-visit", "name": "Family doctor visit", "duration_min": 15},
    ],
}


def test_a_provider_asked_for_by_name_alone_is_offered_the_ordinary_shortest_visit() -> None:
    text = "Does Dr. Patel have anything on Thursday evening?"
    picked = pick_providers([FAMILY_DOCTOR], text, {"provider_name": "Patel"})
    assert [service["service_id"] for _, service in picked] == ["family-visit"]


def test_a_service_named_is_offered_even_when_it_is_longer() -> None:
    text = "Can Dr. Patel do an annual physical on Thursday?"
    picked = pick_providers([FAMILY_DOCTOR], text, {"provider_name": "Patel"})
    assert [service["service_id"] for _, service in picked] == ["annual-physical"]


def test_a_title_before_a_lower_case_word_names_a_provider() -> None:
    assert read_search("book me dr nguen monday 9:30").provider_name == "nguen"
    assert read_search("can i see a dr tomorrow").provider_name is None


def test_a_will_after_an_article_is_a_need_not_a_verb() -> None:
    assert "will" in (read_search("need a will done, lawyer in 2 weeks?").need or "")
    assert read_search("I will come tomorrow").is_empty


def test_a_doctor_for_anything_is_the_general_practitioner() -> None:
    assert read_search("can i see a doctor today at 10 oclock").need == "general practitioner"
    assert read_search("a doctor for my skin").need == "a doctor for my skin"


def test_asking_whether_they_are_open_names_no_need() -> None:
    assert read_search("are you guys open on the weekend? what hours?").is_empty


def test_one_typo_in_a_longer_name_still_names_the_provider() -> None:
    names = {"a": ["Dr. Murat Yilmaz", "General practitioner visit"], "b": ["Lena Fischer"]}
    assert [found for found, _ in word_matches("cancel with dr yilmas tomorrow", names)] == ["a"]


def test_a_provider_named_again_keeps_the_service_under_discussion() -> None:
    # Her annual physical was offered; "with Dr. Patel on the 5th" does not switch services.
    text = "with Dr. Patel on November 5th at 2 pm if possible"
    picked = pick_providers(
        [FAMILY_DOCTOR], text, {"provider_name": "Patel"}, discussed="annual-physical"
    )
    assert [service["service_id"] for _, service in picked] == ["annual-physical"]


def test_a_need_searched_takes_the_service_the_search_ordered_first() -> None:
    # The search put the service that fits the need first; no service is named in the text.
    text = "Dr. Patel for my sore knee"
    ordered = {**FAMILY_DOCTOR, "services": FAMILY_DOCTOR["services"][::-1]}
    picked = pick_providers([ordered], text, {"provider_name": "Patel", "need": "sore knee"})
    assert [service["service_id"] for _, service in picked] == ["family-visit"]
