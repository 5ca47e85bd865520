"""Long-lived objects kept out of the garbage collector's way in a server process."""

from __future__ import annotations

import gc


def settle_heap() -> None:
    """Move every object alive now into the collector's permanent generation.

    A server imports its whole stack once (sqlalchemy, langgraph, langchain, chromadb, torch:
    about 730,000 objects) and keeps it for its life. Each full collection walks all of them
    again, a pause of a second or more on the event loop on this project's 2-core machine;
    frozen after start-up they are no longer scanned (`gc.freeze`, as the Python documentation
    advises for long-running servers). Objects made later are collected as before.
    """
    gc.collect()
    gc.freeze()
