"""Cleaning in worker processes (``newscrawl.cleaning.workers``) as users rely on it.

Workers are an optimisation only: ``newscrawl clean --jobs N`` and a crawl with
``NEWSCRAWL_CLEANING_WORKERS`` must write exactly what the in-process path writes,
in input order, survive a worker that dies, and never let a fingerprint taken of
one body decide about another. Real spawned pools, real ``newscrawl`` and
``scrapy crawl`` subprocesses; nothing is mocked.

The module-level ``_prepare_or_*`` functions run inside spawned workers, which
import this module as ``tests.test_cleaning_workers``: keep its imports light.
"""

from __future__ import annotations

import copy
import io
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from newscrawl.clean_files import run_clean
from newscrawl.cleaning.chain import CleaningChain, Outcome, Preparation
from newscrawl.cleaning.document import Document, split_paragraphs
from newscrawl.cleaning.neardup import (DEFAULT_SCHEME, FingerprintTaker, MinHashScheme, NearDuplicateFilter,
                                        TakenFingerprint, body_digest, fingerprint)
from newscrawl.cleaning.workers import CleaningWorkers, prepare_in_worker
from newscrawl.sites import cleaning_rules
from newscrawl.steps import DEFAULT_STEPS, TEXT_STEPS, build_chain, build_step
from newscrawl.store import MemoryIndex


def preparation(scheme: MinHashScheme | None = DEFAULT_SCHEME) -> Preparation:
    """What a crawl's workers run: the steps that read only the story, then the fingerprint."""
    steps = [build_step(spec, rules=cleaning_rules(), index=None) for spec in TEXT_STEPS]
    return Preparation(steps, FingerprintTaker(scheme) if scheme is not None else None)


def full_chain() -> CleaningChain:
    return build_chain(DEFAULT_STEPS, index=MemoryIndex(DEFAULT_SCHEME))

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
ARTICLES = sorted(p.name for p in (FIXTURES / "articles").glob("*.txt"))
CORPUS = [line for line in (FIXTURES / "captures" / "corpus.txt").read_text(encoding="utf-8").splitlines()
          if line.strip() and not line.startswith("#")]
WORKERS_STOPPED = "worker processes stopped"


def article(name: str) -> str:
    return (FIXTURES / "articles" / name).read_text(encoding="utf-8")


def light_edit(text: str) -> str:
    """A syndicated near-copy: another provider line, one word changed, the last paragraph cut."""
    paragraphs = split_paragraphs(text)
    paragraphs[1] = paragraphs[1].replace(" the ", " this ", 1)
    return "(MENAFN- Azernews) " + "\n\n".join(paragraphs[:-1])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def clean_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newscrawl", "clean", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def clean_both_ways(inputs: list[str], tmp: Path, **kw):
    """``run_clean`` in this process (jobs=0) and with two workers: (report, stderr, out, rejects) each."""
    runs = {}
    for jobs in (0, 2):
        err = io.StringIO()
        out, rej = tmp / f"out-{jobs}.jsonl", tmp / f"rej-{jobs}.jsonl"
        state = {"state_dir": tmp / f"state-{jobs}"} if kw.get("state") else {}
        report = run_clean(inputs, out, rej, stderr=err, jobs=jobs, **state)
        runs[jobs] = (report, err.getvalue(), out, rej)
    return runs


def messages(stderr: str) -> list[str]:
    """What a run said about its input (progress lines, timed, left out)."""
    return [line for line in stderr.splitlines() if not re.match(r"clean: \d+ read, ", line)]


def comparable(report) -> dict:
    return dict(read=report.read, kept=report.kept, rejected=dict(report.rejected), stripped=dict(report.stripped),
                skipped=report.skipped, problems=[str(p) for p in report.problems])


# --- 1. the same files with and without workers ---------------------------------------------


