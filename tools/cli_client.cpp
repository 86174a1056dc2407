#include "tools/cli_client.h"

#include "adapters/http/auth.h"
#include "engine/plan.h"
#include "tools/http_client.h"
#include "tools/text_table.h"
#include "workflows/registry.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace dutyflow {

using nlohmann::json;

namespace {

struct client_options {
  std::string server;
  std::string token;
  std::string token_file;
};

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

void fail_line(const std::string& message) { std::cerr << "dutyflow: " << message << "\n"; }

// Resolves the token: --token, else --token-file, else DUTYFLOW_TOKEN, else DUTYFLOW_TOKEN_FILE.
std::string token_of(const client_options& o) {
  if (!o.token.empty()) return o.token;
  std::string file = !o.token_file.empty() ? o.token_file : env_or("DUTYFLOW_TOKEN_FILE", "");
  if (o.token_file.empty()) {
    if (auto t = env_or("DUTYFLOW_TOKEN", ""); !t.empty()) return t;
  }
  if (file.empty()) return {};
  std::ifstream in(file);
  std::string t;
  std::getline(in, t);
  return t;
}

// Calls the API; on a non-2xx answer prints the server's message as one line and returns
// nullopt. `exit_code` is set to 1 on any failure.
std::optional<json> call(const client_options& o, const std::string& method, const std::string& target,
                         const json& body, int& exit_code,
                         const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  auto reply = http_call(o.server, method, target, token_of(o), body.is_null() ? "" : body.dump(), headers);
  if (!reply) {
    fail_line(reply.err().message);
    exit_code = 1;
    return std::nullopt;
  }
  auto doc = json::parse(reply->body, nullptr, false);
  if (reply->status < 200 || reply->status >= 300) {
    std::string message = "HTTP " + std::to_string(reply->status);
    if (!doc.is_discarded() && doc.contains("error")) {
      const auto& e = doc["error"];
      message += " " + e.value("code", "") + ": " + e.value("message", "");
      if (e.contains("details") && e["details"].contains("allowed_events")) {
        std::string allowed;
        for (const auto& a : e["details"]["allowed_events"]) allowed += (allowed.empty() ? "" : ", ") + a.get<std::string>();
        message += " (allowed now: " + (allowed.empty() ? std::string("none") : allowed) + ")";
      }
      if (e.contains("details") && e["details"].contains("errors"))
        for (const auto& err : e["details"]["errors"])
          message += "\n  " + err.value("path", "") + ": " + err.value("message", "");
    }
    fail_line(message);
    exit_code = 1;
    return std::nullopt;
  }
  if (doc.is_discarded()) {
    fail_line("the server answered something that is not JSON");
    exit_code = 1;
    return std::nullopt;
  }
  return doc;
}

bool split_ref(const std::string& ref, std::string& plan, std::string& duty, int& exit_code) {
  auto slash = ref.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == ref.size()) {
    fail_line("expected PLAN/DUTY, got \"" + ref + "\"");
    exit_code = 1;
    return false;
  }
  plan = ref.substr(0, slash);
  duty = ref.substr(slash + 1);
  return true;
}

std::string state_label(const json& d) {
  const auto& st = d["state"];
  std::string out = st.value("progress_label", st.value("progress", ""));
  std::string t = st.value("timeliness", "");
  if (t != "OnTrack") out += " · " + st.value("timeliness_label", t);
  return out;
}

std::string deadline_text(const json& d) {
  return d["deadline"].is_string() ? d["deadline"].get<std::string>() : std::string("chưa ấn định");
}

