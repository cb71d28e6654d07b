"""Identical requests at the same moment (a retry, two tabs, a double tap): 20 parallel starts,
first saves of a page and invitation redeems give no server error and one record each.

Each request runs in its own thread with its own application context, so each has its own
database session and connection, as under a threaded server. On PostgreSQL the requests really
overlap inside the database; on SQLite writers queue on the file lock.
"""

from __future__ import annotations

import re
import threading
from collections import Counter

from sqlalchemy import func, select

from surveyapp.extensions import db
from surveyapp.models import Answer, Invitation, Response
from tests.helpers import page_data, sign_in
from tests.web.test_accounts import invitation_tokens
from tests.web.test_respond import get_part

PARALLEL = 20


def in_parallel(clients, request):
    """Run ``request(client)`` for each client in its own thread, all released at once."""
    count = len(clients)
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = request(clients[index])
        except Exception as exc:  # an exception escaping the app is a failure too
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def same_browser(app, email, count=PARALLEL):
    """``count`` clients sharing one signed-in session cookie (tabs of one browser)."""
    first = app.test_client()
    sign_in(first, email, lang="en")
    cookie = first.get_cookie("session")
    clients = []
    for _ in range(count):
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        clients.append(client)
    return clients


def statuses(results) -> Counter:
    return Counter(r.status_code if hasattr(r, "status_code") else repr(r) for r in results)


def test_parallel_identical_starts_first_saves_and_redeems(app, assessment):  # noqa: F811
    app.config["PROPAGATE_EXCEPTIONS"] = False
    round_id = assessment["round_id"]

    # 20 × "開始" at once: one response, every request sent to it.
    tabs = same_browser(app, "staff@d01.example")
    started = in_parallel(tabs, lambda client: client.post(f"/rounds/{round_id}/staff/start"))
    assert statuses(started) == Counter({302: PARALLEL}), statuses(started)
    targets = {r.headers["Location"] for r in started}
    assert len(targets) == 1, targets
    response_id = int(re.search(r"/responses/(\d+)/", targets.pop()).group(1))
    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id)).where(Response.part == "staff")) == 1

    # 20 × the first "save and next page" of page 0 at once: each answer stored once.
    part = get_part(app, "staff")
    data = page_data(part, 0, action="next")
    saved = in_parallel(tabs, lambda client: client.post(f"/responses/{response_id}/page/0", data=data))
    assert statuses(saved) == Counter({302: PARALLEL}), statuses(saved)
    with app.app_context():
        keys = db.session.scalars(select(Answer.question_key).where(Answer.response_id == response_id)).all()
    assert sorted(keys) == sorted(k for k in data if k != "action"), "each answer once"

    # 20 × redeeming one invitation link at once: one response, the others told it is used.
    token, _ = invitation_tokens(app, assessment, count=2)
    browsers = [app.test_client() for _ in range(PARALLEL)]
    redeemed = in_parallel(browsers, lambda client: client.post(f"/invite/{token}", headers={"Accept-Language": "en"}))
    counts = statuses(redeemed)
    assert counts == Counter({302: 1, 410: PARALLEL - 1}), counts
    assert all("used already" in r.get_data(as_text=True) for r in redeemed if r.status_code == 410)
    with app.app_context():
        invitation = db.session.scalars(select(Invitation).where(Invitation.used_at.is_not(None))).one()
        owners = db.session.scalars(select(Response.owner_key).where(Response.owner_key.like("invite:%"))).all()
    assert owners == [f"invite:{invitation.id}"]
    print(f"\nconcurrency: starts {dict(statuses(started))}, first saves {dict(statuses(saved))}, "
          f"redeems {dict(counts)}")  # fmt: skip
