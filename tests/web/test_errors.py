import pytest


@pytest.mark.parametrize(
    "accept, lang, title",
    [("zh-CN", "zh-Hans", "页面不存在"), ("zh-TW", "zh-Hant", "頁面不存在"), ("en", "en", "Page not found")],
)
def test_unknown_url_gets_translated_404_page(client, accept, lang, title):
    response = client.get("/no/such/page", headers={"Accept-Language": accept})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert title in html


def test_wrong_method_gets_405_page(client):
    response = client.delete("/login", headers={"Accept-Language": "en"})
    assert response.status_code == 405
    assert "Method not allowed" in response.get_data(as_text=True)


def test_oversized_body_gets_413_page(client, app):
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        "/login",
        data=body,
        headers={"Accept-Language": "en", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert "larger than this site accepts" in response.get_data(as_text=True)


def test_unexpected_error_shows_page_not_stack_trace(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom", headers={"Accept-Language": "zh-TW"})
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "系統發生錯誤" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_missing_csrf_token_is_a_clear_400(app_config):
    from surveyapp.app import create_app

    app_config["WTF_CSRF_ENABLED"] = True
    app = create_app(app_config)
    response = app.test_client().post(
        "/login", data={"email": "a@b.c", "password": "x"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    # The error page is in no section: "Sign in" is not marked as the current page on it.
    assert "aria-current" not in response.get_data(as_text=True).split('<ul class="nav">')[1].split("</ul>")[0]
