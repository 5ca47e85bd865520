"""Steps on the client's existing bookings: list them, cancel one, move one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from langchain_core.messages import AIMessage

from agent.offline.answers import choose_position
from agent.offline.matching import word_matches
from agent.offline.offers import slot_args
from agent.offline.searches import content_words, spelled_out
from agent.offline.steps import Steps
from agent.offline.when import When, asks_for_soonest, parse_move, parse_when, relative_to

# Words of a request to cancel or move that say what to do, not which booking.
_CHANGE_WORDS = frozenset(
    {"cancel", "cancelled", "canceled", "cancelling", "call", "off", "move", "moving",
     "reschedule", "rebook", "postpone", "change", "changing", "shift", "push", "back", "forward",
     "bring", "delete", "remove", "drop", "can't", "cannot", "won't", "make", "come", "attend",
     "able", "dr", "doctor", "my", "mine", "need", "appointment", "booking", "visit"}
)  # fmt: skip


class ChangeSteps(Steps):
    def look_up_bookings(self, task: str) -> AIMessage:
        working_on = {"task": task, "request": self.memory.last_human}
        if self.memory.anonymous:
            pending = {"tool": "list_bookings", "args": {}}
            return self.say("who_are_you", task={**working_on, "pending": pending})
        return self.call("list_bookings", {}, task=working_on)

    def after_list_bookings(self, bookings: list[dict[str, Any]], _: dict[str, Any]) -> AIMessage:
        task = self.memory.task
        request = str(task.get("request", self.memory.last_human))
        if task.get("task") == "list_bookings":
            return self.say("bookings", bookings=bookings, task={})
        current, wanted = (
            parse_move(request, today=self.today)
            if task.get("task") == "reschedule"
            else (parse_when(request, today=self.today), When())
        )
        matching = _matching_bookings(bookings, request, current)
        if len(matching) != 1:
            listed = matching or bookings
            return self.say(
                "which_booking",
                bookings=listed,
                unmatched=not matching,
                task={**task, "choices": listed},
            )
        return self.change(matching[0], wanted, soonest=asks_for_soonest(request))

    def change(self, booking: dict[str, Any], wanted: When, *, soonest: bool = False) -> AIMessage:
        """Cancel the booking, or find times to move it to, as the task says."""
        task = self.memory.task
        if task.get("task") == "cancel":
            # The graph asks the client to confirm, and refuses it after the notice period.
            return self.call("cancel_booking", {"booking_id": booking["booking_id"]}, task=task)
        if booking.get("change_note"):
            # The domain says why and whom to ask: past the notice, or booked inside it.
            return self.say("too_late", booking=booking, task={})
        moving = {
            "task": "reschedule",
            "booking_id": booking["booking_id"],
            "provider_id": booking["provider_id"],
            "service_id": booking["service_id"],
            "start_iso": booking["start_iso"],
        }
        if wanted.is_empty and not soonest:
            return self.say("when_to_move", booking=booking, task=moving)
        said = str(task.get("request", self.memory.last_human))
        start = datetime.fromisoformat(str(booking["start_iso"]))
        wanted = relative_to(wanted, said, reference=start, today=self.today)
        args = slot_args(booking["provider_id"], booking["service_id"], wanted, today=self.today)
        return self.call("check_slots", args, task=moving)

    def booking_chosen(self, text: str) -> dict[str, Any] | None:
        """Return the listed booking the client picks, by position or by its day."""
        choices: list[dict[str, Any]] = self.memory.task.get("choices") or []
        position = choose_position(text)
        if position is not None:
            index = position - 1 if position > 0 else len(choices) + position
            return choices[index] if 0 <= index < len(choices) else None
        found = _matching_bookings(choices, text, parse_when(text, today=self.today))
        return found[0] if len(found) == 1 and len(found) < len(choices) else None

    def after_cancel_booking(self, booking: dict[str, Any], _: dict[str, Any]) -> AIMessage:
        return self.say("cancelled", booking=booking, task={})

    def after_reschedule_booking(self, booking: dict[str, Any], _: dict[str, Any]) -> AIMessage:
        return self.say("moved", booking=booking, task={})

    def answer_to_change(self, tool: str, verdict: str, answer: str) -> AIMessage:
        """Follow the client's answer, other than yes, to a cancellation or a move."""
        if verdict == "change" and tool == "reschedule_booking":
            when = self.read_when(answer)
            chosen = self.pick(answer, when)
            if chosen is not None:
                return self.commit_choice(chosen)
            if not when.is_empty:
                return self.check_offer_again(when)
        return self.say("kept", task={})


def _matching_bookings(
    bookings: list[dict[str, Any]], request: str, when: When
) -> list[dict[str, Any]]:
    """Keep the bookings on the day the request names, and with whom or what it names."""
    on_day = [
        booking
        for booking in bookings
        if when.day is None or date.fromisoformat(str(booking["start_iso"])[:10]) == when.day
    ]
    names = {str(b["booking_id"]): [str(b["provider"]), str(b["service"])] for b in on_day}
    # "my GP appointment": the short form is too short to match "General practitioner visit".
    request = spelled_out(request)
    named = word_matches(request, names)
    if not named:
        # "Cancel the dermatology one" when there is none matches nothing, not everything.
        said = [word for word in content_words(request) if word not in _CHANGE_WORDS]
        return [] if said else on_day
    best = named[0][1]
    chosen = {booking_id for booking_id, score in named if score == best}
    return [booking for booking in on_day if booking["booking_id"] in chosen]
