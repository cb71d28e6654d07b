"""PDF footers print the time in the agency's time zone, with the zone named (as the web shows times)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from surveyapp.reporting.report import stamp
from tests.helpers import sign_in
from tests.web.test_reports import pdftotext, seeded  # noqa: F401


def test_stamp_names_the_zone_and_its_offset():
    moment = datetime(2026, 11, 30, 1, 5, tzinfo=UTC)
    assert stamp(moment.astimezone(ZoneInfo("Asia/Shanghai"))) == "2026-11-30 09:05 Asia/Shanghai (UTC+08:00)"
    assert stamp(moment.astimezone(ZoneInfo("America/New_York"))) == "2026-11-29 20:05 America/New_York (UTC-05:00)"
    assert stamp(moment) == stamp(moment.replace(tzinfo=None)) == "2026-11-30 01:05 UTC"


@pytest.mark.slow
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Asia/Taipei"])
def test_scorecard_and_comparison_footers_use_the_agency_zone(app, seeded, zone):  # noqa: F811
    app.config["TIMEZONE"] = zone
    client = app.test_client()
    sign_in(client, "root@agency.example", lang="en")
    org_id = seeded["departments"][0][0]
    for url in (f"/rounds/{seeded['round_id']}/departments/{org_id}/scorecard.pdf?lang=zh-Hans",
                f"/compare/report.pdf?round={seeded['round_id']}"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        text = "".join(pdftotext(response.data).split())  # the helper's text, without any spaces
        assert f"{zone}(UTC+08:00)" in text, url
        assert "UTC·" not in text, url