def build_inputs(root: Path) -> list[str]:
    """Every fixture file as a capture (pages, captures, shells, articles, wire pages, listings, feeds),
    a second directory with some of them again, and JSONL copies and near-copies of the articles."""
    captures = root / "fixtures"
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts:
            dest = captures / path.relative_to(FIXTURES)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
    again = root / "again"
    again.mkdir()
    for name in ("oil-reuters.txt", "plague-express.txt", "diet-ru.txt"):  # the same story under another id
        (again / f"copy-of-{name}").write_bytes((FIXTURES / "articles" / name).read_bytes())
    (again / "menafn_article-copy.html").write_bytes((FIXTURES / "captures" / "menafn_article.html").read_bytes())
    records = []
    for name in ARTICLES:
        text, stem = article(name), name[:-4]
        records.append({"id": f"{stem}-edit", "url": f"https://example.org/{stem}", "text": light_edit(text)})
        records.append({"text": text, "note": "no id: keyed by its words"})
        records.append({"text": text, "note": "the same words again"})
    for page in sorted((FIXTURES / "pages").glob("*.html")):
        records.append({"id": f"{page.stem}-as-record", "url": f"https://menafn.com/1100000{len(records):03d}/x",
                        "html": page.read_text(encoding="utf-8", errors="replace")})
    jsonl = write_jsonl(root / "records.jsonl", records)
    return [str(captures), str(again), str(jsonl)]


@pytest.mark.parametrize("state", [False, True], ids=["memory-index", "state-dir"])
def test_workers_write_byte_identical_output_rejects_and_report(tmp_path, state):
    runs = clean_both_ways(build_inputs(tmp_path / "in"), tmp_path, state=state)
    (here, here_err, here_out, here_rej), (pool, pool_err, pool_out, pool_rej) = runs[0], runs[2]
    assert WORKERS_STOPPED not in pool_err  # the workers really did the work
    assert pool_out.read_bytes() == here_out.read_bytes()
    assert pool_rej.read_bytes() == here_rej.read_bytes()
    assert comparable(pool) == comparable(here)
    assert messages(pool_err) == messages(here_err)
    # The corpus exercises every kind of decision, so the comparison above means something.
    assert here.read >= 100 and here.kept >= 30
    assert here.rejected["near_duplicate"] >= 20 and here.rejected["error_shell"] >= 10
    assert {"disclaimer", "dateline", "repeated_passage", "title"} <= set(here.stripped)
    rejected = read_jsonl(here_rej)
    assert {"copy-of-oil-reuters", "oil-reuters-edit"} <= {r.get("id") for r in rejected
                                                           if r["reason"] == "near_duplicate"}


# --- 2. the command -----------------------------------------------------------------------


