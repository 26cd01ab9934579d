"""Where newscrawl writes: one data directory for feeds, rejects, state and runs.

``$NEWSCRAWL_DATA_DIR`` when set; otherwise ``data/`` beside the project's
``scrapy.cfg``, found the way Scrapy finds it (upwards from the current
directory), else beside the checkout this package was loaded from, so a
command run from ``tests/`` or any subdirectory uses the same state and never
starts a fresh ``data/`` (which would export every story again). Only
without any project (an installed package run from elsewhere) is it
``./data``. Nothing is ever written next to an installed package.

Paths are paths: nothing here reads them as glob patterns or format strings,
so ``%``, ``[``, spaces and non-ASCII characters are all fine.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "NEWSCRAWL_DATA_DIR"
_CHECKOUT = Path(__file__).resolve().parents[1]  # the source tree of an editable install


def project_root() -> Path | None:
    """The directory of the project's ``scrapy.cfg``: the nearest one upwards from the current
    directory (as ``scrapy.utils.conf.closest_scrapy_cfg`` looks, without importing Scrapy),
    else the checkout this package comes from; None outside any project."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "scrapy.cfg").is_file():
            return folder
    if (_CHECKOUT / "scrapy.cfg").is_file() and (_CHECKOUT / "newscrawl").is_dir():
        return _CHECKOUT
    return None


def data_dir() -> Path:
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured)
    root = project_root()
    return root / "data" if root is not None else Path("data")


def safe_join(base: Path, *parts: str) -> Path:
    """Join ``parts`` under ``base``, refusing any result outside it.

    Used wherever a path is built from spider names or page data.
    """
    base_resolved = base.resolve()
    target = base_resolved.joinpath(*parts).resolve()
    if target != base_resolved and base_resolved not in target.parents:
        raise ValueError(f"path {target} escapes {base_resolved}")
    return target