void print_duty(const json& d) {
  std::cout << d.value("plan", "") << "/" << d.value("id", "") << " — " << d.value("title", "") << "\n";
  std::vector<std::vector<std::string>> rows = {
      {"Loại", d.value("kind_label", d.value("kind", ""))},
      {"Đơn vị chủ trì", d.value("owner", "")},
      {"Trạng thái", state_label(d)},
      {"Tình trạng", d.value("status_label", "")},
      {"Thời hạn", deadline_text(d)},
      {"Phiên bản", std::to_string(d.value("version", 0))},
  };
  std::string allowed;
  for (const auto& a : d["allowed_events"]) allowed += (allowed.empty() ? "" : ", ") + a.get<std::string>();
  rows.push_back({"Có thể", allowed.empty() ? "—" : allowed});
  std::cout << render_table({"", ""}, rows).substr(render_table({"", ""}, {}).size());
  if (d.contains("history")) {
    std::cout << "\nLịch sử:\n";
    std::vector<std::vector<std::string>> h;
    for (const auto& e : d["history"])
      h.push_back({std::to_string(e.value("seq", 0)), e.value("at", ""), e.value("event", ""), e.value("actor", ""),
                   e.value("note", "")});
    std::cout << render_table({"#", "Thời điểm", "Sự kiện", "Người thực hiện", "Ghi chú"}, h);
  }
}

// "--data k=v": v is taken as JSON when it parses (numbers, lists), else as a string.
bool parse_data(const std::vector<std::string>& items, json& out, int& exit_code) {
  out = json::object();
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      fail_line("--data takes KEY=VALUE, got \"" + item + "\"");
      exit_code = 1;
      return false;
    }
    auto value = item.substr(eq + 1);
    auto parsed = json::parse(value, nullptr, false);
    out[item.substr(0, eq)] = parsed.is_discarded() || parsed.is_string() ? json(value) : parsed;
  }
  return true;
}

}  // namespace

