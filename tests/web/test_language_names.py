"""One normaliser for a language named in a URL, a form, an option or a cookie: ``i18n.catalogue``."""

from surveyapp.i18n import catalogue


def test_catalogue_accepts_both_spellings_of_the_three_languages_only():
    assert [catalogue(v) for v in ("zh-Hans", "zh_Hant", "en")] == ["zh_Hans", "zh_Hant", "en"]
    assert [catalogue(v) for v in ("fr", "", None, "zh")] == [None, None, None, None]


def test_language_switch_stores_the_catalogue_name_and_ignores_others(client):
    assert "surveyapp_lang=zh_Hant" in client.get("/language/zh-Hant").headers.get("Set-Cookie", "")
    assert "surveyapp_lang" not in client.get("/language/xx").headers.get("Set-Cookie", "")
