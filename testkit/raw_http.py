"""A raw HTTP/1.1 client for what ordinary clients will not send: bodies streamed without end.

httpx reads a body whole or streams it without looking back; here a body goes out in chunks
(chunked transfer encoding, or under a declared Content-Length) and the socket is watched for
the server's answer between chunks, so a test can tell whether the server answered before the
body was all sent — that is, whether it refused the body without reading it.
"""

from __future__ import annotations

import select
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CHUNK = 64 * 1024
READ_TIMEOUT = 60.0


@dataclass
class Streamed:
    """What happened to one streamed request."""

    status: int
    headers: dict[str, str]
    body: bytes
    sent_bytes: int  # of the body, before the server answered or the body ended
    finished_sending: bool  # the whole body went out before the answer came
    midway_done: bool = field(default=False)  # `midway` had returned while sending


def stream_body(
    base_url: str,
    path: str,
    *,
    total_bytes: int,
    headers: dict[str, str] | None = None,
    declared_length: int | None = None,
    chunk: bytes = b"x" * CHUNK,
    first: bytes = b"",
    midway: Callable[[], None] | None = None,
    midway_after: int = 4 * CHUNK,
) -> Streamed:
    """POST `first` then `chunk` repeated up to `total_bytes`; chunked unless a length is declared.

    `midway` is called once `midway_after` bytes are out, while the body is still unfinished:
    what it does (another request, say) happens during the upload.
    """
    address = urlsplit(base_url)
    lines = [f"POST {path} HTTP/1.1", f"Host: {address.netloc}"]
    given = {"Content-Type": "application/octet-stream", **(headers or {})}
    if declared_length is None:
        given["Transfer-Encoding"] = "chunked"
    else:
        given["Content-Length"] = str(declared_length)
    lines += [f"{name}: {value}" for name, value in given.items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode()
    chunked = declared_length is None
    with socket.create_connection((address.hostname, address.port), timeout=READ_TIMEOUT) as sock:
        sock.sendall(head)
        sent, answered, midway_done = 0, False, False
        pieces = _Repeat(first, chunk, total_bytes)
        for piece in pieces:
            if _readable(sock):
                answered = True
                break
            try:
                sock.sendall(_framed(piece) if chunked else piece)
            except (BrokenPipeError, ConnectionResetError):
                answered = True
                break
            sent += len(piece)
            if midway is not None and not midway_done and sent >= midway_after:
                midway()
                midway_done = True
        finished = not answered
        if finished and chunked:
            sock.sendall(b"0\r\n\r\n")
        status, answer_headers, body = _read_response(sock)
    return Streamed(status, answer_headers, body, sent, finished, midway_done)


def send_head_only(base_url: str, path: str, *, headers: dict[str, str]) -> Streamed:
    """Send a request's head and none of the body it announces; return the server's answer."""
    address = urlsplit(base_url)
    lines = [f"POST {path} HTTP/1.1", f"Host: {address.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection((address.hostname, address.port), timeout=READ_TIMEOUT) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status, answer_headers, body = _read_response(sock)
    return Streamed(status, answer_headers, body, 0, False)


class _Repeat:
    """`first`, then `chunk` over and over, cut to `total` bytes, without holding it all."""

    def __init__(self, first: bytes, chunk: bytes, total: int) -> None:
        self.first, self.chunk, self.total = first, chunk, total

    def __iter__(self) -> _Repeat:
        self.left = self.total
        self.started = False
        return self

    def __next__(self) -> bytes:
        if self.left <= 0:
            raise StopIteration
        piece = self.chunk if self.started or not self.first else self.first
        self.started = True
        piece = piece[: self.left]
        self.left -= len(piece)
        return piece


def _framed(piece: bytes) -> bytes:
    return f"{len(piece):x}\r\n".encode() + piece + b"\r\n"


def _readable(sock: socket.socket) -> bool:
    ready, _, _ = select.select([sock], [], [], 0)
    return bool(ready)


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    received = b""
    while b"\r\n\r\n" not in received:
        more = sock.recv(65536)
        if not more:
            raise ConnectionError(f"closed without an answer: {received!r}")
        received += more
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        more = sock.recv(65536)
        if not more:
            break
        body += more
    return int(status_line.split()[1]), headers, body[:length]
