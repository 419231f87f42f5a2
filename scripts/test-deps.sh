#!/usr/bin/env bash
# The system programs the tests run, and the Debian packages that provide them: the one list of
# them. `npm test` runs this first (its `pretest`), and so does `.ci/run`.
#   all present      prints nothing, exits 0 (a few milliseconds)
#   missing, root    apt-get update (once) and install the missing packages, every step bounded
#   missing, other   exits 1 at once with one line naming the command to run
# TEST_DEPS_UPDATE_TIMEOUT / TEST_DEPS_INSTALL_TIMEOUT (seconds) bound the apt-get steps.
set -euo pipefail

# One row per program: its path, the Debian package that installs it there, and (optionally) the
# environment variable with which the tests are pointed at another binary instead.
DEPS=(
  '/usr/sbin/nginx  nginx-light  NGINX_BIN'
  '/usr/bin/curl    curl'
  '/usr/bin/redis-server  redis-server  REDIS_SERVER_BIN'
  '/usr/bin/chromium      chromium      CHROMIUM_BIN'
)

UPDATE_TIMEOUT=${TEST_DEPS_UPDATE_TIMEOUT:-180}
INSTALL_TIMEOUT=${TEST_DEPS_INSTALL_TIMEOUT:-300}
LOCK_TIMEOUT=60 # seconds apt-get waits for another apt/dpkg to release its lock

say () { echo "test-deps: $*" >&2; }

paths=() pkgs=()
for row in "${DEPS[@]}"; do
  read -r path pkg var <<<"$row"
  if [ -n "${var:-}" ] && [ -n "${!var:-}" ]; then
    # The tests use this binary instead of the package's: installing the package would not help.
    if [ ! -x "${!var}" ]; then
      say "$var=${!var} is not an executable file; point it at one, or unset it to use $path ($pkg)"
      exit 1
    fi
    continue
  fi
  [ -x "$path" ] && continue
  paths+=("$path") pkgs+=("$pkg")
done
[ ${#pkgs[@]} -eq 0 ] && exit 0

missing="${paths[*]} (Debian package${pkgs[1]:+s} ${pkgs[*]})"
install="apt-get install -y --no-install-recommends ${pkgs[*]}"
command="apt-get update && $install"
sudo="sudo apt-get update && sudo $install"
if ! command -v apt-get >/dev/null 2>&1; then
  say "the tests need $missing and this is no apt-based system; on Debian run: $sudo"
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  say "the tests need $missing and this is not root; run: $sudo"
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# apt-get with every wait bounded: the lock, each download, and the whole step (`timeout`).
apt () {
  local limit=$1 step=$2
  shift 2
  local rc=0
  : >"$log"
  timeout --kill-after=10 "$limit" env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
    -o DPkg::Lock::Timeout="$LOCK_TIMEOUT" -o Acquire::http::Timeout=30 -o Acquire::Retries=2 \
    "$@" </dev/null >>"$log" 2>&1 || rc=$?
  [ $rc -eq 0 ] && return 0
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    say "apt-get $step did not finish within ${limit} s; its last output:"
  else
    say "apt-get $step failed (exit $rc); its last output:"
  fi
  tail -n 20 "$log" | sed 's/^/  /' >&2
  say "to install by hand, as root: $command"
  exit 1
}

say "installing ${pkgs[*]} for ${paths[*]} (apt-get, at most $((UPDATE_TIMEOUT + INSTALL_TIMEOUT)) s)"
start=$SECONDS
apt "$UPDATE_TIMEOUT" update update
apt "$INSTALL_TIMEOUT" install install --no-install-recommends "${pkgs[@]}"
for path in "${paths[@]}"; do
  if [ ! -x "$path" ]; then
    say "apt-get installed ${pkgs[*]} but $path is still missing: fix the row for it in $0"
    exit 1
  fi
done
say "installed ${pkgs[*]} in $((SECONDS - start)) s"
