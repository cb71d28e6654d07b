"""Start-up benchmark (issue 13: lean start-up). Prints, each the median of ``--repeat`` fresh processes:

* ``import wsgi`` (the app, as gunicorn imports it): wall-clock and CPU seconds, and the process's peak
  resident memory (goal: at most 150 MB);
* ``flask --app wsgi --help`` (what an administrator's every ``flask`` command pays before it starts):
  wall-clock and CPU seconds (goal: at most 1.5 s);
* the heavy libraries the import loaded (none expected: they load where a request uses them).

Usage: .venv/bin/python bench/startup.py [--repeat 5]
Each run is a new interpreter; the instance folder is a temporary one, so nothing of the instance is touched.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("scipy", "numpy", "matplotlib", "openpyxl", "weasyprint", "pikepdf", "PIL", "docx", "lxml", "requests")
IMPORT = (
    "import resource, sys; import wsgi; "
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); "
    f"print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
)


def timed(command: list[str], env: dict) -> tuple[float, float, str]:
    """Wall-clock seconds, CPU seconds (user + system of the child) and stdout of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "SURVEYAPP_INSTANCE_PATH": instance, "SECRET_KEY": "bench",
               "DATABASE_URL": f"sqlite:///{instance}/bench.db"}  # fmt: skip
        flask = str(Path(sys.executable).with_name("flask"))
        imports, helps, peaks, heavy = [], [], [], set()
        for _ in range(args.repeat):  # in turns, so a neighbour's load hits both alike
            wall, cpu, out = timed([sys.executable, "-c", IMPORT], env)
            peak_kib, loaded = out.splitlines()[-2:] if out.count("\n") >= 2 else (out.strip(), "")
            imports.append((wall, cpu))
            peaks.append(int(peak_kib) / 1024)
            heavy |= set(filter(None, loaded.split(",")))
            helps.append(timed([flask, "--app", "wsgi", "--help"], env)[:2])
    print(f"load average: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()}); medians of {args.repeat} runs")
    print(f"import wsgi: {statistics.median(w for w, _ in imports):.2f} s "
          f"(CPU {statistics.median(c for _, c in imports):.2f} s), peak RSS {statistics.median(peaks):.0f} MiB "
          f"(goal: at most 150 MB)")  # fmt: skip
    print(f"flask --help: {statistics.median(w for w, _ in helps):.2f} s "
          f"(CPU {statistics.median(c for _, c in helps):.2f} s) (goal: at most 1.5 s)")  # fmt: skip
    print(f"heavy libraries loaded by the import: {', '.join(sorted(heavy)) or 'none'}")


if __name__ == "__main__":
    main()