def many_records(n: int, seed: int = 5) -> list[dict]:
    """``n`` records of their own text (corpus paragraphs drawn at random), some repeated."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        if i % 9 == 8:
            records.append({"id": f"r{i:03d}", "text": records[i - 5]["text"]})  # a copy: a near_duplicate reject
        else:
            records.append({"id": f"r{i:03d}", "text": "\n".join(rng.sample(CORPUS, 6))})
    return records


def test_cli_jobs_keeps_input_order_and_exit_status(tmp_path):
    records = many_records(150)
    good = write_jsonl(tmp_path / "good.jsonl", records)
    proc = clean_cli(str(good), "-o", str(tmp_path / "g-out.jsonl"), "-r", str(tmp_path / "g-rej.jsonl"), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert WORKERS_STOPPED not in proc.stderr
    kept, rejected = read_jsonl(tmp_path / "g-out.jsonl"), read_jsonl(tmp_path / "g-rej.jsonl")
    order = [r["id"] for r in records]
    assert sorted([r["id"] for r in kept + rejected], key=order.index) == order  # nothing lost, none twice
    assert [r["id"] for r in kept] == [i for i in order if i in {r["id"] for r in kept}]
    assert [r["id"] for r in rejected] == [i for i in order if i in {r["id"] for r in rejected}]
    assert len(kept) > 100 and any(r["reason"] == "near_duplicate" for r in rejected)

    # A broken line: reported with its line, exit status 3, with or without workers, the same files.
    bad = write_jsonl(tmp_path / "bad.jsonl", records[:70] + ["{broken"] + records[70:])
    outputs = {}
    for jobs in ("2", "0"):
        out, rej = tmp_path / f"b-out-{jobs}.jsonl", tmp_path / f"b-rej-{jobs}.jsonl"
        proc = clean_cli(str(bad), "--output", str(out), "--rejects", str(rej), "--jobs", jobs)
        assert proc.returncode == 3, proc.stderr
        assert f"{bad}:71: invalid JSON" in proc.stderr
        assert "150 records read" in proc.stderr
        outputs[jobs] = (out.read_bytes(), rej.read_bytes())
    assert outputs["2"] == outputs["0"]
    assert outputs["2"] == ((tmp_path / "g-out.jsonl").read_bytes(), (tmp_path / "g-rej.jsonl").read_bytes())


@pytest.mark.parametrize("value", ["-1", "x"])
def test_cli_jobs_must_be_a_non_negative_number(tmp_path, value):
    out, rej = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    proc = clean_cli(str(FIXTURES / "articles"), "-o", str(out), "-r", str(rej), "--jobs", value)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert errors == [f"newscrawl clean: error: argument --jobs/-j: expected a number of processes (0 or more), "
                      f"got {value!r}"]
    assert "Traceback" not in proc.stderr
    assert not out.exists() and not rej.exists()


def test_by_default_small_inputs_are_cleaned_without_workers_and_large_or_unsized_ones_with(tmp_path):
    # a worker's start-up costs more than a few megabytes of cleaning: below WORKERS_MIN_BYTES, none
    from newscrawl.clean_files import WORKERS_MIN_BYTES, default_jobs
    from newscrawl.cleaning.workers import default_workers

    report = run_clean([str(FIXTURES / "articles")], tmp_path / "out.jsonl", tmp_path / "rej.jsonl",
                       stderr=io.StringIO())
    assert report.workers == 0 and report.kept > 0
    assert run_clean([str(FIXTURES / "articles")], tmp_path / "o2.jsonl", tmp_path / "r2.jsonl",
                     stderr=io.StringIO(), jobs=2).workers == 2  # asked for: always
    big, packed = tmp_path / "big.jsonl", tmp_path / "packed.jsonl.gz"
    for path, size in ((big, WORKERS_MIN_BYTES), (packed, WORKERS_MIN_BYTES // 3)):  # sparse: costs no disk
        with path.open("wb") as f:
            f.truncate(size)
    assert default_jobs([str(big)]) == default_workers()
    assert default_jobs([str(packed)]) == default_workers()  # compressed: what it holds, about four times
    assert default_jobs([str(FIXTURES / "articles"), str(packed)]) == default_workers()
    fifo = tmp_path / "stream"
    os.mkfifo(fifo)
    assert default_jobs([str(fifo)]) == default_workers()  # a pipe's size is unknown: ready for a large one


# --- 3. a record the worker cannot handle -------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_a_record_that_fails_on_its_way_to_a_worker_costs_only_that_record(tmp_path):
    story = {"id": "story", "text": article("oil-reuters.txt")}
    after = {"id": "after", "text": article("emirates-cnbc.txt")}
    src = tmp_path / "in.jsonl"
    deep = json.dumps({"id": "deep", "text": article("plague-express.txt")})[:-1] + f', "meta": {nested(600)}}}'
    src.write_text("\n".join([json.dumps(story), deep, json.dumps(after)]) + "\n", encoding="utf-8")
    here_err = io.StringIO()
    here = run_clean([str(src)], tmp_path / "here.jsonl", tmp_path / "here-rej.jsonl", stderr=here_err, jobs=0)
    assert [r["id"] for r in read_jsonl(tmp_path / "here.jsonl")] == ["story", "deep", "after"]  # fine in-process

    err = io.StringIO()
    report = run_clean([str(src)], tmp_path / "out.jsonl", tmp_path / "rej.jsonl", stderr=err, jobs=2)
    kept = {r["id"]: r for r in read_jsonl(tmp_path / "out.jsonl")}
    rejected = {r["id"]: r for r in read_jsonl(tmp_path / "rej.jsonl")}
    assert kept["story"]["body"] and kept["after"]["body"]  # the records around it are cleaned
    assert report.read == 3
    if "deep" not in kept:  # cleaned in this process instead, or reported for itself only
        assert rejected["deep"]["reason"] == "error"
        assert f"{src}:2: cannot clean this record" in err.getvalue()
    assert here.kept + here.rejected.total() == report.kept + report.rejected.total()


def _bytes(path: Path) -> bytes:
    """A file's bytes; b"" when nothing was written (the writers create files on the first record)."""
    return path.read_bytes() if path.exists() else b""


