"""Issue 14 (part B): sessions end for good, passwords are not reused or weak, sign-in is
throttled without revealing accounts or letting a stranger lock anyone out, proxies, limits
and caching."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from werkzeug.routing import IntegerConverter

from surveyapp.extensions import db
from surveyapp.models import AuditEvent, User, UserSession
from surveyapp.models.base import utcnow

PASSWORD = "correct horse battery"
EMAIL = "staff@agency.example"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def sign_in(client, email=EMAIL, password=PASSWORD, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def signed_in(client) -> bool:
    return client.get("/account/password").status_code == 200


def flashes(response) -> list[str]:
    return [
        html.unescape(m)
        for m in re.findall(r'class="flash flash-[^"]*"[^>]*>\s*(.*?)\s*</p>', response.get_data(as_text=True))
    ]


def audit(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


# --- sessions -----------------------------------------------------------------------------


def test_cookie_copied_before_sign_out_is_refused_after_it(app, create_user):
    create_user(EMAIL)
    browser = app.test_client()
    assert sign_in(browser).status_code == 302 and signed_in(browser)
    copied = browser.get_cookie("session").value

    browser.post("/logout")
    assert not signed_in(browser)

    replay = app.test_client()
    replay.set_cookie("session", copied)
    response = replay.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"], "a replayed cookie is refused"
    assert EMAIL.encode() not in replay.get("/login").data


def test_other_sessions_survive_one_sign_out(app, create_user):
    create_user(EMAIL)
    first, second = app.test_client(), app.test_client()
    sign_in(first)
    sign_in(second)
    first.post("/logout")
    assert signed_in(second), "signing out ends that session only"
    sign_in(app.test_client())
    with app.app_context():
        live = db.session.scalars(select(UserSession)).all()
    assert len(live) == 2 and all(row.ended_at is None for row in live), "ended sessions are deleted at a sign-in"


def _age_session(app, **offsets):
    with app.app_context():
        values = {column: utcnow() - offset for column, offset in offsets.items()}
        db.session.execute(update(UserSession).values(**values))
        db.session.commit()


def test_idle_timeout(app, create_user):
    create_user(EMAIL)
    browser = app.test_client()
    sign_in(browser)
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    _age_session(app, last_seen_at=idle - timedelta(minutes=1))
    assert signed_in(browser), "a session used within the idle timeout goes on"
    _age_session(app, last_seen_at=idle + timedelta(minutes=1))
    assert not signed_in(browser), "a session idle for longer than the timeout has ended"
    _age_session(app, last_seen_at=timedelta(0))
    assert not signed_in(browser), "and stays ended"


def test_absolute_lifetime(app, create_user):
    create_user(EMAIL)
    browser = app.test_client()
    sign_in(browser)
    lifetime = timedelta(hours=app.config["SESSION_MAX_HOURS"])
    _age_session(app, created_at=lifetime - timedelta(minutes=5), last_seen_at=timedelta(minutes=1))
    assert signed_in(browser)
    _age_session(app, created_at=lifetime + timedelta(minutes=1), last_seen_at=timedelta(minutes=1))
    assert not signed_in(browser), "a session older than the lifetime has ended, however busy"


def test_session_defaults_suit_a_long_questionnaire():
    from surveyapp.config import Defaults

    assert Defaults.SESSION_IDLE_MINUTES >= 60 and Defaults.SESSION_MAX_HOURS >= 8
    readme = (PROJECT_ROOT / "README.md").read_text()
    for name in (
        "SESSION_IDLE_MINUTES",
        "SESSION_MAX_HOURS",
        "PROXY_COUNT",
        "PROXY_ADDRESSES",
        "PASSWORD_MIN_STRENGTH",
    ):
        assert f"SURVEYAPP_{name}" in readme, f"{name} is documented in the README's configuration table"


# --- passwords ----------------------------------------------------------------------------


def _change(client, current, new, lang="en"):
    return client.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "confirm": new},
        headers={"Accept-Language": lang},
    )


def test_set_password_command_gives_a_one_time_password_that_cannot_be_kept(app, runner, create_user):
    create_user(EMAIL)
    other = app.test_client()
    sign_in(other)
    result = runner.invoke(args=["users", "set-password", EMAIL.upper()])
    assert result.exit_code == 0, result.output
    one_time = re.search(r"password: (\S+)", result.output).group(1)
    assert not signed_in(other), "a lost-password reset ends the account's sessions"
    [event] = audit(app, "account.password_reset")
    assert event.details["via"] == "cli" and event.actor_id is None

    browser = app.test_client()
    assert sign_in(browser, password=PASSWORD).status_code == 200, "the old password no longer works"
    assert sign_in(browser, password=one_time).status_code == 302
    assert browser.get("/").headers["Location"].endswith("/account/password"), "it must be changed first"

    page = _change(browser, one_time, one_time).get_data(as_text=True)
    assert "the one-time password cannot be kept" in page
    assert browser.get("/").status_code == 302, "still a one-time password"

    assert _change(browser, one_time, "violet tram quietly hums").status_code == 302
    assert signed_in(browser)

    unknown = runner.invoke(args=["users", "set-password", "nobody@agency.example"])
    assert unknown.exit_code != 0 and "no account" in unknown.output


def test_current_password_cannot_be_the_new_one(app, create_user):
    create_user(EMAIL)
    browser = app.test_client()
    sign_in(browser)
    page = _change(browser, PASSWORD, PASSWORD).get_data(as_text=True)
    assert "must differ from the current one" in page
    with app.app_context():
        assert db.session.scalar(select(User.session_version).where(User.email == EMAIL)) == 1, "nothing changed"


@pytest.mark.parametrize("strong", ["qiche lanse dengpao 42", "correct-horse-battery-staple", "x7#Kp!2qZ$w9"])
def test_a_passphrase_of_unrelated_pinyin_words_is_still_accepted(app, create_user, strong):
    """The Chinese list refuses names and set phrases, not pinyin as such: unrelated words still pass. Symbols
    count as separators only between guessable parts: a random password keeps its worth."""
    create_user(EMAIL)
    browser = app.test_client()
    sign_in(browser)
    page = html.unescape(_change(browser, PASSWORD, strong).get_data(as_text=True))
    assert "too easy to guess" not in page
    with app.app_context():
        assert db.session.scalar(select(User.session_version).where(User.email == EMAIL)) == 2, "password changed"


@pytest.mark.parametrize(
    ("weak", "reason_en", "reason_zh"),
    [
        ("1234567890", "one of the 100 most common passwords", "最常见的 100 个密码"),
        ("qwertyuiop1", "similar to a commonly used password", "类似"),
        ("staffagency", "e-mail address or name", "电子邮件地址或姓名"),
        ("aaaaaaaaaaaaaaa", 'Repeats like "aaa"', "重复"),
        # Chinese users' own patterns, which zxcvbn's English lists miss (they scored "safely unguessable").
        ("zhangwei1988", "pinyin names or words", "拼音"),
        ("5201314woaini", "number phrases like 5201314", "5201314"),
        ("7758521abc", "number phrases like 5201314", "5201314"),
        ("zhongguo2026", "pinyin names or words", "拼音"),
        ("wodemima123456", "pinyin names or words", "拼音"),
        # The same parts with separators between them (they passed: zxcvbn counted each part apart).
        ("zhang-wei-1988", "pinyin names or words", "拼音"),
        ("wang_fang.520", "pinyin names or words", "拼音"),
        ("liu yang 2024!", "pinyin names or words", "拼音"),
        ("zhang+wei+1988", "pinyin names or words", "拼音"),
        ("ZhangWei@1988", "pinyin names or words", "拼音"),
        ("zhang--wei--1988!!", "pinyin names or words", "拼音"),
    ],
)
def test_weak_password_is_refused_with_the_reason(app, create_user, weak, reason_en, reason_zh):
    create_user(EMAIL)
    browser = app.test_client()
    sign_in(browser)
    english = _change(browser, PASSWORD, weak).get_data(as_text=True)
    assert "too easy to guess" in html.unescape(english) and reason_en in html.unescape(english)
    chinese = html.unescape(_change(browser, PASSWORD, weak, lang="zh-CN").get_data(as_text=True))
    assert "太容易" in chinese and reason_zh in chinese
    with app.app_context():
        assert db.session.scalar(select(User.session_version).where(User.email == EMAIL)) == 1


def test_weak_password_refused_when_an_account_is_created(app):
    from surveyapp.services.users import AccountError, create_user

    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(AccountError, match="too easy"):
        create_user("new@agency.example", "sysadmin", "password1234")  # staff need a department (issue 17)


# --- sign-in throttle ---------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def frozen_clock(monkeypatch):
    """Stop the sign-in clock (moved only by ``advance``), so delays do not run out while a slow
    machine makes the attempts."""
    from surveyapp.services import login_throttle, users

    clock = Clock()
    monkeypatch.setattr(users, "utcnow", clock)
    monkeypatch.setattr(login_throttle, "utcnow", clock)
    return clock


def _attempts(app, email, address, count, password="wrong wrong", clock=None, gap=0):
    client = app.test_client()
    pages = []
    for _ in range(count):
        if clock is not None:
            clock.advance(gap)
        response = client.post(
            "/login",
            data={"email": email, "password": password},
            headers={"Accept-Language": "en"},
            environ_base={"REMOTE_ADDR": address},
        )
        pages.append(response)
    return pages


def test_same_answers_for_known_and_unknown_accounts(app, create_user, frozen_clock):
    create_user(EMAIL)
    count = app.config["LOGIN_THROTTLE_FREE_FAILURES"] + 3
    known = _attempts(app, EMAIL, "192.0.2.1", count)
    unknown = _attempts(app, "nobody@agency.example", "192.0.2.2", count)
    for k, u in zip(known, unknown, strict=True):
        assert k.status_code == u.status_code
        assert flashes(k) == flashes(u)
        assert k.get_data(as_text=True).replace(EMAIL, "E") == u.get_data(as_text=True).replace(
            "nobody@agency.example", "E"
        ), "the whole page is the same but for the e-mail typed"
    assert any("before the next try" in " ".join(flashes(page)) for page in known), "delays do start"
    assert not any("lock" in " ".join(flashes(page)).lower() for page in known), "no lock message"
    # Both paths check one Argon2 hash (a dummy one for an unknown e-mail), so both cost the same.
    from surveyapp.services import users

    dummy = users._dummy_hash()
    assert dummy.startswith("$argon2") and users._hasher.check_needs_rehash(dummy) is False


def test_a_stranger_cannot_lock_the_owner_out(app, create_user, frozen_clock):
    app.config["LOGIN_THROTTLE_MAX_SECONDS"] = 4
    create_user(EMAIL)
    owner = app.test_client()
    assert sign_in(owner, environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 302
    owner.post("/logout")

    # Each attempt once the previous delay has run out: 1, 2, 4, 8, ... seconds, capped at 4.
    stranger = _attempts(app, EMAIL, "198.51.100.7", 12, clock=frozen_clock, gap=600)
    assert all("Wrong e-mail or password." in flashes(page) for page in stranger), "every attempt was checked"
    assert "Too many failed sign-ins: wait 4 seconds before the next try." in flashes(stranger[-1])

    # Even from a new browser the owner waits at most LOGIN_THROTTLE_MAX_SECONDS: never a lock.
    from surveyapp.models import LoginThrottle

    with app.app_context():
        waits = [
            (row.blocked_until - frozen_clock.now).total_seconds()
            for row in db.session.scalars(select(LoginThrottle)).all()
            if row.blocked_until is not None
        ]
    assert waits and max(waits) <= 4

    assert sign_in(owner, environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 302, (
        "the owner's browser (known device) signs in at once while the stranger waits"
    )
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == EMAIL)).active


def test_forged_device_cookie_gives_no_way_around_the_throttle(app, create_user, frozen_clock):
    create_user(EMAIL)
    _attempts(app, EMAIL, "198.51.100.7", app.config["LOGIN_THROTTLE_FREE_FAILURES"] + 1)
    forged = app.test_client()
    forged.set_cookie("surveyapp_device", "eyJhIjoiYWNjb3VudDp4In0.forged")
    response = sign_in(forged, environ_base={"REMOTE_ADDR": "192.0.2.99"}, headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "before the next try" in " ".join(flashes(response))


# --- proxies, limits, caching ----------------------------------------------------------------


def _failed_sign_in_address(app, peer, forwarded):
    app.test_client().post(
        "/login",
        data={"email": "x@agency.example", "password": "wrong wrong"},
        headers={"X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": peer},
    )
    return audit(app, "auth.login_failed")[-1].ip_address


def test_audit_log_records_the_client_address_behind_a_configured_proxy(app_config):
    from surveyapp.app import create_app

    app_config.update(PROXY_COUNT=1, PROXY_ADDRESSES="10.0.0.5")
    app = create_app(app_config)
    assert _failed_sign_in_address(app, "10.0.0.5", "203.0.113.7") == "203.0.113.7"
    assert _failed_sign_in_address(app, "10.0.0.5", "1.2.3.4, 203.0.113.8") == "203.0.113.8", (
        "only the entry the proxy added is trusted"
    )
    assert _failed_sign_in_address(app, "192.0.2.50", "203.0.113.9") == "192.0.2.50", (
        "a client that is not the proxy cannot choose its address"
    )


def test_forwarded_headers_are_ignored_without_a_configured_proxy(app):
    assert app.config["PROXY_COUNT"] == 0
    assert _failed_sign_in_address(app, "10.0.0.5", "203.0.113.7") == "10.0.0.5"


def test_rate_limit_buckets_are_per_client_behind_the_proxy(app_config):
    from surveyapp.app import create_app
    from surveyapp.extensions import limiter

    app_config.update(PROXY_COUNT=1, PROXY_ADDRESSES="10.0.0.5", LOGIN_RATE_LIMIT="2 per minute")
    app = create_app(app_config)
    with app.app_context():
        limiter.reset()
    client = app.test_client()

    def post(client_address):
        return client.post(
            "/login",
            data={"email": "x@agency.example", "password": "nope nope"},
            headers={"X-Forwarded-For": client_address},
            environ_base={"REMOTE_ADDR": "10.0.0.5"},
        ).status_code

    assert [post("203.0.113.1") for _ in range(3)] == [200, 200, 429]
    assert post("203.0.113.2") == 200, "another client behind the same proxy has its own bucket"


# A database of its own: other tests flush database 0 (RQ queues).
REDIS_URL = os.environ.get("SURVEYAPP_TEST_LIMITER_REDIS_URL", "redis://127.0.0.1:6379/13")


def _redis_reachable() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return True
    except Exception:
        return False


_OTHER_INSTANCE = """
import json, sys
from surveyapp.app import create_app
app = create_app(json.loads(sys.argv[1]))
client = app.test_client()
codes = [client.post("/login", data={"email": "x@agency.example", "password": "nope nope"}).status_code
         for _ in range(int(sys.argv[2]))]
