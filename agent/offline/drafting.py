"""Steps from a held time to a booking: the summary, missing intake, confirmation, paperwork."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from langchain_core.messages import AIMessage

from agent.offline.clock import bare_hour
from agent.offline.steps import Steps
from agent.offline.when import asks_for_soonest


class DraftingSteps(Steps):
    def after_prefill_booking(self, draft: dict[str, Any], _: dict[str, Any]) -> AIMessage:
        if draft["missing"]:
            return self.say("ask_missing", **draft)
        # The graph asks the client to confirm the summary before this runs.
        return self.call("confirm_booking", {"booking_id": draft["booking_id"]})

    def after_update_booking_draft(self, draft: dict[str, Any], args: dict[str, Any]) -> AIMessage:
        return self.after_prefill_booking(draft, args)

    def after_confirm_booking(self, booked: dict[str, Any], _: dict[str, Any]) -> AIMessage:
        return self.call("request_documents", {"booking_id": booked["booking_id"]})

    def after_request_documents(self, _: list[dict[str, Any]], args: dict[str, Any]) -> AIMessage:
        return self.call("generate_form", {"booking_id": args["booking_id"]})

    def after_generate_form(self, forms: list[dict[str, Any]], _: dict[str, Any]) -> AIMessage:
        memory = self.memory
        return self.say(
            "booked", draft=memory.draft, documents=memory.documents, forms=forms, task={}
        )

    def answer_to_summary(self, verdict: str, answer: str) -> AIMessage:
        """Follow the client's answer to a booking summary other than a plain yes."""
        if verdict == "no":
            return self.say("not_booked", task={})
        when = self.read_when(answer)
        if when.at is None and when.day_from is None and when.day_until is None:
            # The summary asks about one time: "3 instead" can only mean three o'clock.
            when = replace(when, at=bare_hour(answer))
        chosen = self.pick(answer, when)
        if chosen is not None:
            return self.commit_choice(chosen)
        if when.is_empty and not asks_for_soonest(answer):
            return self.say("what_to_change")
        draft = self.memory.draft or {}
        soonest = asks_for_soonest(answer)
        # "Actually make it 11" keeps the summary's day; a new day replaces it.
        held_day = date.fromisoformat(str(draft["start_iso"])[:10]) if draft else None
        wish = replace(when, day=when.day or (None if soonest else held_day))
        return self.check_offer_again(wish, soonest=soonest)
