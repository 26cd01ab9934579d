"""The compact bucket table of the embedded index returns exactly what a plain multimap would."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from newscrawl.store.buckets import BucketTable, bucket_ids


@pytest.mark.parametrize("space", [2**32, 5_000, 40])  # sparse buckets, shared ones, very crowded ones
def test_lookups_equal_a_plain_multimap(space):
    rng = np.random.default_rng(space)
    table, reference = BucketTable(flush_at=512), defaultdict(set)
    story = 0

    def remember(row, sid):
        for bucket in row.tolist():
            reference[bucket].add(sid)

    for step in range(300):
        if step % 100 == 0:  # a bulk load, as when a process opens a big index
            rows = rng.integers(0, space, (3_000, 42), dtype=np.uint64).astype(np.uint32)
            table.add_many(np.arange(story, story + len(rows), dtype=np.uint64), rows)
            for sid, row in enumerate(rows, start=story):
                remember(row, sid)
            story += len(rows)
        row = rng.integers(0, space, 42, dtype=np.uint64).astype(np.uint32)
        table.add(row, story)
        remember(row, story)
        story += 1
        if step % 37 == 0:
            probe = rng.integers(0, space, 42, dtype=np.uint64).astype(np.uint32)
            assert table.lookup(probe) == set().union(*(reference.get(b, set()) for b in probe.tolist()))
    assert len(table) == 42 * story
    for _ in range(200):
        probe = rng.integers(0, space, 42, dtype=np.uint64).astype(np.uint32)
        assert table.lookup(probe) == set().union(*(reference.get(b, set()) for b in probe.tolist()))
    assert table.lookup(row) >= {story - 1}


def test_entries_cost_about_eight_bytes():
    rng = np.random.default_rng(1)
    table = BucketTable()
    rows = rng.integers(0, 2**32, (50_000, 42), dtype=np.uint64).astype(np.uint32)
    table.add_many(np.arange(len(rows), dtype=np.uint64), rows)
    assert table.nbytes / len(table) < 10


def test_buckets_are_the_low_bits_of_the_band_keys():
    keys = [0, 1, 2**32 + 5, 2**64 - 1]
    assert bucket_ids(keys).tolist() == [0, 1, 5, 2**32 - 1]
