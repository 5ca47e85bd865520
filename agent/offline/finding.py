"""Steps that find whom a client needs and which times are free."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from langchain_core.messages import AIMessage

from agent.choices import choice_text, shown_slots
from agent.offline.lexicon import lexicon
from agent.offline.offers import (
    any_time_of_day,
    days_after,
    describe_search,
    has_time_of_day,
    slot_args,
)
from agent.offline.questions import pick_answer, service_need
from agent.offline.searches import (
    SearchRequest,
    content_words,
    in_own_words,
    need_of,
    pick_providers,
    read_search,
)
from agent.offline.steps import Steps
from agent.offline.when import parse_when

BOOKING: dict[str, Any] = {"task": "book"}


def _maybe_a_name(need: str) -> str | None:
    """Return the first one or two words of a need that are no word of the lexicon's English."""
    known = lexicon()
    english = {word for key in known.phrases for word in key} | set(known.vocabulary)
    english |= {word for phrase in known.phrases.values() for word in phrase.split()}
    candidates = [word for word in content_words(need) if word not in english and len(word) > 2]
    return " ".join(candidates[:2]) or None


class FindingSteps(Steps):
    def search(self, request: SearchRequest, *, from_chat: bool) -> AIMessage:
        """Search for providers; a bare need is first checked against the services' meaning.

        The provider search keeps everyone when a need fits no service, so the need is looked
        up in the index first: only a need some service fits is searched for.
        """
        # Only the words naming the need: days, times and "I'd like an appointment" pull the
        # query towards the opening hours and policies instead of the service meant.
        query = " ".join(content_words(request.need or ""))
        if query:
            query = in_own_words(query, self.memory.as_written)
        if not query:
            return self.call("search_providers", request.tool_args(), task=BOOKING)
        if request.provider_name:
            # "Ms Tremblay, to certify copies": which of her services fits, if any does.
            named = {**self.memory.task, "probe": "named"}
            return self.call("search_knowledge", {"query": query}, task=named)
        probe = {**self.memory.task, "probe": "chat" if from_chat else "book"}
        return self.call("search_knowledge", {"query": query}, task=probe)

    def after_probe(self, hits: list[dict[str, Any]]) -> AIMessage:
        request = read_search(self.memory.last_human)
        if self.memory.task.get("probe") == "named":
            args = request.tool_args()
            if service_need(hits, booking=True) is not None:
                # The provider's services in the order they fit the need, best first.
                args["need"] = " ".join(content_words(request.need or ""))
            return self.call("search_providers", args, task=BOOKING)
        if service_need(hits, booking=self.memory.task.get("probe") == "book") is not None:
            need = need_of(self.memory.last_human)
            if need:
                need = in_own_words(need, self.memory.as_written)
            by_need = SearchRequest(location=request.location, need=need)
            return self.call("search_providers", by_need.tool_args(), task=BOOKING)
        if request.location:
            return self.call("search_providers", {"location": request.location}, task=BOOKING)
        name = _maybe_a_name(request.need or "")
        if name and not self.memory.task.get("by_name"):
            # A word no service fits may be a provider's name written plainly ("nguyen mon?").
            return self.call(
                "search_providers", {"provider_name": name}, task={**BOOKING, "by_name": True}
            )
        if self.memory.task.get("probe") == "chat":
            answers = pick_answer(self.memory.last_human, hits)
            if answers:
                return self.say("answer", hits=answers)
            if "?" in self.memory.last_human:
                return self.say("dont_know", pending=False)
        return self.say(
            "no_provider", location=request.location, provider_name=request.provider_name
        )

    def after_search_providers(
        self, found: list[dict[str, Any]], args: dict[str, Any]
    ) -> AIMessage:
        text = self.memory.last_human
        if self.memory.task.get("site_of"):
            # The provider a place question named: ask the knowledge about their site.
            site = next((str(hit["location"]) for hit in found if hit.get("location")), "")
            return self.ask_knowledge(text, self.memory.task.get("resume"), site=site)
        request = read_search(text)
        need = need_of(text)
        if self.memory.task.get("by_name") and not found:
            return self.say("no_provider", location=None, provider_name=None)
        placed = self.memory.task.get("placed")
        if placed and args == {"location": placed.get("location")}:
            if found:  # one of the practice's sites, with nobody there for this need
                return self.say(
                    "no_provider",
                    location=placed.get("location"),
                    provider_name=placed.get("provider_name"),
                )
            # A place the practice has no site in ("a master's program in France") is no
            # filter: whom the client needs is searched for anywhere.
            unplaced = {key: value for key, value in placed.items() if key != "location"}
            return self.call("search_providers", unplaced, task=BOOKING)
        if not found and args.get("location") and (args.get("need") or args.get("provider_name")):
            # Is the place one of the practice's? Asked once, by the place alone.
            return self.call(
                "search_providers",
                {"location": args["location"]},
                task={**BOOKING, "placed": args},
            )
        if not found and args.get("provider_name") and need:
            # Not a provider's name after all ("a Dermatologist"): search by the need instead.
            return self.search(SearchRequest(location=request.location, need=need), from_chat=False)
        discussed = self.memory.offer[0].service_id if self.memory.offer else None
        picked = pick_providers(found, text, args, discussed=discussed)
        if not picked:
            return self.say(
                "no_provider",
                location=args.get("location"),
                provider_name=args.get("provider_name"),
            )
        when = parse_when(text, today=self.today)
        calls = [
            (
                "check_slots",
                slot_args(provider["provider_id"], service["service_id"], when, today=self.today),
            )
            for provider, service in picked
        ]
        return self.call_many(calls, task=BOOKING)

    def after_check_slots(self, _: Any, __: dict[str, Any]) -> AIMessage:
        memory = self.memory
        asked, latest = memory.searches[0], memory.searches[-1]
        first_refusals = memory.none_free[0] if memory.none_free else []
        if not memory.offer:
            reasons = {reason for reason, _ in first_refusals}
            if latest is asked and reasons == {"too_far"}:
                # Past the booking window: say so, with the practice's limit, not "full".
                return self.say(
                    "refused", message=first_refusals[0][1], offer_more=False, earlier=True
                )
            wider = self.wider_search(asked, tries=len(memory.searches))
            if wider is None:
                return self.say("no_slots", asked=describe_search(asked[0]))
            return self.call_many(
                [("check_slots", args) for args in wider], task=memory.task or None
            )
        when = self.read_when(memory.last_human)
        missed = ""
        if latest is not asked:
            said = _unique(why for _, why in first_refusals)
            missed = " ".join(said) or f"Sorry, nothing is free {describe_search(asked[0])}."
        else:
            # Only a time picks here: "the 5th" in a fresh request is a day, not a position.
            chosen = self.pick(memory.last_human, when, by_position=False)
            if chosen is not None:
                return self.commit_choice(chosen)
            if when.at is not None:
                # The domain says why the time asked for is not free (notice, hours, taken).
                said = _unique(why for _, why in memory.asked_refused)
                missed = " ".join(said) or f"{when.at:%H:%M} is not free."
        return self.show_offer(missed)

    def show_offer(self, missed: str = "") -> AIMessage:
        """List the offered times, each provider's soonest in turn."""
        slots = shown_slots(self.memory.offer)
        return self.say(
            "offer",
            slots=slots,
            choices=[choice_text(slot, slots) for slot in slots],
            providers=sorted({slot.provider for slot in slots}),
            services=sorted({slot.service for slot in slots}),
            missed=missed,
            task=self.memory.task or None,
        )

    def wider_search(
        self, asked: list[dict[str, Any]], *, tries: int
    ) -> list[dict[str, Any]] | None:
        """Return the next search after nothing was free: the days after, then any hour."""
        wider = [[days_after(args) for args in asked]]
        if any(has_time_of_day(args) for args in asked):
            wider.append([any_time_of_day(args) for args in asked])
        return wider[tries - 1] if tries <= len(wider) else None


def _unique(sentences: Iterable[str]) -> list[str]:
    """Return each sentence once, in the order first said (several providers say the same)."""
    return list(dict.fromkeys(sentences))
