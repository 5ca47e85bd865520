"""The knowledge index embeds and searches without touching the network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Records every attempt to reach another host before anything is imported, then embeds,
# indexes and searches.
SCRIPT = """
import json, sys
from pathlib import Path

attempts = []
NETWORK_EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto"}
sys.addaudithook(lambda event, args: attempts.append(event) if event in NETWORK_EVENTS else None)

from knowledge.embeddings import MiniLMEmbedder
from knowledge.entries import Entry
from knowledge.index import KnowledgeIndex

embedder = MiniLMEmbedder()
vectors = embedder.embed(["where is the law office"])
with KnowledgeIndex.open(Path(sys.argv[1]), embedder) as index:
    index.upsert(Entry(kind="knowledge", id="location", title="How to find us",
                       text="The law office is at Kantstrasse 40, Berlin Charlottenburg."))
    hits = index.search("where is the law office")
print(json.dumps({"dimension": len(vectors[0]), "top": hits[0].id, "attempts": attempts}))
"""

UNROUTABLE = "http://127.0.0.1:9"


def offline_env(tmp_path: Path, *, hub_offline: bool) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name.upper() not in {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "NO_PROXY"}
    }
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        env[name] = env[name.lower()] = UNROUTABLE
    # An empty cache, so nothing downloaded earlier can stand in for the packaged model.
    env["HF_HOME"] = str(tmp_path / "hf-home")
    if hub_offline:
        env["HF_HUB_OFFLINE"] = "1"
        env["TRANSFORMERS_OFFLINE"] = "1"
    return env


@pytest.mark.parametrize("hub_offline", [True, False], ids=["hub-offline", "code-alone"])
def test_embeds_and_searches_with_no_network(tmp_path: Path, hub_offline: bool) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "chroma")],
        env=offline_env(tmp_path, hub_offline=hub_offline),
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"dimension": 384, "top": "location", "attempts": []}
