"""Bulk exports survive their worker: a killed worker (``kill -9`` of its process group, as in a
deploy) leaves a job that shows as failed once its heartbeat stops; a retry renders only the
departments still missing and completes. In-process and on real RQ workers; plus cancelling for
real and a dead render process that fails only its own department."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from surveyapp.extensions import db
from surveyapp.models import JobStatus, ReportJob
from tests.helpers import sign_in
from tests.web.test_reports import REDIS_URL, redis_available, seeded, wait_for  # noqa: F401

PROJECT = Path(__file__).resolve().parents[2]
WORKER_SCRIPT = """
import sys
from surveyapp.app import create_app
from surveyapp.services.bulk import run_bulk_job
app = create_app()
with app.app_context():
    run_bulk_job(int(sys.argv[1]), processes=1)
"""


def worker_environment(app, tmp_path) -> dict:
    """The environment a worker process of this app would have (as on a server)."""
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "worker",
        "SURVEYAPP_INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "SURVEYAPP_REPORTS_DIR": app.config["REPORTS_DIR"],
        "SURVEYAPP_UPLOADS_DIR": app.config["UPLOADS_DIR"],
        "SURVEYAPP_MIN_GROUP_SIZE": "3",
        "SURVEYAPP_BULK_HEARTBEAT_SECONDS": "1",
        "PYTHONPATH": str(PROJECT),
    }


def kill_when_started(process: subprocess.Popen, app, job_id: int, timeout: float = 180) -> int:
    """``kill -9`` the worker's whole process group once it has rendered a department and before
    it has rendered them all; returns how many were done."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with app.app_context():
            job = db.session.get(ReportJob, job_id)
            done, total = job.done, job.total
        if 1 <= done < total:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            return done
        assert process.poll() is None, "the worker ended before it could be killed"
        time.sleep(0.05)
    raise AssertionError("the worker rendered nothing in time")


def status_of(client, job_id) -> dict:
    return client.get(f"/admin/reports/jobs/{job_id}/status").get_json()


def expect_failed_then_retry(app, client, job_id: int) -> dict[str, float]:
    """The job shows failed once its heartbeat is stale; retrying completes it. Returns the
    modification times of the files rendered before the kill."""
    directory = Path(app.config["REPORTS_DIR"]) / "jobs" / str(job_id)
    before = {p.name: p.stat().st_mtime_ns for p in directory.glob("*.pdf")}
    assert before, "some departments were rendered before the kill"
    with app.app_context():
        assert db.session.get(ReportJob, job_id).status == JobStatus.RUNNING, "nothing noticed the kill yet"
    deadline = time.time() + 30
    while status_of(client, job_id)["status"] != "failed":
        assert time.time() < deadline, "a job without a worker must turn failed"
        time.sleep(0.5)
    status = status_of(client, job_id)
    assert status["finished"] and status["retryable"] and status["status_label"] == "failed"
    assert "Retry the missing departments" in client.get(f"/admin/reports/jobs/{job_id}").get_data(as_text=True)
    assert client.post(f"/admin/reports/jobs/{job_id}/retry").status_code == 302
    return before


def check_completed(app, job, before: dict) -> None:
    assert job.status == JobStatus.DONE and job.failures == {} and job.done == job.total == 4
    assert job.attempt == 1
    names = zipfile.ZipFile(job.result_path).namelist()
    assert len(names) == 5 and sum(n.endswith(".pdf") for n in names) == 4 and "index.csv" in names
    directory = Path(app.config["REPORTS_DIR"]) / "jobs" / str(job.id)
    after = {p.name: p.stat().st_mtime_ns for p in directory.glob("*.pdf")}
    assert {name: after[name] for name in before} == before, "departments already rendered are not rendered again"


@pytest.fixture
def admin_client(app, seeded):  # noqa: F811
    app.config["BULK_STALE_SECONDS"] = 3
    client = app.test_client()
    sign_in(client, "root@agency.example", lang="en")
    return client


