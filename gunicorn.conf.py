"""Production gunicorn settings. Override with GUNICORN_* or HOST/PORT environment variables."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# PDF rendering is CPU-bound and grows memory; recycle workers to keep memory bounded.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 1000))
max_requests_jitter = 100
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
accesslog = "-"
errorlog = "-"
# Trust X-Forwarded-* only from the local reverse proxy (see README, "Several machines").
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
