"""PDF benchmark (issue: charted PDF scorecards). Prints, from one run:

* the median time of a bare one-page CJK WeasyPrint document (600 characters, a 20-row table);
* the median time of a full department scorecard, and the ratio of the two;
* bulk throughput for 200 departments with one process and with all cores, and the speed-up;
* where the scorecard's time goes (charts; the document without charts);
* the peak RSS of a render worker (its own high-water mark, see ``reporting.worker.peak_rss_kib``);
* the scorecard's cost per page, in bare pages (scorecard time / pages / bare page time);
* the download time (HTTP GET through the app, PDF already on disk) of one department's scorecard
  in a small round and in a large one (``--scale-respondents``: e.g. 20 departments x 10 and x 1,000
  staff = 200 and 20,000 responses), interleaved, and their ratio in wall-clock and in CPU time
  (this process; a neighbour's load does not count) with the load average: "warm" (round-wide figures
  cached) and "after a submit" (the round's data version bumped first, as a submit does, so
  the round-wide figures are recomputed from the stored scores).

Usage: .venv/bin/python bench/pdf.py [--departments 200] [--respondents 8] [--repeat 7]
       [--scale-departments 20] [--scale-respondents 10,1000] [--skip-bulk] [--only-scaling]
It works in a temporary folder with its own SQLite database; nothing of the instance is touched.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_seconds(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare_page_work():
    """A function that renders the bare one-page CJK document (warmed up once)."""
    from weasyprint import CSS, HTML

    from surveyapp.reporting.report import font_config

    text = ("政務公開與新媒體融合自評：工作人員形象意識、網路公關與輿情回應、新媒體融合與平台維運。" * 20)[:600]
    rows = "".join(f"<tr><td>{i}</td><td>網路公關與輿情回應第{i}項</td><td>{i * 3.5:.1f}</td></tr>" for i in range(20))
    html = f'<html lang="zh-Hant"><body><h1>政務公開自評</h1><p>{text}</p><table>{rows}</table></body></html>'
    css = CSS(string='@page { size: A4 } body { font-family: "Noto Sans CJK TC" }', font_config=font_config())
    HTML(string=html).write_pdf(stylesheets=[css], font_config=font_config())  # warm-up
    return lambda: HTML(string=html).write_pdf(stylesheets=[css], font_config=font_config())


def interleaved_medians(works: list, repeat: int, clock=time.perf_counter) -> list[float]:
    """Median seconds of each work, run in turns (a, b, a, b, ...) so a neighbour's load hits both."""
    times: list[list[float]] = [[] for _ in works]
    for _ in range(repeat):
        for index, work in enumerate(works):
            start = clock()
            work()
            times[index].append(clock() - start)
    return [statistics.median(t) for t in times]


