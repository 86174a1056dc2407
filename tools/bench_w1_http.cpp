// dutyflow-bench-http: W1 (../shared/peers/README.md) over HTTP against a dutyflowd that
// is already running (tools/bench-all starts one on loopback). Prints one JSON line.
//
// An instance is one report duty: "create" is POST /api/v1/plans with a plan holding it,
// then acknowledge, start, submit (the owner unit's token) and approve (the coordinator's)
// as POST .../events. Every answer is checked: 201 for a plan, 200 for an event, and
// approve must leave the duty Done.
//   --create-chunk 1    (default) one plan per instance: creating an instance is loading a
//                       one-duty plan, the only way the API creates a duty.
//   --create-chunk K    plans of K duties (a Kế hoạch is normally many duties). In the
//                       sequential order they are all posted before the first step, and
//                       create_s is reported apart; in the phased order they are the create
//                       phase.
//   --order sequential  W1's canonical order: one client, instance i goes through create and
//                       its 4 steps before i+1; each request waits for the previous answer.
//   --order phased      create all, then acknowledge all, ...; with --clients C, C
//                       connections share each phase (duty i on client i mod C), so the
//                       daemon can group-commit up to C requests in one transaction.
//   --connection keep-alive (one Beast connection per client, reused) or per-request
//                       (tools/http_client.h: a new TCP connection per request, as the CLI).
//   --budget-s          sequential only: stop starting new instances after this long, as the
//                       peers' BUDGET_MS does; the line then says truncated and estimates.
//   --daemon-pid        read the daemon's VmRSS before and after creation (memory per duty).
#include "tools/http_client.h"

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;
using steady = std::chrono::steady_clock;

namespace {

double seconds_since(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

long rss_kib(long pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  return -1;
}

std::string read_token(const std::string& path) {
  std::ifstream in(path);
  std::string t;
  std::getline(in, t);
  if (t.empty()) throw std::runtime_error("no token in " + path);
  return t;
}

struct reply {
  int status = 0;
  std::string body;
};

// One client = one logical connection. Not thread-safe: each thread owns its own.
class client {
 public:
  virtual ~client() = default;
  virtual reply call(bhttp::verb method, const std::string& target, const std::string& token,
                     const std::string& body) = 0;
};

// HTTP/1.1 keep-alive on one TCP connection; reconnects only when the server says close.
class keep_alive_client final : public client {
 public:
  keep_alive_client(std::string host, std::string port) : host_(std::move(host)), port_(std::move(port)) {}

  reply call(bhttp::verb method, const std::string& target, const std::string& token,
             const std::string& body) override {
    if (!connected_) connect();
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, host_);
    req.set(bhttp::field::user_agent, "dutyflow-bench-http");
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = body;
    }
    req.keep_alive(true);
    req.prepare_payload();
    bhttp::write(stream_, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream_, buffer_, res);
    if (!res.keep_alive()) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.close();
      connected_ = false;
      ++reconnects_;
    }
    return {static_cast<int>(res.result_int()), std::move(res.body())};
  }

  std::size_t reconnects() const { return reconnects_; }

 private:
  void connect() {
    tcp::resolver resolver(ioc_);
    stream_.connect(resolver.resolve(host_, port_));
    stream_.socket().set_option(tcp::no_delay(true));
    buffer_.clear();
    connected_ = true;
  }

  std::string host_, port_;
  net::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
  bool connected_ = false;
  std::size_t reconnects_ = 0;
};

// A new connection per request: what the dutyflow CLI does.
class per_request_client final : public client {
 public:
  explicit per_request_client(std::string server) : server_(std::move(server)) {}

  reply call(bhttp::verb method, const std::string& target, const std::string& token,
             const std::string& body) override {
    auto r = dutyflow::http_call(server_, std::string(bhttp::to_string(method)), target, token, body);
    if (!r) throw std::runtime_error(r.err().message);
    return {r->status, std::move(r->body)};
  }

 private:
  std::string server_;
};

struct settings {
  std::string server = "http://127.0.0.1:8080";
  std::string unit_token, coordinator_token;
  std::size_t duties = 10000;
  std::string order = "sequential";
  std::string connection = "keep-alive";
  std::size_t clients = 1;
  std::size_t create_chunk = 1;
  double budget_s = 80;
  long daemon_pid = 0;
  double healthz_s = 2;
  std::string prefix = "w1";
};

