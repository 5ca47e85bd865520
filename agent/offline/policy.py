"""The offline model's decisions: from the transcript to the next tool call or reply."""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import count
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agent.offline.answers import choose_position
from agent.offline.facts import extract_facts
from agent.offline.intents import Intent, classify_intent, looks_like_injection
from agent.offline.memory import TASK_KEY, Slot, read_memory
from agent.offline.when import When, parse_move, parse_when
from prompts import render

SHOWN = 6  # offered starts listed to the client; positions ("the second one") count these
SEARCH_DAYS = 7
ANSWER_CONFIDENCE = 0.25
PROVIDER_NAME = re.compile(r"\b(?i:dr\.?|doctor|mr\.?|mrs\.?|ms\.?)\s+([A-Z][\w-]+)")


class Decider:
    """Decides one model step; tool call ids are unique within the transcript."""

    def __init__(self, messages: list[BaseMessage]) -> None:
        self.memory = read_memory(messages)
        self.today: date = self.memory.now.date()
        self._ids = count(len(messages))

    def call(
        self,
        name: str,
        args: dict[str, Any],
        task: dict[str, Any] | None = None,
    ) -> AIMessage:
        extra = {TASK_KEY: task} if task is not None else {}
        return AIMessage(
            content="",
            additional_kwargs=extra,
            tool_calls=[
                {
                    "name": name,
                    "args": args,
                    "id": f"offline_{next(self._ids)}_{name}",
                    "type": "tool_call",
                }
            ],
        )

    def say(self, template: str, task: dict[str, Any] | None = None, **context: Any) -> AIMessage:
        extra = {TASK_KEY: task} if task is not None else {}
        return AIMessage(content=render(f"offline/{template}", **context), additional_kwargs=extra)

    # -- a new message from the client -------------------------------------------------

    def on_message(self) -> AIMessage:
        memory, text = self.memory, self.memory.last_human
        if looks_like_injection(text):
            return self.say("injection")
        intent = classify_intent(text)
        when = parse_when(text, today=self.today)
        draft = memory.live_draft
        if draft and draft.get("missing"):
            facts = extract_facts(text, wanted=draft["missing"], today=self.today)
            if facts:
                return self.call(
                    "update_booking_draft", {"booking_id": draft["booking_id"], "values": facts}
                )
        if intent is Intent.HANDOFF:
            return self.call("handoff_to_human", {"reason": text})
        if intent is Intent.QUESTION:
            return self.call("search_knowledge", {"query": text})
        if intent in (Intent.LIST_BOOKINGS, Intent.CANCEL, Intent.RESCHEDULE):
            return self.call("list_bookings", {}, task={"task": intent.value, "request": text})
        choice = self.choose(when, choose_position(text))
        if choice is not None:
            return self.commit_choice(choice)
        if (
            memory.task.get("task") == Intent.RESCHEDULE
            and memory.task.get("booking_id")
            and (not when.is_empty)
        ):
            return self.call(
                "check_slots",
                self.slot_args(memory.task["provider_id"], memory.task["service_id"], when),
                task=memory.task,
            )
        if memory.offer and not when.is_empty:
            args = memory.offer_args
            return self.call(
                "check_slots", self.slot_args(args.get("provider_id"), args.get("service_id"), when)
            )
        if intent is Intent.BOOK or not when.is_empty:
            return self.call(
                "search_providers", self.provider_search(text), task={"task": Intent.BOOK.value}
            )
        if intent is Intent.GREETING:
            return self.say("greeting")
        if intent is Intent.THANKS:
            return self.say("thanks")
        return self.say("help")

    def provider_search(self, text: str) -> dict[str, Any]:
        named = PROVIDER_NAME.search(text)
        if named:
            return {"provider_name": named.group(1)}
        return {"need": text}

    def choose(self, when: When, position: int | None) -> Slot | None:
        offer = self.memory.offer
        if not offer:
            return None
        if position is not None:
            shown = offer[:SHOWN]
            index = position - 1 if position > 0 else len(shown) + position
            return shown[index] if 0 <= index < len(shown) else None
        if when.at is None:
            return None
        for slot in offer:
            local = slot.starts_at
            if local.time() == when.at and (when.day is None or local.date() == when.day):
                return slot
        return None

    def commit_choice(self, slot: Slot) -> AIMessage:
        task, draft = self.memory.task, self.memory.live_draft
        if task.get("task") == Intent.RESCHEDULE and task.get("booking_id"):
            return self.call(
                "reschedule_booking",
                {"booking_id": task["booking_id"], "new_start": slot.start},
                task=task,
            )
        if draft is not None:
            return self.call(
                "update_booking_draft", {"booking_id": draft["booking_id"], "new_start": slot.start}
            )
        return self.call(
            "prefill_booking",
            {"provider_id": slot.provider_id, "service_id": slot.service_id, "start": slot.start},
        )

    def slot_args(
        self,
        provider_id: str | None,
        service_id: str | None,
        when: When,
    ) -> dict[str, Any]:
        first = when.day or self.today
        days = when.span_days if when.day else SEARCH_DAYS
        args: dict[str, Any] = {
            "date_from": first.isoformat(),
            "date_to": (first + timedelta(days=days - 1)).isoformat(),
            "limit": 40,
        }
        if provider_id:
            args["provider_id"] = provider_id
        if service_id:
            args["service_id"] = service_id
        if when.day_from:
            args["day_from"] = when.day_from.strftime("%H:%M")
        if when.day_until:
            args["day_until"] = when.day_until.strftime("%H:%M")
        return args

    # -- results of the tools called this turn -----------------------------------------

    def after_tools(self) -> AIMessage:
        tool, result, args = self.memory.results[-1]
        if isinstance(result, dict) and "client_answer" in result:
            return self.after_answer(tool, result, args)
        if isinstance(result, dict) and "error" in result:
            offer_more = tool in {
                "prefill_booking",
                "update_booking_draft",
                "confirm_booking",
                "reschedule_booking",
            } and bool(self.memory.offer)
            return self.say("refused", message=result["error"], offer_more=offer_more)
        handler = getattr(self, f"after_{tool}", None)
        if handler is None:
            return self.say("help")
        reply: AIMessage = handler(result, args)
        return reply

    def after_search_providers(self, found: list[dict[str, Any]], _: dict[str, Any]) -> AIMessage:
        if not found:
            return self.say("no_provider")
        provider, service = found[0], found[0]["services"][0]
        when = parse_when(self.memory.last_human, today=self.today)
        return self.call(
            "check_slots", self.slot_args(provider["provider_id"], service["service_id"], when)
        )

    def after_check_slots(self, _: list[dict[str, Any]], args: dict[str, Any]) -> AIMessage:
        memory = self.memory
        earlier = [a for tool, _, a in memory.results[:-1] if tool == "check_slots"]
        if not memory.offer:
            if earlier:
                return self.say("no_slots")
            # Nothing on the day asked for: look at the days after it, as a person would.
            last_day = date.fromisoformat(args.get("date_to") or args["date_from"])
            wider = {
                **args,
                "date_from": (last_day + timedelta(days=1)).isoformat(),
                "date_to": (last_day + timedelta(days=SEARCH_DAYS)).isoformat(),
            }
            return self.call("check_slots", wider, task=memory.task or None)
        when = parse_when(memory.last_human, today=self.today)
        choice = self.choose(when, None)
        if choice is not None:
            return self.commit_choice(choice)
        missed = ""
        if earlier:
            missed = self.missed_day(earlier[0])
        elif when.at is not None:
            missed = f"{when.at:%H:%M} is not free."
        slots = memory.offer[:SHOWN]
        providers = sorted({slot.provider for slot in slots})
        return self.say(
            "offer", slots=slots, providers=providers, missed=missed, task=memory.task or None
        )

    def missed_day(self, args: dict[str, Any]) -> str:
        first = date.fromisoformat(args["date_from"])
        return f"Sorry, nothing is free on {first:%A} {first.day} {first:%B}."

    def after_prefill_booking(self, draft: dict[str, Any], _: dict[str, Any]) -> AIMessage:
        if draft["missing"]:
            return self.say("ask_missing", **draft)
        return self.call("confirm_booking", {"booking_id": draft["booking_id"]})

    after_update_booking_draft = after_prefill_booking

    def after_confirm_booking(self, booked: dict[str, Any], _: dict[str, Any]) -> AIMessage:
        return self.call("request_documents", {"booking_id": booked["booking_id"]})

    def after_request_documents(self, _: list[dict[str, Any]], args: dict[str, Any]) -> AIMessage:
        return self.call("generate_form", {"booking_id": args["booking_id"]})

    def after_generate_form(self, forms: list[dict[str, Any]], _: dict[str, Any]) -> AIMessage:
        documents: list[dict[str, Any]] = next(
            (r for tool, r, _ in reversed(self.memory.results) if tool == "request_documents"), []
        )
        return self.say("booked", draft=self.memory.draft, documents=documents, forms=forms)

    def after_list_bookings(self, bookings: list[dict[str, Any]], _: dict[str, Any]) -> AIMessage:
        task = self.memory.task
        request = str(task.get("request", self.memory.last_human))
        if task.get("task") == Intent.LIST_BOOKINGS:
            return self.say("bookings", bookings=bookings)
        current, wanted = (
            parse_move(request, today=self.today)
            if task.get("task") == Intent.RESCHEDULE
            else (parse_when(request, today=self.today), When())
        )
        matching = self.matching_bookings(bookings, request, current)
        if len(matching) != 1:
            return self.say("which_booking", bookings=matching or bookings if bookings else [])
        booking = matching[0]
        if task.get("task") == Intent.CANCEL:
            return self.call("cancel_booking", {"booking_id": booking["booking_id"]}, task=task)
        moving = {
            **task,
            "booking_id": booking["booking_id"],
            "provider_id": booking["provider_id"],
            "service_id": booking["service_id"],
        }
        if wanted.is_empty:
            return self.say("when_to_move", booking=booking, task=moving)
        return self.call(
            "check_slots",
            self.slot_args(booking["provider_id"], booking["service_id"], wanted),
            task=moving,
        )

    def matching_bookings(
        self, bookings: list[dict[str, Any]], request: str, when: When
    ) -> list[dict[str, Any]]:
        named = PROVIDER_NAME.search(request)
        found = []
        for booking in bookings:
            start = date.fromisoformat(str(booking["start_iso"])[:10])
            if when.day is not None and start != when.day:
                continue
            if named and named.group(1).casefold() not in str(booking["provider"]).casefold():
                continue
            found.append(booking)
        return found

    def after_cancel_booking(self, booking: dict[str, Any], _: dict[str, Any]) -> AIMessage:
        return self.say("cancelled", booking=booking, task={})

    def after_reschedule_booking(self, booking: dict[str, Any], _: dict[str, Any]) -> AIMessage:
        return self.say("moved", booking=booking, task={})

    def after_search_knowledge(self, hits: list[dict[str, Any]], _: dict[str, Any]) -> AIMessage:
        if hits and hits[0]["score"] >= ANSWER_CONFIDENCE:
            return self.say("answer", text=hits[0]["text"])
        return self.say("dont_know")

    def after_handoff_to_human(self, _: dict[str, Any], __: dict[str, Any]) -> AIMessage:
        return self.say("handoff")

    # -- the client's answer to a confirmation question --------------------------------

    def after_answer(self, tool: str, result: dict[str, Any], args: dict[str, Any]) -> AIMessage:
        verdict, answer = result["verdict"], str(result["client_answer"])
        if verdict == "unclear":
            return self.call(tool, args, task=self.memory.task or None)
        if tool != "confirm_booking":
            return self.say("kept")
        if verdict == "no":
            return self.say("not_booked")
        when = parse_when(answer, today=self.today)
        choice = self.choose(when, choose_position(answer))
        if choice is not None:
            return self.commit_choice(choice)
        args = self.memory.offer_args
        if not when.is_empty:
            draft = self.memory.draft or {}
            day = When(
                day=when.day or _draft_day(draft),
                day_from=when.day_from,
                day_until=when.day_until,
                at=when.at,
            )
            return self.call(
                "check_slots", self.slot_args(args.get("provider_id"), args.get("service_id"), day)
            )
        return self.say("help")


def _draft_day(draft: dict[str, Any]) -> date | None:
    start = draft.get("start_iso")
    return date.fromisoformat(str(start)[:10]) if start else None


def decide(messages: list[BaseMessage]) -> AIMessage:
    """Return the next step for this transcript: a tool call or a reply."""
    decider = Decider(messages)
    if isinstance(messages[-1], ToolMessage):
        return decider.after_tools()
    return decider.on_message()
