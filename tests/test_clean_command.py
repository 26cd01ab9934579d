"""`newscrawl clean` as users run it: a subprocess over files, reading the output files back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.cleaning.document import split_paragraphs

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


def clean(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newscrawl", "clean", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def article(name: str) -> str:
    return (FIXTURES / "articles" / name).read_text(encoding="utf-8")


def light_edit(text: str) -> str:
    paragraphs = split_paragraphs(text)
    paragraphs[1] = paragraphs[1].replace(" the ", " this ", 1)
    return "(MENAFN- Azernews) " + "\n\n".join(paragraphs[:-1])  # another provider, last paragraph cut


def test_a_seed_style_capture_cleans_to_its_article(tmp_path):
    captures = tmp_path / "captures"
    captures.mkdir()
    (captures / "sohar.txt").write_bytes((FIXTURES / "captures" / "menafn_seed_style.txt").read_bytes())
    out, rej = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    proc = clean(str(captures), "--output", str(out), "--rejects", str(rej))
    assert proc.returncode == 0, proc.stderr
    [record] = read_jsonl(out)
    expected = split_paragraphs((FIXTURES / "captures" / "story_body.txt").read_text(encoding="utf-8"))
    assert record["id"] == "sohar"
    assert split_paragraphs(record["body"]) == expected
    assert record["provider"] == "Times of Oman"
    assert record["title"].startswith("Oman’s Sohar Port")
    assert read_jsonl(rej) == []


def test_jsonl_keeps_order_rejects_with_reasons_and_reports_bad_lines(tmp_path):
    src = tmp_path / "in.jsonl"
    oil, plague = article("oil-reuters.txt"), article("plague-express.txt")
    shell = "Sorry!!\nError! We're sorry, but the page you were looking for doesn't exist.\nLegal Disclaimer:\nCommentsNo comment"
    lines = [
        json.dumps({"id": "oil", "url": "https://example.org/oil", "text": oil, "extra": 1}),
        json.dumps({"id": "copy", "text": light_edit(oil)}),
        "{broken",
        json.dumps({"id": "shell", "text": shell}),
        json.dumps({"id": "plague", "body": plague}),
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, rej = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    proc = clean(str(src), "--output", str(out), "--rejects", str(rej))
    assert proc.returncode == 3, proc.stderr  # something was skipped
    assert f"{src}:3: invalid JSON" in proc.stderr
    kept, rejected = read_jsonl(out), read_jsonl(rej)
    assert [r["id"] for r in kept] == ["oil", "plague"]
    assert kept[0]["extra"] == 1 and kept[0]["url"] == "https://example.org/oil"  # input fields kept
    assert split_paragraphs(kept[0]["body"]) == split_paragraphs(oil)
    assert [(r["id"], r["reason"]) for r in rejected] == [("copy", "near_duplicate"), ("shell", "error_shell")]
    assert rejected[0]["duplicate_of"] == "oil"
    assert rejected[0]["text"] == light_edit(oil)  # nothing lost: the rejected record is whole


def test_state_dedups_against_an_earlier_run(tmp_path):
    state = tmp_path / "state"
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    moon = article("moon-landers-space.txt")
    first.write_text(json.dumps({"id": "moon", "text": moon}) + "\n", encoding="utf-8")
    second.write_text(json.dumps({"id": "moon-copy", "text": light_edit(moon)}) + "\n"
                      + json.dumps({"id": "other", "text": article("moon-landers-spacenews.txt")}) + "\n",
                      encoding="utf-8")
    for i, src in enumerate((first, second)):
        proc = clean(str(src), "--output", str(tmp_path / f"out{i}.jsonl"), "--rejects", str(tmp_path / f"rej{i}.jsonl"),
                     "--state", str(state))
        assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in read_jsonl(tmp_path / "out1.jsonl")] == ["other"]  # same event, another story: kept
    [rejected] = read_jsonl(tmp_path / "rej1.jsonl")
    assert (rejected["id"], rejected["reason"], rejected["duplicate_of"]) == ("moon-copy", "near_duplicate", "moon")
    # Without the state the copy has nothing to match.
    proc = clean(str(second), "--output", str(tmp_path / "out2.jsonl"), "--rejects", str(tmp_path / "rej2.jsonl"))
    assert [r["id"] for r in read_jsonl(tmp_path / "out2.jsonl")] == ["moon-copy", "other"]


def state(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newscrawl", "state", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_state_command_shows_prunes_and_resets(tmp_path):
    store = tmp_path / "state"
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "oil", "text": article("oil-reuters.txt")}) + "\n"
                   + json.dumps({"id": "emirates", "text": article("emirates-cnbc.txt")}) + "\n", encoding="utf-8")
    assert clean(str(src), "-o", str(tmp_path / "o.jsonl"), "-r", str(tmp_path / "r.jsonl"), "--state", str(store)).returncode == 0
    where = ["--spider", "clean", "--state-dir", str(store)]
    shown = state("show", *where)
    assert shown.returncode == 0, shown.stderr
    described = json.loads(shown.stdout)
    assert described["index"]["stories"] == 2
    assert described["index"]["scheme"]["num_perm"] == 128
    refused = state("reset", *where)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    reset = state("reset", "--yes", *where)
    assert reset.returncode == 0, reset.stderr
    assert json.loads(reset.stdout.split("\n", 1)[1])["index"]["stories"] == 0


# --- each record exactly once (issue 15) --------------------------------------------------------

def records_file(path: Path, n: int, with_ids: bool = True) -> list[dict]:
    """``n`` different real-text records: passages of the fixture articles, with ids or not."""
    words = " ".join(article(name) for name in sorted(p.name for p in (FIXTURES / "articles").glob("*.txt"))).split()
    size = 60
    records = []
    for i in range(n):
        start = (i * 37) % max(1, len(words) - size)
        body = f"Record {i} opens here. " + " ".join(words[start:start + size]) + f" Record {i} ends here."
        records.append({"id": f"r{i}", "text": body} if with_ids else {"text": body})
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return records


def test_running_the_same_command_twice_gives_the_same_files(tmp_path):
    src, out, rej = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    records_file(src, 30)
    written = []
    for _ in range(2):
        proc = clean(str(src), "--output", str(out), "--rejects", str(rej), "--jobs", "0")
        assert proc.returncode == 0, proc.stderr
        written.append((out.read_bytes(), rej.read_bytes()))
    assert written[0] == written[1]
    assert len(read_jsonl(out)) + len(read_jsonl(rej)) == 30
    assert rej.exists()  # written even when nothing was rejected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl", "rej.jsonl"]  # no leftovers


def test_an_output_that_is_also_an_input_is_a_usage_error(tmp_path):
    src = tmp_path / "in.jsonl"
    records_file(src, 3)
    before = src.read_bytes()
    for args in (["--output", str(src), "--rejects", str(tmp_path / "r.jsonl")],
                 ["--output", str(tmp_path / "o.jsonl"), "--rejects", str(src)]):
        proc = clean(str(src), *args)
        assert proc.returncode == 2 and "is also an input" in proc.stderr
    inside = clean(str(tmp_path), "--output", str(tmp_path / "o.jsonl"), "--rejects", str(tmp_path / "r.jsonl"))
    assert inside.returncode == 2 and "inside the input directory" in inside.stderr
    assert src.read_bytes() == before and not (tmp_path / "o.jsonl").exists()


def test_a_repeat_by_id_or_by_text_is_rejected_as_duplicate(tmp_path):
    src = tmp_path / "in.jsonl"
    moon, oil = article("moon-landers-space.txt"), article("oil-reuters.txt")
    src.write_text("".join(json.dumps(r) + "\n" for r in [
        {"id": "moon", "text": moon}, {"id": "moon", "text": moon},  # the same record twice
        {"text": oil}, {"text": oil},  # no id: the same words twice
    ]), encoding="utf-8")
    out, rej = tmp_path / "o.jsonl", tmp_path / "r.jsonl"
    proc = clean(str(src), "--output", str(out), "--rejects", str(rej), "--jobs", "0")
    assert proc.returncode == 0, proc.stderr
    assert [r.get("id") for r in read_jsonl(out)] == ["moon", None]
    assert [r["reason"] for r in read_jsonl(rej)] == ["duplicate", "duplicate"]


KILLABLE = r"""
import sys
import newscrawl.clean_files as cf
real = cf._write_chunk
def paced(*args, **kw):  # after each chunk, wait for the test's go-ahead: the kill lands mid-run, always
    real(*args, **kw)
    print("chunk", flush=True)
    sys.stdin.readline()
