"""Sign-in timing (issue 14: a failed sign-in must not reveal whether the account exists). Prints
the median server time of a failed sign-in for an existing account, for an unknown e-mail and for
an attempt refused by the throttle, and the ratio unknown / existing (the closer to 1, the less a
stopwatch tells).

Usage: .venv/bin/python bench/sign_in_timing.py [--repeat 40]
It works in a temporary folder with its own SQLite database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import temporary_app  # noqa: E402


def attempt_ms(client, email: str, address: str) -> float:
    start = time.perf_counter()
    response = client.post(
        "/login", data={"email": email, "password": "not the password"}, environ_base={"REMOTE_ADDR": address}
    )
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    return elapsed * 1000


def medians_ms(attempts: dict, repeat: int) -> dict[str, float]:
    """Median time of each kind of attempt, taken in turn (so a change in machine load hits all alike)."""
    times = {name: [] for name in attempts}
    for n in range(repeat):
        for name, attempt in attempts.items():
            times[name].append(attempt(n))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()

    from surveyapp.services.users import create_user

    app, _workdir = temporary_app("sign-in", LOGIN_THROTTLE_FREE_FAILURES=10**6,
                                  LOGIN_THROTTLE_ADDRESS_FREE_FAILURES=10**6)  # fmt: skip
    with app.app_context():
        # Trainers need no department; the timing of a refused sign-in does not depend on the role.
        create_user("known@example.org", "trainer", "benchmark lantern orchard")
        create_user("throttled@example.org", "trainer", "benchmark lantern orchard")
        # That account's sign-ins are held back for a day: every attempt below is refused unchecked.
        from datetime import timedelta

        from surveyapp.extensions import db
        from surveyapp.models import LoginThrottle
        from surveyapp.models.base import utcnow
        from surveyapp.services.login_throttle import account_key

        key = account_key("throttled@example.org")
        db.session.add(LoginThrottle(key=key, failures=99, blocked_until=utcnow() + timedelta(days=1)))
        db.session.commit()
    client = app.test_client()
    attempt_ms(client, "warm-up@example.org", "192.0.2.1")
    figures = medians_ms(
        {
            "known": lambda n: attempt_ms(client, "known@example.org", f"198.51.100.{n % 250 + 1}"),
            "unknown": lambda n: attempt_ms(client, "unknown@example.org", f"203.0.113.{n % 250 + 1}"),
            "throttled": lambda n: attempt_ms(client, "throttled@example.org", f"10.0.0.{n % 250 + 1}"),
        },
        args.repeat,
    )
    known, unknown, throttled = figures["known"], figures["unknown"], figures["throttled"]
    with app.app_context():
        from sqlalchemy import func, select

        from surveyapp.models import AuditEvent

        counts = dict(db.session.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all())
    assert counts.get("auth.login_throttled") == args.repeat, counts

    print(f"failed sign-in, existing account: median {known:.1f} ms over {args.repeat}")
    print(f"failed sign-in, unknown e-mail:   median {unknown:.1f} ms over {args.repeat}")
    print(f"refused by the throttle:          median {throttled:.1f} ms over {args.repeat}")
    print(f"ratio unknown / existing: {unknown / known:.2f}; throttled / existing: {throttled / known:.2f}")


if __name__ == "__main__":
    main()