void add_client_commands(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<client_options>();
  opts->server = env_or("DUTYFLOW_SERVER", "http://127.0.0.1:8080");
  app.add_option("--server", opts->server, "dutyflowd URL (env DUTYFLOW_SERVER)");
  app.add_option("--token", opts->token, "bearer token (env DUTYFLOW_TOKEN)");
  app.add_option("--token-file", opts->token_file, "file holding the token (env DUTYFLOW_TOKEN_FILE)");

  auto json_flag = [](CLI::App* sub, bool& flag) { sub->add_flag("--json", flag, "machine-readable output"); };

  {
    auto* sub = app.add_subcommand("plans", "plans with their counts");
    auto as_json = std::make_shared<bool>(false);
    json_flag(sub, *as_json);
    sub->callback([opts, as_json, &exit_code] {
      auto doc = call(*opts, "GET", "/api/v1/plans", nullptr, exit_code);
      if (!doc) return;
      if (*as_json) {
        std::cout << (*doc)["plans"].dump(2) << "\n";
        return;
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& p : (*doc)["plans"]) {
        const auto& c = p["counts"];
        rows.push_back({p.value("id", ""), p.value("number", ""), std::to_string(c.value("total", 0)),
                        std::to_string(c.value("done", 0)), std::to_string(c.value("overdue", 0)),
                        std::to_string(c.value("pending", 0))});
      }
      std::cout << render_table({"Kế hoạch", "Số", "Nhiệm vụ", "Hoàn thành", "Quá hạn", "Chờ ấn định"}, rows);
    });
  }
  {
    auto* sub = app.add_subcommand("duties", "duties, filtered");
    auto f = std::make_shared<std::array<std::string, 3>>();
    auto overdue = std::make_shared<bool>(false);
    auto as_json = std::make_shared<bool>(false);
    sub->add_option("--plan", (*f)[0], "plan id");
    sub->add_option("--unit", (*f)[1], "owner unit id");
    sub->add_option("--state", (*f)[2], "progress or timeliness state, e.g. Acknowledged, Overdue");
    sub->add_flag("--overdue", *overdue, "only overdue duties");
    json_flag(sub, *as_json);
    sub->callback([opts, f, overdue, as_json, &exit_code] {
      std::string q;
      auto add = [&](const char* k, const std::string& v) {
        if (!v.empty()) q += (q.empty() ? "?" : "&") + std::string(k) + "=" + url_encode(v);
      };
      add("plan", (*f)[0]);
      add("unit", (*f)[1]);
      add("state", (*f)[2]);
      if (*overdue) add("overdue", "true");
      auto doc = call(*opts, "GET", "/api/v1/duties" + q, nullptr, exit_code);
      if (!doc) return;
      if (*as_json) {
        std::cout << (*doc)["duties"].dump(2) << "\n";
        return;
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& d : (*doc)["duties"])
        rows.push_back({d.value("plan", "") + "/" + d.value("id", ""), d.value("kind_label", ""), d.value("owner", ""),
                        state_label(d), d.value("status_label", ""), deadline_text(d)});
      std::cout << render_table({"Nhiệm vụ", "Loại", "Đơn vị", "Trạng thái", "Tình trạng", "Thời hạn"}, rows);
    });
  }
  {
    auto* sub = app.add_subcommand("show", "one duty with its history and what you may do next");
    auto ref = std::make_shared<std::string>();
    auto as_json = std::make_shared<bool>(false);
    sub->add_option("REF", *ref, "PLAN/DUTY")->required();
    json_flag(sub, *as_json);
    sub->callback([opts, ref, as_json, &exit_code] {
      std::string plan, duty;
      if (!split_ref(*ref, plan, duty, exit_code)) return;
      auto doc = call(*opts, "GET", "/api/v1/plans/" + url_encode(plan) + "/duties/" + url_encode(duty), nullptr, exit_code);
      if (!doc) return;
      if (*as_json) std::cout << doc->dump(2) << "\n";
      else print_duty(*doc);
    });
  }
  // ack and fire share everything but the event name.
  auto add_fire = [&](const char* name, const char* help, bool takes_event) {
    auto* sub = app.add_subcommand(name, help);
    auto ref = std::make_shared<std::string>();
    auto event = std::make_shared<std::string>(takes_event ? "" : "acknowledge");
    auto note = std::make_shared<std::string>();
    auto data = std::make_shared<std::vector<std::string>>();
    auto key = std::make_shared<std::string>();
    auto if_match = std::make_shared<std::string>();
    auto as_json = std::make_shared<bool>(false);
    sub->add_option("REF", *ref, "PLAN/DUTY")->required();
    if (takes_event) {
      sub->add_option("EVENT", *event, "event name, e.g. submit")->required();
      sub->add_option("--data", *data, "KEY=VALUE (VALUE as JSON when it parses)");
    }
    sub->add_option("--note", *note, "a note (required for return and cancel)");
    sub->add_option("--idempotency-key", *key, "retry-safe key");
    sub->add_option("--if-match", *if_match, "the duty version you expect");
    json_flag(sub, *as_json);
    sub->callback([opts, ref, event, note, data, key, if_match, as_json, &exit_code] {
      std::string plan, duty;
      if (!split_ref(*ref, plan, duty, exit_code)) return;
      json body{{"event", *event}};
      if (!note->empty()) body["note"] = *note;
      json d;
      if (!parse_data(*data, d, exit_code)) return;
      if (!d.empty()) body["data"] = d;
      std::vector<std::pair<std::string, std::string>> headers;
      if (!key->empty()) headers.emplace_back("Idempotency-Key", *key);
      if (!if_match->empty()) headers.emplace_back("If-Match", "\"" + *if_match + "\"");
      auto doc = call(*opts, "POST", "/api/v1/plans/" + url_encode(plan) + "/duties/" + url_encode(duty) + "/events",
                      body, exit_code, headers);
      if (!doc) return;
      if (*as_json) {
        std::cout << doc->dump(2) << "\n";
        return;
      }
      std::cout << plan << "/" << duty << ": " << *event << " → " << state_label(*doc) << " (phiên bản "
                << doc->value("version", 0) << ")\n";
    });
  };
  add_fire("ack", "acknowledge a duty (as its owner unit)", false);
  add_fire("fire", "fire an event on a duty", true);
  {
    auto* sub = app.add_subcommand("milestone", "set or move a milestone (coordinator)");
    auto plan = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    auto at = std::make_shared<std::string>();
    auto as_json = std::make_shared<bool>(false);
    sub->add_option("PLAN", *plan, "plan id")->required();
    sub->add_option("NAME", *name, "milestone id, e.g. conference")->required();
    sub->add_option("ISO", *at, "date-time with offset, e.g. 2023-06-20T08:00:00+07:00")->required();
    json_flag(sub, *as_json);
    sub->callback([opts, plan, name, at, as_json, &exit_code] {
      if (auto t = parse_instant(*at); !t) {
        fail_line(t.err().message);
        exit_code = 1;
        return;
      }
      auto doc = call(*opts, "PUT", "/api/v1/plans/" + url_encode(*plan) + "/milestones/" + url_encode(*name),
                      json{{"at", *at}}, exit_code);
      if (!doc) return;
      if (*as_json) {
        std::cout << doc->dump(2) << "\n";
        return;
      }
      std::cout << *plan << ": mốc " << *name << " = " << doc->value("at", "") << "; " << (*doc)["changed"].size()
                << " thời hạn thay đổi\n";
      for (const auto& c : (*doc)["changed"])
        std::cout << "  " << c.value("duty", "") << ": "
                  << (c["from"].is_string() ? c["from"].get<std::string>() : std::string("chưa ấn định")) << " → "
                  << (c["to"].is_string() ? c["to"].get<std::string>() : std::string("chưa ấn định")) << "\n";
    });
  }
}

