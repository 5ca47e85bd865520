"""The offline model's steps for a visitor nobody knows yet: who are you, the code, go on."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage

from agent.offline.identity import read_code, read_contact
from agent.offline.steps import Steps

# Calls about what a client already has on file: after a code went out, they wait for it, as
# the visitor's new record has nothing on file yet. A new booking goes on without it.
_ON_FILE = frozenset(
    {"list_bookings", "get_notification_preferences", "set_notification_preferences"}
)


class IdentitySteps(Steps):
    def identity_step(self, text: str, *, contacts: bool = True) -> AIMessage | None:
        """Hear a code or (with `contacts`) contact details; None when the message is neither."""
        memory = self.memory
        code = read_code(text) if memory.awaiting_code else None
        if code is not None:
            return self.call("verify_code", {"code": code}, task=memory.task or None)
        contact = read_contact(text) if contacts else None
        if contact is None:
            return None
        args = {k: v for k, v in vars(contact).items() if v is not None}
        return self.call("identify_client", args, task=memory.task or None)

    def after_identify_client(self, found: dict[str, Any], _: dict[str, Any]) -> AIMessage:
        pending = self.memory.task.get("pending") or {}
        if found["status"] == "code_sent" or (
            found.get("sent_to") and pending.get("tool") in _ON_FILE
        ):
            return self.say("code_sent", sent_to=found["sent_to"], task=self.memory.task or None)
        return self.go_on(found)

    def after_verify_code(self, linked: dict[str, Any], _: dict[str, Any]) -> AIMessage:
        return self.go_on(linked)

    def go_on(self, client: dict[str, Any]) -> AIMessage:
        """Make the call that waited for the client's identity, or greet them by name."""
        task = dict(self.memory.task)
        pending = task.pop("pending", None)
        if pending:
            return self.call(pending["tool"], pending["args"], task=task)
        return self.say(
            "identified",
            name=client["name"],
            status=client["status"],
            sent_to=client.get("sent_to"),
            task=task,
        )
