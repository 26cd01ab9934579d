"""One line per story in the log, never the story itself (``LOG_FORMATTER`` in settings).

Scrapy's own formatter logs a dropped, failed or scraped item followed by the
whole item: every ``Dropped:`` line of a crawl carried the full article. Here a
drop says which story, why (the ``reason`` of the rejects file) and what matched;
the rejects file (``data/rejects/...``) keeps the full record. The levels are
Scrapy's: a drop logs at the ``log_level`` of its ``DropItem`` (``INFO`` for the
cleaning chain's rejections), else ``DEFAULT_DROPITEM_LOG_LEVEL``.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter, is_item
from scrapy.logformatter import LogFormatter

DETAIL_CHARS = 200  # what matched is a selector or a short quote; an odd long one is cut here


def story_label(item: Any) -> str:
    """The story's id, else its URL, else the item's type: what a log line names."""
    if is_item(item):
        adapter = ItemAdapter(item)
        for field in ("story_id", "url"):
            value = adapter.get(field)
            if value:
                return str(value)
    return type(item).__name__


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= DETAIL_CHARS else text[:DETAIL_CHARS - 3] + "..."


class NewscrawlLogFormatter(LogFormatter):
    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)  # Scrapy's level rules
        rejection = getattr(exception, "rejection", None)
        if rejection is not None:
            reason, detail = rejection.reason, rejection.detail or ""
            if rejection.duplicate_of:
                detail = f"{detail} (duplicate of {rejection.duplicate_of})".strip()
        else:
            reason, detail = "dropped", str(exception)
        entry["msg"] = "Dropped %(story)s: %(reason)s%(detail)s"
        entry["args"] = {"story": story_label(item), "reason": reason, "detail": f": {_short(detail)}" if detail else ""}
        return entry

    def item_error(self, item, exception, response, spider):
        entry = super().item_error(item, exception, response, spider)
        entry["msg"] = "Error processing %(story)s"  # the traceback follows, as in Scrapy
        entry["args"] = {"story": story_label(item)}
        return entry

    def scraped(self, item, response, spider):
        entry = super().scraped(item, response, spider)
        entry["msg"] = "Scraped %(story)s from %(src)s"
        entry["args"] = {"story": story_label(item), "src": entry["args"]["src"]}
        return entry