void add_token_command(CLI::App& app, int& exit_code) {
  auto* token = app.add_subcommand("token", "manage API tokens");
  token->require_subcommand(1);
  {
    auto* add = token->add_subcommand("add", "create a token; prints it once, the file keeps only its hash");
    auto file = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    auto role = std::make_shared<std::string>();
    auto unit = std::make_shared<std::string>();
    auto as_json = std::make_shared<bool>(false);
    add->add_option("--tokens", *file, "tokens file")->required();
    add->add_option("--name", *name, "name recorded as the actor")->required();
    add->add_option("--role", *role, "coordinator | unit | viewer")->required();
    add->add_option("--unit", *unit, "unit id (required for role unit)");
    add->add_flag("--json", *as_json, "machine-readable output");
    add->callback([file, name, role, unit, as_json, &exit_code] {
      auto t = http::add_token(*file, *name, *role, *unit);
      if (!t) {
        fail_line(t.err().message);
        exit_code = 1;
        return;
      }
      if (*as_json) std::cout << json{{"name", *name}, {"role", *role}, {"unit", *unit}, {"token", *t}}.dump() << "\n";
      else std::cout << *t << "\n";
    });
  }
  {
    // For a fresh installation: one coordinator token and one per unit of a plan, each
    // written to its own 0600 file so a newcomer can act at once.
    auto* boot = token->add_subcommand("bootstrap", "create a coordinator token and one token per unit of a plan");
    auto file = std::make_shared<std::string>();
    auto plan_file = std::make_shared<std::string>();
    auto dir = std::make_shared<std::string>();
    boot->add_option("--tokens", *file, "tokens file")->required();
    boot->add_option("--plan", *plan_file, "plan file whose units get tokens")->required();
    boot->add_option("--dir", *dir, "directory for the token files")->required();
    boot->callback([file, plan_file, dir, &exit_code] {
      auto loaded = load_plan_file(*plan_file, builtin_kinds());
      if (!loaded) {
        fail_line(*plan_file + ": " + loaded.err().message);
        exit_code = 1;
        return;
      }
      std::error_code ec;
      std::filesystem::create_directories(*dir, ec);
      std::filesystem::permissions(*dir, std::filesystem::perms::owner_all, ec);
      auto write = [&](const std::string& name, const std::string& role, const std::string& unit) {
        auto t = http::add_token(*file, name, role, unit);
        if (!t) {
          fail_line(t.err().message);
          exit_code = 1;
          return;
        }
        auto path = (std::filesystem::path(*dir) / (name + ".token")).string();
        std::ofstream(path) << *t << "\n";
        std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
        std::cout << path << "  (" << role << (unit.empty() ? "" : ", " + unit) << ")\n";
      };
      const auto& p = *loaded->value;
      write("dieu-phoi", "coordinator", p.coordinator);
      for (const auto& u : p.units) {
        if (exit_code) return;
        write(u.id, "unit", u.id);
      }
    });
  }
}

}  // namespace dutyflow
