"""Where the data directory is: beside the project's scrapy.cfg wherever a command runs from."""

from __future__ import annotations

from pathlib import Path

from newscrawl import paths


def test_the_data_directory_is_beside_scrapy_cfg_from_any_subdirectory(tmp_path, monkeypatch):
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    project = tmp_path / "news project"
    (project / "tests" / "deep").mkdir(parents=True)
    (project / "scrapy.cfg").write_text("[settings]\ndefault = newscrawl.settings\n")
    for where in (project, project / "tests", project / "tests" / "deep"):
        monkeypatch.chdir(where)
        assert paths.data_dir() == project.resolve() / "data"


def test_outside_any_project_it_is_the_checkout_this_package_comes_from(tmp_path, monkeypatch):
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    repo = Path(__file__).resolve().parents[1]
    assert paths.data_dir() == repo / "data"


def test_the_environment_variable_wins_and_is_read_as_a_plain_path(tmp_path, monkeypatch):
    odd = tmp_path / "news [prod] 100% é"
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(odd))
    monkeypatch.chdir(tmp_path)
    assert paths.data_dir() == odd
