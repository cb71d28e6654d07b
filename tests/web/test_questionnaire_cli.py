import pytest
import yaml
from sqlalchemy import func, select

from surveyapp.extensions import db
from surveyapp.models import QuestionnaireVersion
from tests.xlsform_sample import sample_xlsform


def test_load_builtin_is_idempotent_and_list_shows_it(runner):
    first = runner.invoke(args=["questionnaire", "load-builtin"])
    assert "transparency version 1: loaded" in first.output
    again = runner.invoke(args=["questionnaire", "load-builtin"])
    assert "already loaded" in again.output
    listing = runner.invoke(args=["questionnaire", "list"])
    assert "transparency\tversion 1\t64 items" in listing.output


def test_validate_reports_every_problem_with_file_and_key(runner, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(
        yaml.safe_dump({"key": "x", "version": 1, "dimensions": [{"key": "D1", "weight": -1}], "parts": []}),
        encoding="utf-8",
    )
    result = runner.invoke(args=["questionnaire", "validate", str(path)])
    assert result.exit_code == 1
    assert f"{path}: dimension D1: weight: must be positive, got -1" in result.output
    assert f"{path}: top level: title: missing" in result.output


def test_import_xlsform_then_export_both_formats(app, runner, tmp_path):
    path = sample_xlsform(tmp_path / "hotline.xlsx")
    result = runner.invoke(args=["questionnaire", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "hotline version 2026112701: loaded" in result.output
    out = tmp_path / "out.xlsx"
    assert (
        runner.invoke(args=["questionnaire", "export", "hotline", "--format", "xlsx", "--out", str(out)]).exit_code == 0
    )
    assert runner.invoke(args=["questionnaire", "validate", str(out)]).exit_code == 0
    out_yaml = tmp_path / "out.yaml"
    assert runner.invoke(args=["questionnaire", "export", "hotline", "--out", str(out_yaml)]).exit_code == 0
    assert yaml.safe_load(out_yaml.read_text(encoding="utf-8"))["key"] == "hotline"


def test_changed_content_under_the_same_version_is_refused(app, runner, tmp_path):
    runner.invoke(args=["questionnaire", "import", str(sample_xlsform(tmp_path / "a.xlsx"))])
    changed = sample_xlsform(tmp_path / "b.xlsx", relevant="${has_hotline} != 'no'")
    result = runner.invoke(args=["questionnaire", "import", str(changed)])
    assert result.exit_code == 1
    assert "already loaded with different content" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(QuestionnaireVersion.id))) == 1


@pytest.mark.parametrize("name", ["bad.txt"])
def test_unknown_file_type(runner, tmp_path, name):
    path = tmp_path / name
    path.write_text("x")
    result = runner.invoke(args=["questionnaire", "validate", str(path)])
    assert result.exit_code == 1 and "unknown file type" in result.output
