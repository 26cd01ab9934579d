"""Item pipelines: thin adapters from Scrapy items to the cleaning steps.

Each pipeline runs one step of ``newscrawl.cleaning`` on the item's text, counts
what the step removed in ``crawler.stats`` and raises ``Rejected`` (a
``DropItem``) with the step's reason. The same steps run in ``newscrawl clean``.
Order (settings.ITEM_PIPELINES): shells, boilerplate, repeated passages, empty
bodies, near-duplicates.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from newscrawl.cleaning.boilerplate import BoilerplateStripper
from newscrawl.cleaning.document import Document, Rejection, Step, split_paragraphs
from newscrawl.cleaning.neardup import NearDuplicateFilter
from newscrawl.cleaning.passages import RepeatedPassageFilter
from newscrawl.cleaning.rules import rules_from_settings
from newscrawl.cleaning.shells import EmptyBodyFilter, ShellFilter
from newscrawl.state import stores_for


class Rejected(DropItem):
    """A drop with a machine-readable reason, written to the rejects file."""

    def __init__(self, rejection: Rejection, step: str):
        message = f"{rejection.reason}: {rejection.detail}" if rejection.detail else rejection.reason
        if rejection.duplicate_of:
            message += f" (duplicate_of {rejection.duplicate_of})"
        super().__init__(message, log_level="INFO")
        self.rejection = rejection
        self.step = step


def document_from_item(adapter: ItemAdapter) -> Document:
    """The item's Document: the one the previous step left, else built from its fields."""
    doc = adapter.get("cleaning") if "cleaning" in adapter.field_names() else None
    if isinstance(doc, Document):
        return doc
    return Document(
        paragraphs=split_paragraphs(adapter.get("body") or ""),
        id=adapter.get("story_id"),
        url=adapter.get("url"),
        title=adapter.get("title"),
        provider=adapter.get("provider"),
        published=adapter.get("published"),
        html=adapter.get("html"),
        http_status=adapter.get("http_status"),
        source=adapter.get("source") or "generic",
    )


def update_item(adapter: ItemAdapter, doc: Document) -> None:
    """Write the step's result back; fields the step found fill only empty ones."""
    adapter["body"] = doc.body
    for name in ("title", "provider", "published"):
        if not adapter.get(name) and getattr(doc, name):
            adapter[name] = getattr(doc, name)


class StepPipeline:
    """Runs one cleaning step; subclasses say which with ``build_step``."""

    def __init__(self, crawler, step: Step):
        self.crawler = crawler
        self.stats = crawler.stats
        self.step = step

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, cls.build_step(crawler))

    @classmethod
    def build_step(cls, crawler) -> Step:  # pragma: no cover - abstract
        raise NotImplementedError

    def process_item(self, item: Any, spider=None) -> Any:
        adapter = ItemAdapter(item)
        doc = document_from_item(adapter)
        before = Counter(doc.removed)
        rejection = self.step(doc)
        for rule, n in (doc.removed - before).items():
            self.stats.inc_value(f"newscrawl/stripped/{rule}", n)
        if rejection is not None:
            self.stats.inc_value(f"newscrawl/dropped/{rejection.reason}")
            raise Rejected(rejection, self.step.name)
        update_item(adapter, doc)
        if "cleaning" in adapter.field_names():
            adapter["cleaning"] = doc
        return item


class ShellPipeline(StepPipeline):
    """Drops 404/403 shells and bot challenges; strips shell lines leaked into stories."""

    @classmethod
    def build_step(cls, crawler) -> Step:
        return ShellFilter(rules_from_settings(crawler.settings.getdict("NEWSCRAWL_EXTRA_RULES")))


class BoilerplatePipeline(StepPipeline):
    """Strips disclaimers, comment blocks, label lines, tracking tokens, dateline, title line."""

    @classmethod
    def build_step(cls, crawler) -> Step:
        return BoilerplateStripper(rules_from_settings(crawler.settings.getdict("NEWSCRAWL_EXTRA_RULES")))


class RepeatedPassagePipeline(StepPipeline):
    """Drops paragraphs and runs of paragraphs repeated inside one article."""

    @classmethod
    def build_step(cls, crawler) -> Step:
        return RepeatedPassageFilter()


class EmptyBodyPipeline(StepPipeline):
    """Drops items with no story left once shells and boilerplate are gone."""

    @classmethod
    def build_step(cls, crawler) -> Step:
        return EmptyBodyFilter()


class NearDuplicatePipeline(StepPipeline):
    """Drops syndicated copies and near-duplicates of stories seen in this or earlier runs."""

    @classmethod
    def build_step(cls, crawler) -> Step:
        return NearDuplicateFilter(stores_for(crawler).index)