def test_a_record_with_a_list_for_text_is_handled_alike_and_the_rest_cleaned(tmp_path):
    """No record read from a file makes the worker's steps raise (fuzzed: odd types in every field, tag soup,
    deep HTML, lone surrogates). A non-str ``text`` is the nearest: what happens must not depend on workers."""
    records = [
        {"id": "before", "text": article("oil-reuters.txt")},
        {"id": "list-text", "text": ["a paragraph", "another"], "body": article("plague-express.txt")},
        {"id": "dict-text", "text": {"p": 1}, "html": (FIXTURES / "pages" / "menafn-v1.html").read_text(encoding="utf-8")},
        {"id": "after", "text": article("emirates-cnbc.txt")},
    ]
    src = write_jsonl(tmp_path / "in.jsonl", records)
    runs = clean_both_ways([str(src)], tmp_path)
    (here, _, here_out, here_rej), (pool, pool_err, pool_out, pool_rej) = runs[0], runs[2]
    assert WORKERS_STOPPED not in pool_err
    assert [_bytes(p) for p in (pool_out, pool_rej)] == [_bytes(p) for p in (here_out, here_rej)]
    assert comparable(pool) == comparable(here)
    kept = [r["id"] for r in read_jsonl(pool_out)]
    assert kept == ["before", "list-text", "dict-text", "after"]  # a list for text does not hide the body
    assert "dict-text" in kept  # its page is extracted, as for a record with only html
    assert pool.read == 4 and pool.rejected["error"] == 0


def test_a_non_string_text_does_not_hide_the_records_body(tmp_path):
    body = article("plague-express.txt")
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": "list-text", "text": ["a", "b"], "body": body}])
    report = run_clean([str(src)], tmp_path / "out.jsonl", tmp_path / "rej.jsonl", stderr=io.StringIO(), jobs=2)
    assert report.kept == 1, read_jsonl(tmp_path / "rej.jsonl")
    assert split_paragraphs(read_jsonl(tmp_path / "out.jsonl")[0]["body"]) == split_paragraphs(body)


# --- 4. a worker that dies --------------------------------------------------------------------

KILL_ID = "doc-021"  # in the third batch of 8
FAIL_ID = "doc-013"


def _in_worker() -> bool:
    return multiprocessing.parent_process() is not None


KILL_WHEN = "NEWSCRAWL_TEST_KILL_WHEN"  # env: a file whose creation the dying worker waits for


def _prepare_or_die(doc: Document) -> tuple[int, Outcome]:
    """In a worker: SIGKILL itself at ``KILL_ID`` (as the OOM killer would), once the file named by
    ``$NEWSCRAWL_TEST_KILL_WHEN`` exists if that is set; else ``prepare`` with the pool's steps."""
    if doc.id == KILL_ID and _in_worker():
        when = os.environ.get(KILL_WHEN)
        deadline = time.monotonic() + 60
        while when and not os.path.exists(when) and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid(), prepare_in_worker(doc)


def _prepare_or_fail(doc: Document) -> Outcome:
    if doc.id == FAIL_ID:
        raise ValueError(f"cannot prepare {doc.id}")
    return prepare_in_worker(doc)


