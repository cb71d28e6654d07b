import os
import stat

from surveyapp.app import create_app
from surveyapp.config import normalise_database_url, settings_from_environment


def test_environment_overrides_with_typed_values():
    settings = settings_from_environment(
        {
            "SURVEYAPP_MIN_GROUP_SIZE": "5",
            "SURVEYAPP_SESSION_COOKIE_SECURE": "true",
            "SURVEYAPP_ADMIN_EMAIL": "root@agency.example",
            "DATABASE_URL": "postgresql://u@db/survey",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "SECRET_KEY": "s3cret",
            "UNRELATED": "x",
        }
    )
    assert settings == {
        "MIN_GROUP_SIZE": 5,
        "SESSION_COOKIE_SECURE": True,
        "ADMIN_EMAIL": "root@agency.example",
        "SQLALCHEMY_DATABASE_URI": "postgresql://u@db/survey",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SECRET_KEY": "s3cret",
    }


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEYAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app()
    key_file = tmp_path / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert first.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 64
    second = create_app()
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert second.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/surveyapp.db"


def test_instance_config_file_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEYAPP_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text("MIN_GROUP_SIZE = 7\nSECRET_KEY = 'from-file'\n")
    app = create_app()
    assert app.config["MIN_GROUP_SIZE"] == 7
    assert app.config["SECRET_KEY"] == "from-file"


def test_a_misspelt_combine_setting_stops_the_start_with_its_name(tmp_path, monkeypatch):
    """It surfaced as a 500 on every explanation page and scorecard while `flask doctor` said all was well."""
    import pytest

    from surveyapp.config import SettingError

    monkeypatch.setenv("SURVEYAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("SURVEYAPP_INSPECT_COMBINE", "observd")
    problem = "SURVEYAPP_INSPECT_COMBINE must be one of observed, declared, not 'observd'"
    with pytest.raises(SettingError, match=problem):
        create_app()
    for good in ("declared", "observed"):
        monkeypatch.setenv("SURVEYAPP_INSPECT_COMBINE", good)
        assert create_app().config["INSPECT_COMBINE"] == good
