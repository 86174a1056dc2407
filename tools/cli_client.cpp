#include "tools/cli_client.h"

#include "adapters/http/auth.h"
#include "adapters/notify/templates.h"
#include "engine/plan.h"
#include "engine/read_model.h"
#include "tools/http_client.h"
#include "tools/safe_text.h"
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

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

void fail_line(const std::string& message) { std::cerr << "dutyflow: " << message << "\n"; }

}  // namespace

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

std::optional<json> call(const client_options& o, const std::string& method, const std::string& target,
                         const json& body, int& exit_code, const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& event, json* refusal) {
  return call_raw(o, method, target, body.is_null() ? "" : body.dump(), exit_code, headers, event, refusal);
}

std::optional<json> call_raw(const client_options& o, const std::string& method, const std::string& target,
                             const std::string& body, int& exit_code,
                             const std::vector<std::pair<std::string, std::string>>& headers, const std::string& event,
                             json* refusal, std::string* raw_body) {
  auto reply = http_call(o.server, method, target, token_of(o), body, headers);
  if (!reply) {
    std::cerr << "lỗi: không kết nối được dutyflowd tại " << o.server
              << " (đã chạy tools/run chưa? --server hoặc DUTYFLOW_SERVER chọn địa chỉ khác) [unreachable]: "
              << reply.err().message << "\n";
    exit_code = 1;
    return std::nullopt;
  }
  auto doc = json::parse(reply->body, nullptr, false);
  if (raw_body) *raw_body = reply->body;
  if (reply->status < 200 || reply->status >= 300) {
    exit_code = 1;
    if (refusal) {
      *refusal = doc.is_discarded() ? json::object() : doc;
      (*refusal)["status"] = reply->status;
      return std::nullopt;
    }
    std::cerr << escape_control(cli_error_line(reply->status, doc.is_discarded() ? json() : doc, event)) << "\n";
    return std::nullopt;
  }
  if (doc.is_discarded()) {
    std::cerr << "lỗi: máy chủ trả lời không phải JSON [bad_reply]\n";
    exit_code = 1;
    return std::nullopt;
  }
  return doc;
}

namespace {

// The API's event and state catalogue (GET /api/v1/kinds), or null when it cannot be had:
// labels are then the API names.
json fetch_kinds(const client_options& o) {
  auto reply = http_call(o.server, "GET", "/api/v1/kinds", token_of(o));
  if (!reply || reply->status != 200) return nullptr;
  auto doc = json::parse(reply->body, nullptr, false);
  return doc.is_discarded() || !doc.contains("kinds") ? json() : doc["kinds"];
}

// The Vietnamese label of `event` in `kind` (any kind when empty); the name itself if unknown.
std::string event_label(const json& kinds, const std::string& kind, const std::string& event) {
  if (kinds.is_array())
    for (const auto& k : kinds) {
      if (!kind.empty() && k.value("name", "") != kind) continue;
      for (const auto& e : k.value("events", json::array()))
        if (e.value("name", "") == event && !e.value("label", "").empty()) return e.value("label", "");
    }
  return event;
}

bool split_ref(const std::string& ref, std::string& plan, std::string& duty, int& exit_code) {
  auto slash = ref.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == ref.size()) {
    std::cerr << "lỗi: cần PLAN/DUTY, ví dụ 182-kh-ubnd-2023/tham-luan-xa-ma-li-pho; nhận được \"" << ref
              << "\" [invalid]\n";
    exit_code = 1;
    return false;
  }
  plan = ref.substr(0, slash);
  duty = ref.substr(slash + 1);
  return true;
}

// "Đã nhận", "Đã nhận · Quá hạn": the progress label, and the timeliness badge while the
// unit still has to deliver (the API's unit_part_open; older daemons: unless on track).
std::string state_label(const json& d) {
  const json st = d.contains("state") && d["state"].is_object() ? d["state"] : json::object();
  std::string out = st.value("progress_label", st.value("progress", ""));
  const std::string t = st.value("timeliness", "");
  bool badge = !t.empty() && parse_timeliness(t) != timeliness::on_track;
  if (auto open = d.find("unit_part_open"); open != d.end() && open->is_boolean()) badge = badge && open->get<bool>();
  if (badge) out += " · " + st.value("timeliness_label", t);
  return out;
}

