"""scripts/audit-dependencies.sh says plainly when the dependency audit could not be done."""

import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = PROJECT_ROOT / "scripts" / "audit-dependencies.sh"


def run_with_fake_pip_audit(tmp_path, output: str, exit_code: int):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    fake = bin_dir / "pip-audit"
    fake.write_text(f"#!/bin/sh\ncat <<'OUT'\n{output}\nOUT\nexit {exit_code}\n")
    fake.chmod(0o755)
    warning_file = tmp_path / "stamps" / "dependency-audit-warning"
    result = subprocess.run(
        ["bash", str(SCRIPT), str(bin_dir), str(warning_file)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
    )
    return result, warning_file


@pytest.mark.parametrize(
    ("output", "exit_code"),
    [
        ("requests.exceptions.ConnectionError: Max retries exceeded with url: /pypi/flask/json", 2),
        ("WARNING:pip_audit._cli:Dependency not found on PyPI and could not be audited: flask (3.1.3)\n"
         "WARNING:pip_audit._cli:Dependency not found on PyPI and could not be audited: rq (2.12.0)", 0),
    ],
)  # fmt: skip
def test_unreachable_vulnerability_data_gives_a_warning_line(tmp_path, output, exit_code):
    result, warning_file = run_with_fake_pip_audit(tmp_path, output, exit_code)
    assert result.returncode == 0, "an offline machine can still run the tests"
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING: dependency audit NOT done")]
    assert warnings, result.stderr
    assert warning_file.read_text().startswith("WARNING: dependency audit NOT done"), "repeated after the tests"


def test_vulnerabilities_fail_and_a_clean_audit_leaves_no_warning(tmp_path):
    result, warning_file = run_with_fake_pip_audit(tmp_path, "Found 1 known vulnerability in 1 package", 1)
    assert result.returncode == 1 and "vulnerable dependencies found" in result.stderr
    clean, warning_file = run_with_fake_pip_audit(tmp_path / "clean", "No known vulnerabilities found", 0)
    assert clean.returncode == 0 and "WARNING" not in clean.stderr and not warning_file.exists()
