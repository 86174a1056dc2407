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

# Configures (once per set of cmake args) and builds into $1 (default build/) with extra
# cmake args after them; `--target T` before the dir builds only T.
dutyflow_build() {
  local target=()
  if [[ "${1:-}" == --target ]]; then
    target=(--target "$2")
    shift 2
  fi
  local dir="${1:-$DUTYFLOW_ROOT/build}"
  shift || true
  export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
  # Paths below the checkout are hashed relative to it, so another clone of the same
  # sources (CI's) reuses the cache.
  export CCACHE_BASEDIR="$DUTYFLOW_ROOT"
  # With debug info (build-asan/ has line tables) ccache also hashes the working directory,
  # so no other clone ever hit: every CI run compiled the sanitizer build cold. Not hashing
  # it means a trace may name the source path of the clone that first compiled the file.
  export CCACHE_NOHASHDIR=true
  # A directory configured with other args (an older build-asan/ made with gcc) cannot
  # switch compilers in place: start it afresh.
  local args="$*"
  if [[ -f "$dir/build.ninja" && "$(cat "$dir/.dutyflow-args" 2>/dev/null)" != "$args" ]]; then
    dutyflow_log "$dir was configured differently; configuring it afresh"
    rm -rf "$dir"
  fi
  if [[ ! -f "$dir/build.ninja" ]]; then
    cmake -S "$DUTYFLOW_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
    printf '%s' "$args" >"$dir/.dutyflow-args"
  fi
  # Two cores; MSM and Beast translation units need about 1 GiB each. `--target T` or
  # DUTYFLOW_TARGETS (space-separated) builds only those targets, e.g. the benchmarks
  # without the tests.
  [[ ${#target[@]} -eq 0 && -n "${DUTYFLOW_TARGETS:-}" ]] && { read -r -a target <<<"$DUTYFLOW_TARGETS"; target=(--target "${target[@]}"); }
  cmake --build "$dir" -j "${DUTYFLOW_JOBS:-2}" ${target[@]+"${target[@]}"}
}

# The sanitizer build: clang 14 with AddressSanitizer + UBSan, every library also compiled
# with libFuzzer's coverage hooks, so one build runs the whole suite and the fuzz targets.
# -O1 with line tables is ASan's advice for speed with readable traces; no NDEBUG, so the
# assertions in Boost and nlohmann (a const operator[] on a missing key) fire too.
DUTYFLOW_ASAN_DIR="$DUTYFLOW_ROOT/build-asan"
DUTYFLOW_ASAN_ARGS=(
  -DCMAKE_CXX_COMPILER=clang++-14 -DDUTYFLOW_SANITIZE=ON -DDUTYFLOW_FUZZ=ON
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only"
)
dutyflow_sanitizer_env() {
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  export ASAN_SYMBOLIZER_PATH="${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-14/bin/llvm-symbolizer}"
}

# Prints "NAME took N s" for a stage that started at $2 (seconds since the epoch).
dutyflow_took() { dutyflow_log "$1 took $(( $(date +%s) - $2 )) s"; }
