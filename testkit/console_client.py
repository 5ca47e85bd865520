"""A provider's console over a real websocket, signed in through the token endpoint."""

from __future__ import annotations

import json
import uuid
from contextlib import ExitStack
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from testkit.processes import DEMO_PASSWORD, LiveServer

Frame = dict[str, Any]


def sign_in(server: LiveServer, username: str, password: str = DEMO_PASSWORD) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/v1/auth/token",
        data={"username": username, "password": password},
    )


class ConsoleClient:
    def __init__(self, server: LiveServer, username: str) -> None:
        signed_in = sign_in(server, username)
        assert signed_in.status_code == 200, signed_in.text
        self.token: str = signed_in.json()["access_token"]
        self._opened = ExitStack()
        self.socket: ClientConnection = self._opened.enter_context(
            connect(f"{server.ws_url}/ws/console?token={self.token}")
        )
        self.hello: Frame = self.receive()
        # Live updates that arrived while waiting for an action's answer.
        self.backlog: list[Frame] = []
        assert self.hello["type"] == "hello", self.hello

    def __enter__(self) -> ConsoleClient:
        return self

    def __exit__(self, *_: object) -> None:
        self._opened.close()

    def receive(self, timeout: float = 60) -> Frame:
        frame: Frame = json.loads(self.socket.recv(timeout=timeout))
        return frame

    def act(self, kind: str, **fields: str) -> Frame:
        """Send an action; return its `done`, `transcript` or `error` answer."""
        frame_id = uuid.uuid4().hex
        self.socket.send(json.dumps({"type": kind, "id": frame_id, **fields}))
        while True:
            frame = self.receive()
            if frame["type"] in ("done", "transcript", "error", "pong"):
                return frame
            self.backlog.append(frame)

    def until(self, predicate: Any, timeout: float = 60) -> Frame:
        """Return the first frame the predicate accepts, looking first at those passed over."""
        for frame in self.backlog:
            if predicate(frame):
                self.backlog.remove(frame)
                return frame
        while True:
            frame = self.receive(timeout)
            if predicate(frame):
                return frame

    def colleague(self, name: str) -> str:
        return str(next(c["id"] for c in self.hello["colleagues"] if c["name"] == name))
