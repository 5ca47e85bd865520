"""Scripted conversations of 5, 15 and 30 turns on the OpenAI path, in the sample world.

Each turn is what ana says and the scripted model's answers to it (testkit/openai_script.py).
Answers that need ids tools made read them from the request, as a model would: from the tool
results it carries, or from the dialogue state once the turn that found them has left the
window. The benchmark (bench/prompt_tokens.py) counts their prompts; the tests play the
30-turn one to see what its late requests carry.
"""

from __future__ import annotations

from testkit.openai_script import Step, calls, completion, tool_call
from testkit.openai_steps import (
    after_confirmation,
    knowledge,
    move_draft,
    move_gp_visit,
    on_booking,
    on_service,
    prefill,
    slots,
)

Turn = tuple[str, list[Step]]
BookingKey = tuple[str, str, str]  # service, provider, local start: as evals.judge lists them

DERM = {"provider_id": "dr-weber", "service_id": "derm-consult"}
DERM_BOOKED: BookingKey = ("derm-consult", "dr-weber", "2026-03-03T14:30")
GP_BOOKED: BookingKey = ("gp-visit", "dr-keller", "2026-03-04T08:40")
GP_MOVED: BookingKey = ("gp-visit", "dr-keller", "2026-03-05T15:00")
LAWYER_BOOKED: BookingKey = ("family-law-consult", "lawyer-brandt", "2026-03-10T11:00")
NOTARY_BOOKED: BookingKey = ("notary-certification", "notary-marin", "2026-03-09T11:00")


