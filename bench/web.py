"""Web benchmark (issue: fast at every scale). Prints, from one run:

* requests/s, p50, p95 and worst latency for a hello-world Flask app and for the app's
  questionnaire page (GET), the same page saved (POST), the comparison page (/compare) and
  /healthz, each served by gunicorn with the project's ``gunicorn.conf.py`` (same workers,
  preloading and recycling; access log off);
* each figure as a ratio to hello world (goals: questionnaire GET at least 10%, /healthz at
  least 50%, worst latency at most 1 s), twice: by requests/s, which this Python client bounds
  (hello world is limited by the client, not the server), and by the server's own CPU time per
  request (gunicorn master and workers, read from /proc on Linux: hello world's CPU per request
  divided by the target's), which neither the client nor a neighbour's load enters.

The targets are measured in short windows, interleaved (hello, healthz, GET, POST, compare, then
again), so a neighbour's load on a shared machine hits all of them alike; ``--rounds`` windows each.
The client is a small bounded one (threads, ``requests``), 127.0.0.1 only, at most
``--max-requests`` per window and ``--seconds`` per window.

Usage: .venv/bin/python bench/web.py [--departments 100] [--respondents 10] [--concurrency 4]
       [--seconds 3] [--rounds 3] [--workers 2] [--ports 5131-5139]
It works in a temporary folder with its own SQLite database; nothing of the instance is touched.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HELLO = """from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
"""
PASSWORD = "benchmark lantern orchard"  # noqa: S105 - a throw-away database


_PORTS: list[int] = []  # --ports: the ports the servers may take, in order (else any free port)


def free_port() -> int:
    """The next free port of ``--ports`` (a shared machine may reserve a range per user), else any free one."""
    while _PORTS:
        port = _PORTS.pop(0)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    if _PORTS_GIVEN:
        raise RuntimeError("no free port left in --ports")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_PORTS_GIVEN = False


def prepare(workdir: Path, departments: int, respondents: int) -> dict:
    """A migrated SQLite database with a seeded round, an administrator, and a staff member with a
    draft response; returns what the load needs."""
    from flask_migrate import upgrade

    from surveyapp.app import create_app
    from surveyapp.extensions import db
    from surveyapp.models import AssessmentRound, Organisation
    from surveyapp.services.demo import seed_demo
    from surveyapp.services.questionnaires import get_questionnaire
    from surveyapp.services.responses import start_response
    from surveyapp.services.users import create_user

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.db",
                      "REPORTS_DIR": str(workdir / "reports"), "UPLOADS_DIR": str(workdir / "uploads")})  # fmt: skip
    with app.app_context():
        upgrade()
        seeded = seed_demo(departments, respondents, seed=3)
        round_ = db.session.get(AssessmentRound, seeded.round_id)
        department = round_.departments[0]
        create_user("bench-admin@example.org", "sysadmin", PASSWORD)
        staff, _ = create_user("bench-staff@example.org", "staff", PASSWORD,
                               organisation=db.session.get(Organisation, department.id))  # fmt: skip
        questionnaire = get_questionnaire(round_.questionnaire_key, round_.questionnaire_version)
        staff_part = next(p for p in questionnaire.parts if p.respondent == "staff")
        response = start_response(staff, round_, staff_part.key)
        fields = {}
        for item in staff_part.sections[0].items:
            if item.kind == "likert5":
                fields[item.key] = "4"
            elif item.kind == "yesno":
                fields[item.key] = "yes"
            elif item.kind == "single_choice" and item.options:
                fields[item.key] = item.options[0].value
        return {"round_id": seeded.round_id, "response_id": response.id, "fields": fields,
                "responses": seeded.responses, "departments": seeded.departments}  # fmt: skip


class Server:
    """gunicorn with the project's config on a free 127.0.0.1 port."""

    def __init__(self, app_spec: str, cwd: Path, env: dict, workers: int, logs: Path):
        self.port = free_port()
        environment = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(self.port),
                       "GUNICORN_WORKERS": str(workers), "GUNICORN_ACCESSLOG": ""}  # fmt: skip
        self.log = open(logs / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), app_spec],
            cwd=cwd, env=environment, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"

    def wait(self, path: str, timeout: float = 60) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + path, timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server on {self.base} did not start; see {self.log.name}")

    def cpu_seconds(self) -> float:
        """CPU seconds (user + system) spent so far by this gunicorn: the master, the workers it has
        reaped (a recycled worker's time is added to the master's "children" figures when it exits)
        and the workers alive now. Read from /proc (Linux), so the figure counts the server's own
        work only: neither the load client nor a neighbour's load is in it."""
        return process_tree_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (field 3 onwards); [] if the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return []
    return text[text.rindex(")") + 2 :].split()


