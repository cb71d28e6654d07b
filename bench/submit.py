"""Submit benchmark (issue: fast at every scale). Prints the median server-side time of submitting
one staff response (HTTP POST through the app: scoring, stored scores, running totals, reliability
sums, audit) in a small and in a large round, timed in turns, and their ratio: submit latency must
not grow with the round.

Usage: .venv/bin/python bench/submit.py [--departments 20] [--respondents 10,1000] [--repeat 15]
It works in a temporary folder with its own SQLite database; nothing of the instance is touched.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import temporary_app  # noqa: E402
from tests.helpers import valid_value  # noqa: E402  (the answer a browser sends, as in the tests)

PASSWORD = "benchmark lantern orchard"  # noqa: S105 - a throw-away database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--departments", type=int, default=20)
    parser.add_argument("--respondents", default="10,1000", help="staff per department: small,large round")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    from surveyapp.extensions import db
    from surveyapp.models import AssessmentRound, Organisation, Response, ResponseStatus
    from surveyapp.services.demo import seed_demo
    from surveyapp.services.questionnaires import get_questionnaire
    from surveyapp.services.responses import start_response
    from surveyapp.services.users import create_user

    app, _workdir = temporary_app("submit")
    drafts: dict[str, list[tuple[str, int]]] = {}
    for label, respondents, seed in zip(
        ("small", "large"), map(int, args.respondents.split(",")), (201, 202), strict=True
    ):
        with app.app_context():
            start = time.perf_counter()
            seeded = seed_demo(args.departments, respondents, seed=seed)
            round_ = db.session.get(AssessmentRound, seeded.round_id)
            department = db.session.get(Organisation, round_.departments[0].id)
            questionnaire = get_questionnaire(round_.questionnaire_key, round_.questionnaire_version)
            part = next(p for p in questionnaire.parts if p.respondent == "staff")
            drafts[label] = []
            for n in range(args.repeat + 1):
                email = f"submit-{label}-{n}@example.org"
                user, _ = create_user(email, "staff", PASSWORD, organisation=department)
                drafts[label].append((email, start_response(user, round_, part.key).id))
            pages = [{item.key: value for item in section.items if (value := valid_value(item)) is not None}
                     for section in part.sections]  # fmt: skip
            print(f"{label} round: {seeded.departments} departments, {seeded.responses} responses "
                  f"(seeded and drafts prepared in {time.perf_counter() - start:.1f} s)", flush=True)  # fmt: skip

    def submit(email: str, response_id: int) -> float:
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        start = time.perf_counter()
        response = client.post(f"/responses/{response_id}/submit")
        elapsed = time.perf_counter() - start
        assert response.status_code in (302, 303), response.status_code
        with app.app_context():
            status = db.session.get(Response, response_id).status
        assert status == ResponseStatus.SUBMITTED, f"response {response_id} is {status}"
        return elapsed

    for label in drafts:  # fill every page in, as a browser would
        for email, response_id in drafts[label]:
            client = app.test_client()
            client.post("/login", data={"email": email, "password": PASSWORD})
            for index, answers in enumerate(pages):
                saved = client.post(f"/responses/{response_id}/page/{index}", data={**answers, "action": "next"})
                assert saved.status_code == 302, saved.status_code
    for label in drafts:  # warm-up
        submit(*drafts[label].pop())
    times: dict[str, list[float]] = {"small": [], "large": []}
    for n in range(args.repeat):
        for label in ("small", "large"):
            times[label].append(submit(*drafts[label][n]))
    small, large = statistics.median(times["small"]), statistics.median(times["large"])
    print(f"submit: small round {small * 1000:.1f} ms, large round {large * 1000:.1f} ms "
          f"(medians of {args.repeat}); ratio large / small {large / small:.2f} (goal: no growth)")  # fmt: skip


if __name__ == "__main__":
    main()
