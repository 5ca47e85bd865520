"""World files as the command line loads them, and the demo world shipped beside the loader.

The demo world is the one `frontdesk serve --demo` starts with; the demo eval suite plays its
scenarios against the same file (evals/suites/demo/world.yaml links here).
"""

from __future__ import annotations

from pathlib import Path

from domain.catalog.reading import has_providers
from domain.kernel.uow import UnitOfWork
from domain.world.loader import LoadedWorld, load_world, read_world, weeks_until

DEMO_WORLD = Path(__file__).with_name("demo.yaml")


def load_world_file(
    *, uow: UnitOfWork, path: Path, shift_to_today: bool, if_empty: bool
) -> LoadedWorld | None:
    """Load a world file, its week moved to this one if asked; None when `if_empty` found one.

    A database is empty for this purpose when it has no providers: a practice without them
    has nothing to book, and loading a world on top of one would clash with its ids.
    """
    if if_empty and has_providers(uow=uow):
        return None
    world = read_world(path)
    shift = weeks_until(world.now, uow.now().date()) if shift_to_today else 0
    return load_world(
        uow=uow, world=world, base_dir=path.parent, source=str(path), shift_days=shift
    )
