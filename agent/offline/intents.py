"""Tell what a client's message is for: booking, cancelling, a question, a person, and so on."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from agent.offline.answers import classify_answer
from agent.offline.notifying import read_notification_wish
from agent.offline.searches import asks_opening_hours
from agent.offline.text import fold, has_word, words
from agent.offline.when import MOVE_VERB as _MOVE_VERB
from agent.offline.when import mentions_booking_time, parse_move


class Intent(StrEnum):
    """What a message asks the agent to do."""

    BOOK = "book"
    LIST_BOOKINGS = "list_bookings"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    QUESTION = "question"
    HANDOFF = "handoff"
    NOTIFICATIONS = "notifications"
    GREETING = "greeting"
    THANKS = "thanks"
    CLOSING = "closing"  # leaving: thanks and goodbye, nothing more asked
    RUNNING_LATE = "running_late"
    OTHER = "other"


_SOME_DAY = date(2000, 1, 3)
_BOOKING_NOUN = r"(?:appointments?|appt|bookings?|visits?|consultations?|sessions?|reservations?)"
# Adults with bookings of their own. Children are left out: parents book their children on
# their own account, so "when is my son's appointment?" asks after the client's own booking.
_SOMEONE_CLOSE = (
    r"(?:wife|husband|partner|spouse|mother|mom|mum|father|dad|brother|sister|friend|colleague"
    r"|boss|neighbou?r|flatmate|roommate)"
)
_INJECTION = (
    r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,40}\b(?:instructions?|rules?|prompts?"
    r"|guidelines|restrictions|programming)\b",
    r"\b(?:admin|administrator|developer|debug|god|root|sudo|maintenance)\s+mode\b",
    r"\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:admin|administrator|developer|unrestricted|system)\b",
    r"\b(?:system\s+prompt|jailbreak|prompt\s+injection)\b",
    r"\b(?:other|another|all|every)\s+(?:clients?|patients?|customers?|users?)(?:'s?)?\s+(?:data"
    r"|details|appointments|bookings|insurance|records|information|info|addresses|numbers?)",
    r"\b(?:someone\s+else|everyone|everybody)'?s?\s+(?:data|details|appointments|bookings"
    r"|insurance|records|information|info|address|numbers?)",
)
# Asking when someone else's appointment is: "what time is his physio appointment?"
_THIRD_PERSONS_BOOKING = re.compile(
    rf"\b(?:what|when|which)\b.{{0,20}}\b(?:is|are|was|were)\s+(?:his|her|their)\s+(?:[a-z]+\s+)"
    rf"{{0,2}}{_BOOKING_NOUN}"
)
# "What time is their first consultation usually?" asks how things go, not after a booking.
_IN_GENERAL = re.compile(
    r"\b(?:usually|normally|typically|generally|in\s+general|as\s+a\s+rule|on\s+average)\b"
)
# A relative's or friend's bookings, asked after: "my wife Katharina has appointments, when are
# they?", "when is my husband's appointment?". Booking *for* them, or coming along, is allowed.
_CLOSE_ONES_BOOKINGS = re.compile(
    rf"\bmy\s+{_SOMEONE_CLOSE}(?:\s+\w+){{0,2}}?(?:'s\s+(?:[a-z]+\s+){{0,2}}{_BOOKING_NOUN}"
    rf"|\s+(?:has|had)\s+(?:an?\s+|any\s+|some\s+)?(?:[a-z]+\s+){{0,2}}{_BOOKING_NOUN})"
)
_THEM = r"(?:it|they|that|those|these|he|she|his|her|their|them)"
_WHEN = r"(?:when|what\s+time|(?:which|what)\s+(?:days?|dates?))"
# Asking for *their* time ("when is it?", "tell me when they are", "list them"), not for one's
# own ("when can I come in too?").
_ASKING_THEIR_TIME = re.compile(
    rf"\b{_WHEN}(?:\s+(?:is|are|was|were)|'s)\s+(?:{_THEM}|my\s+{_SOMEONE_CLOSE})\b"
    rf"|\b(?:tell|show|give|let)\s+me(?:\s+know)?\s+{_WHEN}\s+{_THEM}\b"
    r"|\b(?:show|list|tell|give)\s+(?:me\s+)?(?:them|those|his|her|their)\b"
)
_OTHERS_DATA = re.compile(
    r"\b(?:reveal|print|show|dump|list|tell|give|send|export|display|read\s+out|what\s+(?:is|are))"
    r"\b.{0,60}\b(?:insurance\s+numbers?|dates?\s+of\s+birth|birthdays?|dob|home\s+address(?:es)?"
    r"|private\s+(?:address|phone|e-?mail)|personal\s+data|records|profiles?|appointments|bookings)"
    r"\s+(?:of|for|belonging\s+to)\s+(?P<who>[^\s,.!?]+)",
    re.IGNORECASE,
)
_NOT_A_PERSON = frozenset(
    {"dr", "dr.", "doctor", "me", "my", "the", "our", "a", "an", "this", "next", "tomorrow",
     "today", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)  # fmt: skip
_HANDOFF_STRONG = re.compile(
    r"\b(?:(?:real|actual|live)\s+(?:person|human|people|agent)|human(?:\s+being)?|operator"
    r"|representative|not\s+(?:a\s+)?(?:bot|robot|machine|computer)|(?:stop|no\s+more)\s+(?:the\s+)?"
    r"(?:bot|robot))\b"
)
_HANDOFF_WEAK = re.compile(
    r"\b(?:talk|speak|chat|connect|transfer|put)\b.{0,30}\b(?<!in\s)(?:person|someone|somebody"
    r"|employee|team|staff|receptionist|reception|manager|front\s*desk)\b|\bcall\s+me\b"
    # "Discuss my bill with someone at the front desk"; "my divorce with someone" needs a lawyer.
    r"|\bdiscuss\b.{0,40}\b(?:front\s*desk|reception(?:ist)?|staff\s+member|office\s+staff)\b"
)
_QUESTION_START = re.compile(
    r"^(?:how|what|what's|where|where's|when|why|which|who|is|are|do|does|did|can|could|will"
    r"|would|should|may|am|tell\s+me|i\s+wonder|i'd\s+like\s+to\s+know)\b"
)
_INFO = re.compile(
    r"\b(?:how\s+(?:much|late|early|long|far|soon|do\s+i\s+get|to\s+get|does\s+it\s+work)|costs?"
    r"|prices?|pricing|fees?|charged?|charges|pay|paying|paid|payment|free\s+of\s+charge|for\s+free"
    r"|polic(?:y|ies)|until\s+when|what\s+happens|where|parking|park|bring|documents?"
    r"|opening\s+hours|open|closed|insurance|insured|accept|wheelchair|step-free|accessible"
    r"|directions|address|located|location|what\s+do\s+i\s+need|what\s+should|languages?|covered"
    r"|refund)\b"
)
_RESCHEDULE = re.compile(
    r"\b(?:push\s+(?:back|it|my)|bring\s+(?:forward|it\s+forward)|(?:move|moving|shift|change"
    rf"|changing|switch)\b.{{0,40}}\b(?:{_BOOKING_NOUN}|it|that|time|date|day|slot))\b"
)
_CANCEL = re.compile(
    r"\b(?:call\s+off|(?:can't|cannot|can\s+not|won't|will\s+not|couldn't)\s+(?:make|come|attend)"
    rf"|(?:delete|remove|drop)\s+(?:my|the)\s+{_BOOKING_NOUN}|not\s+(?:be\s+able\s+to\s+)?come)\b"
)
_LIST = (
    rf"\b(?:what|which|when|show|list|see|check|tell|view|give)\b.{{0,40}}\b(?:my|i\s+have"
    rf"|i've\s+got|have\s+i|do\s+i\s+have)\b.{{0,30}}\b{_BOOKING_NOUN}",
    rf"\bmy\s+(?:upcoming|next|current|existing|future|scheduled)\s+{_BOOKING_NOUN}",
    rf"\bdo\s+i\s+have\s+(?:any(?:thing)?|an?)\s+(?:{_BOOKING_NOUN}|booked|scheduled|planned)",
    r"\bam\s+i\s+(?:booked|scheduled)\b|\bwhat\s+(?:have|did)\s+i\s+book",
    rf"\b(?:what|which)\s+(?:\w+\s+)?{_BOOKING_NOUN}\s+(?:do|did|have)\s+i\b",
)
_BOOK_WORDS = frozenset(
    {"book", "appointment", "appointments", "appt", "schedule", "consultation", "consult",
     "session", "slot", "slots", "checkup", "available", "availability", "advice", "doctor",
     "dr", "gp", "physician", "dermatologist", "lawyer", "attorney", "notary", "physio",
     "physiotherapist", "specialist", "dentist", "therapist", "counsellor", "counselor",
     "solicitor", "certified", "certify", "certification", "notarised", "notarized"}
)  # fmt: skip
_BOOK_PHRASES = re.compile(
    r"\b(?:see\s+(?:a|an|the|dr|doctor|someone|somebody|a\s+specialist)|come\s+in|check-up"
    r"|i\s+(?:need|want|would\s+like|'d\s+like)|i'd\s+like|looking\s+for|help\s+with)\b"
)
_GREETING = re.compile(
    r"^\s*(?:(?:hi|hello|hey|hiya|howdy|greetings|hallo|good\s+(?:morning|afternoon|evening|day))"
    r"(?:\s+there)?|how\s+are\s+you(?:\s+doing)?|dear\s+\w+)[\s!,.?]*"
)
_CLOSING = re.compile(
    r"\b(?:bye|goodbye|bye-bye|byebye|cya|see\s+(?:you|ya)(?:\s+(?:then|soon|later))?|that'?s\s+all"
    r"|nothing\s+else|have\s+a\s+(?:good|nice|great)\s+(?:day|one|evening|weekend))\b"
)
_RUNNING_LATE = re.compile(
    r"\b(?:(?:running|be(?:ing)?|am|i'm|i'll\s+be|will\s+be|gonna\s+be)\s+(?:\w+\s+){0,3}late"
    r"|stuck\s+in\s+traffic|missed\s+(?:the|my)\s+(?:bus|train|tram))\b"
)
_THANKS = frozenset(
    {"thanks", "thank", "thx", "ty", "cheers", "appreciate", "appreciated", "bye", "goodbye",
     "grateful"}
)  # fmt: skip


def looks_like_injection(text: str) -> bool:
    """Tell whether a message tries to override the agent or get another person's data."""
    folded = fold(text)
    if any(re.search(pattern, folded) for pattern in _INJECTION):
        return True
    if _THIRD_PERSONS_BOOKING.search(folded) and not _IN_GENERAL.search(folded):
        return True
    if _CLOSE_ONES_BOOKINGS.search(folded) and _ASKING_THEIR_TIME.search(folded):
        return True
    for match in _OTHERS_DATA.finditer(text):
        who = match.group("who")
        if who[:1].isupper() and fold(who) not in _NOT_A_PERSON:
            return True
    return False


