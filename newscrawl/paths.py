"""Where newscrawl writes: one data directory for feeds, rejects, state and runs.

``data/`` in the current working directory, or ``$NEWSCRAWL_DATA_DIR``. Nothing
is ever written next to the installed package.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "NEWSCRAWL_DATA_DIR"


def data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or "data")


def safe_join(base: Path, *parts: str) -> Path:
    """Join ``parts`` under ``base``, refusing any result outside it.

    Used wherever a path is built from spider names or page data.
    """
    base_resolved = base.resolve()
    target = base_resolved.joinpath(*parts).resolve()
    if target != base_resolved and base_resolved not in target.parents:
        raise ValueError(f"path {target} escapes {base_resolved}")
    return target
