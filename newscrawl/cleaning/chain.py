"""The cleaning chain: the steps in order, stopping at the first rejection, each step's effect recorded.

A chain has two parts. Its *pure* steps (all before the first stateful one)
read nothing but the document, so ``prepare`` may run them anywhere: in this
process, or in worker processes (``workers.py``), together with the
``prepare`` of the first stateful step (the near-duplicate fingerprint).
Its *stateful* steps (the near-duplicate index) run in the calling process,
in input order, a batch at a time (``decide``). ``clean`` does both for one
document. The crawl's ``CleaningPipeline``, ``newscrawl clean`` and the
benchmarks all run a chain, so they report what each step did the same way.

Every step's work is linear in the story it reads, and ``Caps`` bound what it
reads: a story past a cap is cut there (the cut counted as a removal), never
refused and never a reason for a step to run out of time or memory.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from newscrawl.cleaning.document import Document, Rejection, Step

CAP_REASONS = ("capped_html", "capped_paragraphs", "capped_words")  # what ``Caps`` count in ``Document.removed``
_START_TAG_RE = re.compile(r"<[A-Za-z]")


@dataclass(frozen=True)
class Caps:
    """How much of one story the chain reads; past a cap the story is cut there, never refused.

    A cut is counted in ``Document.removed``: ``capped_paragraphs`` and ``capped_words`` (how many
    were left out), ``capped_html`` (characters of the raw page left unread by shell detection).
    ``cut_page`` cuts a page before extraction at ``elements`` (its start tags): extraction's cost
    and memory grow with the elements (a 1 MB page of tiny paragraphs took 10 s and 480 MB).
    The defaults sit far above real stories, whose cleaning they never touch: the 181 pages of
    the article-extraction benchmark (``benchmarks/data``) reach 1.5 MB of HTML, 1,737 elements,
    254 paragraphs and 7,963 words. Every step is linear, so at the caps a story costs about what
    1 MB of prose does (``benchmarks/adversarial.py``).
    """

    html_chars: int = 4 * 1024 * 1024
    paragraphs: int = 5_000
    words: int = 100_000
    elements: int = 10_000

    def cut_page(self, html: str) -> tuple[str, int]:
        """``html`` up to its ``elements``-th element (the page as extraction reads it), and how many
        elements were left out."""
        if html.count("<") <= self.elements:
            return html, 0
        tags = _START_TAG_RE.finditer(html)
        for n, tag in enumerate(tags, 1):
            if n > self.elements:
                return html[:tag.start()], 1 + sum(1 for _ in tags)
        return html, 0

    def apply(self, doc: Document) -> None:
        """Cut ``doc`` at the caps (in place), counting what was left out."""
        if doc.html is not None and len(doc.html) > self.html_chars:
            doc.removed["capped_html"] += len(doc.html) - self.html_chars
            doc.html = doc.html[:self.html_chars]
        if len(doc.paragraphs) > self.paragraphs:
            doc.removed["capped_paragraphs"] += len(doc.paragraphs) - self.paragraphs
            doc.paragraphs = doc.paragraphs[:self.paragraphs]
        left = self.words
        for i, paragraph in enumerate(doc.paragraphs):
            words = paragraph.split(None, left)
            if len(words) > left:  # this paragraph reaches the cap: cut inside it, drop the rest
                rest = doc.paragraphs[i + 1:]
                doc.removed["capped_words"] += len(words[left].split()) + sum(len(p.split()) for p in rest)
                doc.paragraphs = doc.paragraphs[:i] + ([" ".join(words[:left])] if left else [])
                return
            left -= len(words)


@dataclass
class StepResult:
    """What one step did to one document."""

    step: str
    removed: Counter  # rule name -> how many it removed
    rejection: Rejection | None = None


@dataclass
class Outcome:
    doc: Document
    results: list[StepResult] = field(default_factory=list)

    @property
    def rejection(self) -> Rejection | None:
        return self.results[-1].rejection if self.results else None

    @property
    def step(self) -> str | None:
        """The name of the step that rejected the document, if one did."""
        return self.results[-1].step if self.rejection is not None else None

    @property
    def kept(self) -> bool:
        return self.rejection is None

    def removed(self) -> Counter:
        """Everything the steps removed, by rule."""
        total: Counter = Counter()
        for result in self.results:
            total.update(result.removed)
        return total


def apply(step: Callable[[Document], Rejection | None], name: str, doc: Document) -> StepResult:
    before = Counter(doc.removed)
    rejection = step(doc)
    return StepResult(name, doc.removed - before, rejection)


@dataclass
class Preparation:
    """The part of a chain that reads only the document: picklable, so worker processes can run it."""

    steps: list[Step]
    ahead: Callable[[Document], None] | None = None  # the first stateful step's ``prepare``
    caps: Caps = field(default_factory=Caps)

    def __call__(self, doc: Document) -> Outcome:
        outcome = Outcome(doc)
        before = Counter(doc.removed)
        self.caps.apply(doc)
        if doc.removed != before:
            outcome.results.append(StepResult("caps", doc.removed - before))
        for step in self.steps:
            result = apply(step, step.name, doc)
            outcome.results.append(result)
            if result.rejection is not None:
                break
        else:
            if self.ahead is not None:
                self.ahead(doc)
        doc.html = None  # only shell detection reads the raw page; it need not travel any further
        return outcome


class CleaningChain:
    def __init__(self, steps: Iterable[Step]):
        self.steps = list(steps)
        split = next((i for i, s in enumerate(self.steps) if getattr(s, "stateful", False)), len(self.steps))
        self.pure, self.stateful = self.steps[:split], self.steps[split:]
        first = self.stateful[0] if self.stateful else None
        self.preparation = Preparation(self.pure, getattr(first, "preparer", None) if first is not None else None)

    def prepare(self, doc: Document) -> Outcome:
        """Run the pure steps (and the first stateful step's preparation) on ``doc``."""
        return self.preparation(doc)

    def decide(self, outcomes: list[Outcome]) -> None:
        """Run the stateful steps on the documents still kept, in order, each step once for all."""
        for step in self.stateful:
            live = [o for o in outcomes if o.kept]
            if not live:
                return
            decide = getattr(step, "decide", None)
            if decide is None:
                for o in live:
                    o.results.append(apply(step, step.name, o.doc))
                continue
            for o, rejection in zip(live, decide([o.doc for o in live])):
                o.results.append(StepResult(step.name, Counter(), rejection))

    def clean(self, doc: Document) -> Outcome:
        outcome = self.prepare(doc)
        self.decide([outcome])
        return outcome
