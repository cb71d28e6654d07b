from surveyapp.services.diagnostics import check_cjk_fonts, check_emoji_font, check_harfbuzz_subset, run_diagnostics


def test_doctor_passes_on_a_set_up_machine(runner):
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "All checks passed." in result.output


def test_missing_harfbuzz_subset_is_named():
    check = check_harfbuzz_subset(find_library=lambda name: None)
    assert not check.ok
    assert "libharfbuzz-subset0" in check.message


def test_missing_cjk_fonts_are_named():
    check = check_cjk_fonts(list_families=lambda lang: ["DejaVu Sans"])
    assert not check.ok
    assert "fonts-noto-cjk" in check.message and "Noto Sans CJK TC" in check.message


def test_missing_fontconfig_is_named():
    check = check_cjk_fonts(list_families=lambda lang: None)
    assert not check.ok and "fontconfig" in check.message


def test_doctor_exits_non_zero_and_names_each_problem(runner, monkeypatch):
    from surveyapp.services import diagnostics

    monkeypatch.setattr(diagnostics, "find_shared_library", lambda name: None)
    monkeypatch.setattr(diagnostics, "list_font_families", lambda lang: ["DejaVu Sans"])
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "[FAIL] libharfbuzz-subset0" in result.output
    assert "[FAIL] CJK fonts" in result.output and "fonts-noto-cjk" in result.output
    assert "[ok] database" in result.output


def test_unmigrated_database_is_reported(app, tmp_path):
    from surveyapp.app import create_app

    fresh = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/empty.db"})
    checks = {check.name: check for check in run_diagnostics(fresh)}
    assert not checks["database"].ok
    assert "flask db upgrade" in checks["database"].message


def test_emoji_font_is_checked_and_a_missing_one_is_named(app):
    assert check_emoji_font().ok, "fonts-noto-color-emoji is in APT_PACKAGES: make run installs it"
    assert "emoji font" in [check.name for check in run_diagnostics(app)]
    missing = check_emoji_font(list_families=lambda: ["Noto Sans CJK SC", "DejaVu Sans"])
    assert not missing.ok and "fonts-noto-color-emoji" in missing.message
    assert not check_emoji_font(list_families=lambda: None).ok


def test_holiday_schedule_fails_for_an_unknown_year_and_warns_before_next_year():
    from datetime import date

    from surveyapp.domain.clock import WorkingCalendar, YearTable
    from surveyapp.services.diagnostics import check_holiday_schedule

    table_only = WorkingCalendar(table={2030: YearTable()}, use_package=False)
    assert not check_holiday_schedule(table_only, date(2031, 3, 1)).ok
    warned = check_holiday_schedule(table_only, date(2030, 11, 30))
    assert warned.ok and "2031" in warned.message and "workdays.yaml" in warned.message
    both = WorkingCalendar(table={2030: YearTable(), 2031: YearTable()}, use_package=False)
    assert check_holiday_schedule(both, date(2030, 11, 30)).message == "known for 2030 and 2031"