def sample_docs(n: int = 150) -> list[Document]:
    """Stories, near-copies, shells (with their HTML) and repeated passages, each with its own id."""
    texts = [article(name) for name in ARTICLES]
    texts += [light_edit(t) for t in texts]
    shells = sorted((FIXTURES / "captures" / "shells").glob("*.html"))
    rng = random.Random(3)
    docs = []
    for i in range(n):
        ident = f"doc-{i:03d}"
        if i % 10 == 3:
            html = shells[i % len(shells)].read_text(encoding="utf-8")
            docs.append(Document.from_text(split_paragraphs(html)[-1], id=ident, html=html, http_status=200))
        elif i % 10 == 6:
            paras = rng.sample(CORPUS, 4)
            docs.append(Document.from_text("\n".join(paras + paras[:2]), id=ident))  # repeated passage
        else:
            docs.append(Document.from_text(texts[i % len(texts)], id=ident, source="menafn" if i % 2 else "generic"))
    return docs


def summary(outcome: Outcome) -> tuple:
    """What a prepared document carries, comparable across processes."""
    doc = outcome.doc
    taken = doc.fingerprint
    verdicts = [(r.step, dict(r.removed), r.rejection) for r in outcome.results]
    return (doc.id, doc.paragraphs, dict(doc.removed), doc.title, doc.provider, doc.published, doc.html, verdicts,
            None if taken is None else (taken.digest, taken.scheme, taken.fingerprint.signature.tolist(),
                                        taken.fingerprint.shingles))


def pool_pids(before: set[int]) -> set[int]:
    return {p.pid for p in multiprocessing.active_children()} - before


def check_killed_run(got: list, docs: list[Document], expected: list[tuple], pool: CleaningWorkers,
                     before: set[int]) -> None:
    assert pool.broken and "exited with code -9" in pool.broken  # says which worker went, and how
    assert [item.id for item, _, _ in got] == [d.id for d in docs]
    assert all(ok for _, ok, _ in got), [v for _, ok, v in got if not ok]
    assert [summary(outcome) for _, _, (_, outcome) in got] == expected
    where = {item.id: pid for item, _, (pid, _) in got}
    assert where[KILL_ID] == os.getpid()  # redone in this process after the worker died
    workers = set(where.values()) - {os.getpid()}
    assert workers  # ...and batches before it ran in workers
    # Nothing left behind: no pool process still running or unreaped.
    assert pool_pids(before) == set()
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_killed_worker_loses_nothing_and_keeps_the_order():
    """All batches are handed out at once here (8 of 8 docs: the window of two workers), so the kill is
    always met as a broken batch, never by a new submission (see the next test)."""
    prepare = preparation()
    docs = sample_docs(64)
    expected = [summary(prepare(copy.deepcopy(d))) for d in docs]
    shells = [s[7][0][2] for s in expected]  # the shell step's verdict on each
    assert any(shells) and not all(shells)
    before = {p.pid for p in multiprocessing.active_children()}
    pool = CleaningWorkers(2, prepare)
    try:
        got = list(pool.map_ordered(_prepare_or_die, docs, batch=8))
    finally:
        pool.close()
    check_killed_run(got, docs, expected, pool, before)


def test_a_worker_killed_while_earlier_batches_are_consumed_loses_nothing(tmp_path, monkeypatch):
    prepare = preparation()
    docs = sample_docs(150)  # more than the 8 batches handed out at first: the loop submits more later
    expected = [summary(prepare(copy.deepcopy(d))) for d in docs]
    kill_now = tmp_path / "kill-now"
    monkeypatch.setenv(KILL_WHEN, str(kill_now))  # the workers are spawned with it
    before = {p.pid for p in multiprocessing.active_children()}
    pool = CleaningWorkers(2, prepare)
    try:
        results = pool.map_ordered(_prepare_or_die, docs, batch=8)
        got = [next(results)]  # the first batch is back...
        kill_now.touch()  # ...then the worker at KILL_ID dies while this process is not reading
        deadline = time.monotonic() + 60
        while len(pool_pids(before)) == 2:
            assert time.monotonic() < deadline, "the worker at KILL_ID did not die"
            time.sleep(0.01)
        got += list(results)  # its batch goes to the other worker (which dies on it too), then here
    finally:
        pool.close()
    check_killed_run(got, docs, expected, pool, before)