def interleaved_wall_and_cpu(works: list, repeat: int) -> tuple[list[float], list[float]]:
    """Median wall-clock and median CPU seconds (this process: user + system) of each work, in turns.
    On a shared machine the wall clock also counts the time a neighbour held the core; the CPU time
    does not, so the two ratios bound the figure from both sides."""
    wall: list[list[float]] = [[] for _ in works]
    cpu: list[list[float]] = [[] for _ in works]
    for _ in range(repeat):
        for index, work in enumerate(works):
            start, start_cpu = time.perf_counter(), time.process_time()
            work()
            cpu[index].append(time.process_time() - start_cpu)
            wall[index].append(time.perf_counter() - start)
    return [statistics.median(t) for t in wall], [statistics.median(t) for t in cpu]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--departments", type=int, default=200)
    parser.add_argument("--respondents", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--scale-departments", type=int, default=20)
    parser.add_argument("--scale-respondents", default="10,1000", help="staff per department: small,large round")
    parser.add_argument("--skip-bulk", action="store_true", help="skip the bulk-export figures")
    parser.add_argument("--only-scaling", action="store_true", help="only the small/large round download figures")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="surveyapp-bench-pdf-"))
    from flask_migrate import upgrade

    from surveyapp.app import create_app

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.db",
            "REPORTS_DIR": str(workdir / "reports-warm"),
            "UPLOADS_DIR": str(workdir / "uploads"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
    if not args.only_scaling:
        render_figures(app, args, workdir)
    download_scaling(app, args)


def render_figures(app, args, workdir: Path) -> None:
    from surveyapp.extensions import db

    with app.app_context():
        import pikepdf

        from surveyapp.models import AssessmentRound, ReportJob
        from surveyapp.reporting.report import html_to_pdf, render_html, render_pdf, scorecard_charts
        from surveyapp.services.bulk import RenderStats, run_bulk_job
        from surveyapp.services.demo import seed_demo
        from surveyapp.services.scorecards import department_scorecard_data, round_context

        start = time.perf_counter()
        seeded = seed_demo(args.departments, args.respondents, seed=42)
        print(f"seeded {seeded.departments} departments, {seeded.responses} responses "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip

        round_ = db.session.get(AssessmentRound, seeded.round_id)
        data = department_scorecard_data(round_context(round_), round_.departments[0], "zh_Hant")
        render_pdf(data, datetime.now(UTC))  # warm-up: charts and fonts
        pdf = render_pdf(data, datetime.now(UTC), strict_fonts=True)
        (bare, scorecard), (bare_cpu, scorecard_cpu) = interleaved_wall_and_cpu(
            [bare_page_work(), lambda: render_pdf(data, datetime.now(UTC), strict_fonts=True)], args.repeat
        )
        print(f"load average before: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")
        print(f"bare one-page CJK document: median {bare * 1000:.0f} ms over {args.repeat} runs "
              f"(CPU {bare_cpu * 1000:.0f} ms)")  # fmt: skip
        print(f"department scorecard ({len(pdf) // 1024} KiB): median {scorecard * 1000:.0f} ms over {args.repeat} "
              f"runs (CPU {scorecard_cpu * 1000:.0f} ms)")  # fmt: skip
        print(f"ratio scorecard / bare page: {scorecard / bare:.2f} (goal: at most 3)")
        pages = len(pikepdf.open(io.BytesIO(pdf)).pages)
        print(f"scorecard cost per page: {scorecard / pages / bare:.2f} bare pages ({pages} pages; "
              f"goal: at most 0.45); in CPU time {scorecard_cpu / pages / bare_cpu:.2f}; "
              f"load average after: {os.getloadavg()[0]:.1f}")  # fmt: skip
        # Where the scorecard's time goes, to read the ratio: the charts (matplotlib), and the
        # WeasyPrint document without them (its pages of tables and text, tagged).
        charts = median_seconds(lambda: scorecard_charts(data), args.repeat)
        html = render_html(data, {}, datetime.now(UTC))
        text_only = median_seconds(lambda: html_to_pdf(html, strict_fonts=True), args.repeat)
        print(
            f"  of which: charts drawn by matplotlib {charts * 1000:.0f} ms; the {pages}-page document "
            f"without charts {text_only * 1000:.0f} ms ({text_only / bare:.2f} bare pages)"
        )

        if args.skip_bulk:
            return
        results = {}
        for processes in (1, os.cpu_count() or 1):
            if processes in results:
                continue
            app.config["REPORTS_DIR"] = str(workdir / f"reports-{processes}")
            job = ReportJob(round_id=round_.id, lang="zh_Hant", total=len(round_.departments))
            db.session.add(job)
            db.session.commit()
            start = time.perf_counter()
            stats = RenderStats()
            job = run_bulk_job(job.id, processes=processes, stats=stats)
            elapsed = time.perf_counter() - start
            results[processes] = elapsed
            peak = stats.peak_worker_rss_kib / 1024
            print(f"bulk {job.total} departments, {processes} process(es): {elapsed:.1f} s, "
                  f"{job.total / elapsed:.2f} scorecards/s, peak RSS per worker {peak:.0f} MiB, "
                  f"status {job.status}, failures {len(job.failures or {})}")  # fmt: skip
        if len(results) == 2:
            one, many = results[1], results[max(results)]
            print(f"bulk speed-up with {max(results)} processes: {one / many:.2f}x (goal: at least 1.6x)")


def download_scaling(app, args) -> None:
    """Download one department's scorecard in a small and a large round, interleaved."""
    from surveyapp.extensions import db
    from surveyapp.services.demo import seed_demo
    from surveyapp.services.round_cache import bump_data_version
    from surveyapp.services.users import create_user

    small, large = (int(x) for x in args.scale_respondents.split(","))
    with app.app_context():
        create_user("bench-pdf@example.org", "sysadmin", "benchmark lantern orchard")
    urls = {}
    for label, respondents, seed in (("small", small, 101), ("large", large, 102)):
        with app.app_context():
            start = time.perf_counter()
            seeded = seed_demo(args.scale_departments, respondents, seed=seed)
            from surveyapp.models import AssessmentRound

            department = db.session.get(AssessmentRound, seeded.round_id).departments[0]
            urls[label] = (
                seeded.round_id,
                f"/rounds/{seeded.round_id}/departments/{department.id}/scorecard.pdf?lang=zh_Hant",
            )
            print(f"{label} round: {seeded.departments} departments, {seeded.responses} responses, seeded in "
                  f"{time.perf_counter() - start:.1f} s", flush=True)  # fmt: skip
            db.session.remove()
    client = app.test_client()
    client.post("/login", data={"email": "bench-pdf@example.org", "password": "benchmark lantern orchard"})

    def get(label: str, after_submit: bool) -> tuple[float, float]:
        """Wall-clock and CPU seconds (this process) of one download."""
        round_id, url = urls[label]
        if after_submit:
            with app.app_context():
                bump_data_version(round_id)
                db.session.commit()
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        assert response.status_code == 200, response.status_code
        return elapsed, cpu

    for label in urls:  # render each PDF once and warm the caches
        get(label, False)
    times: dict[tuple[str, bool], list[tuple[float, float]]] = {}
    for _ in range(args.repeat):
        for after_submit in (False, True):
            for label in ("small", "large"):
                times.setdefault((label, after_submit), []).append(get(label, after_submit))
    print(f"load average: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")
    for after_submit, name in ((False, "warm"), (True, "after a submit")):
        a, b = (statistics.median(t for t, _ in times[(label, after_submit)]) for label in ("small", "large"))
        a_cpu, b_cpu = (statistics.median(c for _, c in times[(label, after_submit)]) for label in ("small", "large"))
        print(f"scorecard download ({name}): small round {a * 1000:.0f} ms, large round {b * 1000:.0f} ms "
              f"(medians of {args.repeat}); ratio large / small {b / a:.2f} (goal: at most 1.5); "
              f"CPU {a_cpu * 1000:.0f} ms and {b_cpu * 1000:.0f} ms, ratio {b_cpu / a_cpu:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