constexpr const char* steps[] = {"acknowledge", "start", "submit", "approve"};

std::string plan_id(const settings& s, std::size_t i) {
  return s.prefix + "-" + std::to_string(i / s.create_chunk);
}

// The plan holding instances [first, first + count): report duties owned by xa-a, the
// deadline pending on a milestone that is never set (W1 has no time events).
std::string plan_body(const settings& s, std::size_t first, std::size_t count) {
  json duties = json::array();
  for (std::size_t i = first; i < first + count; ++i)
    duties.push_back(json{{"id", "d" + std::to_string(i)},
                          {"kind", "report"},
                          {"title", "Báo cáo số " + std::to_string(i)},
                          {"owner", "xa-a"},
                          {"due", {{"milestone", "conference"}, {"offset", "-1wd"}}}});
  json doc{{"id", plan_id(s, first)},
           {"number", std::to_string(first / s.create_chunk) + "/KH-W1"},
           {"title", "W1 vòng đời nhiệm vụ"},
           {"issuer", "UBND huyện Phong Thổ"},
           {"issued_on", "2023-06-05"},
           {"coordinator", "noi-vu"},
           {"milestones", json::array({json{{"id", "conference"}, {"title", "Hội nghị"}, {"at", nullptr}}})},
           {"units",
            json::array({json{{"id", "noi-vu"}, {"name", "Phòng Nội vụ"}}, json{{"id", "xa-a"}, {"name", "Xã A"}}})},
           {"defaults",
            {{"reminders", {{"before", json::array()}, {"overdue_every", nullptr}, {"escalate_after", nullptr}}}}},
           {"duties", duties}};
  return doc.dump();
}

// Per-thread tallies, merged after each phase. Plan loads and events are kept apart: their
// costs differ by orders of magnitude.
struct tally {
  std::vector<double> create_ms, step_ms;
  std::size_t requests = 0;
  void merge(const tally& o) {
    create_ms.insert(create_ms.end(), o.create_ms.begin(), o.create_ms.end());
    step_ms.insert(step_ms.end(), o.step_ms.begin(), o.step_ms.end());
    requests += o.requests;
  }
};

json percentiles(std::vector<double>& v) {
  if (v.empty()) return nullptr;
  std::sort(v.begin(), v.end());
  auto pct = [&](double q) {
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
  };
  return json{{"p50", pct(0.5)}, {"p99", pct(0.99)}, {"max", v.back()}};
}

class run {
 public:
  explicit run(settings s) : s_(std::move(s)) {
    for (std::size_t c = 0; c < s_.clients; ++c) clients_.push_back(make_client());
  }

  std::unique_ptr<client> make_client() {
    if (s_.connection == "per-request") return std::make_unique<per_request_client>(s_.server);
    std::string rest = s_.server.substr(7);
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    auto colon = rest.rfind(':');
    return std::make_unique<keep_alive_client>(rest.substr(0, colon), rest.substr(colon + 1));
  }

  // Sequential GET /healthz on one connection for `seconds`: the ceiling a one-at-a-time
  // client of this daemon can reach, measured in the same run.
  double healthz_rate(double seconds) {
    if (seconds <= 0) return 0;
    auto& c = *clients_[0];
    std::size_t n = 0;
    const auto t0 = steady::now();
    while (seconds_since(t0) < seconds) {
      auto r = c.call(bhttp::verb::get, "/healthz", "", "");
      if (r.status != 200) throw std::runtime_error("/healthz answered " + std::to_string(r.status));
      ++n;
    }
    return static_cast<double>(n) / seconds_since(t0);
  }

  void create(client& c, tally& t, std::size_t first, std::size_t count) {
    const std::string body = plan_body(s_, first, count);
    timed(c, t.create_ms, bhttp::verb::post, "/api/v1/plans", s_.coordinator_token, body, 201, nullptr);
    ++t.requests;
  }