def test_a_record_that_raises_in_a_worker_is_reported_alone():
    prepare = preparation()
    docs = sample_docs(40)
    pool = CleaningWorkers(2, prepare)
    try:
        got = list(pool.map_ordered(_prepare_or_fail, docs, batch=8))
    finally:
        pool.close()
    assert pool.broken is None
    assert [item.id for item, _, _ in got] == [d.id for d in docs]
    failed = [(item.id, value) for item, ok, value in got if not ok]
    assert failed == [(FAIL_ID, f"ValueError: cannot prepare {FAIL_ID}")]
    expected = {d.id: summary(prepare(copy.deepcopy(d))) for d in docs}
    assert [summary(v) for item, ok, v in got if ok] == [expected[d.id] for d in docs if d.id != FAIL_ID]


def test_the_chain_reports_a_workers_verdicts_as_its_own():
    """A chain deciding over documents prepared in workers: the outcomes of cleaning them here."""
    docs = sample_docs(60)
    here_chain, pool_chain = full_chain(), full_chain()
    pool = CleaningWorkers(2, pool_chain.preparation)
    try:
        prepared = [o for _, ok, o in pool.map_ordered(prepare_in_worker, [copy.deepcopy(d) for d in docs], batch=7)
                    if ok]
    finally:
        pool.close()
    for doc, there in zip(docs, prepared):
        here = here_chain.clean(copy.deepcopy(doc))
        pool_chain.decide([there])
        assert (there.step, there.rejection, there.doc.paragraphs, dict(there.doc.removed)) == \
               (here.step, here.rejection, here.doc.paragraphs, dict(here.doc.removed)), doc.id
        assert [r.step for r in there.results] == [r.step for r in here.results]
        assert there.doc.fingerprint is None  # taken
    assert here_chain.steps[-1].counts == pool_chain.steps[-1].counts
    assert pool_chain.steps[-1].counts["duplicates"] > 0


# --- 5. a fingerprint is only taken for its own body and scheme -------------------------------


def decide(index_texts: dict[str, str], doc: Document, scheme: MinHashScheme = DEFAULT_SCHEME):
    """The near-duplicate decision for ``doc`` against a fresh index holding ``index_texts``."""
    filt = NearDuplicateFilter(MemoryIndex(scheme))
    for key, text in index_texts.items():
        assert filt(Document.from_text(text, id=key)) is None
    return filt(doc)


def test_a_fingerprint_of_the_body_before_an_edit_is_not_used():
    a, b = article("oil-reuters.txt"), article("emirates-cnbc.txt")
    prepare = preparation()

    def prepared_a_then_b() -> Document:
        doc = prepare(Document.from_text(a, id="edited")).doc
        assert isinstance(doc.fingerprint, TakenFingerprint)
        doc.paragraphs = split_paragraphs(b)  # changed after the worker: now B's text
        return doc

    # B is known: the edited document is B's copy (its stale fingerprint, of A, would let it through).
    rejection = decide({"b": b}, prepared_a_then_b())
    assert rejection is not None and (rejection.reason, rejection.duplicate_of) == ("near_duplicate", "b")
    assert rejection == decide({"b": b}, Document.from_text(b, id="edited"))
    # A is known: the edited document is not A any more (its stale fingerprint would reject it as A's copy).
    cleaned_a = "\n".join(preparation(None)(Document.from_text(a, id="a")).doc.paragraphs)
    assert decide({"a": cleaned_a}, Document.from_text(cleaned_a, id="copy")) is not None  # A's copy is caught
    assert decide({"a": cleaned_a}, prepared_a_then_b()) is None


@pytest.mark.parametrize("scheme", [MinHashScheme(seed=2), MinHashScheme(num_perm=64, bands=21, rows=3)],
                         ids=["another-seed", "fewer-permutations"])
def test_a_fingerprint_taken_with_another_scheme_is_not_used(scheme):
    a = article("moon-landers-space.txt")
    doc = preparation(scheme)(Document.from_text(a, id="copy")).doc
    body = "\n".join(doc.paragraphs)
    assert doc.fingerprint.scheme == scheme
    rejection = decide({"original": body}, doc)  # the index (DEFAULT_SCHEME) holds the same body
    assert rejection is not None and (rejection.reason, rejection.duplicate_of) == ("near_duplicate", "original")


