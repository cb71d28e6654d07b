"""The inspection rules on plain values (no network): thresholds at their edges, dates, personal data."""

from datetime import date, timedelta

import pytest

from surveyapp.domain import inspection as rules

AS_OF = date(2026, 11, 30)


def _valid_id(first17: str) -> str:
    return first17 + rules.id_check_digit(first17)


def test_check_digit_follows_iso_7064_mod_11_2():
    # The specimen number of GB 11643-1999: 11010519491231002X.
    assert rules.id_check_digit("11010519491231002") == "X"
    assert rules.is_resident_id("11010519491231002X")
    assert rules.is_resident_id("11010519491231002x")
    assert not rules.is_resident_id("110105194912310021")  # wrong check digit
    assert not rules.is_resident_id(_valid_id("11010519491331002"))  # month 13


def test_personal_data_masks_and_skips_wrong_check_digits():
    text = "联系人张三，身份证11010519491231002X，电话 138-1234-5678；另一号码110105194912310021。"
    found = rules.personal_data_in_text(text)
    assert found == ["110105********002X", "138****5678"]
    assert "11010519491231002X" not in " ".join(found)
    finding = rules.personal_data([("http://x/a", text, "s1")])
    assert finding.status == rules.FAIL and finding.observed == 2 and finding.evidence == "s1"
    assert "1234" not in finding.detail
    assert rules.personal_data([("http://x/a", "订单号 1101051949123100210 电话 010-12345678", None)]).status == "pass"


def test_mobile_numbers_inside_codes_and_amounts_are_not_personal_data():
    for text in ("文号 ABC13812345678XYZ", "金额 13812345678.00 元", "编号 13812345678a", "版本 v13812345678",
                 "订单号 20261381234567890123"):  # fmt: skip
        assert rules.personal_data_in_text(text) == [], text
    for text in ("电话13812345678。", "Tel: +86 138 1234 5678", "手机：138-1234-5678，", "(13812345678)"):
        assert rules.personal_data_in_text(text) == ["138****5678"], text


@pytest.mark.parametrize(("age", "status"), [(0, "pass"), (14, "pass"), (15, "fail")])
def test_home_page_freshness_two_weeks(age, status):
    finding = rules.home_page_freshness("http://x/", [AS_OF - timedelta(days=age)], [], None, AS_OF)
    assert finding.status == status
    assert finding.veto is (status == "fail")


def test_dates_come_from_metadata_then_list_then_extractor():
    meta, listed, extracted = date(2026, 11, 1), date(2026, 11, 20), date(2026, 11, 25)
    assert rules.choose_date([meta], [listed], extracted, AS_OF) == (meta, "metadata")
    assert rules.choose_date([], [listed], extracted, AS_OF) == (listed, "list")
    assert rules.choose_date([], [], extracted, AS_OF) == (extracted, "extractor")
    assert rules.choose_date([], [date(2027, 1, 1)], None, AS_OF) == (None, "none")  # the future is ignored


def test_dates_in_text_reads_chinese_and_numeric_forms():
    assert rules.dates_in_text("发布时间：2026年3月5日 2026-04-01 2026/5/6 2026.07.08 2026-13-01") == [
        date(2026, 4, 1), date(2026, 5, 6), date(2026, 7, 8), date(2026, 3, 5)]  # fmt: skip
    assert rules.metadata_date({"PubDate": "2026-11-20 10:00"}) == date(2026, 11, 20)
    assert rules.months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)


def _column(name, days, kind=None, items=3):
    dates = [AS_OF - timedelta(days=days)] if days is not None else []
    return rules.ColumnFacts(f"http://x/{name}/", name, rules.column_type(name, kind), items if dates else 0,
                             list_dates=dates)  # fmt: skip


def test_column_freshness_by_type():
    findings = rules.column_findings([
        _column("工作动态", 14), _column("要闻", 15), _column("通知公告", 182), _column("政策文件", 200),
        _column("其他", 900)], AS_OF)  # fmt: skip
    statuses = [f.status for f in findings if f.check == "column_freshness"]
    assert statuses == ["pass", "fail", "pass", "fail", "pass"]
    overdue = next(f for f in findings if f.check == "overdue_columns")
    assert overdue.observed == 2 and overdue.status == "pass"


@pytest.mark.parametrize(("overdue", "status"), [(4, "pass"), (5, "fail")])
def test_five_overdue_columns_is_a_veto(overdue, status):
    columns = [_column(f"动态{i}", 30) for i in range(overdue)] + [_column("新闻", 1)]
    finding = next(f for f in rules.column_findings(columns, AS_OF) if f.check == "overdue_columns")
    assert (finding.status, finding.observed, finding.veto) == (status, overdue, status == "fail")


