#!/usr/bin/env bash
# pip-audit over the pinned requirements. Fails when a known vulnerability is found. When the
# vulnerability data cannot be reached (an offline machine, a mirror) the audit is NOT done: it
# says so with a WARNING line, here and again in the file named by $2 (the Makefile repeats it
# at the end of `make test`, so it is not lost above the test output).
set -u
bin=${1:-.venv/bin}
warning_file=${2:-}
[ -n "$warning_file" ] && rm -f "$warning_file"
warn() {
  local message="WARNING: dependency audit NOT done: $1 Known vulnerabilities in requirements.txt were not checked."
  echo "$message" >&2
  if [ -n "$warning_file" ]; then
    mkdir -p "$(dirname "$warning_file")"
    echo "$message" >"$warning_file"
  fi
}
out=$(timeout 180 "$bin/pip-audit" -r requirements.txt --progress-spinner off 2>&1)
rc=$?
skipped=$(printf '%s\n' "$out" | grep -c "could not be audited")
if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -qE "^Found [0-9]+ known vulnerabilit"; then
  printf '%s\n' "$out"
  echo "pip-audit: vulnerable dependencies found (above)." >&2
  exit 1
fi
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
  warn "pip-audit could not reach its vulnerability data (exit $rc; last line: $(printf '%s\n' "$out" | tail -n 1))."
  exit 0
fi
if [ "$rc" -eq 1 ]; then
  warn "pip-audit failed (exit 1; last line: $(printf '%s\n' "$out" | tail -n 1))."
  exit 0
fi
if [ "$skipped" -gt 0 ]; then
  warn "$skipped dependencies could not be audited: no vulnerability data is reachable from this machine."
  exit 0
fi
echo "pip-audit: no known vulnerabilities."
