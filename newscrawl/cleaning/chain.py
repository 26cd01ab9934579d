"""The cleaning chain: the steps in order, stopping at the first rejection.

Why a chain object: ``newscrawl clean``, the benchmarks and the tests run the
same steps in the same order as the crawl's pipelines, and need to know which
step dropped a record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from newscrawl.cleaning.boilerplate import BoilerplateStripper
from newscrawl.cleaning.document import Document, Rejection, Step
from newscrawl.cleaning.passages import RepeatedPassageFilter
from newscrawl.cleaning.rules import Rules
from newscrawl.cleaning.shells import EmptyBodyFilter, ShellFilter
from newscrawl.cleaning.workers import run_step


@dataclass
class Outcome:
    doc: Document
    rejection: Rejection | None = None
    step: str | None = None  # name of the step that rejected

    @property
    def kept(self) -> bool:
        return self.rejection is None


class CleaningChain:
    def __init__(self, steps: Iterable[Step]):
        self.steps = list(steps)

    def clean(self, doc: Document) -> Outcome:
        for step in self.steps:
            _, rejection = run_step(step, doc)
            if rejection is not None:
                return Outcome(doc, rejection, step.name)
        return Outcome(doc)


def default_steps(rules: Rules | None = None, near_duplicates: Step | None = None) -> list[Step]:
    """shells, boilerplate, passages, empty, then near-duplicates when given."""
    steps: list[Step] = [ShellFilter(rules), BoilerplateStripper(rules), RepeatedPassageFilter(), EmptyBodyFilter()]
    if near_duplicates is not None:
        steps.append(near_duplicates)
    return steps


_DEFAULT_CHAIN: CleaningChain | None = None


def clean_text(text: str, **doc_fields: Any) -> Outcome:
    """Clean one text with the default steps (no near-duplicate index)."""
    global _DEFAULT_CHAIN
    if _DEFAULT_CHAIN is None:
        _DEFAULT_CHAIN = CleaningChain(default_steps())
    return _DEFAULT_CHAIN.clean(Document.from_text(text, **doc_fields))
