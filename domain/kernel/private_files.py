"""Files and directories only the service's own user can open: it keeps health data in them.

Made so from the start rather than left to the umask (usually 022: readable by every user of
the machine). Only what is created here is changed; an existing directory or file keeps the
mode its owner gave it.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """Make the directory `path` (mode 0700) and any missing parents, unless it exists."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        os.chmod(path, PRIVATE_DIR)  # mkdir's own mode is cut by the umask
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty with mode 0600 unless it exists (SQLite then fills an empty file)."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    return path