// "08:00 ngày 05/6/2023" for an instant of the API (history, delivery), the text itself if it is none.
std::string local_time(const json& value) {
  if (!value.is_string()) return "";
  auto at = parse_instant(value.get<std::string>());
  return at ? notify::vietnamese_datetime(*at, std::chrono::hours(7)) : value.get<std::string>();
}

void print_duty(const json& d, const json& kinds) {
  const std::string kind = d.value("kind", "");
  std::cout << escape_control(d.value("plan", "") + "/" + d.value("id", "") + " — " + d.value("title", "")) << "\n";
  std::vector<std::vector<std::string>> rows = {
      {"Loại", d.value("kind_label", kind)},
      {"Đơn vị chủ trì", d.value("owner", "")},
      {"Trạng thái", state_label(d)},
      {"Tình trạng", d.value("status_label", "")},
      {"Thời hạn", cli_deadline_text(d)},
  };
  if (auto it = d.find("delivery"); it != d.end() && it->is_object() && it->value("delivered_at", json()).is_string()) {
    const auto& dv = *it;
    std::string text = dv.value("label", event_label(kinds, kind, dv.value("event", ""))) + " lúc " +
                       local_time(dv["delivered_at"]);
    if (dv.value("late", json()).is_boolean()) text += dv["late"].get<bool>() ? " (trễ hạn)" : " (đúng hạn)";
    rows.push_back({"Đơn vị giao nộp", text});
  }
  if (auto it = d.find("follow_up"); it != d.end() && it->is_object())
    rows.push_back(
        {"Tiếp theo", it->value("label", "Chờ cơ quan chủ trì: " + cli_join(it->value("events", json::array())))});
  if (auto it = d.find("escalated_to"); it != d.end() && it->is_object())
    rows.push_back({"Đã báo cáo", it->value("name", it->value("unit", ""))});
  rows.push_back({"Phiên bản", std::to_string(d.value("version", 0))});
  std::string allowed;
  for (const auto& a : d.value("allowed_events", json::array())) {
    const auto name = a.get<std::string>();
    const auto label = event_label(kinds, kind, name);
    allowed += (allowed.empty() ? "" : ", ") + name + (label != name ? " (" + label + ")" : "");
  }
  rows.push_back({"Có thể", allowed.empty() ? "—" : allowed});
  // Without its header row: the first column names each line.
  const auto table = render_table({"", ""}, rows);
  std::cout << table.substr(table.find('\n') + 1);
  if (d.contains("history")) {
    std::cout << "\nLịch sử:\n";
    std::vector<std::vector<std::string>> h;
    for (const auto& e : d["history"])
      h.push_back({std::to_string(e.value("seq", 0)), local_time(e.value("at", json())),
                   event_label(kinds, kind, e.value("event", "")), e.value("actor", ""), e.value("note", "")});
    std::cout << render_table({"#", "Thời điểm", "Sự kiện", "Người thực hiện", "Ghi chú"}, h);
  }
}

// Whether `event` takes `field` as a list (GET /api/v1/kinds: needs "list").
bool list_field(const json& kinds, const std::string& event, const std::string& field) {
  if (!kinds.is_array()) return false;
  for (const auto& k : kinds)
    for (const auto& e : k.value("events", json::array()))
      if (e.value("name", "") == event && e.value("field", "") == field) {
        const auto needs = e.value("needs", "");
        if (needs == "list" || needs == "data_list") return true;
      }
  return false;
}