def test_killed_in_process_worker_turns_failed_and_retry_completes(app, seeded, admin_client, tmp_path):  # noqa: F811
    with app.app_context():
        job = ReportJob(round_id=seeded["round_id"], lang="en", total=4)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, str(job_id)],
        env=worker_environment(app, tmp_path), cwd=PROJECT, start_new_session=True,
    )  # fmt: skip
    kill_when_started(worker, app, job_id)
    before = expect_failed_then_retry(app, admin_client, job_id)
    check_completed(app, wait_for(app, job_id, timeout=180), before)


@pytest.mark.skipif(not redis_available(), reason="Redis not reachable at 127.0.0.1:6379")
def test_killed_rq_worker_turns_failed_and_retry_completes(app, seeded, admin_client, tmp_path, monkeypatch):  # noqa: F811
    import redis
    from rq import Queue, SimpleWorker

    import surveyapp.jobs

    connection = redis.Redis.from_url(REDIS_URL)
    # A queue of this test's own: other test runs may share this Redis.
    queue_name = f"surveyapp-test-{uuid.uuid4().hex[:12]}"
    app.config.update(REDIS_URL=REDIS_URL, RQ_QUEUE=queue_name)
    started = admin_client.post(f"/admin/rounds/{seeded['round_id']}/reports/bulk", data={"lang": "en"})
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    environment = {**worker_environment(app, tmp_path), "SURVEYAPP_RQ_QUEUE": queue_name}
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("rq")), "worker", queue_name, "--url", REDIS_URL, "--burst"],
        env=environment, cwd=PROJECT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    kill_when_started(worker, app, job_id)
    before = expect_failed_then_retry(app, admin_client, job_id)
    # A worker started after the deploy picks up the retry (here in this process, as the other RQ test).
    for name, value in environment.items():
        if name.startswith(("SURVEYAPP_", "DATABASE_URL", "SECRET_KEY")):
            monkeypatch.setenv(name, value)
    monkeypatch.setattr(surveyapp.jobs, "_app", None)
    queue = Queue(queue_name, connection=connection)
    SimpleWorker([queue], connection=connection).work(burst=True)
    check_completed(app, wait_for(app, job_id, timeout=30), before)
    queue.empty()
    queue.delete(delete_jobs=True)


def test_cancel_stops_a_running_in_process_export(app, seeded, admin_client):  # noqa: F811
    started = admin_client.post(f"/admin/rounds/{seeded['round_id']}/reports/bulk", data={"lang": "en"})
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    deadline = time.time() + 120
    while status_of(admin_client, job_id)["status"] != "running":
        assert time.time() < deadline
        time.sleep(0.05)
    assert admin_client.post(f"/admin/reports/jobs/{job_id}/cancel").status_code == 302
    job = wait_for(app, job_id, timeout=30)
    assert job.status == JobStatus.CANCELLED and job.done < 4 and job.result_path is None
    # And a cancelled export can be retried to completion.
    assert admin_client.post(f"/admin/reports/jobs/{job_id}/retry").status_code == 302
    job = wait_for(app, job_id, timeout=180)
    assert job.status == JobStatus.DONE and job.done == 4 and job.failures == {}


def test_cancel_of_a_job_whose_worker_vanished_takes_effect(app, seeded, admin_client):  # noqa: F811
    from datetime import timedelta

    from surveyapp.models.base import utcnow

    with app.app_context():
        job = ReportJob(round_id=seeded["round_id"], lang="en", total=4, status=JobStatus.RUNNING)
        job.heartbeat_at = utcnow() - timedelta(minutes=10)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    assert admin_client.post(f"/admin/reports/jobs/{job_id}/cancel").status_code == 302
    with app.app_context():
        assert db.session.get(ReportJob, job_id).finished


