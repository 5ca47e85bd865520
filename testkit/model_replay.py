"""Scripts of the offline model's answers: recorded once, replayed without running it.

A load benchmark wants a model that costs next to no CPU: the server records, per request,
the digest of what it was asked and the message it answered, then answers from that file.
Ids differ from run to run (tool call ids, booking and client ids in tool results), so the
digest is taken over the request with every id replaced by its order of first appearance,
and the recorded answer names ids the same way; replaying puts this run's ids back, and a
tool call id the answer makes up is made up afresh.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from pathlib import Path
from typing import Any

from testkit.openai_wire import Json

# Ids that change from run to run: UUIDs (with or without dashes), the server's call ids.
ID = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
    r"|\b[0-9a-f]{32}\b"
    r"|\bcall_[0-9a-zA-Z]+_[0-9a-zA-Z_]+\b"
)
PLACEHOLDER = re.compile(r"<id:(\d+)>|<new:(\d+)>")


def _masked(text: str, ids: dict[str, int]) -> str:
    def mask(match: re.Match[str]) -> str:
        number = ids.setdefault(match.group(0), len(ids))
        return f"<id:{number}>"

    return ID.sub(mask, text)


def request_digest(body: Json) -> tuple[str, dict[str, int]]:
    """The digest of what the model is asked, and the ids it named in order of appearance."""
    ids: dict[str, int] = {}
    asked = {"messages": body.get("messages"), "tools": body.get("tools")}
    canonical = _masked(json.dumps(asked, sort_keys=True, ensure_ascii=False), ids)
    return hashlib.sha256(canonical.encode()).hexdigest(), ids


def masked_answer(message: Json, ids: dict[str, int]) -> Json:
    """The answer with the request's ids as placeholders and its own new ids as `<new:n>`."""
    new: dict[str, int] = {}

    def mask(match: re.Match[str]) -> str:
        if match.group(0) in ids:
            return f"<id:{ids[match.group(0)]}>"
        return f"<new:{new.setdefault(match.group(0), len(new))}>"

    masked: Json = json.loads(ID.sub(mask, json.dumps(message, ensure_ascii=False)))
    return masked


def unmasked_answer(masked: Json, ids: dict[str, int]) -> Json:
    """The recorded answer with this request's ids put back and fresh ids where it made some."""
    by_number = {number: value for value, number in ids.items()}
    fresh: dict[str, str] = {}

    def unmask(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return by_number.get(int(match.group(1)), match.group(0))
        return fresh.setdefault(match.group(2), f"call_r{uuid.uuid4().hex[:12]}_replayed")

    answer: Json = json.loads(PLACEHOLDER.sub(unmask, json.dumps(masked, ensure_ascii=False)))
    return answer


class Script:
    """Recorded answers by request digest, appended to (record) or read from (replay) a file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._answers: dict[str, Json] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    entry: dict[str, Any] = json.loads(line)
                    self._answers[entry["digest"]] = entry["message"]

    def __len__(self) -> int:
        return len(self._answers)

    def answer(self, body: Json) -> Json | None:
        """The recorded answer to this request, with its ids, or None when there is none."""
        digest, ids = request_digest(body)
        masked = self._answers.get(digest)
        return None if masked is None else unmasked_answer(masked, ids)

    def record(self, body: Json, message: Json) -> None:
        """Keep the answer to this request, in memory and at the end of the file."""
        digest, ids = request_digest(body)
        masked = masked_answer(message, ids)
        with self._lock:
            if digest in self._answers:
                return
            self._answers[digest] = masked
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"digest": digest, "message": masked}) + "\n")
