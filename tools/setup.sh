# Shared by tools/run and tools/test (sourced): install what is missing, configure, build.
# Works as root on a fresh Debian 12 machine; quiet and fast when everything is there.
set -euo pipefail

DUTYFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools/deps.sh
source "$DUTYFLOW_ROOT/tools/deps.sh"

dutyflow_log() { printf '[dutyflow] %s\n' "$*" >&2; }

# Installs the packages that dpkg does not report as installed. apt-get update runs only
# when something is missing, so a ready machine pays nothing.
dutyflow_install() {
  local missing=()
  local p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  ((${#missing[@]} == 0)) && return 0
  if [[ $(id -u) -ne 0 ]]; then
    dutyflow_log "missing packages: ${missing[*]} (run as root, or install them: apt-get install ${missing[*]})"
    return 1
  fi
  dutyflow_log "installing: ${missing[*]}"
  local tries=0
  # Another apt (unattended upgrades) may hold the lock for a while on a fresh machine.
  until DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; do
    tries=$((tries + 1))
    if ((tries >= 10)); then
      dutyflow_log "apt-get install failed"
      return 1
    fi
    sleep 15
  done
}

# Configures (once) and builds into $1 (default build/) with extra cmake args after it.
dutyflow_build() {
  local dir="${1:-$DUTYFLOW_ROOT/build}"
  shift || true
  export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
  # Paths below the checkout are hashed relative to it, so another clone of the same
  # sources (CI's) reuses the cache.
  export CCACHE_BASEDIR="$DUTYFLOW_ROOT"
  if [[ ! -f "$dir/build.ninja" ]]; then
    cmake -S "$DUTYFLOW_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  fi
  # Two cores; MSM and Beast translation units need about 1 GiB each. DUTYFLOW_TARGETS
  # (space-separated) builds only those targets, e.g. the benchmarks without the tests.
  local targets=()
  [[ -n "${DUTYFLOW_TARGETS:-}" ]] && read -r -a targets <<<"$DUTYFLOW_TARGETS"
  cmake --build "$dir" -j "${DUTYFLOW_JOBS:-2}" ${targets[@]+--target "${targets[@]}"}
}