def process_tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of ``pid``, of its children it has waited for, and of its live children (one
    level: gunicorn's workers). /proc/<pid>/stat fields 14-17 are utime, stime, cutime, cstime in
    clock ticks; field 3 onwards is index 0 onwards here."""
    fields = _stat_fields(pid)
    if not fields:
        return float("nan")
    total = sum(int(value) for value in fields[11:15])
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children += [int(child) for child in task.read_text(encoding="ascii").split()]
        except OSError:
            continue
    for child in children:
        child_fields = _stat_fields(child)
        if child_fields:
            total += int(child_fields[11]) + int(child_fields[12])
    return total / _TICKS


def signed_in(base: str, email: str):
    import requests

    session = requests.Session()
    page = session.get(base + "/login", timeout=10)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    response = session.post(base + "/login", data={"email": email, "password": PASSWORD,
                                                  "csrf_token": token.group(1) if token else ""},
                            allow_redirects=False, timeout=10)  # fmt: skip
    if response.status_code != 302:
        raise RuntimeError(f"sign-in as {email} failed: {response.status_code}")
    return session


def csrf_of(session, url: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', session.get(url, timeout=10).text)
    return match.group(1) if match else ""


def window(make_request, concurrency: int, seconds: float, max_requests: int) -> tuple[list[float], int, float]:
    """Run ``make_request(thread_index)`` from ``concurrency`` threads for ``seconds`` (or until
    ``max_requests``); returns the latencies, the number of failures and the elapsed time."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(index: int) -> None:
        while time.perf_counter() < stop_at:
            with lock:
                if len(latencies) + failures[0] >= max_requests:
                    return
            start = time.perf_counter()
            try:
                ok = make_request(index)
            except Exception:  # noqa: BLE001 - a failed request is counted, not fatal
                ok = False
            elapsed = time.perf_counter() - start
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    failures[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures[0], time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--departments", type=int, default=100)
    parser.add_argument("--respondents", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-requests", type=int, default=20_000, help="per window")
    parser.add_argument("--ports", default="", help="ports to serve on, e.g. 5131-5139 (default: any free port)")
    args = parser.parse_args()
    if args.ports:
        global _PORTS_GIVEN
        low, _, high = args.ports.partition("-")
        _PORTS[:] = list(range(int(low), int(high or low) + 1))
        _PORTS_GIVEN = True

    workdir = Path(tempfile.mkdtemp(prefix="surveyapp-bench-web-"))
    start = time.perf_counter()
    setup = prepare(workdir, args.departments, args.respondents)
    print(f"seeded {setup['departments']} departments, {setup['responses']} responses in "
          f"{time.perf_counter() - start:.1f} s; gunicorn workers: {args.workers}", flush=True)  # fmt: skip
    (workdir / "hello.py").write_text(HELLO, encoding="utf-8")
    env = {"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
           "SURVEYAPP_INSTANCE_PATH": str(workdir / "instance"), "SURVEYAPP_REPORTS_DIR": str(workdir / "reports"),
           "SURVEYAPP_UPLOADS_DIR": str(workdir / "uploads"), "PYTHONPATH": str(ROOT)}  # fmt: skip
    hello = Server("hello:app", workdir, {}, args.workers, workdir)
    app = Server("wsgi:app", ROOT, env, args.workers, workdir)
    try:
        hello.wait("/")
        app.wait("/healthz")
        page = f"{app.base}/responses/{setup['response_id']}/page/0"
        staff = [signed_in(app.base, "bench-staff@example.org") for _ in range(args.concurrency)]
        admins = [signed_in(app.base, "bench-admin@example.org") for _ in range(args.concurrency)]
        tokens = [csrf_of(s, page) for s in staff]
        plain = [__import__("requests").Session() for _ in range(args.concurrency)]
        compare = f"{app.base}/compare?round={setup['round_id']}"

        def post(i: int) -> bool:
            data = {**setup["fields"], "action": "save", "csrf_token": tokens[i]}
            return staff[i].post(page, data=data, allow_redirects=False, timeout=30).status_code == 302

        targets = {
            "hello world": lambda i: plain[i].get(hello.base + "/", timeout=30).status_code == 200,
            "/healthz": lambda i: plain[i].get(app.base + "/healthz", timeout=30).status_code == 200,
            "questionnaire GET": lambda i: staff[i].get(page, timeout=30).status_code == 200,
            "questionnaire POST": post,
            "/compare": lambda i: admins[i].get(compare, timeout=30).status_code == 200,
        }
        servers = {name: hello if name == "hello world" else app for name in targets}
        for target in targets.values():  # warm up every worker's caches
            window(target, args.concurrency, 0.5, 50)
        results: dict[str, list] = {name: [[], 0, 0.0, 0.0] for name in targets}
        for round_index in range(args.rounds):
            for name, target in targets.items():
                cpu_before = servers[name].cpu_seconds()
                latencies, failed, elapsed = window(target, args.concurrency, args.seconds, args.max_requests)
                cpu = servers[name].cpu_seconds() - cpu_before
                entry = results[name]
                entry[0] += latencies
                entry[1] += failed
                entry[2] += elapsed
                entry[3] += cpu
                print(f"  round {round_index + 1} {name}: {len(latencies) / elapsed:.0f} req/s, "
                      f"server CPU {cpu * 1000 / max(1, len(latencies) + failed):.2f} ms/request, "
                      f"worst {max(latencies, default=float('nan')) * 1000:.0f} ms, failures {failed}",
                      flush=True)  # fmt: skip
    finally:
        app.stop()
        hello.stop()

    def cpu_per_request(entry: list) -> float:
        latencies, failed, _, cpu = entry
        return cpu / max(1, len(latencies) + failed)

    base_rate = len(results["hello world"][0]) / results["hello world"][2]
    base_cpu = cpu_per_request(results["hello world"])
    print(f"\n{'target':<20}{'req/s':>8}{'of hello':>10}{'CPU ms':>8}{'of hello':>10}"
          f"{'p50 ms':>9}{'p95 ms':>9}{'worst ms':>10}{'failed':>8}")  # fmt: skip
    for name, entry in results.items():
        latencies, failed, elapsed, _ = entry
        rate = len(latencies) / elapsed
        cpu = cpu_per_request(entry)
        print(f"{name:<20}{rate:>8.0f}{rate / base_rate:>9.1%}{cpu * 1000:>8.2f}{base_cpu / cpu:>9.1%}"
              f"{statistics.median(latencies) * 1000:>9.1f}{percentile(latencies, 0.95) * 1000:>9.1f}"
              f"{max(latencies) * 1000:>10.0f}{failed:>8}")  # fmt: skip
    print(
        "'req/s of hello' is bounded by this Python client (it shares the cores with the servers);\n"
        "'CPU ms of hello' is the server's own CPU per request (gunicorn master and workers, from /proc),\n"
        "hello world's CPU per request divided by the target's: the share of hello world's throughput\n"
        "the target reaches when the server, not the client, is the bottleneck."
    )
    worst = max(max(entry[0]) for entry in results.values())
    print(f"goals: questionnaire GET >= 10% of hello world, /healthz >= 50%, worst latency <= 1000 ms "
          f"(worst seen {worst * 1000:.0f} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
