"""Inspector benchmark (issue 20). Serves the demo government site (``surveyapp/inspector/demo_site``)
on 127.0.0.1 and prints:

* pages per second: fetching (safe crawler: robots.txt, budgets, no rate-limit pause), reading (charset,
  HTML, metadata, list dates) and keeping each page as a WARC record, for N article pages;
* memory for those pages: the Python heap's peak (tracemalloc) and the process's peak resident size;
* the time of one whole inspection of the demo site (home, columns, articles, links, feeds).

Usage: .venv/bin/python bench/inspector.py [--pages 1000]. Never touches the network: only 127.0.0.1.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import logging  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from datetime import date  # noqa: E402

from werkzeug.serving import make_server  # noqa: E402

from surveyapp.definitions.webpages import WarcFile, parse_page, sha256_hex  # noqa: E402
from surveyapp.inspector.crawler import Crawler  # noqa: E402
from surveyapp.inspector.demo_site import app  # noqa: E402
from surveyapp.inspector.run import Inspection, TargetSpec  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    host = f"127.0.0.1:{server.server_port}"
    today = date.today()
    try:
        with tempfile.TemporaryDirectory() as folder:
            crawler = Crawler({host}, "surveyapp-inspector/bench", timeout=15, min_interval=0,
                              max_pages=args.pages + 10, max_bytes=10**10, allow_private=True)  # fmt: skip
            warc = WarcFile(Path(folder) / "bench.warc.gz")
            tracemalloc.start()
            started = time.perf_counter()
            dated = 0
            for n in range(args.pages):
                fetch = crawler.fetch(f"{base}/bulk/{n}.html")
                warc.add(fetch.final_url, fetch.status, fetch.reason, fetch.headers, fetch.body)
                sha256_hex(fetch.body)
                page = parse_page(fetch.body, fetch.final_url, fetch.content_type, as_of=today)
                dated += page.meta_date is not None
            elapsed = time.perf_counter() - started
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            warc.close()
            size = (Path(folder) / "bench.warc.gz").stat().st_size
            print(f"pages: {args.pages} fetched, read and archived in {elapsed:.2f} s "
                  f"= {args.pages / elapsed:.0f} pages/s ({crawler.bytes / 1e6:.1f} MB fetched, "
                  f"{dated} dated by metadata, WARC {size / 1e6:.2f} MB)")  # fmt: skip
            print(
                f"memory for {args.pages} pages: Python heap peak {peak / 2**20:.1f} MiB; "
                f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
            )
            crawler = Crawler({host}, "surveyapp-inspector/bench", timeout=15, min_interval=0, allow_private=True)
            started = time.perf_counter()
            findings = []
            inspection = Inspection(crawler, today)
            for spec in (TargetSpec("website", base + "/"), TargetSpec("feed", base + "/feed.xml"),
                         TargetSpec("feed", base + "/stale-feed.xml")):  # fmt: skip
                findings += inspection.target(spec)
            elapsed = time.perf_counter() - started
            failed = sorted({f.check for f in findings if f.status == "fail"})
            print(
                f"whole inspection of the demo site: {crawler.pages} requests, {len(findings)} findings in "
                f"{elapsed:.2f} s (failed checks: {', '.join(failed)})"
            )
            print("with the default politeness (1 request per second per host) a 200-page site takes ~200 s")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
