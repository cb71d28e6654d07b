"""The benchmarks still run and print their figures (bench/compare.py had stopped at the password policy
with nobody noticing). Tiny sizes: this checks that they work, not how fast anything is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CASES = {
    "submit.py": (["--departments", "2", "--respondents", "3,5", "--repeat", "1"], "ratio large / small"),
    "compare.py": (["--departments", "6", "--respondents", "3", "--scale", "2", "--repeat", "1"], "ratio with"),
    "sign_in_timing.py": (["--repeat", "2"], "ms"),
    "inspector.py": (["--pages", "20"], "pages/s"),
    "startup.py": (["--repeat", "1"], "flask --help: "),
}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(CASES))
def test_benchmark_runs_and_prints_its_figures(script, tmp_path):
    arguments, figure = CASES[script]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEYAPP_") and k != "DATABASE_URL"}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *arguments], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert figure in done.stdout, done.stdout[-2000:]