def _without_greeting(folded: str) -> str:
    while (match := _GREETING.match(folded)) and match.end() > 0:
        folded = folded[match.end() :]
    return folded


def _is_question(folded: str) -> bool:
    return "?" in folded or _QUESTION_START.search(folded.strip()) is not None


def _wants_booking(rest: str) -> bool:
    tokens = words(rest)
    return (
        has_word(tokens, _BOOK_WORDS)
        or _BOOK_PHRASES.search(rest) is not None
        or mentions_booking_time(rest, today=_SOME_DAY)
    )


def asks_for_information(text: str) -> bool:
    """Tell whether a message asks about prices, policies, documents, places and the like."""
    return _asks_information(_without_greeting(fold(text).strip()))


def _asks_information(rest: str) -> bool:
    return _is_question(rest) and (_INFO.search(rest) is not None or asks_opening_hours(rest))


_THEIRS = re.compile(r"\b(?:my|our)\b|\w's\b")


def _moves_one_time_to_another(text: str) -> bool:
    """Tell whether a verb of moving takes one time to another ("push today's 2pm to friday")."""
    # Which day it is does not change whether both times are there.
    current, wanted = parse_move(text, today=_SOME_DAY)
    theirs = _THEIRS.search(text) is not None  # "my 2pm", "today's": one they have
    return (
        _MOVE_VERB.search(text) is not None and theirs and not (current.is_empty or wanted.is_empty)
    )


