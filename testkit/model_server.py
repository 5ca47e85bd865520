"""A local OpenAI-compatible model server, answering as the offline model would.

`POST /v1/chat/completions` in OpenAI's wire format, streaming (server-sent events) or not, tool
calls included: the request's messages are read back into the conversation they continue
(testkit/model_transcripts.py), the offline model decides, and its AIMessage goes back as a
completion — after a configurable latency spent in `asyncio.sleep`, so a slow model costs no
CPU. Modes: `offline` decides every request; `record` also appends each answer to a script
file; `replay` answers from that file without running the offline model (testkit/model_replay.py),
falling back to it, counted as a miss, for a request the script does not hold.

In tests and benchmarks: `with model_server(latency=0.0) as server:` then point
`OPENAI_BASE_URL` at `server.base_url`. Alone: `python -m testkit.model_server --port 8400`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import uvicorn
from langchain_core.messages import AIMessage, SystemMessage
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from agent.offline.policy import decide
from testkit.model_replay import Script
from testkit.model_transcripts import Transcripts
from testkit.openai_wire import (
    Json,
    WireError,
    chunks,
    completion,
    error_body,
    message_key,
    read_messages,
    wire_message,
)

log = logging.getLogger(__name__)
Mode = Literal["offline", "record", "replay"]
STARTUP_SECONDS = 30


@dataclass
class Counts:
    requests: int = 0
    decided: int = 0  # answers the offline model worked out
    replayed: int = 0
    misses: int = 0  # replay requests the script did not hold
    refused: int = 0  # bad requests answered with 400
    failed: int = 0  # requests the offline model raised on, answered with 500


@dataclass
class ModelService:
    """What answers a request: the offline model over stitched transcripts, or a script."""

    mode: Mode = "offline"
    latency: float = 0.0
    script: Script | None = None
    counts: Counts = field(default_factory=Counts)
    transcripts: Transcripts = field(default_factory=Transcripts)

    def answer(self, body: Json) -> Json:
        """The assistant message answering this request (CPU work: call it off the loop)."""
        if self.mode == "replay" and self.script is not None:
            replayed = self.script.answer(body)
            if replayed is not None:
                self.counts.replayed += 1
                return replayed
            self.counts.misses += 1
        message = self._decide(body)
        if self.mode == "record" and self.script is not None:
            self.script.record(body, message)
        return message

    def _decide(self, body: Json) -> Json:
        messages = read_messages(body)
        wire = body["messages"]
        system = [m for m in messages if isinstance(m, SystemMessage)]
        talk = [(w, m) for w, m in zip(wire, messages, strict=True) if w.get("role") != "system"]
        if not talk:
            raise WireError("there is nothing to answer: only system messages")
        conversation, transcript = self.transcripts.continue_or_start(
            [w for w, _ in talk], [m for _, m in talk]
        )
        decided = decide([*system, *transcript])
        # Tool call ids unique across conversations: a window with a call names its chat.
        reply = AIMessage(
            content=decided.content,
            additional_kwargs=decided.additional_kwargs,
            tool_calls=[
                {**call, "id": f"call_{uuid.uuid4().hex[:12]}_{index}"}
                for index, call in enumerate(decided.tool_calls)
            ],
        )
        message = wire_message(reply)
        self.transcripts.answered(conversation, message_key(message), reply)
        self.counts.decided += 1
        return message


def create_app(service: ModelService) -> Starlette:
    """The HTTP app: chat completions, the model list, and the counts (GET /stats)."""

    async def chat_completions(request: Request) -> Response:
        service.counts.requests += 1
        try:
            body = json.loads(await request.body())
            if not isinstance(body, dict):
                raise WireError("the body must be a JSON object")
            message = await asyncio.to_thread(service.answer, body)
        except (ValueError, WireError) as error:  # JSONDecodeError is a ValueError
            service.counts.refused += 1
            return JSONResponse(error_body(str(error)), status_code=400)
        except Exception as error:  # the client gets an API error, never a trace
            log.exception("the offline model could not answer")
            service.counts.failed += 1
            reason = f"the model could not answer: {type(error).__name__}"
            return JSONResponse(error_body(reason, "server_error"), status_code=500)
        await asyncio.sleep(service.latency)
        if body.get("stream"):
            return StreamingResponse(_events(body, message), media_type="text/event-stream")
        return JSONResponse(completion(body, message))

    async def models(_: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": "local", "object": "model"}]})

    async def stats(_: Request) -> Response:
        started = service.transcripts.started
        return JSONResponse({**service.counts.__dict__, "conversations": started})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
            Route("/stats", stats, methods=["GET"]),
        ]
    )


async def _events(body: Json, message: Json) -> AsyncIterator[bytes]:
    for chunk in chunks(body, message):
        yield f"data: {json.dumps(chunk)}\n\n".encode()
    yield b"data: [DONE]\n\n"


@dataclass
class RunningModelServer:
    service: ModelService
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


@contextmanager
def model_server(
    *,
    latency: float = 0.0,
    mode: Mode = "offline",
    script: Path | None = None,
    port: int = 0,
) -> Iterator[RunningModelServer]:
    """Serve the model on 127.0.0.1 (a free port unless given) in a thread until the block ends."""
    if mode != "offline" and script is None:
        raise ValueError(f"mode {mode} needs a script file")
    service = ModelService(
        mode=mode, latency=latency, script=Script(script) if script is not None else None
    )
    config = uvicorn.Config(
        create_app(service), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="model-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the model server did not start")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningModelServer(service, int(bound))
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main(argv: list[str] | None = None) -> int:
    """Run the server in the foreground until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m testkit.model_server", description=__doc__)
    parser.add_argument("--port", type=int, default=8400)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--mode", choices=["offline", "record", "replay"], default="offline")
    parser.add_argument("--script", type=Path, help="the file record writes and replay reads")
    args = parser.parse_args(argv)
    if args.mode != "offline" and args.script is None:
        parser.error(f"--mode {args.mode} needs --script")
    service = ModelService(
        mode=args.mode, latency=args.latency, script=Script(args.script) if args.script else None
    )
    uvicorn.run(create_app(service), host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
