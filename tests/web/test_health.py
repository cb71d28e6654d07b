from surveyapp.app import create_app


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_unreachable_database(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "degraded", "database": "unavailable"}


def test_healthz_answers_before_the_site_with_its_security_headers_and_no_cookie(client):
    """The probe is answered in front of Flask: no session cookie, never cached, the site's security
    headers; HEAD answers without a body and other methods are refused with the methods allowed."""
    from surveyapp.app import SECURITY_HEADERS

    response = client.get("/healthz?verbose=1", headers={"Cookie": "session=garbage"})
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers and "Vary" not in response.headers
    for name, value in SECURITY_HEADERS:
        assert response.headers[name] == value
    head = client.head("/healthz")
    assert head.status_code == 200 and head.data == b""
    refused = client.post("/healthz")
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"
    assert refused.get_json()["error"] == "405"
    assert client.get("/healthz/").status_code == 404  # only the exact path is the probe
