#include "tests/support/event_load.h"

#include <cstdio>
#include <random>

#include "tools/http_client.h"

namespace dutyflow::testing {

using nlohmann::json;

namespace {

constexpr std::chrono::minutes vietnam{7 * 60};

std::string two_digits(int n) {
  return (n < 10 ? "0" : "") + std::to_string(n);
}

constexpr const char* load_kinds[] = {"report", "venue", "reporter", "tham_luan", "awards", "attendance", "publish"};

// The kind of load plan duty "nhiem-vu-NNNN" (load_plan gives duty i the kind i % 7).
std::string kind_of(const std::string& duty) {
  const auto n = std::atoi(duty.c_str() + duty.find_last_of('-') + 1);
  return n > 0 ? load_kinds[(n - 1) % 7] : "";
}

// What a real unit would send with each event: the data the event asks for (and only that:
// an event takes no field it does not declare), and a note where one is required (return,
// cancel) or sometimes anyway.
json event_body(const std::string& event, const std::string& duty, std::mt19937_64& rng) {
  json body{{"event", event}};
  if (event == "submit" && kind_of(duty) == "tham_luan") body["data"] = {{"title", "Tham luận về cải cách hành chính"}};
  if (event == "submit" && kind_of(duty) == "awards") body["data"] = {{"count", 3}};
  if (event == "publish") body["data"] = {{"url", "https://phongtho.example/tin/" + duty}};
  if (event == "name_reporter") body["data"] = {{"name", "Lò Văn Bình"}};
  if (event == "name_delegates") body["data"] = {{"delegates", {"Nguyễn Văn An", "Lò Thị Hoa"}}};
  if (event == "decide") body["data"] = {{"decision", "Quyết định số 12/QĐ-UBND"}};
  if (event == "return")
    body["note"] = "Cần bổ sung số liệu";
  else if (event == "cancel")
    body["note"] = "Không còn cần thiết";
  else if (rng() % 4 == 0)
    body["note"] = "Đã xử lý";
  return body;
}

// Forward steps are likely, a return sends a duty round again, a cancel is rare: the load
// keeps most duties alive through a long run.
double weight_of(const std::string& event) {
  if (event == "cancel") return 0.2;
  if (event == "comment") return 1.0;
  if (event == "return") return 1.5;
  if (event == "reassign") return 0.0;  // the clients hold tokens of fixed owners
  return 4.0;
}

}  // namespace

busy_plan make_busy_plan(int duties, int units, instant start) {
  const auto& kinds = load_kinds;
  busy_plan p;
  json unit_list = json::array({json{{"id", p.coordinator_unit}, {"name", "Phòng Nội vụ"}}});
  for (int u = 1; u <= units; ++u) {
    p.units.push_back("don-vi-" + two_digits(u));
    unit_list.push_back(json{{"id", p.units.back()}, {"name", "Đơn vị " + two_digits(u)}});
  }
  json duty_list = json::array();
  for (int i = 0; i < duties; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "nhiem-vu-%04d", i + 1);
    p.duties.push_back(id);
    json due = i % 4 == 3
                   ? json{{"after", "assigned"}, {"working_days", 2 + i % 6}}
                   : json{{"at", format_instant(start + std::chrono::days{1 + i % 9} + std::chrono::hours{3 * (i % 5)},
                                                vietnam)}};
    duty_list.push_back(json{{"id", id},
                             {"kind", kinds[i % 7]},
                             {"title", "Nhiệm vụ số " + std::to_string(i + 1)},
                             {"owner", p.units[static_cast<std::size_t>(i % units)]},
                             {"due", due}});
  }
  p.doc =
      json{{"id", p.id},
           {"number", "99/KH-UBND"},
           {"title", "Kế hoạch thử tải: nhiều nhiệm vụ, nhiều đơn vị"},
           {"issuer", "UBND huyện Phong Thổ"},
           {"issued_on", format_date(local_date(start, vietnam))},
           {"timezone", "Asia/Ho_Chi_Minh"},
           {"coordinator", p.coordinator_unit},
           {"milestones", json::array()},
           {"units", unit_list},
           {"defaults", {{"reminders", {{"before", {"3d", "1d"}}, {"overdue_every", "1d"}, {"escalate_after", "1d"}}}}},
           {"duties", duty_list}};
  return p;
}

