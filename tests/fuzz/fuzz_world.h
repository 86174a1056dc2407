// What dutyflowd builds, minus the sockets, for the fuzz targets: an engine on a SQLite
// journal in a temp directory, a manual clock, the engine runner, the handlers' context
// with the views and one-click links wired in, and a router with three known tokens.
// Every input starts from the same state (a template journal made once: empty, or the
// seed plan 182/KH-UBND loaded), so a crash found by the fuzzer replays from its input
// alone. Rebuilding costs a file copy and a replay, so targets rebuild only after an
// input changed something. One per process; the fuzzer's thread calls it.
#pragma once

#include "adapters/http/ack_link.h"
#include "adapters/http/router.h"
#include "adapters/http/event_stream.h"
#include "adapters/http/imports.h"
#include "adapters/http/rate_limit.h"
#include "adapters/http/signed_urls.h"
#include "adapters/security/link_token.h"
#include "engine/calendar.h"
#include "engine/engine.h"
#include "engine/runner.h"

#include <functional>
#include <memory>
#include <string>

namespace dutyflow::fuzz {

// Stops the process with a message on stderr: libFuzzer records the input as a crash.
[[noreturn]] void fail(const std::string& what);
#define FUZZ_CHECK(cond, what)                                                     \
  do {                                                                             \
    if (!(cond)) ::dutyflow::fuzz::fail(std::string("check failed: " #cond ": ") + (what)); \
  } while (0)

// The tokens of the router (their names are the actors the journal records).
inline constexpr const char* coordinator_token = "tok-coordinator";  // phong-noi-vu, coordinator
inline constexpr const char* unit_token = "tok-unit";                // xa-ma-li-pho, unit
inline constexpr const char* viewer_token = "tok-viewer";            // viewer

class world {
 public:
  // `seed_plan`: the template journal holds config/plans/182-kh-ubnd-2023.json.
  explicit world(bool seed_plan);
  ~world();
  world(const world&) = delete;
  world& operator=(const world&) = delete;

  // The parts, valid until the next reset().
  engine& eng();
  manual_clock& clock();
  http::router& router();
  engine_runner& runner();
  const working_calendar& calendar() const { return *calendar_; }

  // Runs `fn` on the engine thread and waits for it (the runner is always running).
  void on_engine(const std::function<void(engine&)>& fn);
  // Waits until every stream replay begun has ended (handed over, or its client gone).
  void wait_replays();

  // What an outside observer can read: journal length, outbox rows by status, plans and
  // duties as the API lists them, the clock. Equal before and after a request means the
  // request changed nothing.
  std::string snapshot();
  // The snapshot every input starts from (the state after every reset).
  const std::string& initial_snapshot() const { return template_snapshot_; }

  // Checks that replaying the journal into a fresh engine gives the same snapshot, then
  // puts the template journal back. Call after an input changed something.
  void replay_check_and_reset();
  // Puts the template journal back if the snapshot differs from the template's.
  void reset_if_changed();

 private:
  struct parts;
  void build(const std::string& db_path);
  void teardown();

  std::string dir_;
  std::string template_path_;
  std::string work_path_;
  std::unique_ptr<working_calendar> calendar_;
  std::unique_ptr<security::link_tokens> ack_signer_;
  std::shared_ptr<const http::token_store> tokens_;
  std::unique_ptr<parts> parts_;
  std::string template_snapshot_;
};

// The seed plan file's text (config/plans/182-kh-ubnd-2023.json).
const std::string& seed_plan_text();

}  // namespace dutyflow::fuzz
