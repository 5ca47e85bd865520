"""The demo practice served from this process: what `frontdesk serve --demo` runs, in a thread.

A `frontdesk serve` process pays, at every start, for its imports (torch, chromadb, langgraph:
half a minute on a busy machine), for the embedding model and for hashing the demo staff's
passwords. Here the modules are imported once, one embedding model serves every server, and
the demo database is built once per clock and copied (SQLite's backup API) into each server's
data dir; uvicorn then serves the very app
`frontdesk serve` builds, on a socket of its own, writing its log into the data dir as the
command would. testkit.processes starts the real command where the command is what is tested.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import socket
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from functools import cache
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.body_limits import WEBSOCKET_MAX_BYTES
from api.bootstrap import Frontdesk, bootstrap
from api.demo import create_demo_staff
from api.settings import Settings
from domain.world.files import DEMO_WORLD, load_world_file
from knowledge.embeddings import MiniLMEmbedder
from testkit.processes import (
    DEMO_NOW,
    DEMO_PASSWORD,
    ROOT,
    LiveServer,
    free_port,
    server_environment,
    serving,
)

__all__ = ["DEMO_NOW", "DEMO_PASSWORD", "ROOT", "LiveServer", "free_port", "live_server", "serving"]

# What `frontdesk serve` writes, as its logging.basicConfig sets it up.
LOG_FORMAT = "%(levelname)s:     %(name)s: %(message)s"
STARTUP_SECONDS = 120
# Demo databases already built, by the clock they were built under (None: the real one).
_demo_databases: dict[str | None, Path] = {}
_demo_lock = threading.Lock()


@contextmanager
def live_server(
    data_dir: Path,
    *,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
    now: str | None = DEMO_NOW,
) -> Iterator[LiveServer]:
    """Serve the demo practice (under a frozen clock unless `now` is None) until the block ends.

    Without `database_url` the server keeps a SQLite file in `data_dir`, as the command does;
    a database given is filled with the demo world unless it has one already.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = server_environment(data_dir, database_url=database_url, env=env, now=now)
    if database_url is None and not (data_dir / "frontdesk.db").exists():
        copy_sqlite(demo_database(now), data_dir / "frontdesk.db")
    frontdesk = bootstrap(Settings.from_env(environment))
    # Given before anything asks for it, so the Frontdesk never loads a model of its own.
    frontdesk.embedder = shared_embedder()
    add_demo_practice(frontdesk)
    log_path = data_dir / "server.log"
    with (
        process_environment(env or {}),
        logging_to(log_path),
        serving_in_thread(create_app(frontdesk), log_path) as base_url,
    ):
        yield LiveServer(base_url, log_path)


@cache
def shared_embedder() -> MiniLMEmbedder:
    """The embedding model, loaded once for this process: every server and test shares it."""
    embedder = MiniLMEmbedder()
    embedder.load()
    return embedder


def add_demo_practice(frontdesk: Frontdesk) -> None:
    """What `serve --demo` adds to an empty database: the demo world and its staff accounts."""
    load_world_file(uow=frontdesk.uow(), path=DEMO_WORLD, shift_to_today=True, if_empty=True)
    create_demo_staff(frontdesk)


def demo_database(now: str | None) -> Path:
    """A SQLite file holding the demo practice as `serve --demo` makes it under this clock."""
    with _demo_lock:
        if now not in _demo_databases:
            directory = Path(tempfile.mkdtemp(prefix="frontdesk-demo-"))
            atexit.register(shutil.rmtree, directory, True)
            frontdesk = bootstrap(Settings.from_env(server_environment(directory, now=now)))
            try:
                add_demo_practice(frontdesk)
            finally:
                frontdesk.close()
            _demo_databases[now] = directory / "frontdesk.db"
        return _demo_databases[now]


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database whole, through SQLite itself (its journal included)."""
    with closing(sqlite3.connect(source)) as read, closing(sqlite3.connect(target)) as written:
        read.backup(written)


@contextmanager
def process_environment(env: dict[str, str]) -> Iterator[None]:
    """Set what the libraries, not the settings, read from the environment while serving.

    The settings come from `env` itself; but requests and urllib find their trusted
    certificates (REQUESTS_CA_BUNDLE, SSL_CERT_FILE) in the process's environment, as a
    client library may its key, so those are set here as a server process would have them.
    """
    wide = {name: value for name, value in env.items() if not _is_setting(name)}
    before = {name: os.environ.get(name) for name in wide}
    os.environ.update(wide)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _is_setting(name: str) -> bool:
    return name.startswith("FRONTDESK_") or name == "DATABASE_URL"


@contextmanager
def logging_to(path: Path) -> Iterator[None]:
    """Write what is logged at INFO and above to `path`, as the command's basicConfig does."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    if level == logging.NOTSET or level > logging.INFO:
        root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


@contextmanager
def serving_in_thread(app: FastAPI, log_path: Path) -> Iterator[str]:
    """Run uvicorn over `app` in a thread of this process; yield its base URL once started."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        # log_config None: uvicorn's loggers pass their records up to ours, not to stderr.
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level="info",
            timeout_graceful_shutdown=5,
            ws_max_size=WEBSOCKET_MAX_BYTES,  # as `frontdesk serve` runs it
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"frontdesk:{port}", daemon=True
        )
        thread.start()
        try:
            _wait_until_started(server, thread, log_path)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(60)


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"server stopped:\n{log.read_text(errors='replace')[-5000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not start:\n{log.read_text(errors='replace')[-5000:]}")
        time.sleep(0.05)
