#!/usr/bin/env bash
# pip-audit over the pinned requirements. Fails when a known vulnerability is found; says so
# and goes on when the vulnerability data cannot be reached (an offline machine, a mirror).
set -u
bin=${1:-.venv/bin}
out=$(timeout 180 "$bin/pip-audit" -r requirements.txt --progress-spinner off 2>&1)
rc=$?
skipped=$(printf '%s\n' "$out" | grep -c "could not be audited")
if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -qE "^Found [0-9]+ known vulnerabilit"; then
  printf '%s\n' "$out"
  echo "pip-audit: vulnerable dependencies found (above)." >&2
  exit 1
fi
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
  echo "pip-audit: skipped, the vulnerability data could not be reached (exit $rc)."
  exit 0
fi
if [ "$skipped" -gt 0 ]; then
  echo "pip-audit: $skipped dependencies could not be audited: no vulnerability data is reachable from this machine."
  exit 0
fi
echo "pip-audit: no known vulnerabilities."
