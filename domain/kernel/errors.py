"""Typed domain errors whose messages can be shown to a client as they are."""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """A refusal the caller can show to a person unchanged."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    """Input that breaks a rule; names the field at fault when there is one."""

    code = "invalid_input"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SlotUnavailable(DomainError):
    """The requested start cannot be booked (taken, closed, too soon, too far)."""

    code = "slot_unavailable"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class PolicyViolation(DomainError):
    """A change refused by the practice's notice policy; says until when it was allowed."""

    code = "policy_violation"

    def __init__(self, message: str, *, allowed_until: datetime | None = None) -> None:
        super().__init__(message)
        self.allowed_until = allowed_until


class InvalidTransition(DomainError):
    code = "invalid_transition"


class IdempotencyConflict(DomainError):
    """An idempotency key was reused for a different request."""

    code = "idempotency_conflict"


class Forbidden(DomainError):
    code = "forbidden"


class WorldError(InvalidInput):
    """A world file that cannot be loaded; lists every problem with its file and key."""

    code = "invalid_world"

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}: {key}: {problem}" for key, problem in problems]
        super().__init__("\n".join(lines))


class Conflict(DomainError):
    """Someone else got there first (a conversation another person holds, a newer version)."""

    code = "conflict"
