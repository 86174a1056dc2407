// The body of POST /api/v1/plans/{plan}/duties/{duty}/events, parsed by the handlers'
// parse_event_request() and applied by the engine to a duty of the seed plan.
// Input: byte 0 picks the duty, byte 1 the caller and the headers, then one body per
// line, applied in order (so that the fuzzer walks a duty's machine past Assigned); a
// line may start with "@c ", "@o ", "@u " or "@v " to send it as the coordinator, the
// duty's owner, another unit or a viewer. A body the parser accepts says the same thing
// when written back; a command the engine refuses changes nothing; one it accepts adds
// exactly one event and ends the history, the journal replays to the same state, and a
// retry with the same Idempotency-Key is answered from memory without a second event.
#include "adapters/http/handlers.h"
#include "adapters/http/json_views.h"
#include "tests/fuzz/fuzz_world.h"

namespace {

using namespace dutyflow;
using nlohmann::json;
using dutyflow::http::to_json;

struct duty_ref {
  std::string plan, id, owner;
};

std::vector<duty_ref> seed_duties(fuzz::world& w) {
  std::vector<duty_ref> out;
  w.on_engine([&](engine& e) {
    for (const auto& d : to_json(e.read_duties(duty_filter{}, nullptr)))
      out.push_back({d.value("plan", ""), d.value("id", ""), d.value("owner", "")});
  });
  if (out.empty()) fuzz::fail("the seed plan has no duties");
  return out;
}

actor caller_of(int who, const duty_ref& duty) {
  switch (who) {
    case 0: return actor{"phong-noi-vu", role::coordinator, "phong-noi-vu"};
    case 1: return actor{"owner", role::unit, duty.owner};
    case 2: return actor{"ubnd-xa-ma-li-pho", role::unit, "xa-ma-li-pho"};
    default: return actor{"lanh-dao", role::viewer, ""};
  }
}

// Parses and applies one body; true when the engine accepted it.
bool apply_one(fuzz::world& world, const duty_ref& duty, const actor& caller, std::uint8_t flags,
               std::string_view line) {
  http::request req;
  req.method = "POST";
  req.body = std::string(line);
  if (flags & 4) req.if_match = "\"1\"";  // the version right after "assigned"
  if (flags & 8) req.if_match = "W/\"7\"";
  if (flags & 16) req.idempotency_key = "fuzz-key";

  auto cmd = http::parse_event_request(req, duty.plan, duty.id, caller);
  if (!cmd) {
    FUZZ_CHECK(cmd.err().code == errc::invalid && !cmd.err().message.empty(), cmd.err().message);
    return false;
  }
  FUZZ_CHECK(!cmd->event.empty() && cmd->note.size() <= 10000 && cmd->data.is_object(), "the parsed command's shape");
  FUZZ_CHECK(cmd->plan == duty.plan && cmd->duty == duty.id && cmd->by.name == caller.name, "the target and caller");
  // Written back as a body, the command parses to itself.
  {
    http::request again = req;
    json body{{"event", cmd->event}, {"note", cmd->note}, {"data", cmd->data}};
    again.body = body.dump(-1, ' ', false, json::error_handler_t::strict);
    auto cmd2 = http::parse_event_request(again, duty.plan, duty.id, caller);
    FUZZ_CHECK(cmd2 && cmd2->event == cmd->event && cmd2->note == cmd->note && cmd2->data == cmd->data &&
                   cmd2->expected_version == cmd->expected_version && cmd2->idempotency_key == cmd->idempotency_key,
               "the command written back parses to itself");
  }

  const auto before = world.snapshot();
  std::int64_t version_before = 0;
  bool accepted = false;
  world.on_engine([&](engine& e) {
    auto d = to_json(e.read_duty(duty.plan, duty.id, nullptr, false));
    FUZZ_CHECK(d, "the seed duty answers");
    version_before = (*d)["version"].get<std::int64_t>();
    auto r = e.apply(*cmd);
    if (!r) {
      const auto c = r.err().code;
      FUZZ_CHECK(c == errc::invalid || c == errc::forbidden || c == errc::not_found || c == errc::conflict ||
                     c == errc::version_mismatch,
                 "a refusal of the caller's mistake, not of the engine's: " + r.err().message);
      if (c == errc::conflict) FUZZ_CHECK(r.err().details.contains("allowed_events"), "409 lists the allowed events");
      return;
    }
    // The same command and key as an earlier line: answered from memory, nothing new.
    if (r->replayed) return;
    accepted = true;
    FUZZ_CHECK(r->version == version_before + 1, "an accepted event adds exactly one version");
    const auto answer = r->answer ? to_json(*r->answer) : json();
    FUZZ_CHECK(answer.is_object() && answer.value("version", std::int64_t{-1}) == r->version,
               "the answer is the duty after the event");
    auto ev = answer.find("event");
    FUZZ_CHECK(ev != answer.end() && ev->is_object() && ev->value("event", "") == cmd->event &&
                   ev->value("seq", std::int64_t{-1}) == r->version,
               "the answer names the event it applied");
    auto now = to_json(e.read_duty(duty.plan, duty.id, nullptr, true));
    FUZZ_CHECK(now && (*now)["history"].back().value("event", "") == cmd->event, "the history ends with the event");
    if (!cmd->idempotency_key.empty()) {
      auto retry = e.apply(*cmd);
      FUZZ_CHECK(retry && retry->replayed && retry->version == r->version, "a retry with the key is replayed");
    }
  });
  if (!accepted) FUZZ_CHECK(world.snapshot() == before, "a refused or replayed event changes nothing");
  return accepted;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::world world(true);
  static const auto duties = seed_duties(world);
  if (size < 2) return 0;
  const auto& duty = duties[data[0] % duties.size()];
  const std::uint8_t flags = data[1];
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  bool changed = false;
  for (int step = 0; step < 8 && !rest.empty(); ++step) {
    auto nl = rest.find('\n');
    auto line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    int who = flags & 3;
    if (line.size() >= 3 && line[0] == '@' && line[2] == ' ') {
      auto at = std::string_view("couv").find(line[1]);
      if (at != std::string_view::npos) who = static_cast<int>(at);
      line.remove_prefix(3);
    }
    changed = apply_one(world, duty, caller_of(who, duty), flags, line) || changed;
  }
  if (changed) world.replay_check_and_reset();
  return 0;
}
