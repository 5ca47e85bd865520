"""settle_heap: what a server holds from start-up is frozen; what it makes later is still freed."""

import gc
import weakref

from api.heap import settle_heap


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_objects_alive_at_start_up_leave_the_collectors_scans_and_later_cycles_are_freed() -> None:
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
        frozen = gc.get_freeze_count()
        later = Node()
        later.other = Node()
        later.other.other = later  # a cycle only the collector can free
        gone = weakref.ref(later)
        del later
        gc.collect()
        assert gone() is None
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
