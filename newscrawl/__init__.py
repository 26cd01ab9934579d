"""newscrawl: crawl wire-service news sites into clean, de-duplicated JSONL feeds.

From Python (``newscrawl.api``): ``extract(html, url=None)``, ``clean(records, state=None)``,
``project_settings(**overrides)``. They load on first use, so ``import newscrawl`` (which every
``scrapy`` command does, through the settings module) stays cheap.
"""

__version__ = "0.1.0"
__all__ = ["extract", "clean", "project_settings"]


def __getattr__(name: str):
    if name in __all__:
        from newscrawl import api

        return getattr(api, name)
    raise AttributeError(f"module 'newscrawl' has no attribute {name!r}")
