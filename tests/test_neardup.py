"""Near-duplicate detection on real article text: what is a copy, what is a different story.

Texts are real bodies from tests/fixtures/articles (see its README); the
shared benchmark adds 181 more pages when ../shared is present.
"""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
import xxhash
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawl.cleaning.document import Document
from newscrawl.cleaning.neardup import (DEFAULT_SCHEME, MinHashScheme, NearDuplicateFilter, SchemeMismatch,
                                        body_fingerprint, content_key, fingerprint, shingle_hash, shingles, tokens)
from newscrawl.cleaning.text import match_key
from newscrawl.store import MemoryIndex
from tests.conftest import FIXTURES
from tests.shared_data import benchmark_pages

ARTICLES = FIXTURES / "articles"
STORIES = ["doobie-billboard", "doobie-rollingstone", "moon-landers-space", "moon-landers-spacenews",
           "plague-express", "plague-smithsonian", "oil-reuters", "emirates-cnbc", "diet-ru"]
SAME_TOPIC = [("doobie-billboard", "doobie-rollingstone"), ("moon-landers-space", "moon-landers-spacenews"),
              ("plague-express", "plague-smithsonian")]


def article(name: str) -> str:
    return (ARTICLES / f"{name}.txt").read_text(encoding="utf-8")


def doc(text: str, key: str | None = None, **kw) -> Document:
    return Document.from_text(text, id=key, **kw)


def datasketch_signature(text: str, scheme: MinHashScheme = DEFAULT_SCHEME) -> np.ndarray:
    """The slow, reference path: datasketch hashing every shingle with the recorded hash."""
    m = MinHash(num_perm=scheme.num_perm, seed=scheme.seed, hashfunc=shingle_hash, scheme=scheme.permutation)
    m.update_batch(shingles(text, scheme))
    return m.hashvalues


def syndicated_copy(text: str, seed: int) -> str:
    """What a second wire service does to a story: its own dateline, straight quotes, a few
    words changed, the last paragraph cut."""
    rng = random.Random(seed)
    paragraphs = [p for p in text.split("\n") if p.strip()]
    paragraphs = paragraphs[:-1] if len(paragraphs) > 3 else paragraphs
    out = []
    for para in paragraphs:
        words = para.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'").split(" ")
        for _ in range(len(words) // 60):
            words[rng.randrange(len(words))] = rng.choice(["reportedly", "also", "the", "new"])
        out.append(" ".join(words))
    return "(MENAFN - Newswire) " + "\n".join(out)


def verdict(detail: str) -> dict[str, float]:
    return {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", detail)}


# --- tokens and the fast path -------------------------------------------------


@pytest.mark.parametrize("name", STORIES)
def test_tokens_are_the_match_key_words(name):
    text = article(name)
    assert tokens(text) == [w.encode() for w in match_key(text).split()]


def test_tokens_of_english_with_a_few_accented_names():
    text = article("oil-reuters") + "\nNestlé and Société Générale in São Paulo; Zürich’s «Straße» costs 5 €."
    assert tokens(text) == [w.encode() for w in match_key(text).split()]
    assert b"stra\xc3\x9fe" not in tokens(text) and b"strasse" in tokens(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from(list(" ,.\n_\u201c\u201d\u2014\u00e9\u00df\u0301\u03a3\u00a3\u20ac\u00b0\u00a0")))))
def test_tokens_are_the_match_key_words_for_any_text(text):
    assert tokens(text) == [w.encode("utf-8", "surrogatepass") for w in match_key(text).split()]


@pytest.mark.parametrize("name", STORIES + ["forward-looking", "menafn-disclaimer"])
def test_fast_fingerprint_equals_datasketch_bit_for_bit(name):
    text = article(name)
    fp = fingerprint(text)
    assert fp.signature.dtype == np.uint32
    assert np.array_equal(fp.signature, datasketch_signature(text))
    assert fp.shingles == len(set(shingles(text)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["oil", "prices", "fell", "on", "Tuesday", "Brent", "crude", "é", "ß"]),
                min_size=1, max_size=80))
