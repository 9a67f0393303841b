#!/usr/bin/env bash
# Makes sure the tools the real-registry tests need are installed (runs as `pretest`).
# The tests start Debian's docker-registry on loopback and build images with buildah from
# busybox-static's /bin/busybox (see test/support/global-setup.ts); the pip round trip creates a
# venv with Debian's /usr/bin/python3 (python3-venv, see test/pip/); the queue tests start their own
# redis-server on loopback (test/support/redis-server.ts). Safe to run repeatedly.
set -euo pipefail

packages=(docker-registry buildah busybox-static python3-venv redis-server)
install_command="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages[*]}"

missing=()
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
if ! { [ -x /bin/busybox ] && dpkg -s busybox-static >/dev/null 2>&1; }; then
  missing+=(busybox-static)
fi
dpkg -s python3-venv >/dev/null 2>&1 || missing+=(python3-venv)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "ensure-test-deps: missing test dependencies: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-deps: install them as root (Debian/Ubuntu) with:" >&2
  echo "  $install_command" >&2
  exit 1
fi

apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