@pytest.mark.parametrize(("blank", "status"), [(4, "pass"), (5, "fail")])
def test_five_blank_columns_is_a_veto(blank, status):
    columns = [_column(f"栏目{i}", None) for i in range(blank)] + [_column("新闻", 1)]
    findings = rules.column_findings(columns, AS_OF)
    finding = next(f for f in findings if f.check == "blank_columns")
    assert (finding.status, finding.observed, finding.veto) == (status, blank, status == "fail")
    assert next(f for f in findings if f.check == "overdue_columns").observed == 0  # blank is not also overdue


@pytest.mark.parametrize(("age", "status"), [(14, "pass"), (15, "fail")])
def test_feed_freshness(age, status):
    finding = rules.feed_freshness("http://x/feed", [AS_OF - timedelta(days=age), date(2020, 1, 1)], AS_OF)
    assert (finding.status, finding.veto) == (status, status == "fail")
    assert rules.feed_freshness("http://x/feed", [], AS_OF).status == "fail"
    assert rules.feed_freshness("http://x/feed", [], AS_OF, reachable=False).status == "unknown"


def test_a_feed_with_posts_only_after_the_day_of_the_check_is_unknown_not_a_veto():
    """A past --as-of on a live feed, or posts dated in the future: the account does post; "no dated post" and a
    single veto would be false."""
    finding = rules.feed_freshness("http://x/feed", [AS_OF + timedelta(days=3), date(2100, 1, 1)], AS_OF)
    assert (finding.status, finding.veto, finding.detail) == (
        "unknown", False, "only posts dated after the day of the check")  # fmt: skip
    older = rules.feed_freshness("http://x/feed", [date(2100, 1, 1), AS_OF - timedelta(days=40)], AS_OF)
    assert (older.status, older.veto, older.observed) == ("fail", True, (AS_OF - timedelta(days=40)).isoformat())


@pytest.mark.parametrize(("failed", "status"), [(0, "pass"), (4, "pass"), (5, "fail")])
def test_availability_five_percent(failed, status):
    finding = rules.availability("http://x/", [False] * failed + [True] * (100 - failed), 7)
    assert finding.status == status and finding.veto is (status == "fail")
    assert rules.availability("http://x/", [], 0).status == "unknown"


@pytest.mark.parametrize("days", [1, 6])
def test_availability_is_judged_only_after_a_week_of_monitoring(days):
    """One failed probe an hour after registering a site (or any number over less than the week) is no
    week of monitoring: unknown, never a single veto."""
    for outcomes in ([False], [False] * 50, [True] * 50):
        finding = rules.availability("http://x/", outcomes, days)
        assert (finding.status, finding.veto, finding.observed) == ("unknown", False, None)
        assert finding.detail.endswith(f"monitored on {days} of 7 days")


def test_soft_404_and_broken_links():
    assert rules.is_soft_404(200, "页面不存在", "")
    assert rules.is_soft_404(200, "政务公开", "对不起，您访问的页面不存在")
    assert not rules.is_soft_404(200, "政务公开", "正文" * 300 + "页面不存在")
    results = [rules.LinkResult("http://x/a", 200, "A", "正文"), rules.LinkResult("http://x/b", 404),
               rules.LinkResult("http://x/c", 200, "404 Not Found", "")]  # fmt: skip
    finding = rules.broken_links("http://x/", results)
    assert finding.status == "fail" and finding.observed == 2
    assert rules.broken_links("http://x/", results[:1]).status == "pass"


def test_https_and_required_entrances():
    assert rules.https_finding("http://x/", "https://x/").status == "pass"
    assert rules.https_finding("http://x/", "http://x/").status == "fail"
    links = [("http://x/guide", "政府信息公开指南"), ("http://x/cat", "政府信息公开目录"), ("http://x/msg", "我要留言")]
    finding = rules.required_entrances("http://x/", links)
    assert finding.status == "fail" and finding.observed == ["annual_report"]
    assert rules.required_entrances("http://x/", links, ["disclosure_guide", "留言"]).status == "pass"


def test_every_check_has_a_threshold_and_a_basis():
    for check in rules.CHECKS.values():
        assert check.threshold and check.basis
    assert "国办秘函〔2019〕19号" in rules.CHECKS["overdue_columns"].basis
