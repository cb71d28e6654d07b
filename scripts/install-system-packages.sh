#!/usr/bin/env bash
# Install the Debian packages the app needs, when apt is there and we are root.
# Otherwise print exactly what is missing and carry on (exit 0): the app still starts,
# and `flask doctor` names what does not work without them.
set -u
packages=("$@")
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    exit 0
  fi
  echo "WARNING: apt-get could not install: ${missing[*]}" >&2
  exit 0
fi
echo "WARNING: these Debian packages are missing and cannot be installed here (no apt-get, or not root):" >&2
for pkg in "${missing[@]}"; do echo "  - $pkg" >&2; done
echo "Install them with: sudo apt-get install ${missing[*]}" >&2
exit 0
