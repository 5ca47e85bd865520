"""Prompt tokens per model call on the OpenAI-compatible path, at 5, 15 and 30 turns.

A scripted chat-completions server (testkit/openai_script.py) plays conversations of 5, 15 and
30 turns (testkit/openai_conversations.py) through the real graph, tools, knowledge index and a
SQLite copy of the sample world; every request body the agent sent is counted
(bench/prompt_count.py: WordPiece tokens as a proxy for the model's BPE). Issue 15 asks for at
most 2,500 tokens per model call, flat from turn 3 to turn 30; the last line printed says
where that stands.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from transformers import AutoTokenizer

from bench.common import (
    Figures,
    PostgresDatabases,
    markdown_table,
    sample_world_database,
    sqlite_url,
)
from bench.prompt_count import Json, PromptCounter, RequestSize, Size
from evals.judge import active_bookings
from knowledge.embeddings import MiniLMEmbedder, bundled_model_dir
from knowledge.index import KnowledgeIndex
from testkit.openai_conversations import CONVERSATIONS, BookingKey, Turn
from testkit.openai_script import (
    ScriptedLLM,
    knowledge_index,
    openai_agent,
    openai_settings,
    scripted_server,
    tool_results,
)

TARGET = 2_500  # tokens per model call, issue 15
FLAT_FROM = 3  # the turn from which the issue wants the size flat


@dataclass(frozen=True)
class TurnCount:
    text: str
    requests: list[Json]
    sizes: list[RequestSize]

    @property
    def largest(self) -> RequestSize:
        """The turn's largest model call: what "per model call" is read from."""
        return max(self.sizes, key=lambda size: size.prompt.tokens)

    @property
    def all_calls(self) -> Size:
        return sum((size.prompt for size in self.sizes), Size(0, 0))


def measure(
    name: str,
    turns: Sequence[Turn],
    expected: set[BookingKey],
    counter: PromptCounter,
    knowledge: KnowledgeIndex,
    workdir: Path,
) -> list[TurnCount]:
    """Play the turns for ana on a fresh copy of the sample world; count every request."""
    loaded = sample_world_database(sqlite_url(str(workdir), name.replace(" ", "_")))
    engine, uow = loaded.engine, loaded.uow
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
            counts.append(TurnCount(text, sent, [counter.request(body) for body in sent]))
    refused = [
        result
        for body in llm.requests
        for _, result in tool_results(body)
        if isinstance(result, dict) and "error" in result
    ]
    booked = active_bookings(uow(), "ana")
    engine.dispose()
    if refused or booked != expected:
        raise RuntimeError(f"{name} did not play as scripted: {refused or booked}")
    return counts


def report(name: str, counts: list[TurnCount]) -> Figures:
    """Print the conversation's table; return its figures under `turns_NN.`."""
    key = f"turns_{len(counts):02d}"
    rows: list[list[object]] = []
    figures: Figures = {}
    for number, turn in enumerate(counts, start=1):
        largest = turn.largest
        rows.append(
            [
                number,
                turn.text if len(turn.text) <= 34 else turn.text[:33] + "…",
                len(turn.requests),
                max(len(body["messages"]) for body in turn.requests),
                f"{largest.prompt.tokens:,}",
                f"{largest.tools.tokens:,}",
                f"{largest.json_tokens:,}",
                f"{turn.all_calls.tokens:,}",
                f"{largest.prompt.chars // 4:,}",
            ]
        )
        prefix = f"{key}.turn_{number:02d}"
        figures |= {
            f"{prefix}.model_calls": len(turn.requests),
            f"{prefix}.call_tokens": largest.prompt.tokens,
            f"{prefix}.call_tokens_tools_as_json": largest.json_tokens,
            f"{prefix}.all_calls_tokens": turn.all_calls.tokens,
        }
    flat = [turn.largest.prompt.tokens for turn in counts[FLAT_FROM - 1 :]]
    figures |= {
        f"{key}.max_call_tokens": max(turn.largest.prompt.tokens for turn in counts),
        f"{key}.total_tokens": sum(turn.all_calls.tokens for turn in counts),
        f"{key}.model_calls": sum(len(turn.requests) for turn in counts),
    }
    print(f"### {name}: prompt tokens per model call (WordPiece proxy for the model's BPE)\n")
    print(
        markdown_table(
            [
                "turn",
                "client says",
                "model calls",
                "messages sent",
                "largest call, tokens",
                "of which tools",
                "same, tools as JSON",
                "all calls, tokens",
                "largest call, chars / 4",
            ],
            rows,
        )
    )
    print(
        f"\nFrom turn {FLAT_FROM} on, the largest call per turn stays within "
        f"{min(flat):,} to {max(flat):,} tokens. {figures[f'{key}.total_tokens']:,.0f} tokens "
        f"over {len(counts)} turns and {figures[f'{key}.model_calls']:.0f} model calls.\n"
    )
    return figures


def headline(figures: Figures) -> str:
    """The last line: the largest call at turn 5, 15 and 30 of each conversation, and overall."""
    at = [figures[f"turns_{n:02d}.turn_{n:02d}.call_tokens"] for n in (5, 15, 30)]
    largest = max(figures[f"turns_{n:02d}.max_call_tokens"] for n in (5, 15, 30))
    return (
        "prompt_tokens: per model call at 5 / 15 / 30 turns "
        f"{at[0]:,.0f} / {at[1]:,.0f} / {at[2]:,.0f} (max {largest:,.0f})"
    )


def run(pg: PostgresDatabases | None) -> Figures:
    """Count the prompts of the three scripted conversations (SQLite only: no database figure)."""
    del pg
    tokenizer = AutoTokenizer.from_pretrained(str(bundled_model_dir()), local_files_only=True)
    counter = PromptCounter(tokenizer)
    figures: Figures = {}
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as tmp:
        workdir = Path(tmp)
        seeded = sample_world_database(sqlite_url(tmp, "knowledge"))
        knowledge = knowledge_index(seeded.uow(), workdir / "chroma", MiniLMEmbedder())
        seeded.engine.dispose()
        results = {
            name: measure(name, turns, expected, counter, knowledge, workdir)
            for name, (turns, expected) in CONVERSATIONS.items()
        }
    first = next(iter(results.values()))[0].sizes[0]
    print(
        "Tokens: all-MiniLM-L6-v2 WordPiece (uncased, splits punctuation) as a proxy for the "
        "model's BPE, which this machine cannot load offline; chars / 4 is the usual BPE rule "
        "of thumb. Tool definitions count as the model reads them (TypeScript-like "
        f"declarations): {first.tools.tokens:,} tokens in every call; counted as the JSON sent, "
        f"{first.tools_json.tokens:,}.\n"
    )
    figures["tools_tokens"] = first.tools.tokens
    figures["tools_tokens_as_json"] = first.tools_json.tokens
    for name, counts in results.items():
        figures |= report(name, counts)
    figures["target_tokens"] = TARGET
    print(headline(figures))
    return figures
