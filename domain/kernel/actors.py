"""Who is acting, and through which channel: every service call names its actor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ActorKind = Literal["client", "staff", "system"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str | None = None
    channel: str = "api"

    @property
    def is_client(self) -> bool:
        return self.kind == "client"


SYSTEM = Actor(kind="system", id=None, channel="system")


def client_actor(client_id: str, channel: str) -> Actor:
    return Actor(kind="client", id=client_id, channel=channel)


def acts_for(actor: Actor, client_id: str) -> bool:
    """Tell whether the actor may act on this client's data: staff and system always may."""
    return not actor.is_client or actor.id == client_id