def test_the_workers_fingerprint_is_taken_for_the_same_body_and_scheme():
    doc = preparation()(Document.from_text(article("plague-smithsonian.txt"), id="p")).doc
    taken = doc.fingerprint
    assert (taken.digest, taken.scheme) == (body_digest(doc.paragraphs), DEFAULT_SCHEME)
    fresh = fingerprint(doc.paragraphs, DEFAULT_SCHEME)
    assert np.array_equal(taken.fingerprint.signature, fresh.signature) and taken.fingerprint.shingles == fresh.shingles
    index = MemoryIndex(DEFAULT_SCHEME)
    assert NearDuplicateFilter(index)(doc) is None and doc.fingerprint is None  # taken once, and used
    assert index.query(fresh)[0].key == "p"


# --- 6. the crawl ---------------------------------------------------------------------------------


def enabled_pipelines(log: str) -> str:
    found = re.search(r"Enabled item pipelines:\n(\[.*?\])", log, re.S)
    assert found, log[-3000:]
    return found.group(1)


def test_crawl_exports_the_same_with_and_without_cleaning_workers(tmp_path):
    from tests.site_server import MIXED_KINDS, build_site, run_crawl, serve

    # Which of two copies is kept depends on which is met first, and a crawl's fetch order varies from run to run.
    # So the copies are "related_only" stories: linked only from their original's page, they are always met after
    # it (its item is yielded before the link is followed), whatever the order of everything else.
    site = build_site(30, kinds={**MIXED_KINDS, "related_only": 2}, seed=11, rss_items=5, per_page=10)
    listed = [s for s in site.stories if s.kind != "related_only"]
    plain = [s for s in listed if s.kind == "ok"]
    related = [s for s in site.stories if s.kind == "related_only"]
    (host1, copy1), (host2, copy2) = zip(plain[len(plain) // 2:], related)  # as render_site links them
    copy1.paragraphs = list(host1.paragraphs)  # the same story under another id
    copy2.paragraphs = host2.paragraphs[:-1] + [host2.paragraphs[-1].replace(" the ", " this ", 1)]  # edited copy
    plain[0].paragraphs = plain[0].paragraphs + plain[0].paragraphs[:2]  # a repeated passage
    with serve(site) as server:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        on = run_crawl(starts, tmp_path / "workers", "NEWSCRAWL_CLEANING_WORKERS=1")
        off = run_crawl(starts, tmp_path / "no-workers", "NEWSCRAWL_CLEANING_WORKERS=0")
    for result in (on, off):
        assert result.returncode == 0, result.stderr[-3000:]

    assert "newscrawl.pipeline.CleaningPipeline" in enabled_pipelines(on.stderr)
    assert (on.stats["newscrawl/cleaning/workers"], off.stats["newscrawl/cleaning/workers"]) == (1, 0)
    assert "cleaning in 1 worker process: shells, " in on.stderr and "cleaning in the crawl's process" in off.stderr
    assert "newscrawl/cleaning_workers/fallback" not in on.stats and "cleaning worker" not in on.stderr

    def bodies(result) -> dict[str, str]:
        assert len(result.ids) == len(set(result.ids))
        return {item["story_id"]: item["body"] for item in result.items}

    def cleaning_stats(result) -> dict:
        return {k: v for k, v in result.stats.items() if k.startswith(("newscrawl/dropped/", "newscrawl/stripped/"))}

    assert bodies(on) == bodies(off)
    assert cleaning_stats(on) == cleaning_stats(off)
    exported = set(on.ids)
    assert {s.story_id for s in site.expected} - exported == {copy1.story_id, copy2.story_id}
    stats = cleaning_stats(on)
    assert stats.get("newscrawl/dropped/near_duplicate") == 2
    assert stats.get("newscrawl/dropped/error_shell")  # the soft 404
    assert stats.get("newscrawl/stripped/repeated_passage")