def test_fast_fingerprint_equals_datasketch_with_repeats_and_short_texts(words):
    text = " ".join(words)
    fp = fingerprint(text)
    assert np.array_equal(fp.signature, datasketch_signature(text))
    assert fp.shingles == len(set(shingles(text)))


def test_permutations_are_datasketchs_for_other_seeds_and_sizes():
    from datasketch import MinHash

    from newscrawl.cleaning.neardup import _permutations

    for num_perm, seed in [(128, 1), (256, 7), (64, 12345)]:
        a, b = _permutations(num_perm, seed)
        expected_a, expected_b = MinHash(num_perm=num_perm, seed=seed).permutations
        assert np.array_equal(a.ravel(), expected_a) and np.array_equal(b.ravel(), expected_b)


def test_fingerprint_reads_paragraph_lists_like_the_joined_text():
    text = article("oil-reuters")
    assert fingerprint(text.split("\n")) == fingerprint(text)


def test_estimates_agree_with_datasketch_lean_minhash():
    a, b = article("oil-reuters"), syndicated_copy(article("oil-reuters"), seed=3)
    fa, fb = fingerprint(a), fingerprint(b)
    reference = MinHash(num_perm=128, seed=1, hashfunc=shingle_hash)
    reference.update_batch(shingles(b))
    jaccard, _ = DEFAULT_SCHEME.judge(fa, fb)
    assert DEFAULT_SCHEME.minhash(fa).jaccard(reference) == jaccard


def test_band_keys_are_the_recorded_hash_of_each_band():
    sig = fingerprint(article("emirates-cnbc")).signature
    rows = DEFAULT_SCHEME.rows
    expected = [xxhash.xxh3_64_intdigest(sig[b * rows:(b + 1) * rows].astype("<u4").tobytes(), 4 * rows * b)
                for b in range(DEFAULT_SCHEME.bands)]
    assert DEFAULT_SCHEME.band_keys(sig) == expected
    assert "xxh3_64" in DEFAULT_SCHEME.as_dict()["band_hash"]


# --- what is a duplicate --------------------------------------------------------


@pytest.mark.parametrize("name", STORIES)
def test_lightly_edited_copy_is_a_near_duplicate_of_the_first_story(name):
    step = NearDuplicateFilter(MemoryIndex(DEFAULT_SCHEME))
    original = doc(article(name), key=f"orig-{name}")
    assert step(original) is None
    rejection = step(doc(syndicated_copy(article(name), seed=len(name)), key=f"copy-{name}"))
    assert rejection is not None and rejection.reason == "near_duplicate"
    assert rejection.duplicate_of == f"orig-{name}"
    assert verdict(rejection.detail)["jaccard"] >= DEFAULT_SCHEME.threshold * 0.8


@pytest.mark.parametrize("name", STORIES)
def test_truncated_copy_is_caught_by_containment(name):
    words = article(name).split(" ")
    truncated = " ".join(words[: int(len(words) * 0.6)])
    step = NearDuplicateFilter(MemoryIndex(DEFAULT_SCHEME))
    assert step(doc(article(name), key="full")) is None
    rejection = step(doc(truncated, key="truncated"))
    assert rejection is not None and rejection.duplicate_of == "full"
    scores = verdict(rejection.detail)
    assert scores["jaccard"] < DEFAULT_SCHEME.threshold  # Jaccard alone would have let it through
    assert scores["containment"] >= DEFAULT_SCHEME.containment_threshold


def test_the_full_story_after_its_truncated_copy_is_also_caught():
    words = article("plague-smithsonian").split(" ")
    step = NearDuplicateFilter(MemoryIndex(DEFAULT_SCHEME))
    assert step(doc(" ".join(words[: int(len(words) * 0.6)]), key="short-first")) is None
    rejection = step(doc(" ".join(words), key="full-later"))
    assert rejection is not None and rejection.duplicate_of == "short-first"


def test_different_stories_sharing_long_boilerplate_are_not_duplicates():
    boilerplate = article("forward-looking") + "\n" + article("menafn-disclaimer")
    step = NearDuplicateFilter(MemoryIndex(DEFAULT_SCHEME))
    for name in STORIES:
        assert step(doc(article(name) + "\n" + boilerplate, key=name)) is None, name
    assert step.counts["indexed"] == len(STORIES)


