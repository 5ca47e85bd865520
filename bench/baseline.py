"""The floor to compare with: one bare single-row INSERT per transaction, from many threads."""

from __future__ import annotations

import sqlite3
import threading

import psycopg

from bench.common import PostgresDatabases, run_threads

SQLITE_TABLE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT NOT NULL)"
PG_TABLE = "CREATE TABLE t (id bigserial PRIMARY KEY, a integer NOT NULL, b text NOT NULL)"


def pg_baseline(pg: PostgresDatabases, name: str, threads: int, each: int) -> float:
    conninfo = pg.conninfo(name)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(PG_TABLE)

    def insert_loop(index: int, barrier: threading.Barrier) -> None:
        with psycopg.connect(conninfo) as conn:
            barrier.wait()
            for i in range(each):
                conn.execute("INSERT INTO t (a, b) VALUES (%s, %s)", (index, f"row {i}"))
                conn.commit()

    elapsed, _ = run_threads(threads, insert_loop)
    return threads * each / elapsed


def sqlite_baseline(path: str, threads: int, each: int) -> float:
    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    setup = connect()
    setup.execute(SQLITE_TABLE)
    setup.close()

    def insert_loop(index: int, barrier: threading.Barrier) -> None:
        conn = connect()
        barrier.wait()
        for i in range(each):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (a, b) VALUES (?, ?)", (index, f"row {i}"))
            conn.execute("COMMIT")
        conn.close()

    elapsed, _ = run_threads(threads, insert_loop)
    return threads * each / elapsed
