"""Which cleaning steps run, in which order: one list, ``NEWSCRAWL_STEPS``, for the crawl, ``newscrawl clean`` and datatrove.

An entry is a step class's import path, or ``{"class": path, **arguments}``
to set its thresholds (``{"class": "newscrawl.cleaning.passages.RepeatedPassageFilter",
"alone_words": 40}``). A step whose constructor takes ``rules`` gets the run's
cleaning rules (every site's, plus ``NEWSCRAWL_EXTRA_RULES``); one that takes
``index`` gets the near-duplicate index (or a function that opens it). Add your
own step by adding its path: a class with a ``name`` and ``__call__(doc)``
returning a ``Rejection`` or None (``newscrawl.cleaning.document.Step``).
"""

from __future__ import annotations

import importlib
import inspect
import json
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping

from newscrawl.cleaning.chain import CleaningChain, Outcome
from newscrawl.cleaning.document import Document, Step
from newscrawl.sites import cleaning_rules
from newscrawl.store import NearDupIndex

DEFAULT_STEPS: tuple[str, ...] = (
    "newscrawl.cleaning.shells.ShellFilter",
    "newscrawl.cleaning.boilerplate.DisclaimerFilter",
    "newscrawl.cleaning.boilerplate.LabelFilter",
    "newscrawl.cleaning.boilerplate.ForwardLookingFilter",
    "newscrawl.cleaning.boilerplate.HeadlineFilter",
    "newscrawl.cleaning.passages.RepeatedPassageFilter",
    "newscrawl.cleaning.shells.EmptyBodyFilter",
    "newscrawl.cleaning.neardup.NearDuplicateFilter",
)
TEXT_STEPS = DEFAULT_STEPS[:-1]  # the steps that read nothing but the story
BOILERPLATE_STEPS = DEFAULT_STEPS[1:5]  # disclaimers, labels, safe-harbor blocks, headline


def step_specs(value: Any) -> list[str | dict[str, Any]]:
    """``NEWSCRAWL_STEPS`` as a list, whether set as a list or as a string (``-s``: JSON, or paths
    separated by commas)."""
    if isinstance(value, str):
        value = json.loads(value) if value.strip().startswith("[") else [v.strip() for v in value.split(",")]
    return [v for v in value if v]


def _load(path: str) -> type:
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"NEWSCRAWL_STEPS: cannot load step {path!r}: {exc}") from None


def build_step(spec: str | Mapping[str, Any], *, rules, index) -> Step:
    """One step from its spec; ``rules`` and ``index`` go to the constructors that ask for them."""
    if isinstance(spec, Mapping):
        arguments = dict(spec)
        cls = _load(str(arguments.pop("class")))
    else:
        cls, arguments = _load(str(spec)), {}
    parameters = inspect.signature(cls).parameters
    if "rules" in parameters:
        arguments.setdefault("rules", rules)
    if "index" in parameters:
        if index is None:
            raise ValueError(f"step {cls.__name__} needs a near-duplicate index and this run has none")
        arguments.setdefault("index", index)
    step = cls(**arguments)
    if not getattr(step, "name", None):
        raise ValueError(f"step {cls.__name__} has no name")
    return step


def build_chain(specs: Iterable[str | Mapping[str, Any]] = DEFAULT_STEPS, *, extra_rules: Mapping | None = None,
                index: NearDupIndex | Callable[[], NearDupIndex] | None = None) -> CleaningChain:
    """The chain of ``specs`` (``NEWSCRAWL_STEPS``), with the run's rules and near-duplicate index."""
    rules = cleaning_rules(extra_rules)
    return CleaningChain([build_step(spec, rules=rules, index=index) for spec in specs])


@lru_cache(maxsize=1)
def text_chain() -> CleaningChain:
    """The steps that read nothing but the story (no near-duplicate index), built once."""
    return build_chain(TEXT_STEPS)


def clean_text(text: str, **fields: Any) -> Outcome:
    """One text through the steps that read only the story (no near-duplicate index)."""
    return text_chain().clean(Document.from_text(text, **fields))
