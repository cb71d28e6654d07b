"""Comparison and export benchmark (issue: compare departments and plan training). Prints:

* the server-side median time of the comparison page for 2,000 departments × 50,000 responses;
* the same with ten times the responses, and the ratio of the two (goal: at most 1.5);
* the time and memory of a streamed CSV export of 20,000 and of 100,000 responses.

Usage: .venv/bin/python bench/compare.py [--departments 2000] [--respondents 25] [--scale 10]
It works in a temporary folder with its own SQLite database (several GB at full size).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import temporary_app  # noqa: E402


def page_median(client, url: str, repeat: int) -> float:
    client.get(url)  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


def export_figures(app, round_id: int, responses_wanted: int, respondents: int) -> tuple[float, int, int]:
    from surveyapp.extensions import db
    from surveyapp.models import AssessmentRound
    from surveyapp.services.exports import answer_rows, csv_stream

    with app.app_context():
        round_ = db.session.get(AssessmentRound, round_id)
        departments = [d.id for d in round_.departments][: max(1, responses_wanted // (respondents + 1))]
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        size = rows = 0
        for chunk in csv_stream(answer_rows(round_, departments, "zh_Hans", False, 3)):
            size += len(chunk)
            rows += chunk.count("\n")
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return elapsed, rows - 1, max(0, after - before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--departments", type=int, default=2000)
    parser.add_argument("--respondents", type=int, default=25)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from surveyapp.extensions import db
    from surveyapp.services.demo import seed_demo
    from surveyapp.services.users import create_user

    app, _workdir = temporary_app("compare")
    with app.app_context():
        create_user("bench@example.org", "sysadmin", "plum violin harbour 41")
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": "plum violin harbour 41"})

    results = {}
    for label, respondents, seed in (("base", args.respondents, 1), ("scaled", args.respondents * args.scale, 2)):
        with app.app_context():
            start = time.perf_counter()
            seeded = seed_demo(args.departments, respondents, seed=seed)
            db.session.remove()
        print(f"seeded {seeded.departments} departments, {seeded.responses} responses in "
              f"{time.perf_counter() - start:.0f} s (round {seeded.round_id})", flush=True)  # fmt: skip
        median = page_median(client, f"/compare?round={seeded.round_id}", args.repeat)
        results[label] = (median, seeded)
        print(f"comparison page, {seeded.departments} departments x {seeded.responses} responses: "
              f"median {median * 1000:.0f} ms over {args.repeat} runs", flush=True)  # fmt: skip
    base, scaled = results["base"][0], results["scaled"][0]
    print(f"ratio with {args.scale}x the responses: {scaled / base:.2f} (goal: at most 1.5)")

    round_id = results["scaled"][1].round_id
    per_department = args.respondents * args.scale
    for wanted in (20_000, 100_000):
        elapsed, rows, grew = export_figures(app, round_id, wanted, per_department)
        print(f"CSV export of {rows} responses: {elapsed:.1f} s, peak RSS grew by {grew / 1024:.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