BOOKING_START: list[Turn] = [
    (
        "I need a dermatologist on Tuesday afternoon",
        [
            calls(tool_call("search_providers", {"specialty": "dermatology"})),
            slots(**DERM, date_from="2026-03-03", day_from="12:00"),
            completion(
                "Dr. Anna Weber (Berlin Mitte) is free on Tuesday 3 March at 13:00, 13:30, "
                "14:00, 14:30, 15:00 and 15:30. Which time suits you?"
            ),
        ],
    ),
    ("14:30", [prefill("2026-03-03T14:30"), on_booking("confirm_booking", "prefill_booking")]),
    (
        "yes",
        [
            after_confirmation,
            completion(
                "You're booked: dermatology consultation with Dr. Anna Weber on Tuesday 3 March "
                "at 14:30, Berlin Mitte, 80.00 EUR. Please bring your health insurance card; "
                "your intake form is ready."
            ),
        ],
    ),
]
SKIN_CHECK_PRICE: Turn = (
    "How much is a skin check?",
    [
        calls(tool_call("search_providers", {"need": "skin check"})),
        completion(
            "A dermatology consultation with Dr. Anna Weber takes 30 minutes and costs 80.00 EUR."
        ),
    ],
)
FIVE_TURNS: list[Turn] = [
    SKIN_CHECK_PRICE,
    *BOOKING_START,
    (
        "Where do I go?",
        knowledge(
            "where is the practice",
            "Linienstrasse 12, Berlin Mitte, second floor, with step-free access.",
        ),
    ),
]
FIRST_FOURTEEN: list[Turn] = [
    (
        "Hi! Where exactly is your practice?",
        knowledge(
            "where is the practice",
            "The medical practice is at Linienstrasse 12, Berlin Mitte, second floor, with "
            "step-free access. The law office is at Kantstrasse 40, Charlottenburg.",
        ),
    ),
    (
        "Do I need to bring anything to a doctor's visit?",
        knowledge(
            "what to bring to a medical visit",
            "Please bring your health insurance card; visits are billed to it.",
        ),
    ),
    SKIN_CHECK_PRICE,
    BOOKING_START[0],
    (
        "What about Thursday morning?",
        [
            slots(**DERM, date_from="2026-03-05", day_until="12:00"),
            completion(
                "Dr. Weber is away on Thursday 5 March. On Tuesday 3 March she still has 13:00 "
                "to 15:30. Shall I take one of those?"
            ),
        ],
    ),
    BOOKING_START[1],
    BOOKING_START[2],
    (
        "What bookings do I have now?",
        [
            calls(tool_call("list_bookings", {})),
            completion(
                "You have two: a GP visit with Dr. Jonas Keller on Wednesday 4 March at 08:40, "
                "and the dermatology consultation with Dr. Anna Weber on Tuesday 3 March at 14:30."
            ),
        ],
    ),
    (
        "Can I move the GP visit to Thursday afternoon?",
        [
            slots(
                provider_id="dr-keller",
                service_id="gp-visit",
                date_from="2026-03-05",
                day_from="14:00",
            ),
            completion(
                "Dr. Keller is free on Thursday 5 March at 14:00, 14:20, 14:40, 15:00, 15:20, "
                "15:40, 16:00 and 16:20. Which one?"
            ),
        ],
    ),
    ("15:00 please", [move_gp_visit]),
    (
        "yes",
        [completion("Done: your GP visit is now on Thursday 5 March at 15:00 with Dr. Keller.")],
    ),
    (
        "What happens if I cancel late?",
        knowledge(
            "late cancellation fee",
            "You can cancel or move free of charge up to 24 hours before the start; later "
            "cancellations and missed appointments are charged in full.",
        ),
    ),
    (
        "I also need a lawyer, it's about a divorce.",
        [
            calls(tool_call("search_providers", {"need": "divorce"})),
            completion(
                "Lukas Brandt handles family law in Charlottenburg: a 60-minute consultation "
                "costs 150.00 EUR. Shall I look for a time?"
            ),
        ],
    ),
    (
        "When is he free next week?",
        [
            slots(
                provider_id="lawyer-brandt",
                service_id="family-law-consult",
                date_from="2026-03-09",
                date_to="2026-03-13",
            ),
            completion(
                "Lukas Brandt is free on Tuesday 10 March from 10:00 to 15:00 every hour, and on "
                "Thursday 12 March at 10:00 and 11:00. Which would you like?"
            ),
        ],
    ),
]
HANDOFF: Turn = (
    "I'd rather talk to someone at the office about it first.",
    [
        calls(tool_call("handoff_to_human", {"reason": "Wants to discuss a divorce case"})),
        completion("I've asked a colleague to take over; they will reply here shortly."),
    ],
)
FIFTEEN_TURNS: list[Turn] = [*FIRST_FOURTEEN, HANDOFF]
LAW = "Family law consultation"
NOTARY = "Notarial certification of documents"
# From turn 15 on: book the lawyer (one intake field missing), change how we notify her, cancel
# the skin appointment, book the notary and change the time at the confirmation question.
LATER_FIFTEEN: list[Turn] = [
    (
        "Tuesday at 11:00 please",
        [
            prefill("2026-03-10T11:00"),
            completion(
                "I've held Tuesday 10 March at 11:00 with Lukas Brandt. To complete the booking "
                "I need your home address."
            ),
        ],
    ),
    (
        "Kastanienallee 5, 10435 Berlin",
        [
            on_service(
                "update_booking_draft", LAW, values={"address": "Kastanienallee 5, 10435 Berlin"}
            ),
            on_booking("confirm_booking", "update_booking_draft"),
        ],
    ),
    (
        "yes",
        [
            after_confirmation,
            completion(
                "You're booked with Lukas Brandt on Tuesday 10 March at 11:00 in Charlottenburg. "
                "Please bring your marriage certificate; the engagement letter is ready."
            ),
        ],
    ),
    (
        "How do I get to the law office?",
        knowledge(
            "directions to the law office", "The law office is at Kantstrasse 40, Charlottenburg."
        ),
    ),
    (
        "Please text me instead of emailing me.",
        [
            calls(
                tool_call(
                    "set_notification_preferences",
                    {
                        "changes": [
                            {"via": "sms", "enabled": True},
                            {"via": "email", "enabled": False},
                        ]
                    },
                )
            ),
            completion("Done: we'll text you from now on and send no more emails."),
        ],
    ),
    (
        "Which messages will I get now?",
        [
            calls(tool_call("get_notification_preferences", {})),
            completion("Confirmations, changes, cancellations and reminders, all by text."),
        ],
    ),
    (
        "Actually, please cancel the skin appointment.",
        [
            calls(tool_call("list_bookings", {})),
            on_service("cancel_booking", "Dermatology consultation"),
        ],
    ),
    ("yes", [completion("Your dermatology consultation on Tuesday 3 March is cancelled.")]),
    (
        "Can a notary certify a copy of my passport?",
        [
            calls(tool_call("search_providers", {"need": "certify a passport copy"})),
            completion("Yes: Sofia Marin, in Charlottenburg, certifies copies for 45.00 EUR."),
        ],
    ),
    (
        "Is she free next Monday morning?",
        [
            slots(
                provider_id="notary-marin",
                service_id="notary-certification",
                date_from="2026-03-09",
                day_until="12:00",
            ),
            completion(
                "Sofia Marin is free on Monday 9 March at 09:00, 09:30, 10:00, 10:30, 11:00 and "
                "11:30. Which one?"
            ),
        ],
    ),
    (
        "10:30 please",
        [prefill("2026-03-09T10:30"), on_booking("confirm_booking", "prefill_booking")],
    ),
    (
        "Actually 11:00 would be better",
        [
            move_draft("2026-03-09T11:00", NOTARY),
            on_booking("confirm_booking", "update_booking_draft"),
        ],
    ),
    (
        "yes",
        [
            after_confirmation,
            completion(
                "You're booked with Sofia Marin on Monday 9 March at 11:00. Please bring your "
                "passport or ID card."
            ),
        ],
    ),
    (
        "What bookings do I have now?",
        [
            calls(tool_call("list_bookings", {})),
            completion(
                "Three: the notary on Monday 9 March at 11:00, the GP on Thursday 5 March at "
                "15:00 and the lawyer on Tuesday 10 March at 11:00."
            ),
        ],
    ),
    (
        "Do I pay the notary by card?",
        knowledge(
            "paying for legal services",
            "Yes: legal and notarial services are paid on site by card or bank transfer.",
        ),
    ),
]
THIRTY_TURNS: list[Turn] = [*FIRST_FOURTEEN, *LATER_FIFTEEN, HANDOFF]
# Each conversation, and ana's confirmed bookings after it: the check that it played as written.
CONVERSATIONS: dict[str, tuple[list[Turn], set[BookingKey]]] = {
    "5 turns": (FIVE_TURNS, {DERM_BOOKED, GP_BOOKED}),
    "15 turns": (FIFTEEN_TURNS, {DERM_BOOKED, GP_MOVED}),
    "30 turns": (THIRTY_TURNS, {GP_MOVED, LAWYER_BOOKED, NOTARY_BOOKED}),
}
