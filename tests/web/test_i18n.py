import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from surveyapp.i18n import negotiate_locale

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted((ROOT / "surveyapp" / "translations").glob("*/LC_MESSAGES/messages.po"))


@pytest.mark.parametrize(
    "header, expected",
    [
        ([("zh-TW", 1)], "zh_Hant"),
        ([("zh-HK", 1)], "zh_Hant"),
        ([("zh-Hant-TW", 1)], "zh_Hant"),
        ([("zh-CN", 1)], "zh_Hans"),
        ([("zh", 1)], "zh_Hans"),
        ([("en-GB", 1)], "en"),
        ([("fr", 1), ("en", 0.5)], "en"),
        ([("fr", 1)], "zh_Hans"),
        ([], "zh_Hans"),
    ],
)
def test_browser_language_maps_to_a_catalogue(header, expected):
    assert negotiate_locale(header, "zh_Hans") == expected


def test_switcher_choice_is_remembered_over_browser_language(client):
    response = client.get("/language/zh_Hant?next=/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-Hant">' in page
    assert "登入" in page
    client.get("/language/en")
    page = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_switcher_refuses_to_redirect_off_site(client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.get("/language/en", query_string={"next": target})
        assert response.headers["Location"] == "/"


def test_unknown_language_code_is_ignored(client):
    client.get("/language/xx")
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_three_catalogues_exist():
    assert {path.parts[-3] for path in CATALOGUES} == {"zh_Hans", "zh_Hant", "en"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_catalogue_has_no_untranslated_or_fuzzy_message(path):
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    assert not catalogue.fuzzy, f"{path.parts[-3]}: the catalogue is marked fuzzy and would not compile"
    problems = [
        message.id
        for message in catalogue
        if message.id
        and (message.fuzzy or not (message.string if isinstance(message.string, str) else all(message.string)))
    ]
    assert problems == [], f"{path.parts[-3]}: untranslated or fuzzy: {problems}"


def test_catalogues_cover_every_message_in_the_source(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            "--no-location",
            "--omit-header",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        source_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    for path in CATALOGUES:
        with path.open("rb") as handle:
            catalogue_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
        missing = source_ids - catalogue_ids
        assert not missing, f"{path.parts[-3]} lacks {sorted(missing)}; run `make messages` and translate"


def test_templates_follow_a_forced_language_and_come_back(app):
    """Templates' gettext is remembered per request and language: rendering inside ``force_locale``
    (as e-mails and PDFs in the recipient's language do) uses that language, and after it the page's
    language again, also after ``refresh``."""
    from flask import render_template_string
    from flask_babel import force_locale, refresh

    template = '{{ _("Sign in") }}'
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(template) == "Sign in"
        with force_locale("zh_Hans"):
            assert render_template_string(template) == "登录"
            with force_locale("zh_Hant"):
                assert render_template_string(template) == "登入"
            assert render_template_string(template) == "登录"
        assert render_template_string(template) == "Sign in"
        refresh()
        assert render_template_string(template) == "Sign in"
