"""Server memory per idle open websocket: the process's RSS with and without them.

RSS only sees pages newly touched, so in a large, warmed process the difference is a lower
bound of what each connection costs.
"""

from __future__ import annotations

import asyncio
import gc

import psutil
from websockets.asyncio.client import ClientConnection, connect

from bench.ws_client import TURN_TIMEOUT, Failed, receive

IDLE_CONNECTIONS = 500


async def _idle_rss(url: str, pid: int, count: int) -> tuple[int, int]:
    process = psutil.Process(pid)
    gate = asyncio.Semaphore(20)
    sockets: list[ClientConnection] = []

    async def open_one() -> None:
        async with gate:
            ws = await connect(url, open_timeout=TURN_TIMEOUT)
            sockets.append(ws)
            frame, _ = await receive(ws, TURN_TIMEOUT)
            if frame.get("type") != "hello":
                raise Failed(f"first frame was {frame!r:.200}")

    await asyncio.sleep(1.0)
    before = process.memory_info().rss
    try:
        await asyncio.gather(*(open_one() for _ in range(count)))
        await asyncio.sleep(1.0)
        after = process.memory_info().rss
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return before, after


def idle_rss(url: str, pid: int, count: int = IDLE_CONNECTIONS) -> tuple[int, int]:
    """Return the server's RSS before and with `count` idle connections open (after hello)."""
    gc.collect()
    return asyncio.run(_idle_rss(url, pid, count))


def kib_per_connection(rss: tuple[int, int]) -> float:
    return (rss[1] - rss[0]) / IDLE_CONNECTIONS / 1024
