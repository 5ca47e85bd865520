"""Server processes on free ports: a real `frontdesk serve --demo`, as `make run` starts it.

Tests that are about the command itself, and benchmarks that measure a server on its own (its
memory, its latency without the client in the same process), use these; every other test
serves the app from its own process (testkit.live), which is much cheaper to start.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from testkit.keys import TEST_DOCUMENT_KEY

ROOT = Path(__file__).resolve().parents[1]
# The demo world's own clock: no week shift, so the offered slots are the same every run.
DEMO_NOW = "2026-03-09T09:00:00+01:00"
DEMO_PASSWORD = "frontdesk-demo"
# A loaded machine (the suite on two cores beside other work) may take minutes to start one.
READY_SECONDS = 300


@dataclass(frozen=True)
class LiveServer:
    """A running Frontdesk: where to reach it, and the log it writes into its data dir."""

    base_url: str
    log_path: Path

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass(frozen=True)
class ServerProcess(LiveServer):
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_environment(
    data_dir: Path,
    *,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
    now: str | None = DEMO_NOW,
) -> dict[str, str]:
    """Our environment with the settings of a demo server in `data_dir`, under a frozen clock."""
    environment = {**os.environ, "FRONTDESK_DATA_DIR": str(data_dir)}
    # One key for every test server: a demo database built once is copied into each data dir.
    environment.setdefault("FRONTDESK_DOCUMENT_KEY", TEST_DOCUMENT_KEY)
    environment.pop("DATABASE_URL", None)
    environment.pop("FRONTDESK_NOW", None)
    if now:
        environment["FRONTDESK_NOW"] = now
    if database_url:
        environment["DATABASE_URL"] = database_url
    environment.update(env or {})
    return environment


@contextmanager
def serving(
    command: list[str],
    *,
    ready_url: str,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process; yield it once `ready_url` answers 200; stop it afterwards.

    Its output goes to `log`, or to ours when there is none.
    """
    with ExitStack() as stack:
        output = stack.enter_context(log.open("wb")) if log else None
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT if log else None
        )
        try:
            _wait_until_ready(process, ready_url, log)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def live_process(
    data_dir: Path,
    *,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
    now: str | None = DEMO_NOW,
) -> Iterator[ServerProcess]:
    """Run `frontdesk serve --demo` (under a frozen clock unless `now` is None)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = server_environment(data_dir, database_url=database_url, env=env, now=now)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = data_dir / "server.log"
    command = [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port)]
    with serving(command, ready_url=f"{base_url}/readyz", env=environment, log=log_path) as process:
        yield ServerProcess(base_url, log_path, process)


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path | None) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not become ready:\n{_tail(log)}")


def _tail(log: Path | None) -> str:
    return log.read_text(errors="replace")[-5000:] if log else ""
