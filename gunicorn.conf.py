"""Production gunicorn settings. Override with GUNICORN_* or HOST/PORT environment variables.

* The app is imported once in the master (``preload_app``) and forked: a recycled worker is
  ready in milliseconds instead of re-importing everything (about a second). Before forking, the
  master also compiles the templates and parses the stored questionnaires (``surveyapp.warmup``),
  which a worker would otherwise redo on its first requests after every recycle.
* Workers are recycled after ``max_requests`` to bound memory, each after a different count
  (a jitter of half ``max_requests`` plus a per-worker offset), so they never all restart at once.
* The worker count fits the cores and the memory: 2 × cores + 1, but no more than the available
  memory divided by what one worker may grow to (``GUNICORN_WORKER_MEMORY_MIB``, default 350 MiB:
  a worker measured 337 MiB after rendering 20 PDFs), and at least 1.
"""

import multiprocessing
import os
import sys


def _available_memory_mib() -> int | None:
    """MemAvailable from /proc/meminfo (Linux), else None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        return None
    return None


def default_workers(cores: int, available_mib: int | None, worker_mib: int) -> int:
    """2 × cores + 1, capped by the memory available for workers; at least 1."""
    by_cores = cores * 2 + 1
    if not available_mib:
        return by_cores
    return max(1, min(by_cores, available_mib // max(1, worker_mib)))


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
worker_memory_mib = int(os.environ.get("GUNICORN_WORKER_MEMORY_MIB", 350))
workers = int(
    os.environ.get(
        "GUNICORN_WORKERS", default_workers(multiprocessing.cpu_count(), _available_memory_mib(), worker_memory_mib)
    )
)
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() not in ("0", "false", "no")
# PDF rendering is CPU-bound and grows memory; recycle workers to keep memory bounded.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 1000))
max_requests_jitter = max_requests // 2
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
# Trust X-Forwarded-* only from the local reverse proxy (see README, "Several machines").
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    """With the app preloaded, build once in the master what every worker would build again after
    each fork (compiled templates, parsed questionnaires, form classes: ``surveyapp.warmup``)."""
    app = server.app.wsgi() if preload_app else None
    if not getattr(app, "import_name", "").startswith("surveyapp"):
        return  # not preloaded, or another app served with these settings (bench/web.py's hello world)
    from surveyapp.warmup import warm_up

    try:
        counts = warm_up(app)
    except Exception:  # noqa: BLE001 - a failed warm-up leaves the work to the workers, as without it
        server.log.exception("warm-up failed; workers will build what they need")
        return
    server.log.info("warm-up: %(templates)d templates, %(questionnaires)d questionnaires, %(forms)d forms", counts)


def post_fork(server, worker):
    """Spread the recycling points: worker number k (counted from 0 since start) gets an extra
    k/workers of ``max_requests`` on top of gunicorn's random jitter, so two workers started
    together reach their limits apart. A forked worker also drops any database connection the
    master may hold (connections must not be shared across processes)."""
    if max_requests:
        count = max(1, server.num_workers)
        worker.max_requests += (worker.age % count) * max_requests // count
    extensions = sys.modules.get("surveyapp.extensions")
    if preload_app and extensions is not None:
        try:
            with server.app.wsgi().app_context():
                extensions.db.engine.dispose(close=False)
        except Exception:  # noqa: BLE001 - never stop a worker from starting over this
            server.log.exception("could not reset the database pool after fork")
