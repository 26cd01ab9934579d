"""newscrawl: crawl wire-service news sites into clean, de-duplicated JSONL feeds."""

__version__ = "0.1.0"