@pytest.mark.parametrize("first,second", SAME_TOPIC)
def test_two_outlets_reporting_one_event_are_different_stories(first, second):
    step = NearDuplicateFilter(MemoryIndex(DEFAULT_SCHEME))
    assert step(doc(article(first), key=first)) is None
    assert step(doc(article(second), key=second)) is None


def test_real_benchmark_pages_are_all_different_stories():
    step = NearDuplicateFilter(MemoryIndex(DEFAULT_SCHEME))
    rejected = []
    for page_id, url, _html, body in benchmark_pages():
        rejection = step(doc(body, key=page_id, url=url))
        if rejection:
            rejected.append((page_id, rejection))
    assert rejected == []
    assert step.counts["indexed"] == 181


# --- short and empty texts, keys -------------------------------------------------


def test_short_texts_match_only_the_same_words():
    step = NearDuplicateFilter(MemoryIndex(DEFAULT_SCHEME))
    brief = "Gold prices rose on Tuesday as the dollar weakened."
    assert fingerprint(brief).shingles < DEFAULT_SCHEME.min_shingles
    assert step(doc(brief, key="b1")) is None
    same = step(doc("GOLD prices rose on Tuesday, as the dollar weakened!", key="b2"))
    assert same is not None and same.duplicate_of == "b1"
    assert step(doc("Gold prices fell on Tuesday as the dollar weakened.", key="b3")) is None


def test_a_short_lead_is_not_a_copy_of_the_long_story():
    step = NearDuplicateFilter(MemoryIndex(DEFAULT_SCHEME))
    story = article("oil-reuters")
    lead = " ".join(story.split(" ")[:18])
    assert step(doc(story, key="story")) is None
    assert step(doc(lead, key="lead")) is None


def test_empty_body_is_left_to_the_empty_body_step_and_not_indexed():
    index = MemoryIndex(DEFAULT_SCHEME)
    step = NearDuplicateFilter(index)
    assert step(doc(" \n ... \n", key="empty")) is None
    assert len(index) == 0 and step.counts["empty"] == 1


def test_first_seen_wins_and_a_story_is_never_its_own_duplicate():
    index = MemoryIndex(DEFAULT_SCHEME)
    step = NearDuplicateFilter(index)
    first = doc(article("emirates-cnbc"), key="1101")
    assert step(first) is None
    assert first.indexed_as == "1101"
    assert step(doc(article("emirates-cnbc"), key="1101")) is None  # the same story again after a crash
    copy = step(doc(syndicated_copy(article("emirates-cnbc"), 1), key="1102"))
    assert copy is not None and copy.duplicate_of == "1101"
    assert len(index) == 1


def test_key_is_the_id_else_the_url_else_the_text():
    index = MemoryIndex(DEFAULT_SCHEME)
    step = NearDuplicateFilter(index)
    assert step(Document.from_text(article("oil-reuters"), url="https://example.com/oil")) is None
    assert "https://example.com/oil" in index
    rejection = step(Document.from_text(article("oil-reuters")))
    assert rejection is not None and rejection.duplicate_of == "https://example.com/oil"
    assert step(Document.from_text(article("plague-express"))) is None
    assert step(Document.from_text(article("plague-express"))).duplicate_of.startswith("text:")


# --- the scheme ------------------------------------------------------------------


def test_a_different_scheme_is_refused_naming_both():
    other = MinHashScheme(num_perm=64, bands=21)
    with pytest.raises(SchemeMismatch) as err:
        DEFAULT_SCHEME.check_compatible(other)
    message = str(err.value)
    assert "num_perm 64 (stored) vs 128 (now)" in message and "bands 21 (stored) vs 42 (now)" in message
    with pytest.raises(SchemeMismatch):
        NearDuplicateFilter(MemoryIndex(other), scheme=DEFAULT_SCHEME)
    DEFAULT_SCHEME.check_compatible(MinHashScheme())