load_tokens add_load_tokens(daemon_fixture& d, const busy_plan& p) {
  load_tokens t;
  t.coordinator_unit = p.coordinator_unit;
  t.coordinator = d.add_token(t.coordinator_name, "coordinator", p.coordinator_unit);
  for (const auto& u : p.units) t.by_unit[u] = d.add_token(u, "unit", u);
  return t;
}

std::uint64_t request_gate::enter() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return open_; });
  ++in_flight_;
  return generation_;
}

void request_gate::leave() {
  std::lock_guard lock(mutex_);
  --in_flight_;
  changed_.notify_all();
}

void request_gate::close() {
  std::lock_guard lock(mutex_);
  open_ = false;
}

void request_gate::wait_idle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return in_flight_ == 0; });
}

void request_gate::open() {
  std::lock_guard lock(mutex_);
  open_ = true;
  ++generation_;
  changed_.notify_all();
}

bool request_gate::wait_past(std::uint64_t gen, std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, limit, [&] { return generation_ > gen; });
}

event_load::event_load(std::string url, busy_plan plan, load_tokens tokens, request_gate& gate, std::uint64_t seed,
                       int clients)
    : url_(std::move(url)),
      plan_(std::move(plan)),
      tokens_(std::move(tokens)),
      gate_(gate),
      seed_(seed),
      clients_(clients) {}

event_load::~event_load() {
  stop();
}

void event_load::start() {
  stopping_ = false;
  for (int i = 0; i < clients_; ++i) threads_.emplace_back([this, i] { run_client(i); });
}

void event_load::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  progress_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void event_load::abandon() {
  {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
    stopping_ = true;
  }
  progress_.notify_all();
}

bool event_load::wait_for_calls(std::uint64_t n, std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  return progress_.wait_for(lock, limit, [&] { return stats_.calls >= n; });
}

bool event_load::wait_for_answers(std::uint64_t n, std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  return progress_.wait_for(lock, limit, [&] { return stats_.answered >= n || stopping_; });
}

std::vector<answered_event> event_load::answered() const {
  std::lock_guard lock(mutex_);
  return answered_;
}

load_stats event_load::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::vector<std::string> event_load::surprises() const {
  std::lock_guard lock(mutex_);
  return surprises_;
}

void event_load::note_surprise(std::string what) {
  std::lock_guard lock(mutex_);
  if (surprises_.size() < 100) surprises_.push_back(std::move(what));
}

void event_load::count_call() {
  {
    std::lock_guard lock(mutex_);
    ++stats_.calls;
  }
  progress_.notify_all();
}

std::optional<reply> event_load::call_until_answered(const std::string& method, const std::string& target,
                                                     const std::string& token, const std::string& body,
                                                     const std::vector<std::pair<std::string, std::string>>& headers,
                                                     bool* lost_connection) {
  bool lost = false;
  for (int failures = 0;; ++failures) {
    if (failures > 500) {
      note_surprise(method + " " + target + ": no answer after " + std::to_string(failures) + " attempts");
      return std::nullopt;
    }
    const auto gen = gate_.enter();
    count_call();
    auto r = http_call(url_, method, target, token, body, headers);
    gate_.leave();
    if (r && r->status == 503) {
      // The commit failed and nothing was written: the same request again is safe.
      std::lock_guard lock(mutex_);
      ++stats_.unavailable;
      continue;
    }
    if (r) {
      if (lost_connection) *lost_connection = lost;
      return make_reply(*r);
    }
    // The daemon went away mid-request (the test killed it): the answer is unknown until
    // a new daemon is up; the gate says when.
    lost = true;
    if (abandoned_) return std::nullopt;
    gate_.wait_past(gen, std::chrono::seconds(10));
  }
}