// "--data k=v": v is taken as JSON when it parses (numbers, lists), else as a string; a
// field the event takes as a list gets "A, B" as ["A", "B"].
bool parse_data(const std::vector<std::string>& items, const std::string& event, const json& kinds, json& out,
                int& exit_code) {
  out = json::object();
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "lỗi: --data cần dạng KHÓA=GIÁ_TRỊ, nhận được \"" << item << "\" [invalid]\n";
      exit_code = 1;
      return false;
    }
    const auto key = item.substr(0, eq);
    auto value = item.substr(eq + 1);
    auto parsed = json::parse(value, nullptr, false);
    if (list_field(kinds, event, key) && !(parsed.is_array())) {
      json list = json::array();
      std::size_t start = 0;
      while (start <= value.size()) {
        auto comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        auto part = value.substr(start, comma - start);
        while (!part.empty() && part.front() == ' ') part.erase(part.begin());
        while (!part.empty() && part.back() == ' ') part.pop_back();
        if (!part.empty()) list.push_back(part);
        start = comma + 1;
      }
      out[key] = list;
      continue;
    }
    out[key] = parsed.is_discarded() || parsed.is_string() ? json(value) : parsed;
  }
  return true;
}

// What a refused milestone change says: how many points would fire, and how to confirm.
void print_confirm_past(const json& refusal, const std::string& plan, const std::string& name,
                        const std::string& when) {
  const auto& e = refusal.value("error", json::object());
  const auto details = e.value("details", json::object());
  const auto fires = details.value("fires", json(nullptr));
  std::cerr << "lỗi: thời điểm " << when << " đã qua theo đồng hồ của dutyflowd";
  if (details.contains("now")) std::cerr << " (hiện là " << local_time(details["now"]) << ")";
  std::cerr << "; đặt mốc này sẽ phát ngay ";
  if (fires.is_number_integer())
    std::cerr << fires.get<std::int64_t>();
  else
    std::cerr << "các";
  std::cerr << " thông báo sắp đến hạn, quá hạn và báo cáo quá hạn [confirm_past]: " << e.value("message", "")
            << "\n";
  std::cerr << "Nếu đúng là như vậy, chạy lại với --yes: dutyflow milestone " << plan << " " << name << " \"" << when
            << "\" --yes\n";
}

}  // namespace

