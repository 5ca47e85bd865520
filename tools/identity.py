"""Tools that find out who an anonymous visitor is: register them, or check a one-time code."""

from __future__ import annotations

from dataclasses import asdict

from langchain_core.tools import BaseTool

from domain.clients import verification
from tools.booking import structured
from tools.context import Runtime, ToolDeps, as_result, caller
from tools.schemas import IdentifyClientIn, VerifyCodeIn


def make_identity_tools(deps: ToolDeps) -> list[BaseTool]:
    """Build the identity tools over the given services."""

    def identify_client(
        runtime: Runtime,
        name: str | None = None,
        phone: str | None = None,
        email: str | None = None,
    ) -> str:
        who = caller(runtime.context, deps.uow)
        found = verification.identify_client(
            uow=deps.uow(), conversation_id=who.conversation_id, name=name, phone=phone, email=email
        )
        return as_result(asdict(found))

    def verify_code(code: str, runtime: Runtime) -> str:
        who = caller(runtime.context, deps.uow)
        linked = verification.verify_code(
            uow=deps.uow(), conversation_id=who.conversation_id, code=code
        )
        return as_result(asdict(linked))

    return [
        structured(
            "identify_client",
            "Identify the client by name and phone or email: a new one is registered, a known "
            "one gets a one-time code (status code_sent).",
            IdentifyClientIn,
            identify_client,
        ),
        structured(
            "verify_code",
            "Check the one-time code the client typed.",
            VerifyCodeIn,
            verify_code,
        ),
    ]
