"""Model choice: an OpenAI-compatible server when configured, otherwise the offline model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from agent.offline.model import OfflineChatModel

ModelKind = Literal["offline", "openai"]


@dataclass(frozen=True)
class ModelSettings:
    kind: ModelKind
    openai_api_key: str | None = None
    openai_base_url: str | None = None  # vLLM, Ollama, llama.cpp … speak the same API
    openai_model: str = "gpt-4o-mini"
    timeout_seconds: float = 30.0
    max_retries: int = 2  # on timeouts, 429 and 5xx, with the client's backoff


def chat_model(
    settings: ModelSettings, *, http_client: httpx.Client | None = None
) -> BaseChatModel:
    """Build the configured chat model; `http_client` replaces the SDK's own (tests, proxies)."""
    if settings.kind == "offline":
        return OfflineChatModel()
    return ChatOpenAI(
        model=settings.openai_model,
        api_key=SecretStr(settings.openai_api_key or "not-needed-by-local-servers"),
        base_url=settings.openai_base_url,
        timeout=settings.timeout_seconds,
        max_retries=settings.max_retries,
        temperature=0,
        stream_usage=True,
        http_client=http_client,
    )


def reads_whole_transcript(model: BaseChatModel) -> bool:
    """Tell whether the model needs every message: the offline model rereads the transcript.

    A model that bills by the token is sent a compact prompt instead (agent.context).
    """
    return isinstance(model, OfflineChatModel)


def model_settings(env: Mapping[str, str]) -> ModelSettings:
    """FRONTDESK_MODEL picks offline or openai; without it, a key or base URL means openai."""
    key, base_url = env.get("OPENAI_API_KEY") or None, env.get("OPENAI_BASE_URL") or None
    chosen = env.get("FRONTDESK_MODEL") or ("openai" if key or base_url else "offline")
    if chosen not in ("offline", "openai"):
        raise ValueError(f"FRONTDESK_MODEL must be offline or openai, not {chosen!r}")
    kind: ModelKind = "openai" if chosen == "openai" else "offline"
    return ModelSettings(
        kind=kind,
        openai_api_key=key,
        openai_base_url=base_url,
        openai_model=env.get("OPENAI_MODEL") or "gpt-4o-mini",
    )