void add_client_commands(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<client_options>();
  opts->server = env_or("DUTYFLOW_SERVER", "http://127.0.0.1:8080");
  app.add_option("--server", opts->server, "dutyflowd URL (env DUTYFLOW_SERVER)");
  app.add_option("--token", opts->token, "bearer token (env DUTYFLOW_TOKEN)");
  app.add_option("--token-file", opts->token_file, "file holding the token (env DUTYFLOW_TOKEN_FILE)");

  auto json_flag = [](CLI::App* sub, bool& flag) { sub->add_flag("--json", flag, "machine-readable output"); };
  add_plan_command(app, opts, exit_code);

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
                        state_label(d), d.value("status_label", ""), cli_deadline_text(d)});
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
      else print_duty(*doc, fetch_kinds(*opts));
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
      if (!parse_data(*data, *event, data->empty() ? json() : fetch_kinds(*opts), d, exit_code)) return;
      if (!d.empty()) body["data"] = d;
      std::vector<std::pair<std::string, std::string>> headers;
      if (!key->empty()) headers.emplace_back("Idempotency-Key", *key);
      if (!if_match->empty()) headers.emplace_back("If-Match", "\"" + *if_match + "\"");
      auto doc = call(*opts, "POST", "/api/v1/plans/" + url_encode(plan) + "/duties/" + url_encode(duty) + "/events",
                      body, exit_code, headers, *event);
      if (!doc) return;
      if (*as_json) {
        std::cout << doc->dump(2) << "\n";
        return;
      }
      std::cout << escape_control(plan + "/" + duty + ": " + *event + " → " + state_label(*doc)) << " (phiên bản "
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
    auto yes = std::make_shared<bool>(false);
    auto as_json = std::make_shared<bool>(false);
    sub->add_option("PLAN", *plan, "plan id")->required();
    sub->add_option("NAME", *name, "milestone id, e.g. conference")->required();
    sub->add_option("WHEN", *at,
                    "\"20/6/2023 08:00\", \"20/6/2023\" or ISO 2023-06-20T08:00:00+07:00 (without an offset: +07:00)")
        ->required();
    sub->add_flag("--yes", *yes, "set it even though the date is past on the daemon's clock (what fell due fires at once)");
    json_flag(sub, *as_json);
    sub->callback([opts, plan, name, at, yes, as_json, &exit_code] {
      auto t = parse_cli_instant(*at);
      if (!t) {
        std::cerr << "lỗi: " << t.err().message << " [invalid]\n";
        exit_code = 1;
        return;
      }
      json refusal;
      const std::string when = notify::vietnamese_datetime(*t, std::chrono::hours(7));
      auto doc = call(*opts, "PUT",
                      "/api/v1/plans/" + url_encode(*plan) + "/milestones/" + url_encode(*name) +
                          (*yes ? "?confirm=past" : ""),
                      json{{"at", format_instant(*t, std::chrono::hours(7))}}, exit_code, {}, "", &refusal);
      if (!doc) {
        if (refusal.is_null()) return;
        if (refusal.value("error", json::object()).value("code", "") == "confirm_past")
          print_confirm_past(refusal, *plan, *name, *at);
        else
          std::cerr << cli_error_line(refusal.value("status", 0), refusal) << "\n";
        return;
      }
      if (*as_json) {
        std::cout << doc->dump(2) << "\n";
        return;
      }
      const auto changed = doc->value("changed", json::array());
      std::cout << *plan << ": mốc " << *name << " = " << local_time(doc->value("at", json(format_instant(*t, std::chrono::hours(7)))))
                << "; " << changed.size() << " thời hạn thay đổi\n";
      auto words = [](const json& iso) {
        if (!iso.is_string()) return std::string("chưa ấn định");
        auto v = parse_instant(iso.get<std::string>());
        return v ? vietnamese_deadline(*v, std::chrono::hours(7)) : iso.get<std::string>();
      };
      for (const auto& c : changed)
        std::cout << "  " << escape_control(c.value("duty", "")) << ": " << words(c.value("from", json())) << " → "
                  << words(c.value("to", json())) << "\n";
    });
  }
  {
    // The manual clock of a demo or a test run (dutyflowd --clock manual:ISO).
    auto* sub = app.add_subcommand("clock", "show the daemon's clock; move a manual clock (coordinator)");
    auto advance = std::make_shared<std::string>();
    auto set = std::make_shared<std::string>();
    auto as_json = std::make_shared<bool>(false);
    sub->add_option("--advance", *advance, "move a manual clock forward, e.g. 6h, 1d");
    sub->add_option("--set", *set, "set a manual clock, e.g. \"16/6/2023 08:00\"");
    json_flag(sub, *as_json);
    sub->callback([opts, advance, set, as_json, &exit_code] {
      std::optional<json> doc;
      if (advance->empty() && set->empty()) {
        doc = call(*opts, "GET", "/api/v1/now", nullptr, exit_code);
      } else {
        json body;
        if (!advance->empty()) {
          body["advance"] = *advance;
        } else {
          auto t = parse_cli_instant(*set);
          if (!t) {
            std::cerr << "lỗi: " << t.err().message << " [invalid]\n";
            exit_code = 1;
            return;
          }
          body["set"] = format_instant(*t, std::chrono::hours(7));
        }
        json refusal;
        doc = call(*opts, "POST", "/api/v1/admin/clock", body, exit_code, {}, "", &refusal);
        if (!doc && !refusal.is_null()) {
          if (refusal.value("status", 0) == 404)
            std::cerr << "lỗi: đồng hồ của dutyflowd không phải đồng hồ thủ công; khởi động với --clock "
                         "manual:2023-06-05T08:00:00+07:00 để dời được [not_found]\n";
          else
            std::cerr << cli_error_line(refusal.value("status", 0), refusal) << "\n";
          return;
        }
      }
      if (!doc) return;
      if (*as_json) {
        std::cout << doc->dump(2) << "\n";
        return;
      }
      std::cout << "Đồng hồ dutyflowd: " << local_time(doc->value("now", json()));
      if (doc->contains("clock") && (*doc)["clock"].is_string()) std::cout << " (" << (*doc)["clock"].get<std::string>() << ")";
      std::cout << "\n";
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
