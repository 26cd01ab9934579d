"""Bad files (issue 6): ``newscrawl clean`` reports each bad part with file and line, reads the rest,
and its exit status says whether anything was skipped (0 all read, 3 something skipped, 2 usage)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.inputs import iter_records

REPO = Path(__file__).resolve().parents[1]
STORY = ("The port authority said on Monday that container volumes rose by nine percent in the first quarter, "
         "driven by new shipping lines to East Africa and South Asia.\n\nOfficials expect the new terminal to "
         "open next year, doubling capacity at the northern quay.")


def clean(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newscrawl", "clean", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_a_directory_of_bad_files_is_read_around_its_bad_parts(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.jsonl").write_bytes(b"\n".join([
        json.dumps({"id": "good1", "text": STORY}).encode(),
        b'{"id": "broken", "text": ',
        json.dumps({"id": "notext", "title": "x"}).encode(),
        b'{"id": "latin", "text": "Caf\xe9 owners in the old town said tourist numbers ' + STORY[:80].encode() + b'"}',
        b'{"id": "nul", "text": "' + STORY[100:].replace("\n", "\\n").encode() + b'\x00"}',
    ]) + b"\n")
    (d / "b.jsonl").write_bytes(b"")
    (d / "c.txt").symlink_to(tmp_path / "gone.txt")  # a broken link: unreadable
    os.mkfifo(d / "d.jsonl")  # would block a naive reader forever
    out, rej = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    proc = clean(str(d), "--output", str(out), "--rejects", str(rej))
    assert proc.returncode == 3, proc.stderr
    err = proc.stderr
    assert f"{d / 'a.jsonl'}:2: invalid JSON" in err
    assert f"{d / 'a.jsonl'}:3: no text field" in err
    assert f"{d / 'a.jsonl'}:4: not valid UTF-8" in err
    assert f"{d / 'a.jsonl'}:5: NUL bytes removed" in err
    assert f"{d / 'b.jsonl'}: empty file" in err
    assert f"{d / 'c.txt'}: not a regular file" in err and f"{d / 'd.jsonl'}: not a regular file" in err
    kept = {r["id"]: r for r in read_jsonl(out)}
    assert set(kept) | {r["id"] for r in read_jsonl(rej)} == {"good1", "latin", "nul"}
    assert "Café" in kept["latin"]["text"]
    assert "\x00" not in json.dumps(kept.get("nul", {}))


def test_exit_status_is_0_when_everything_was_read_and_2_on_usage_errors(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": STORY}) + "\n", encoding="utf-8")
    ok = clean(str(src), "--output", str(tmp_path / "o.jsonl"), "--rejects", str(tmp_path / "r.jsonl"))
    assert ok.returncode == 0, ok.stderr
    assert clean(str(src)).returncode == 2  # no --output
    missing = clean(str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "o2.jsonl"), "--rejects", str(tmp_path / "r2.jsonl"))
    assert missing.returncode == 3 and "nope.jsonl: no such file or directory" in missing.stderr


def test_an_unwritable_output_is_a_clear_error(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": STORY}) + "\n", encoding="utf-8")
    proc = clean(str(src), "--output", "/dev/full", "--rejects", str(tmp_path / "r.jsonl"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == "newscrawl clean: [Errno 28] cannot write /dev/full: No space left on device"


def test_an_oversized_line_is_skipped_without_being_held_in_memory(tmp_path):
    path = tmp_path / "big.jsonl"
    with path.open("wb") as fh:
        fh.write(json.dumps({"id": "before", "text": STORY}).encode() + b"\n")
        fh.write(b'{"id": "huge", "text": "' + b"x" * (3 * 1024 * 1024) + b'"}\n')
        fh.write(json.dumps({"id": "after", "text": STORY}).encode() + b"\n")
    problems = []
    from newscrawl import inputs

    records = list(inputs.read_jsonl(path, problems.append, max_bytes=1024 * 1024))
    assert [r.record["id"] for r in records] == ["before", "after"]
    assert [(p.line, p.skipped) for p in problems] == [(2, True)]
    assert "longer than 1048576 bytes" in problems[0].message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_reported_and_skipped(tmp_path):
    path = tmp_path / "secret.jsonl"
    path.write_text(json.dumps({"id": "a", "text": STORY}) + "\n", encoding="utf-8")
    path.chmod(0)
    problems = []
    assert list(iter_records([str(path)], problems.append)) == []
    assert problems[0].skipped and "cannot read" in problems[0].message