def test_scheme_refuses_impossible_parameters():
    with pytest.raises(ValueError, match="bands\\*rows"):
        MinHashScheme(bands=50, rows=3)
    with pytest.raises(ValueError, match="threshold"):
        MinHashScheme(threshold=1.5)


def test_lsh_bands_give_high_recall_where_verification_accepts():
    s = DEFAULT_SCHEME
    assert s.lsh_probability(0.5) > 0.99  # edited copies, the first half of a story
    assert s.lsh_probability(s.min_length_ratio) > 0.9  # the shortest truncation accepted
    assert s.lsh_probability(0.05) < 0.01  # unrelated stories rarely even become candidates


def test_a_copy_cut_to_under_half_is_still_caught():
    words = article("moon-landers-spacenews").split(" ")
    step = NearDuplicateFilter(MemoryIndex(DEFAULT_SCHEME))
    assert step(doc(" ".join(words), key="full")) is None
    rejection = step(doc(" ".join(words[: int(len(words) * 0.45)]), key="first-45-percent"))
    assert rejection is not None and rejection.duplicate_of == "full"


@pytest.mark.parametrize("index", ["memory", "sqlite"])
def test_a_batch_gets_the_verdicts_one_story_at_a_time_would(index, tmp_path):
    """``decide`` (one index call per batch of the crawl's cleaning workers) rules as ``__call__``
    in turn: copies of earlier stories of the batch, the same keyless words twice, empty bodies."""
    from newscrawl.store import open_stores

    def batch():
        docs = [doc(article(name), key=name) for name in STORIES[:6]]
        docs += [doc(syndicated_copy(article(name), seed=3), key=f"copy-{name}") for name in STORIES[:4]]
        docs += [doc(article("oil-reuters")), doc(article("oil-reuters")), doc(article("oil-reuters") + " More."),
                 doc(article("diet-ru")), doc(""), doc(article("emirates-cnbc"), key="emirates"),
                 doc(article("emirates-cnbc"), key="emirates")]
        return docs

    def new_index(name):
        if index == "memory":
            return MemoryIndex(DEFAULT_SCHEME), None
        stores = open_stores("menafn", state_dir=tmp_path / name, scheme=DEFAULT_SCHEME)
        return stores.index, stores

    one, one_stores = new_index("one")
    many, many_stores = new_index("many")
    try:
        step = NearDuplicateFilter(one)
        expected = [step(d) for d in batch()]
        got = NearDuplicateFilter(many).decide(batch())
        assert [(r.reason, r.duplicate_of) if r else None for r in got] == [
            (r.reason, r.duplicate_of) if r else None for r in expected]
        oil = content_key(batch()[10].paragraphs)  # the keyless story's identity
        assert [r.duplicate_of if r else None for r in got[6:]] == [
            "doobie-billboard", "doobie-rollingstone", "moon-landers-space", "moon-landers-spacenews",
            None, oil, oil, None, None, None, None]
        assert len(many) == len(one)
    finally:
        for stores in (one_stores, many_stores):
            if stores is not None:
                stores.close()


@pytest.mark.parametrize("name", STORIES)
def test_the_fingerprint_from_the_passage_steps_keys_is_the_bodys_own(name):
    """The fingerprint takes its words from the match keys the repeated-passage step left, and
    only while they are of the body it fingerprints."""
    from newscrawl.cleaning.passages import RepeatedPassageFilter

    paragraphs = [p for p in article(name).split("\n") if p.strip()]
    copied = Document(paragraphs=paragraphs + paragraphs[:2] + ["Ünïcödé — “quoted” naïve café"], id=name)
    RepeatedPassageFilter()(copied)
    assert copied.removed["repeated_passage"] == 2 and copied.match_keys is not None
    assert body_fingerprint(copied) == fingerprint(copied.paragraphs)
    assert copied.match_keys is None  # used up

    edited = Document(paragraphs=list(paragraphs), id=name)
    RepeatedPassageFilter()(edited)
    edited.paragraphs = edited.paragraphs[1:]  # a step after it changed the body: its keys are stale
    fp = body_fingerprint(edited)
    assert fp == fingerprint(edited.paragraphs) and fp != fingerprint(paragraphs)
