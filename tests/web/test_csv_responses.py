"""Every CSV download has one Content-Type, ``text/csv; charset=utf-8`` (``spreadsheet.CSV_MIMETYPE``), and
every file of personal data or working links a command writes is readable by its owner only (0600)."""

import io
import os
import re
import stat
from pathlib import Path

import pytest

from surveyapp.definitions.spreadsheet import CSV_MIMETYPE
from tests.helpers import sign_in

VIEWS = Path(__file__).resolve().parents[2] / "surveyapp" / "views"


def csv_urls(app, round_id: int) -> list[str]:
    """A URL of every CSV route of the app (routes ending in .csv, and .<fmt> ones as csv)."""
    urls = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if not (path.endswith(".csv") or path.endswith(".<fmt>")):
            continue
        if rule.endpoint.startswith("api."):
            continue  # bearer tokens: checked in test_honest_exports
        path = path.replace("<int:round_id>", str(round_id)).replace("<fmt>", "csv")
        if "<what>" in path:
            urls += [path.replace("<what>", what) + f"?round={round_id}" for what in ("departments", "answers")]
        else:
            urls.append(path + ("" if "round_id" in rule.rule else f"?round={round_id}"))
    return urls


def test_every_csv_download_has_one_charset(app, assessment, create_user):
    create_user("root@ag.example", "sysadmin")
    client = app.test_client()
    sign_in(client, "root@ag.example", lang="en")
    urls = csv_urls(app, assessment["round_id"])
    assert any("reminders.csv" in url for url in urls) and any("invitations.csv" in url for url in urls)
    for url in urls:
        response = client.get(url)
        response.get_data()  # a streamed body is read to the end, as a browser does
        response.close()
        if response.status_code == 404 and "/compare/training." in url:
            continue  # the training plan comes as XLSX and PDF only
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == CSV_MIMETYPE, (url, response.headers["Content-Type"])


def test_no_view_spells_a_csv_content_type_of_its_own():
    for path in VIEWS.glob("*.py"):
        assert not re.search(r"""mimetype=["']text/csv""", path.read_text(encoding="utf-8")), path.name


@pytest.mark.parametrize("existing", [False, True])
def test_remind_csv_and_qr_sheet_files_are_private(app, runner, assessment, tmp_path, existing):
    app.config["BASE_URL"] = "https://survey.example.gov.cn"
    round_id = str(assessment["round_id"])
    reminders, links = tmp_path / "reminders.csv", tmp_path / "links.csv"
    if existing:  # a file already there with a wider mode is narrowed
        for path in (reminders, links):
            path.write_text("old")
            os.chmod(path, 0o644)
    result = runner.invoke(args=["rounds", "remind", "--round", round_id, "--csv", str(reminders)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["invitations", "create", "--round", round_id, "--department", "D01", "--count", "1",
                                 "--out", str(links)])  # fmt: skip
    assert result.exit_code == 0, result.output
    for path in (reminders, links):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert io.StringIO(reminders.read_text(encoding="utf-8-sig")).readline().strip()
