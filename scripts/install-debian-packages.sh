#!/usr/bin/env bash
# Installs the Debian packages a command needs, if they are missing, so a fresh machine needs
# nothing by hand. Arguments are command:package pairs, e.g. redis-server:redis-server; a package is
# installed when its command is not on PATH. Runs before `npm test` and `npm run demo` (the real
# peers) and `npm run bench` (HAProxy, taskset).
set -euo pipefail
need=()
for pair in "$@"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${need[*]} (run: sudo apt-get install -y ${need[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