print(json.dumps(codes))
"""


def _other_instance(config, count):
    """Sign-in attempts from a second app instance in its own process (like another worker)."""
    output = subprocess.run(
        [sys.executable, "-c", _OTHER_INSTANCE, json.dumps(config), str(count)],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


@pytest.mark.parametrize("backend", ["sqlite"])
def test_limiter_is_shared_between_app_instances_on_redis(app_config, backend):
    if not _redis_reachable():
        pytest.skip(f"Redis not reachable at {REDIS_URL}: the shared limiter cannot be shown")
    import redis

    from surveyapp.app import create_app

    prefix = f"surveyapp-test-{uuid.uuid4().hex[:8]}"
    app_config.update(REDIS_URL=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix, LOGIN_RATE_LIMIT="3 per minute")
    try:
        assert _other_instance(app_config, 3) == [200, 200, 200]
        app = create_app(app_config)
        assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
        response = app.test_client().post("/login", data={"email": "x@agency.example", "password": "nope nope"})
        assert response.status_code == 429, "the other instance's attempts count here too"
    finally:
        connection = redis.Redis.from_url(REDIS_URL)
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_without_redis_each_instance_counts_alone(app_config, backend):
    from surveyapp.app import create_app
    from surveyapp.extensions import limiter

    app_config.update(LOGIN_RATE_LIMIT="3 per minute")
    assert _other_instance(app_config, 3) == [200, 200, 200]
    app = create_app(app_config)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    with app.app_context():
        limiter.reset()
    response = app.test_client().post("/login", data={"email": "x@agency.example", "password": "nope nope"})
    assert response.status_code == 200, "memory counters are per process (why REDIS_URL matters)"


def test_no_store_on_pages_exports_and_api_but_not_static_files(app, create_user):
    create_user("root@agency.example", "sysadmin")
    browser = app.test_client()
    assert sign_in(browser, "root@agency.example").status_code == 302
    for path in ("/", "/admin/audit", "/admin/audit.csv", "/login"):
        response = browser.get(path)
        assert response.headers.get("Cache-Control") == "no-store", path
    api = app.test_client().get("/api/v1/rounds")
    assert api.headers.get("Cache-Control") == "no-store"
    static = browser.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_no_store_on_every_route(app, create_user):
    """Every GET route (whatever its status for these made-up ids) says no-store, so a new page,
    export or PDF route cannot forget it."""
    create_user("root@agency.example", "sysadmin")
    browser = app.test_client()
    sign_in(browser, "root@agency.example")
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x" for name in rule.arguments}
        path = app.url_map.bind("localhost").build(rule.endpoint, values)
        response = browser.get(path)
        assert response.headers.get("Cache-Control") == "no-store", (path, response.status_code)
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sign_in_still_works_when_the_limiter_redis_is_down(app_config, backend):
    # In a process of its own: Flask-Limiter remembers a dead storage across init_app calls.
    app_config.update(REDIS_URL="redis://127.0.0.1:1/0", LOGIN_RATE_LIMIT="2 per minute")
    assert _other_instance(app_config, 3) == [200, 200, 429], "no Redis: counted in memory meanwhile, not a 500"


# --- normalised comparisons (QA findings) ---------------------------------------------------


@pytest.mark.parametrize("new", ["Staff@Agency.Example1", " staff@agency.example ", "STAFF@AGENCY.EXAMPLEzz99!"])
def test_own_email_in_any_case_or_with_a_suffix_is_refused(app, create_user, new):
    create_user(EMAIL)
    browser = app.test_client()
    sign_in(browser)
    page = html.unescape(_change(browser, PASSWORD, new).get_data(as_text=True))
    assert "e-mail address or name" in page
    with app.app_context():
        assert db.session.scalar(select(User.session_version).where(User.email == EMAIL)) == 1


def test_display_name_inside_password_is_refused(app, create_user):
    create_user("x1@agency.example", display_name="Wanglihua")
    browser = app.test_client()
    sign_in(browser, email="x1@agency.example")
    page = html.unescape(_change(browser, PASSWORD, "violet WANGLIHUA tram").get_data(as_text=True))
    assert "e-mail address or name" in page


def _one_time(app, runner):
    result = runner.invoke(args=["users", "set-password", EMAIL])
    assert result.exit_code == 0, result.output
    return re.search(r"password: (\S+)", result.output).group(1)


@pytest.mark.parametrize("variant", [lambda p: p + " ", lambda p: " " + p.upper(), lambda p: p.swapcase()])
def test_one_time_password_in_other_case_or_with_spaces_cannot_be_kept(app, runner, create_user, variant):
    create_user(EMAIL)
    one_time = _one_time(app, runner)
    browser = app.test_client()
    assert sign_in(browser, password=one_time).status_code == 302
    page = _change(browser, one_time, variant(one_time)).get_data(as_text=True)
    assert "the one-time password cannot be kept" in page
    assert browser.get("/").status_code == 302, "still a one-time password"


def test_earlier_one_time_password_is_refused_after_two_changes(app, runner, create_user):
    create_user(EMAIL)
    one_time = _one_time(app, runner)
    browser = app.test_client()
    sign_in(browser, password=one_time)
    assert _change(browser, one_time, "violet tram quietly hums").status_code == 302
    assert _change(browser, "violet tram quietly hums", "copper kite slowly drifts").status_code == 302
    page = html.unescape(_change(browser, "copper kite slowly drifts", one_time.upper() + " ").get_data(as_text=True))
    assert "used this password" in page
    page = html.unescape(
        _change(browser, "copper kite slowly drifts", "Violet Tram Quietly Hums").get_data(as_text=True)
    )
    assert "used this password" in page


def test_application_name_is_not_reported_as_your_email_or_name(app, create_user):
    create_user(EMAIL)
    browser = app.test_client()
    sign_in(browser)
    page = html.unescape(_change(browser, PASSWORD, "surveyapp2026!").get_data(as_text=True))
    assert "e-mail address or name" not in page
    assert "too easy to guess" in page and "name of this application" in page
