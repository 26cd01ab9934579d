"""`newscrawl clean` as users run it: a subprocess over files, reading the output files back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
