"""Calendar servers for tests and benchmarks: a real Radicale (CalDAV) on a free port with its
own storage folder and password file, and a plain HTTP server publishing an ICS feed."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import caldav

from testkit.processes import free_port, serving

RADICALE_USER = "dr-weber"
RADICALE_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Radicale:
    """A running Radicale: its address, one account, and a CalDAV client signed in to it."""

    base_url: str
    username: str = RADICALE_USER
    password: str = RADICALE_PASSWORD

    def calendar_url(self, name: str) -> str:
        return f"{self.base_url}/{self.username}/{name}/"

    def client(self) -> Any:
        return caldav.DAVClient(url=self.base_url, username=self.username, password=self.password)

    def make_calendar(self, name: str) -> Any:
        """Create a calendar collection in the account; return it (a caldav Calendar)."""
        return self.client().principal().make_calendar(name=name, cal_id=name)


@contextmanager
def running_radicale(folder: Path) -> Iterator[Radicale]:
    """Run Radicale with storage in `folder` and one account (htpasswd, plain)."""
    folder.mkdir(parents=True, exist_ok=True)
    users = folder / "users"
    users.write_text(f"{RADICALE_USER}:{RADICALE_PASSWORD}\n")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "radicale",
        f"--server-hosts=127.0.0.1:{port}",
        f"--storage-filesystem-folder={folder / 'storage'}",
        "--auth-type=htpasswd",
        f"--auth-htpasswd-filename={users}",
        "--auth-htpasswd-encryption=plain",
        "--rights-type=owner_only",
        "--logging-level=warning",
    ]
    base_url = f"http://127.0.0.1:{port}"
    with serving(command, ready_url=f"{base_url}/.web/", log=folder / "radicale.log"):
        yield Radicale(base_url)


@dataclass
class IcsFeed:
    """An ICS feed served over HTTP: change `body` and the next request gets it."""

    url: str
    body: str = ""
    requests: int = 0
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@contextmanager
def serving_ics_feed(path: str = "/private/feed-token-123/basic.ics") -> Iterator[IcsFeed]:
    """Serve an ICS feed at `path` on a free port (404 elsewhere)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    feed = IcsFeed(url=f"http://127.0.0.1:{server.server_address[1]}{path}")
    server.feed = feed  # type: ignore[attr-defined]
    server.feed_path = path  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield feed
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _FeedHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        feed: IcsFeed = self.server.feed  # type: ignore[attr-defined]
        if self.path != self.server.feed_path:  # type: ignore[attr-defined]
            self.send_error(404)
            return
        feed.requests += 1
        body = feed.body.encode()
        self.send_response(feed.status)
        self.send_header("Content-Type", "text/calendar; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return
