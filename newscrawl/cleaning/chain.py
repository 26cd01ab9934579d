"""The cleaning chain: the steps in order, stopping at the first rejection, each step's effect recorded.

A chain has two parts. Its *pure* steps (all before the first stateful one)
read nothing but the document, so ``prepare`` may run them anywhere: in this
process, or in worker processes (``workers.py``), together with the
``prepare`` of the first stateful step (the near-duplicate fingerprint).
Its *stateful* steps (the near-duplicate index) run in the calling process,
in input order, a batch at a time (``decide``). ``clean`` does both for one
document. The crawl's ``CleaningPipeline``, ``newscrawl clean`` and the
benchmarks all run a chain, so they report what each step did the same way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from newscrawl.cleaning.document import Document, Rejection, Step


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

    def __call__(self, doc: Document) -> Outcome:
        outcome = Outcome(doc)
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