def classify_intent(text: str) -> Intent:
    """Classify what a message asks for; a bare yes or no answers a question and is OTHER."""
    folded = fold(text).strip()
    if not folded or looks_like_injection(text):
        return Intent.OTHER
    # Before yes or no: "no more reminders" and "stop the texts" read as a bare "no".
    if read_notification_wish(text) is not None:
        return Intent.NOTIFICATIONS
    # Before yes: "ok thanks, bye" leaves, and its "ok" answers nothing.
    if _CLOSING.search(folded) and not has_word(words(folded), _BOOK_WORDS):
        return Intent.CLOSING
    if classify_answer(text) in ("yes", "no") and not asks_for_information(text):
        return Intent.OTHER
    rest = _without_greeting(folded)
    tokens = words(rest)
    if _HANDOFF_STRONG.search(rest):
        return Intent.HANDOFF
    if _asks_information(rest):
        return Intent.QUESTION
    if (
        has_word(tokens, ("reschedule", "postpone", "rebook"))
        or _RESCHEDULE.search(rest)
        or _moves_one_time_to_another(rest)
    ):
        return Intent.RESCHEDULE
    if has_word(tokens, ("cancel", "cancelled", "canceled", "cancelling")) or _CANCEL.search(rest):
        return Intent.CANCEL
    if _RUNNING_LATE.search(rest):
        return Intent.RUNNING_LATE
    if any(re.search(pattern, rest) for pattern in _LIST):
        return Intent.LIST_BOOKINGS
    if _HANDOFF_WEAK.search(rest) and not has_word(tokens, _BOOK_WORDS):
        return Intent.HANDOFF
    if _wants_booking(rest):
        return Intent.BOOK
    if any(token in _THANKS for token in tokens):
        return Intent.THANKS
    if not tokens:
        return Intent.GREETING
    return Intent.QUESTION if _is_question(rest) else Intent.OTHER
