"""Settings for running many conversations at once, in one process or several."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# A turn mostly waits on the model (seconds with a real one): many can be under way at once.
MAX_TURNS = 200
LEASE_SECONDS = 15.0


@dataclass(frozen=True)
class ScaleSettings:
    # The agent's turns under way at once in one process (FRONTDESK_MAX_TURNS); more wait.
    max_turns: int = MAX_TURNS
    # How long a process may stay silent before another one runs the turns it had taken
    # (FRONTDESK_TURN_LEASE_SECONDS); it renews its leases three times in that span.
    turn_lease_seconds: float = LEASE_SECONDS
    # A chroma server all processes share for the knowledge index (FRONTDESK_CHROMA_URL,
    # e.g. http://chroma:8000); unset: an index of each process's own in its data dir.
    chroma_url: str | None = None


def scale_settings(env: Mapping[str, str]) -> ScaleSettings:
    chroma_url = (env.get("FRONTDESK_CHROMA_URL") or "").strip().rstrip("/") or None
    if chroma_url is not None and not chroma_url.startswith(("http://", "https://")):
        raise ValueError(f"FRONTDESK_CHROMA_URL must start with http(s)://, not {chroma_url!r}")
    return ScaleSettings(
        max_turns=_whole(env, "FRONTDESK_MAX_TURNS", MAX_TURNS, low=1, high=10_000),
        turn_lease_seconds=_whole(env, "FRONTDESK_TURN_LEASE_SECONDS", int(LEASE_SECONDS), 2, 600),
        chroma_url=chroma_url,
    )


def _whole(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {text!r}")
    return int(text)
