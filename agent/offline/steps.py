"""What every step of the offline model can do: call tools, reply, pick and hold a time."""

from __future__ import annotations

from datetime import date, datetime
from itertools import count
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolCall

from agent.choices import Slot
from agent.offline.answers import choose_position
from agent.offline.matching import word_matches
from agent.offline.memory import SAID_KEY, TASK_KEY, Memory, read_memory
from agent.offline.offers import pick_slot, slot_args
from agent.offline.questions import asks_about_a_place, knowledge_query
from agent.offline.searches import read_search
from agent.offline.when import When, parse_when, relative_to
from prompts import render

Task = dict[str, Any]


class Steps:
    """One model step over the transcript; tool call ids are unique within it."""

    def __init__(self, messages: list[BaseMessage]) -> None:
        self.memory: Memory = read_memory(messages)
        self.today: date = self.memory.now.date()
        self._ids = count(len(messages))

    def call(self, name: str, args: dict[str, Any], task: Task | None = None) -> AIMessage:
        """Call one tool; a task, when given, is what the agent is now working on."""
        return self.call_many([(name, args)], task=task)

    def call_many(
        self, calls: list[tuple[str, dict[str, Any]]], task: Task | None = None
    ) -> AIMessage:
        """Call several tools at once, as an LLM calls them in parallel."""
        extra = {TASK_KEY: task} if task is not None else {}
        tool_calls: list[ToolCall] = [
            {
                "name": name,
                "args": args,
                "id": f"offline_{next(self._ids)}_{name}",
                "type": "tool_call",
            }
            for name, args in calls
        ]
        return AIMessage(content="", additional_kwargs=extra, tool_calls=tool_calls)

    def say_and_call(
        self, template: str, name: str, args: dict[str, Any], **context: Any
    ) -> AIMessage:
        """Reply and call a tool in the same step, as an LLM answers and then asks again."""
        said, called = self.say(template, **context), self.call(name, args)
        return AIMessage(
            content=said.content,
            additional_kwargs=said.additional_kwargs,
            tool_calls=called.tool_calls,
        )

    def say(self, template: str, task: Task | None = None, **context: Any) -> AIMessage:
        """Reply with a template from prompts/templates/offline."""
        # Which reply it was tells the next step what a bare "yes" or "no" answers.
        extra: dict[str, Any] = {SAID_KEY: template}
        if task is not None:
            extra[TASK_KEY] = task
        text = render(f"offline/{template}", language=self.memory.language, **context)
        return AIMessage(content=say_names(text, self.memory.names), additional_kwargs=extra)

    def ask_knowledge(
        self, text: str, resume: dict[str, Any] | None = None, *, site: str | None = None
    ) -> AIMessage:
        slot = self.memory.offer[0] if self.memory.offer else None
        service = (self.memory.live_draft or {}).get("service") or (slot.service if slot else None)
        task = {**self.memory.task, "probe": None, "resume": resume, "about": service}
        task.pop("site_of", None)  # the site, once looked up, is asked about only this once
        named = read_search(text).provider_name
        if named and site is None and asks_about_a_place(text):
            # "Where is Ms Vogel's office?": the site is the provider's, which the knowledge
            # entries name by place, not by who works there. Look the provider up first.
            site_task = {**task, "site_of": named}
            return self.call("search_providers", {"provider_name": named}, task=site_task)
        query = knowledge_query(text, service)
        if site:
            query = f"{query} {site}"
        return self.call("search_knowledge", {"query": query}, task=task)

    def read_when(self, text: str) -> When:
        """Read when the client means, against the appointment on the table if there is one."""
        when = parse_when(text, today=self.today)
        reference = self.reference_start
        if reference is None:
            return when
        return relative_to(when, text, reference=reference, today=self.today)

    @property
    def reference_start(self) -> datetime | None:
        """The start of the held draft, or of the booking being moved: what "same time" means."""
        draft = self.memory.live_draft
        start = draft.get("start_iso") if draft else None
        if start is None and self.moving:
            start = self.memory.task.get("start_iso")
        return datetime.fromisoformat(str(start)) if start else None

    @property
    def moving(self) -> bool:
        """Tell whether the client is moving one of their bookings to another time."""
        task = self.memory.task
        return task.get("task") == "reschedule" and bool(task.get("booking_id"))

    def pick(self, text: str, when: When, *, by_position: bool = True) -> Slot | None:
        """Return the offered start the client picks, preferring the day of the held draft.

        Naming one of several offered providers ("11:00 with Sofia Marin") picks among theirs.
        """
        draft = self.memory.live_draft
        held_day = date.fromisoformat(str(draft["start_iso"])[:10]) if draft else None
        offer = self.memory.offer
        named = word_matches(text, {slot.provider_id: [slot.provider] for slot in offer})
        if named and len({slot.provider_id for slot in offer}) > 1:
            offer = [slot for slot in offer if slot.provider_id == named[0][0]]
        position = choose_position(text) if by_position else None
        return pick_slot(offer, when, position, prefer_day=held_day)

    def commit_choice(self, slot: Slot) -> AIMessage:
        """Hold the picked start: move the booking, move the draft, or start a draft."""
        task, draft = self.memory.task, self.memory.live_draft
        if self.moving:
            return self.call(
                "reschedule_booking",
                {"booking_id": task["booking_id"], "new_start": slot.start},
                task=task,
            )
        if draft is not None:
            return self.call(
                "update_booking_draft", {"booking_id": draft["booking_id"], "new_start": slot.start}
            )
        args = {"provider_id": slot.provider_id, "service_id": slot.service_id, "start": slot.start}
        if self.memory.anonymous:
            return self.say(
                "who_are_you", task={**task, "pending": {"tool": "prefill_booking", "args": args}}
            )
        return self.call("prefill_booking", args)

    def offered_provider_named(self, text: str) -> str | None:
        """Return the provider of those on the table whom a message names ("10 w hoffmann")."""
        offered = {slot.provider_id: [slot.provider] for slot in self.memory.offer}
        named = word_matches(text, offered) if len(offered) > 1 else []
        return named[0][0] if named else None

    def check_offer_again(
        self, when: When, *, soonest: bool = False, only_provider: str | None = None
    ) -> AIMessage:
        """Look again at the offered providers (or the booking being moved) for a new wish.

        A new day replaces the days searched; a new time of day alone ("after 3pm") narrows
        the same days, and a bare time keeps their hours too; the soonest start from today.
        """
        searched = self.memory.offer_args
        if only_provider is not None:
            searched = [args for args in searched if args.get("provider_id") == only_provider]
        if self.moving:
            task = self.memory.task
            moved = {"provider_id": task["provider_id"], "service_id": task["service_id"]}
            searched = [
                args for args in searched if all(args.get(k) == v for k, v in moved.items())
            ] or [moved]
        calls: list[tuple[str, dict[str, Any]]] = []
        for before in searched:
            args = slot_args(
                before.get("provider_id"), before.get("service_id"), when, today=self.today
            )
            if when.day is None and not soonest and "date_from" in before:
                args.update(date_from=before["date_from"], date_to=before.get("date_to"))
                if not (when.day_from or when.day_until) and _within(when, before):
                    for bound in ("day_from", "day_until"):
                        if bound in before:
                            args[bound] = before[bound]
            if ("check_slots", args) not in calls:
                calls.append(("check_slots", args))
        return self.call_many(calls, task=self.memory.task or None)

    @property
    def has_offer_context(self) -> bool:
        return bool(self.memory.offer_args) or self.moving


def say_names(text: str, names: dict[str, str]) -> str:
    """Put the catalog's translated names in a reply (the longest first: "GP visit" in
    "GP visit (extended)" is not replaced before the whole)."""
    for original in sorted(names, key=len, reverse=True):
        text = text.replace(original, names[original])
    return text


def _within(when: When, searched: dict[str, Any]) -> bool:
    """Tell whether the time asked for lies within the hours searched before (if any)."""
    if when.at is None:
        return True
    start, end = searched.get("day_from"), searched.get("day_until")
    at = when.at.strftime("%H:%M")
    return (start is None or at >= start) and (end is None or at < end)