void event_load::run_client(int index) {
  std::mt19937_64 rng(seed_ ^ (0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(index + 1)));
  std::uint64_t sent = 0;
  std::map<std::string, std::string> owner_of;
  for (std::size_t i = 0; i < plan_.duties.size(); ++i) owner_of[plan_.duties[i]] = plan_.units[i % plan_.units.size()];

  while (!stopping_) {
    const auto& duty = plan_.duties[rng() % plan_.duties.size()];
    const std::string path = "/api/v1/plans/" + plan_.id + "/duties/" + duty;
    bool as_owner = rng() % 3 != 0;
    for (int side = 0; side < 2 && !stopping_; ++side, as_owner = !as_owner) {
      const std::string& actor = as_owner ? owner_of[duty] : tokens_.coordinator_name;
      const std::string& token = as_owner ? tokens_.by_unit.at(actor) : tokens_.coordinator;
      auto got = call_until_answered("GET", path, token, "", {});
      if (!got) break;
      if (got->status != 200 || !got->body.is_object()) {
        note_surprise("GET " + path + ": HTTP " + std::to_string(got->status) + " " + got->raw.substr(0, 200));
        break;
      }
      std::vector<std::string> allowed;
      std::vector<double> weights;
      for (const auto& e : got->body["allowed_events"]) {
        allowed.push_back(e.get<std::string>());
        weights.push_back(weight_of(allowed.back()));
      }
      double total = 0;
      for (double w : weights) total += w;
      if (total == 0) continue;  // nothing for this side now: try the other one
      std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
      const std::string event = allowed[pick(rng)];
      const auto version = got->body["version"].get<std::int64_t>();
      const std::string key =
          "tai-" + std::to_string(seed_) + "-" + std::to_string(index) + "-" + std::to_string(++sent);
      const std::vector<std::pair<std::string, std::string>> headers = {
          {"If-Match", "\"" + std::to_string(version) + "\""}, {"Idempotency-Key", key}};
      {
        std::lock_guard lock(mutex_);
        ++stats_.posts;
      }
      bool lost = false;
      auto r =
          call_until_answered("POST", path + "/events", token, event_body(event, duty, rng).dump(), headers, &lost);
      if (!r) break;
      std::lock_guard lock(mutex_);
      stats_.in_doubt += lost ? 1 : 0;
      if (r->status == 200) {
        const auto& b = r->body;
        const bool replayed = r->headers.count("idempotent-replayed") > 0;
        if (!b.is_object() || !b["version"].is_number_integer() || !b["event"].is_object() ||
            b["event"].value("seq", std::int64_t{-1}) != b["version"].get<std::int64_t>() ||
            b["event"].value("event", "") != event) {
          if (surprises_.size() < 100)
            surprises_.push_back("POST " + path + " " + event + ": odd answer " + r->raw.substr(0, 300));
          break;
        }
        answered_.push_back(answered_event{duty, event, actor, b["version"].get<std::int64_t>(), replayed});
        stats_.answered += 1;
        stats_.replayed += replayed ? 1 : 0;
        progress_.notify_all();
      } else if (r->status == 412) {
        ++stats_.stale;
      } else if (r->status == 409) {
        ++stats_.refused;
      } else if (surprises_.size() < 100) {
        surprises_.push_back("POST " + path + " " + event + " (If-Match " + std::to_string(version) + ", key " + key +
                             (lost ? ", retried after a lost connection" : "") + "): HTTP " +
                             std::to_string(r->status) + " " + r->raw.substr(0, 300));
      }
      break;
    }
  }
}

}  // namespace dutyflow::testing