def test_a_dead_render_process_fails_only_its_department_after_one_retry(app, seeded, monkeypatch):  # noqa: F811
    from surveyapp.models import AssessmentRound, Organisation
    from surveyapp.services import bulk

    victim = seeded["departments"][2][1]
    with app.app_context():
        round_ = db.session.get(AssessmentRound, seeded["round_id"])
        department = db.session.get(Organisation, seeded["departments"][2][0])
        name = bulk.department_scorecard_data(bulk.round_context(round_), department, "en").department
    monkeypatch.setattr(bulk, "render_in_worker", _render_or_die)
    monkeypatch.setenv("SURVEYAPP_TEST_KILL_DEPARTMENT", name)
    with app.app_context():
        job = ReportJob(round_id=seeded["round_id"], lang="en", total=4)
        db.session.add(job)
        db.session.commit()
        stats = bulk.RenderStats()
        job = bulk.run_bulk_job(job.id, processes=2, stats=stats)
        assert job.status == JobStatus.DONE and job.done == 4
        assert job.failures == {victim: "render process died twice"}
        names = zipfile.ZipFile(job.result_path).namelist()
        assert len([n for n in names if n.endswith(".pdf")]) == 3 and "FAILED.txt" in names


def _render_or_die(data, archival, strict, zone="UTC"):
    """The real renderer, except that the process rendering one chosen department dies."""
    from surveyapp.reporting.worker import render_in_worker

    if data.department == os.environ.get("SURVEYAPP_TEST_KILL_DEPARTMENT"):
        os.kill(os.getpid(), signal.SIGKILL)
    return render_in_worker(data, archival, strict, zone)


@pytest.mark.skipif(not redis_available(), reason="Redis not reachable at 127.0.0.1:6379")
def test_a_dead_rq_work_horse_fails_only_its_department_after_one_retry(app, seeded, monkeypatch):  # noqa: F811
    """A forking RQ worker: the work horse rendering one department dies (twice, as RQ retries it
    once); the other departments are rendered and the export finishes listing that one."""
    import redis
    from rq import Queue, Worker

    import surveyapp.jobs
    from surveyapp.models import AssessmentRound, Organisation
    from surveyapp.services import bulk

    victim = seeded["departments"][2][1]
    with app.app_context():
        round_ = db.session.get(AssessmentRound, seeded["round_id"])
        department = db.session.get(Organisation, seeded["departments"][2][0])
        name = bulk.department_scorecard_data(bulk.round_context(round_), department, "en").department
    connection = redis.Redis.from_url(REDIS_URL)
    queue_name = f"surveyapp-test-{uuid.uuid4().hex[:12]}"
    environment = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "worker",
        "SURVEYAPP_REPORTS_DIR": app.config["REPORTS_DIR"],
        "SURVEYAPP_MIN_GROUP_SIZE": "3",
        "SURVEYAPP_RQ_QUEUE": queue_name,
        "SURVEYAPP_TEST_KILL_DEPARTMENT": name,
    }
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setattr(surveyapp.jobs, "_app", None)
    monkeypatch.setattr(bulk, "render_in_worker", _render_or_die)  # inherited by each forked work horse
    app.config.update(REDIS_URL=REDIS_URL, RQ_QUEUE=queue_name)
    client = app.test_client()
    sign_in(client, "root@agency.example", lang="en")
    started = client.post(f"/admin/rounds/{seeded['round_id']}/reports/bulk", data={"lang": "en"})
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    queue = Queue(queue_name, connection=connection)
    Worker([queue], connection=connection).work(burst=True)
    job = wait_for(app, job_id, timeout=60)
    assert job.status == JobStatus.DONE and job.failures == {victim: "render process died twice"}
    names = zipfile.ZipFile(job.result_path).namelist()
    assert len([n for n in names if n.endswith(".pdf")]) == 3 and "FAILED.txt" in names
    from rq.job import Job

    rendered_twice = Job.fetch(f"surveyapp-bulk-{job_id}-a0-{seeded['departments'][2][0]}", connection=connection)
    assert rendered_twice.retries_left == 0, "RQ ran the department's job a second time"
    queue.delete(delete_jobs=True)
