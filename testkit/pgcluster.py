"""Start a throwaway PostgreSQL server from the system's binaries for tests and benchmarks."""

import atexit
import os
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from subprocess import PIPE, STDOUT
from typing import Self

import psycopg
from psycopg import sql

_SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
    "-c full_page_writes=off -c max_connections=300"
)


def find_pg_bindir() -> Path | None:
    """Return the directory holding initdb, pg_ctl and postgres, or None."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        bindir = Path(result.stdout.strip())
        if result.returncode == 0 and (bindir / "initdb").exists():
            return bindir
    versioned = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]
    if versioned:
        return max(
            versioned, key=lambda p: [int(n) for n in p.parent.name.split(".") if n.isdigit()]
        )
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class TemporaryPostgres:
    """A disposable PostgreSQL server listening on 127.0.0.1."""

    host = "127.0.0.1"
    user = "postgres"

    def __init__(self, bindir: Path | None = None, startup_timeout: float = 30.0) -> None:
        self.bindir = bindir or find_pg_bindir()
        self.startup_timeout = startup_timeout
        self.port = 0
        self._dir: Path | None = None
        self._as_postgres = os.geteuid() == 0

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Initialise a new cluster and start the server."""
        if self._dir is not None:
            return
        if self.bindir is None:
            raise RuntimeError("PostgreSQL binaries (initdb, pg_ctl, postgres) not found")
        self._dir = Path(tempfile.mkdtemp(prefix="frontdesk-pg-"))
        atexit.register(self.stop)
        try:
            if self._as_postgres:
                mode = self._dir.parent.stat().st_mode
                if not mode & stat.S_IXOTH:
                    self._dir.parent.chmod(mode | stat.S_IXOTH)
                shutil.chown(self._dir, user="postgres", group="postgres")
            self._initdb()
            self.port = _free_port()
            options = f"-p {self.port} -k {shlex.quote(str(self._dir))} {_SERVER_OPTIONS}"
            data, log = str(self._dir / "data"), str(self._dir / "log")
            result = self._run("pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "start")
            if result.returncode != 0:
                raise RuntimeError(f"pg_ctl start failed:\n{result.stdout}\n{self._log_tail()}")
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server and delete its files; safe to call more than once."""
        if self._dir is None:
            return
        directory, self._dir = self._dir, None
        atexit.unregister(self.stop)
        if (directory / "data" / "postmaster.pid").exists():
            self._run(
                "pg_ctl", "-D", str(directory / "data"), "-m", "immediate", "stop", cwd=directory
            )
        shutil.rmtree(directory, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        """Return a SQLAlchemy URL for the given database."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str, template: str | None = None) -> None:
        """Create a database, optionally copied from a template database."""
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(template))
        with self._connect() as conn:
            conn.execute(query)

    def drop_database(self, name: str) -> None:
        """Drop a database if it exists, terminating its connections."""
        query = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        with self._connect() as conn:
            conn.execute(query)

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        )

    def _initdb(self) -> None:
        assert self._dir is not None
        data = str(self._dir / "data")
        base = ["initdb", "-D", data, "-U", self.user, "--auth=trust", "-E", "UTF8"]
        result = self._run(*base, "--locale=C.UTF-8")
        if result.returncode != 0:
            shutil.rmtree(self._dir / "data", ignore_errors=True)
            result = self._run(*base, "--no-locale")
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}")

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                with self._connect():
                    return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"server not accepting connections: {exc}\n{self._log_tail()}"
                    ) from exc
                time.sleep(0.1)

    def _run(
        self, program: str, *args: str, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        assert self.bindir is not None
        cmd = [str(self.bindir / program), *args]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, cwd=cwd or self._dir, stdout=PIPE, stderr=STDOUT, text=True)

    def _log_tail(self, lines: int = 30) -> str:
        log = self._dir / "log" if self._dir else None
        if log is None or not log.exists():
            return "(no server log)"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
