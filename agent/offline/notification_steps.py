"""The offline model's steps on notifications: tell a client how we reach them, or change it."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage

from agent.offline.notifying import NotificationWish
from agent.offline.steps import Steps


class NotificationSteps(Steps):
    def notification_step(
        self, wish: NotificationWish, resume: dict[str, Any] | None = None
    ) -> AIMessage:
        """Read or change the client's notifications; a visitor says who they are first.

        `resume` is a confirmation question the wish came instead of an answer to: it is asked
        again afterwards, so the booking on the table is neither lost nor taken as a no.
        """
        if wish.reads:
            tool, args = "get_notification_preferences", {}
        else:
            tool, args = "set_notification_preferences", {"changes": list(wish.changes)}
        task = self.memory.task
        if self.memory.anonymous:
            pending = {"tool": tool, "args": args}
            return self.say("who_are_you_notifications", task={**task, "pending": pending})
        if resume is not None or task.get("resume"):
            task = {**task, "resume": resume}  # never an earlier question's
        return self.call(tool, args, task=task or None)

    def after_get_notification_preferences(
        self, found: dict[str, Any], _: dict[str, Any]
    ) -> AIMessage:
        return self._say_then_resume("notifications", summary=found["summary"])

    def after_set_notification_preferences(
        self, changed: dict[str, Any], _: dict[str, Any]
    ) -> AIMessage:
        return self._say_then_resume(
            "notifications_changed", done=changed["done"], summary=changed["summary"]
        )

    def _say_then_resume(self, template: str, **context: Any) -> AIMessage:
        resume = self.memory.task.get("resume")
        if resume:
            return self.say_and_call(template, resume["tool"], resume["args"], **context)
        return self.say(template, **context)
