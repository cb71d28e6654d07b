"""RQ job entry points. Workers run ``rq worker surveyapp`` with the same environment as the app
(``DATABASE_URL``, ``REDIS_URL``, ``SURVEYAPP_REPORTS_DIR``…); each builds the app once."""

from __future__ import annotations

_app = None


def _application():
    global _app
    if _app is None:
        from surveyapp.app import create_app

        _app = create_app()
    return _app


def render_department(job_id: int, department_id: int, attempt: int | None = None) -> None:
    from surveyapp.services.bulk import render_one_department

    with _application().app_context():
        render_one_department(job_id, department_id, attempt)


def finish_bulk(job_id: int, attempt: int | None = None) -> None:
    from surveyapp.services.bulk import finish_rq_job

    with _application().app_context():
        finish_rq_job(job_id, attempt)


def close_due_rounds() -> None:
    """Scheduled by ``services.round_lifecycle.schedule_deadline`` at a round's deadline (needs
    ``rq worker --with-scheduler surveyapp``); closes every round whose deadline has passed."""
    from surveyapp.services.round_lifecycle import close_due_rounds as close_due

    with _application().app_context():
        close_due()


def inspect_all() -> None:
    """Inspect every department with targets, then schedule the next run (``flask inspect schedule``)."""
    from surveyapp.services.inspection import run_all_and_reschedule

    with _application().app_context():
        run_all_and_reschedule()


def probe_availability() -> None:
    """One availability round, then schedule the next probe (``flask inspect schedule``)."""
    from surveyapp.services.inspection import probe_and_reschedule

    with _application().app_context():
        probe_and_reschedule()


def prune_inspections() -> None:
    """Remove expired inspection evidence (``INSPECT_KEEP_DAYS``), then schedule the next prune."""
    from surveyapp.services.inspection_retention import prune_and_reschedule

    with _application().app_context():
        prune_and_reschedule()