  void step(client& c, tally& t, std::size_t i, int k) {
    static const std::string bodies[] = {R"({"event":"acknowledge"})", R"({"event":"start"})", R"({"event":"submit"})",
                                         R"({"event":"approve"})"};
    const std::string target = "/api/v1/plans/" + plan_id(s_, i) + "/duties/d" + std::to_string(i) + "/events";
    timed(c, t.step_ms, bhttp::verb::post, target, k == 3 ? s_.coordinator_token : s_.unit_token, bodies[k], 200,
          k == 3 ? R"("progress":"Done")" : nullptr);
    ++t.requests;
  }

  static void timed(client& c, std::vector<double>& ms, bhttp::verb m, const std::string& target,
                    const std::string& token, const std::string& body, int want, const char* must_contain) {
    const auto t0 = steady::now();
    auto r = c.call(m, target, token, body);
    ms.push_back(seconds_since(t0) * 1000);
    if (r.status != want || (must_contain && r.body.find(must_contain) == std::string::npos))
      throw std::runtime_error(std::string(bhttp::to_string(m)) + " " + target + " answered " +
                               std::to_string(r.status) + ": " + r.body.substr(0, 300));
  }

  json sequential() {
    tally t;
    auto& c = *clients_[0];
    const std::size_t n = s_.duties, chunk = s_.create_chunk;
    std::size_t completed = 0;
    bool truncated = false;
    const auto t0 = steady::now();
    if (chunk > 1)
      for (std::size_t first = 0; first < n; first += chunk) create(c, t, first, std::min(chunk, n - first));
    const double create_s = seconds_since(t0);
    const auto t1 = steady::now();
    for (std::size_t i = 0; i < n; ++i) {
      if (seconds_since(t0) > s_.budget_s) {
        truncated = true;
        break;
      }
      if (chunk == 1) create(c, t, i, 1);
      for (int k = 0; k < 4; ++k) step(c, t, i, k);
      ++completed;
    }
    const double wall = seconds_since(t0);
    json out = summary(completed, wall, t);
    if (chunk > 1) {
      out["create_s"] = create_s;
      out["steps_wall_s"] = seconds_since(t1);
    }
    out["truncated"] = truncated;
    // A linear estimate: an underestimate when the cost per instance grows with the count.
    out["est_total_wall_s"] = truncated ? static_cast<double>(n) * wall / static_cast<double>(completed) : wall;
    return out;
  }

  // Runs one phase on every client at once; work item j goes to client j mod C.
  template <class F>
  double phase(std::size_t items, tally& all, F&& f) {
    std::vector<tally> per(clients_.size());
    std::vector<std::thread> threads;
    std::mutex m;
    std::string failure;
    const auto t0 = steady::now();
    for (std::size_t c = 0; c < clients_.size(); ++c)
      threads.emplace_back([&, c] {
        try {
          for (std::size_t j = c; j < items; j += clients_.size()) f(*clients_[c], per[c], j);
        } catch (const std::exception& e) {
          std::lock_guard lock(m);
          if (failure.empty()) failure = e.what();
        }
      });
    for (auto& th : threads) th.join();
    const double wall = seconds_since(t0);
    if (!failure.empty()) throw std::runtime_error(failure);
    for (auto& p : per) all.merge(p);
    return wall;
  }

  json phased() {
    tally t;
    json phase_rate = json::object();
    const std::size_t n = s_.duties, chunk = s_.create_chunk;
    const long rss0 = rss_kib(s_.daemon_pid);
    const auto t0 = steady::now();
    const std::size_t plans = (n + chunk - 1) / chunk;
    const double create_s = phase(plans, t, [&](client& c, tally& pt, std::size_t j) {
      create(c, pt, j * chunk, std::min(chunk, n - j * chunk));
    });
    phase_rate["create"] = static_cast<double>(n) / create_s;
    const long rss1 = rss_kib(s_.daemon_pid);
    for (int k = 0; k < 4; ++k) {
      const double w = phase(n, t, [&](client& c, tally& pt, std::size_t i) { step(c, pt, i, k); });
      phase_rate[steps[k]] = static_cast<double>(n) / w;
    }
    const double wall = seconds_since(t0);
    json out = summary(n, wall, t);
    out["create_s"] = create_s;
    out["phase_ops_per_s"] = phase_rate;
    out["daemon_rss_kib"] = {{"before_create", rss0}, {"after_create", rss1}, {"end", rss_kib(s_.daemon_pid)}};
    if (rss0 > 0 && rss1 > 0)
      out["daemon_rss_bytes_per_open_duty"] = static_cast<double>(rss1 - rss0) * 1024.0 / static_cast<double>(n);
    return out;
  }

