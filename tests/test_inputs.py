"""Reading users' files for `newscrawl clean`: bad lines are reported with file and line, the rest is read."""

from __future__ import annotations

import json

from newscrawl.inputs import iter_records


def _collect(paths):
    problems = []
    records = list(iter_records([str(p) for p in paths], problems.append))
    return records, problems


def test_jsonl_bad_lines_are_reported_and_the_rest_is_read(tmp_path):
    path = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "a", "text": "first story"}),
        "{not json",
        json.dumps({"id": "b", "title": "no text field"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"id": "c", "html": "<p>third</p>"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, problems = _collect([path])
    assert [r.record["id"] for r in records] == ["a", "c"]
    assert [(p.line, p.skipped) for p in problems] == [(2, True), (3, True), (4, True)]
    assert "invalid JSON" in str(problems[0]) and str(problems[0]).startswith(f"{path}:2:")
    assert "no text field" in problems[1].message


def test_non_utf8_and_nul_bytes_are_read_with_a_warning(tmp_path):
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b'{"id": "x", "text": "caf\xe9 cr\xe8me"}\n' + b'{"id": "y", "text": "a\\u0000b"}\n')
    capture = tmp_path / "capture.txt"
    capture.write_bytes("Story text\x00 here".encode("utf-8"))
    records, problems = _collect([path, capture])
    assert records[0].record["text"] == "café crème"
    assert [p.skipped for p in problems] == [False, False]
    assert records[2].record == {"id": "capture", "text": "Story text here"}


def test_directories_are_walked_in_order_and_empty_files_reported(tmp_path):
    d = tmp_path / "captures"
    d.mkdir()
    (d / "b.txt").write_text("second", encoding="utf-8")
    (d / "a.txt").write_text("first", encoding="utf-8")
    (d / "empty.txt").write_text("  \n", encoding="utf-8")
    (d / "page.html").write_text("<!DOCTYPE html><html><body><p>x</p></body></html>", encoding="utf-8")
    records, problems = _collect([d, tmp_path / "missing.jsonl"])
    assert [r.record["id"] for r in records] == ["a", "b", "page"]
    assert "html" in records[2].record
    assert [p.message for p in problems] == ["empty file; skipped", "no such file or directory"]


def test_json_nested_too_deeply_is_a_skipped_line_not_a_crash(tmp_path):
    path = tmp_path / "in.jsonl"
    deep = '{"id": "deep", "text": "x", "meta": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path.write_text("\n".join([json.dumps({"id": "a", "text": "first"}), deep,
                               json.dumps({"id": "b", "text": "last"})]) + "\n", encoding="utf-8")
    records, problems = _collect([path])
    assert [r.record["id"] for r in records] == ["a", "b"]
    assert [(p.line, p.skipped) for p in problems] == [(2, True)]
    assert "nested too deeply" in str(problems[0])
