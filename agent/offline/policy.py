"""The offline model's decisions: from the transcript to the next tool call or reply."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agent.offline.answers import classify_answer
from agent.offline.changes import ChangeSteps
from agent.offline.clock import bare_hour
from agent.offline.drafting import DraftingSteps
from agent.offline.facts import extract_facts
from agent.offline.finding import FindingSteps
from agent.offline.identifying import IdentitySteps
from agent.offline.intents import (
    Intent,
    asks_for_information,
    classify_intent,
    looks_like_injection,
)
from agent.offline.nearest import nearest_intent
from agent.offline.notification_steps import NotificationSteps
from agent.offline.notifying import read_notification_wish
from agent.offline.pending import (
    OFFERS_A_PERSON,
    OFFERS_TIMES,
    Pending,
    Question,
    pending_question,
)
from agent.offline.questions import (
    asks_what_to_bring,
    pick_answer,
)
from agent.offline.searches import read_search
from agent.offline.text import asked_sentence, sentences, words
from agent.offline.when import When, asks_for_one, asks_for_soonest, parse_move

# Replies that end by offering a colleague, or other times: a bare yes or no answers them.
_OFFERS_A_PERSON, _OFFERS_TIMES = OFFERS_A_PERSON, OFFERS_TIMES
# What the nearest examples may tell the rules (agent/offline/examples/intents.yaml).
_BY_EXAMPLE = {
    "list_bookings": Intent.LIST_BOOKINGS,
    "cancel": Intent.CANCEL,
    "reschedule": Intent.RESCHEDULE,
    "handoff": Intent.HANDOFF,
    "closing": Intent.CLOSING,
    "running_late": Intent.RUNNING_LATE,
}
# How near examples must lie to override a booking the rules read.
_SURE = 0.91
_CHANGES = frozenset({"cancel", "reschedule"})
# Questions an unreadable answer gets asked again, rather than read as a new request.
_ASKED_AGAIN = frozenset({Question.CHOOSE_TIME, Question.CHOOSE_BOOKING, Question.GIVE_INTAKE})
# What a client may ask instead of answering a confirmation question.
_NEW_REQUESTS = frozenset({Intent.HANDOFF, Intent.LIST_BOOKINGS, Intent.CANCEL, Intent.RESCHEDULE})
# Tools whose refusal leaves the offered times standing, so another one may be picked.
_HOLDING = frozenset(
    {"prefill_booking", "update_booking_draft", "confirm_booking", "reschedule_booking"}
)


class Decider(FindingSteps, DraftingSteps, ChangeSteps, IdentitySteps, NotificationSteps):
    """Decides one model step: what to do with a client's message or with tool results."""

    def on_message(self) -> AIMessage:
        memory, text = self.memory, self.memory.last_human
        if looks_like_injection(text):
            return self.say("injection")
        # A visitor with a record of their own may still type the code sent to them.
        if memory.anonymous or memory.awaiting_code:
            identified = self.identity_step(text, contacts=memory.anonymous)
            if identified is not None:
                return identified
        # Ahead of yes or no: "no more reminders" is not a "no" to the last question.
        wish = read_notification_wish(text)
        if wish is not None:
            return self.notification_step(wish)
        draft = memory.live_draft
        if draft and draft.get("missing"):
            facts = extract_facts(text, wanted=draft["missing"], today=self.today)
            if facts:
                values = {"booking_id": draft["booking_id"], "values": facts}
                return self.call("update_booking_draft", values)
        pending = pending_question(memory)
        short = "" if "?" in text else classify_answer(text)
        if short in ("yes", "no") and memory.last_said in _OFFERS_A_PERSON | _OFFERS_TIMES:
            return self.follow_offer(short == "yes", memory.last_said)
        if short == "yes" and pending.question in _ASKED_AGAIN:
            return self.agree(pending)
        if short == "no":
            return self.say("not_completed" if draft else "anything_else", task={})
        intent = self.intent_of(text)
        if intent is Intent.HANDOFF:
            return self.call("handoff_to_human", {"reason": memory.as_written})
        if intent is Intent.RUNNING_LATE:
            return self.call("note_for_practice", {"note": memory.as_written})
        if intent is Intent.CLOSING and not draft:
            return self.say("closing", task={})
        when, soonest, request = (
            self.read_when(text),
            asks_for_soonest(text),
            read_search(text),
        )
        about_times = soonest or not when.is_empty
        from_chat = intent is not Intent.BOOK
        if intent is Intent.QUESTION:
            # "Is 14:30 free?" or "Is the notary free on Monday?" asks for times, not facts;
            # "I see Megan this afternoon. How do I get there?" asks its second sentence only.
            # A story's question about a fee or a place ("if I cancel the same morning, is
            # there a fee?") asks for facts, whatever times the story names.
            asked = asked_sentence(text)
            times_asked = asks_for_soonest(asked) or not self.read_when(asked).is_empty
            facts_asked = asked != text and asks_for_information(asked)
            if facts_asked or not (
                times_asked and (self.has_offer_context or not request.is_empty)
            ):
                return self.say("what_need") if soonest else self.ask_knowledge(text)
            intent = Intent.BOOK
        if intent in (Intent.LIST_BOOKINGS, Intent.CANCEL, Intent.RESCHEDULE):
            return self.look_up_bookings(intent.value)
        chosen_booking = self.booking_chosen(text) if memory.task.get("choices") else None
        if chosen_booking is not None:
            wanted = parse_move(str(memory.task.get("request", "")), today=self.today)[1]
            return self.change(chosen_booking, wanted if wanted.day else when, soonest=soonest)
        if (
            soonest
            and when.is_empty
            and pending.question is Question.CHOOSE_TIME
            and asks_for_one(text)
        ):
            # "The earliest" of the times listed is the first of them, not a new search.
            return self.commit_choice(pending.times[0])
        chosen = self.pick(text, when)
        if chosen is not None:
            return self.commit_choice(chosen)
        named_offered = (
            self.offered_provider_named(text) if intent in (Intent.OTHER, Intent.BOOK) else None
        )
        if named_offered is not None:
            # "10 w hoffmann" among several providers' times: that provider, the same days,
            # and a bare number is the hour.
            at = when if not when.is_empty else replace(when, at=bare_hour(text))
            chosen = self.pick(text, at)
            if chosen is not None:
                return self.commit_choice(chosen)
            return self.check_offer_again(at, only_provider=named_offered)
        unreadable = intent is Intent.OTHER and when.is_empty and not soonest
        if unreadable and pending.question is Question.GIVE_INTAKE:
            # Not an intake fact, and no new request either: ask for what is missing again.
            return self.ask_again(pending)
        other_times = about_times and self.has_offer_context and classify_answer(text) == "change"
        if other_times and request.is_empty:
            # "Afternoon instead?": other times of the same search, not a new need.
            return self.check_offer_again(when, soonest=soonest)
        if not request.is_empty and intent in (Intent.BOOK, Intent.OTHER):
            return self.search(request, from_chat=from_chat)
        if about_times and self.has_offer_context:
            return self.check_offer_again(when, soonest=soonest)
        if pending.question in _ASKED_AGAIN and intent in (Intent.BOOK, Intent.OTHER):
            return self.ask_again(pending)
        if intent is Intent.BOOK:
            return self.say("what_need")
        if intent is Intent.GREETING:
            return self.say("greeting")
        if intent is Intent.THANKS:
            return self.say("thanks")
        return self.say("help")

    def intent_of(self, text: str) -> Intent:
        """Read the intent by the rules; where they see none clearly, by the nearest examples."""
        intent = classify_intent(text)
        if intent not in (Intent.OTHER, Intent.QUESTION, Intent.BOOK) or not words(text):
            return intent
        if classify_answer(text) in ("yes", "no"):
            return intent  # an answer to the question asked, not a request of its own
        choosing = pending_question(self.memory).question is Question.CHOOSE_TIME
        if choosing and asks_for_soonest(text) and asks_for_one(text):
            return intent  # "the earliest please" picks among the times shown
        if choosing and classify_answer(text) == "change" and not self.read_when(text).is_empty:
            return intent  # "the afternoon instead?" changes the times shown, not a booking
        # A need buried in a story is placed by its own sentence, not diluted by the story;
        # a question's sentences are not (its asked sentence decides, in on_message).
        parts = sentences(text) if intent is not Intent.QUESTION else []
        near = nearest_intent(self.memory.as_written, text, *(parts if len(parts) > 1 else ()))
        named = read_search(text)
        if named.provider_name or named.location:
            # A provider or a place named is a search or a booking; only a change to one the
            # client already has, placed clearly, overrides that.
            overriding = _CHANGES
        elif intent is Intent.BOOK:
            # The rules read a booking from words as loose as "I'd like" or "appointment";
            # examples placed clearly elsewhere ("my appts?", "talk to someone") say better.
            overriding = _CHANGES | {"list_bookings", "handoff", "running_late", "closing"}
        else:
            return _BY_EXAMPLE.get(near.label, intent) if near.confident else intent
        sure = near.confident and near.similarity >= _SURE and near.label in overriding
        return _BY_EXAMPLE[near.label] if sure else intent

    def agree(self, pending: Pending) -> AIMessage:
        """Follow a plain "ok" to the question asked: take the one choice there is, or ask."""
        if pending.question is Question.CHOOSE_TIME and len(pending.times) == 1:
            return self.commit_choice(pending.times[0])
        if pending.question is Question.CHOOSE_BOOKING and len(pending.bookings) == 1:
            return self.change(pending.bookings[0], When())
        return self.ask_again(pending)

    def ask_again(self, pending: Pending) -> AIMessage:
        """Ask the pending question again, with its choices, saying what is needed."""
        if pending.question is Question.CHOOSE_TIME:
            return self.show_offer(
                "Which of these times would you like? Reply with its number or its time."
            )
        if pending.question is Question.CHOOSE_BOOKING:
            return self.say(
                "which_booking", bookings=pending.bookings, unmatched=False, task=self.memory.task
            )
        return self.say("ask_missing", **(self.memory.live_draft or {}))

    def follow_offer(self, accepted: bool, offer: str) -> AIMessage:
        """Answer a bare yes or no to the agent's offer of a colleague or of other times."""
        if not accepted:
            return self.say("anything_else", task={})
        if offer in _OFFERS_A_PERSON:
            return self.call(
                "handoff_to_human", {"reason": "The client accepted help from a person."}
            )
        return self.show_offer() if self.memory.offer else self.say("what_need")

    # -- results of the tools called this turn -----------------------------------------

    def after_tools(self) -> AIMessage:
        tool, result, args = self.memory.results[-1]
        if isinstance(result, dict) and "client_answer" in result:
            return self.after_answer(tool, result, args)
        if isinstance(result, dict) and "error" in result:
            offer_more = tool in _HOLDING and bool(self.memory.offer)
            return self.say("refused", message=result["error"], offer_more=offer_more)
        handler = getattr(self, f"after_{tool}", None)
        if handler is None:
            return self.say("help")
        reply: AIMessage = handler(result, args)
        return reply

    def after_search_knowledge(self, hits: list[dict[str, Any]], _: dict[str, Any]) -> AIMessage:
        task = self.memory.task
        if task.get("probe"):
            return self.after_probe(hits)
        question = self.memory.last_human
        answers = pick_answer(question, hits, about=task.get("about"))
        template = "answer" if answers else "dont_know"
        if asks_what_to_bring(question) and self.memory.documents:
            # What this client's own booking needs says more than any general entry.
            template = "to_bring"
        resume = task.get("resume")
        if resume:
            # The question came instead of an answer to a confirmation: ask that again.
            return self.say_and_call(
                template,
                resume["tool"],
                resume["args"],
                hits=answers,
                pending=True,
                **self.paperwork,
            )
        return self.say(template, hits=answers, pending=False, **self.paperwork)

    @property
    def paperwork(self) -> dict[str, Any]:
        return {"documents": self.memory.documents, "booking": self.memory.documents_for}

    def after_note_for_practice(self, _: dict[str, Any], __: dict[str, Any]) -> AIMessage:
        return self.say("noted_for_practice", task={})

    def after_handoff_to_human(self, _: dict[str, Any], __: dict[str, Any]) -> AIMessage:
        return self.say("handoff", task={})

    def after_answer(self, tool: str, result: dict[str, Any], args: dict[str, Any]) -> AIMessage:
        """Follow the client's answer to a confirmation question that was not a yes."""
        # The answer as the lexicon reads it (the memory rewrote it when it replayed the turn).
        verdict, answer = str(result["verdict"]), self.memory.last_human
        if verdict != "no":
            wish = read_notification_wish(answer)
            if wish is not None and not self.memory.anonymous:
                return self.notification_step(wish, resume={"tool": tool, "args": args})
            intent = classify_intent(answer)
            if asks_for_information(answer) and not looks_like_injection(answer):
                return self.ask_knowledge(answer, resume={"tool": tool, "args": args})
            # Something else entirely ("move my other appointment") starts afresh; a wish to
            # move the time on a booking summary only changes that summary.
            changes_draft = tool == "confirm_booking" and intent is Intent.RESCHEDULE
            if intent in _NEW_REQUESTS and not changes_draft:
                return self.on_message()
        if verdict == "unclear":
            return self.call(tool, args, task=self.memory.task or None)
        if tool == "confirm_booking":
            return self.answer_to_summary(verdict, answer)
        return self.answer_to_change(tool, verdict, answer)


def decide(messages: list[BaseMessage]) -> AIMessage:
    """Return the next step for this transcript: a tool call or a reply."""
    decider = Decider(messages)
    if isinstance(messages[-1], ToolMessage):
        return decider.after_tools()
    return decider.on_message()