cf._write_chunk = paced
cf.CHUNK = 8
from newscrawl.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("with_ids", [True, False])
def test_a_killed_run_then_the_same_command_gives_every_record_once(tmp_path, with_ids):
    src, out, rej, state_dir = tmp_path / "in.jsonl", tmp_path / "o.jsonl", tmp_path / "r.jsonl", tmp_path / "state"
    records = records_file(src, 120, with_ids=with_ids)
    args = ["clean", str(src), "--output", str(out), "--rejects", str(rej), "--state", str(state_dir), "--jobs", "0"]
    proc = subprocess.Popen([sys.executable, "-c", KILLABLE, *args], cwd=REPO, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(4):  # some chunks claimed and indexed, then SIGKILL
        assert proc.stdout.readline().strip() == "chunk"
        proc.stdin.write("go\n")
        proc.stdin.flush()
    assert proc.stdout.readline().strip() == "chunk"
    proc.kill()
    proc.wait(timeout=30)
    assert not out.exists()  # nothing delivered by the killed run
    again = clean(*args[1:])
    assert again.returncode == 0, again.stderr
    kept, rejected = read_jsonl(out), read_jsonl(rej)
    assert len(kept) + len(rejected) == len(records)
    assert not [r for r in rejected if r["reason"] == "duplicate"]  # never a duplicate of itself
    assert "stories pending from interrupted runs: 0 were delivered" in again.stderr


def test_state_of_a_crawl_dedups_records_against_the_crawls_index(tmp_path):
    from newscrawl.cleaning.neardup import DEFAULT_SCHEME, fingerprint
    from newscrawl.store import open_stores

    state_dir = tmp_path / "state"
    moon = article("moon-landers-space.txt")
    with open_stores("menafn", state_dir=state_dir, scheme=DEFAULT_SCHEME) as stores:  # what a crawl indexed
        stores.index.check_and_insert("1100000001", fingerprint(moon))
        stores.seen.mark_done(["1100000001"])
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "copy", "text": light_edit(moon)}) + "\n"
                   + json.dumps({"id": "1100000001", "text": moon}) + "\n", encoding="utf-8")
    out, rej = tmp_path / "o.jsonl", tmp_path / "r.jsonl"
    proc = clean(str(src), "-o", str(out), "-r", str(rej), "--state", str(state_dir), "--spider", "menafn", "-j", "0")
    assert proc.returncode == 0, proc.stderr
    assert read_jsonl(out) == []
    assert [(r["id"], r["reason"], r["duplicate_of"]) for r in read_jsonl(rej)] == [
        ("copy", "near_duplicate", "1100000001"), ("1100000001", "duplicate", "1100000001")]
    by_file = clean(str(src), "-o", str(tmp_path / "o2.jsonl"), "-r", str(tmp_path / "r2.jsonl"),
                    "--state", str(state_dir / "menafn.sqlite3"), "-j", "0")
    assert by_file.returncode == 0 and read_jsonl(tmp_path / "o2.jsonl") == []