  static json summary(std::size_t completed, double wall, tally& t) {
    return json{{"duties_completed", completed},
                {"requests", t.requests},
                {"transitions", completed * 5},
                {"wall_s", wall},
                {"completed_per_s", static_cast<double>(completed) / wall},
                {"transitions_per_s", static_cast<double>(completed * 5) / wall},
                {"create_latency_ms", percentiles(t.create_ms)},
                {"step_latency_ms", percentiles(t.step_ms)}};
  }

  // Counts Done duties of this run's plans through the API: what the daemon says, not what
  // the client believes it did.
  std::size_t verify_done() {
    auto r = clients_[0]->call(bhttp::verb::get, "/api/v1/plans", s_.coordinator_token, "");
    if (r.status != 200) throw std::runtime_error("GET /api/v1/plans answered " + std::to_string(r.status));
    std::size_t done = 0;
    const json doc = json::parse(r.body);
    for (const auto& p : doc["plans"])
      if (p.value("id", "").starts_with(s_.prefix + "-")) done += p["counts"].value("done", 0);
    return done;
  }

  const settings& opts() const { return s_; }

 private:
  settings s_;
  std::vector<std::unique_ptr<client>> clients_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dutyflow-bench-http: W1 over HTTP against a running dutyflowd (one JSON line)"};
  settings s;
  std::string unit_token_file, coordinator_token_file;
  app.add_option("--server", s.server, "http://HOST:PORT of the daemon");
  app.add_option("--unit-token-file", unit_token_file, "token of unit xa-a (owner)")->required();
  app.add_option("--coordinator-token-file", coordinator_token_file, "a coordinator token")->required();
  app.add_option("--duties", s.duties, "instances (W1: 10000)");
  app.add_option("--order", s.order, "sequential | phased")->check(CLI::IsMember({"sequential", "phased"}));
  app.add_option("--connection", s.connection, "keep-alive | per-request")
      ->check(CLI::IsMember({"keep-alive", "per-request"}));
  app.add_option("--clients", s.clients, "concurrent connections (phased only)");
  app.add_option("--create-chunk", s.create_chunk, "instances per POSTed plan (1: a plan per instance)");
  app.add_option("--budget-s", s.budget_s, "sequential: stop starting instances after this long");
  app.add_option("--daemon-pid", s.daemon_pid, "pid of dutyflowd, for its RSS");
  app.add_option("--healthz-s", s.healthz_s, "seconds of sequential GET /healthz first (0: skip)");
  app.add_option("--prefix", s.prefix, "plan id prefix");
  CLI11_PARSE(app, argc, argv);
  if (!s.server.starts_with("http://")) {
    std::cerr << "dutyflow-bench-http: --server must be http://HOST:PORT\n";
    return 2;
  }
  if (s.order == "sequential" && s.clients != 1) {
    std::cerr << "dutyflow-bench-http: the sequential order has one client\n";
    return 2;
  }
  if (s.clients == 0 || s.create_chunk == 0 || s.duties == 0) {
    std::cerr << "dutyflow-bench-http: --clients, --create-chunk and --duties must be positive\n";
    return 2;
  }
  try {
    s.unit_token = read_token(unit_token_file);
    s.coordinator_token = read_token(coordinator_token_file);
    run r(s);
    const double healthz = r.healthz_rate(s.healthz_s);
    json out = s.order == "sequential" ? r.sequential() : r.phased();
    out["verified_done"] = r.verify_done();
    json head{{"bench", "w1_http"},
              {"order", s.order},
              {"connection", s.connection},
              {"clients", s.clients},
              {"create_chunk", s.create_chunk},
              {"duties_target", s.duties},
              {"healthz_seq_per_s", healthz}};
    head.update(out);
    std::cout << head.dump() << std::endl;
    return head["verified_done"] == head["duties_completed"] ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "dutyflow-bench-http: " << e.what() << "\n";
    return 1;
  }
}
