# Debian 12 packages dutyflow needs to build, test and run. Sourced by tools/run and tools/test.
# libboost1.81-dev conflicts with libboost-dev (1.74): never add the latter.
DUTYFLOW_BUILD_PACKAGES=(
  cmake ninja-build g++ ccache pkg-config
  libboost1.81-dev libsqlitecpp-dev libsqlite3-dev sqlite3 nlohmann-json3-dev
  libspdlog-dev libfmt-dev libcli11-dev libgtest-dev libgmock-dev libssl-dev
  libzip-dev libpugixml-dev
)
DUTYFLOW_TEST_PACKAGES=(
  python3 curl
  # The notification tests' real peers: an SMTP server (aiosmtpd) and a self-signed
  # certificate for its STARTTLS (openssl).
  python3-aiosmtpd openssl
  # The dashboard's tests: headless Chromium for tests/e2e, and real parsers of its feeds.
  chromium python3-icalendar python3-prometheus-client
  # Plan upload: the .docx the import tests upload is written by python3-docx.
  python3-docx
)
# tools/bench-all: load generator (wrk), result handling (jq, python3), W3's plan upload
# (curl). The peers' own packages (taskwarrior, PostgreSQL 15) are installed by their
# setup_apt.sh; their npm packages need node, npm and a C++ toolchain (node-gyp).
DUTYFLOW_BENCH_PACKAGES=(
  wrk jq python3 curl sqlite3 procps
)
DUTYFLOW_PEER_PACKAGES=(
  make python3 g++
)
# The sanitizer build (tools/test, tools/fuzz): clang with libFuzzer and the sanitizer
# runtimes, and llvm-symbolizer for readable stack traces.
DUTYFLOW_SANITIZE_PACKAGES=(clang-14 libclang-rt-14-dev llvm-14)
