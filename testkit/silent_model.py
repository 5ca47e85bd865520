"""A model server that takes requests and never answers: a turn is under way for as long as
a test likes (to kill its process mid-turn)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class SilentModel:
    base_url: str
    asked: threading.Event = field(default_factory=threading.Event)


@contextmanager
def silent_model_server() -> Iterator[SilentModel]:
    """Yield an OpenAI-style base URL whose requests are read and left waiting."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    model = SilentModel(f"http://127.0.0.1:{port}/v1")
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # closed
            held.append(connection)
            connection.settimeout(5)
            try:
                if connection.recv(65536):
                    model.asked.set()
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield model
    finally:
        listener.close()
        for connection in held:
            connection.close()
