// `dutyflow plan upload FILE`: a plan enters dutyflowd from its document or its file.
// A .docx or .txt goes through POST /api/v1/imports (the daemon's importer and units
// directories), a .json is read as it is; either way the daemon checks it with a dry run
// of POST /api/v1/plans, the coordinator sees the summary and coverage, is asked, and the
// plan is posted. Nothing is loaded before the answer is yes.
#include "tools/cli_client.h"

#include "adapters/security/codec.h"
#include "engine/json_limits.h"
#include "engine/time.h"
#include "tools/safe_text.h"
#include "tools/text_table.h"
#include "workflows/registry.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace dutyflow {

using nlohmann::json;

namespace {

struct upload_args {
  std::string file;
  std::string out;
  bool yes = false;
  bool as_json = false;
};

std::string kind_label(const std::string& kind) {
  const auto* k = builtin_kinds().find(kind);
  return k ? std::string(k->label_vi()) : kind;
}

std::string unit_name(const json& plan, const std::string& id) {
  for (const auto& u : plan.value("units", json::array()))
    if (u.value("id", "") == id) return u.value("name", id);
  for (const auto& g : plan.value("groups", json::array()))
    if (g.value("id", "") == id) return g.value("name", id);
  return id;
}

std::string owner_text(const json& plan, const json& owner) {
  if (owner.is_string()) return unit_name(plan, owner.get<std::string>());
  if (owner.is_object() && owner.contains("group") && owner["group"].is_string())
    return unit_name(plan, owner["group"].get<std::string>()) + " (nhóm)";
  return "—";
}

// "3 ngày làm việc trước Hội nghị …", "hết ngày 20/07/2023", "5 ngày làm việc kể từ khi giao".
std::string due_text(const json& plan, const json& due) {
  if (!due.is_object()) return "—";
  if (due.contains("at") && due["at"].is_string()) {
    auto at = parse_instant(due["at"].get<std::string>());
    return at ? vietnamese_deadline(*at, std::chrono::hours(7)) : due["at"].get<std::string>();
  }
  if (due.contains("after") && due.contains("working_days") && due["working_days"].is_number_integer())
    return std::to_string(due["working_days"].get<int>()) + " ngày làm việc kể từ khi giao";
  if (due.contains("milestone") && due["milestone"].is_string()) {
    std::string milestone = due["milestone"].get<std::string>();
    // The event's name as the plan gives it, without its bracketed dates.
    for (const auto& m : plan.value("milestones", json::array()))
      if (m.value("id", "") == milestone) milestone = m.value("title", milestone);
    if (auto bracket = milestone.find(" ("); bracket != std::string::npos) milestone.resize(bracket);
    const std::string offset = due.value("offset", "0d");
    auto d = parse_duration(offset);
    if (!d || d->amount == 0) return "đúng lúc " + milestone;
    const auto n = std::to_string(d->amount < 0 ? -d->amount : d->amount);
    const char* unit = "ngày";
    switch (d->unit_) {
      case duration_spec::unit::minutes: unit = "phút"; break;
      case duration_spec::unit::hours: unit = "giờ"; break;
      case duration_spec::unit::days: unit = "ngày"; break;
      case duration_spec::unit::working_days: unit = "ngày làm việc"; break;
    }
    return n + " " + unit + (d->amount < 0 ? " trước " : " sau ") + milestone;
  }
  return "—";
}

// A multipart/form-data body with the one field `file`, as a browser's form sends it.
std::string multipart_body(const std::string& boundary, const std::string& name, const std::string& bytes) {
  std::string safe_name;
  for (char c : name) safe_name += (c == '"' || c == '\r' || c == '\n' || c == '\\') ? '_' : c;
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + safe_name +
         "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes + "\r\n--" + boundary + "--\r\n";
}

// Random, so that no file's bytes can contain it by chance.
std::string fresh_boundary() {
  auto raw = security::random_bytes(16);
  return "dutyflow-" + security::hex_encode(raw ? *raw : std::string(16, 'x'));
}

void print_summary(const json& plan, std::size_t duties) {
  std::cout << escape_control(plan.value("number", "") + " — " + plan.value("title", "")) << "\n";
  const auto issued = parse_date(plan.value("issued_on", ""));
  std::cout << escape_control(plan.value("issuer", "")) << ", ngày "
            << (issued ? vietnamese_date(*issued) : escape_control(plan.value("issued_on", ""))) << "\n";
  std::cout << "Mã kế hoạch: " << escape_control(plan.value("id", "")) << "; " << duties << " nhiệm vụ, "
            << plan.value("units", json::array()).size() << " đơn vị\n";
  for (const auto& m : plan.value("milestones", json::array())) {
    std::string at = "chưa ấn định";
    if (m.contains("at") && m["at"].is_string())
      if (auto t = parse_instant(m["at"].get<std::string>())) at = vietnamese_datetime(*t, std::chrono::hours(7));
    std::cout << "Mốc " << escape_control(m.value("title", m.value("id", ""))) << ": " << at << "\n";
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : plan.value("duties", json::array())) {
    std::string collaborators;
    for (const auto& c : d.value("collaborators", json::array()))
      collaborators += (collaborators.empty() ? "" : ", ") + owner_text(plan, c);
    rows.push_back({escape_control(d.value("id", "")), kind_label(d.value("kind", "")),
                    escape_control(owner_text(plan, d.value("owner", json()))), escape_control(collaborators),
                    due_text(plan, d.value("due", json())), escape_control(d.value("title", ""))});
  }
  std::cout << "\n" << render_table({"Nhiệm vụ", "Loại", "Chủ trì", "Phối hợp", "Thời hạn", "Nội dung"}, rows);
}

void print_coverage(const json& coverage) {
  if (!coverage.is_array() || coverage.empty()) return;
  std::cout << "\nCác dòng của phần tổ chức thực hiện:\n";
  for (const auto& c : coverage) {
    std::string line = std::to_string(c.value("line", 0));
    line.insert(0, line.size() < 5 ? 5 - line.size() : 0, ' ');
    std::string what;
    if (!c.value("duties", json::array()).empty()) {
      for (const auto& d : c["duties"]) what += (what.empty() ? "" : ", ") + (d.is_string() ? d.get<std::string>() : d.dump());
      what = "→ " + what;
    } else {
      what = "(không theo dõi: " + c.value("reason", "") + ")";
    }
    std::cout << line << "  " << escape_control(c.value("text", "")) << "  " << escape_control(what) << "\n";
  }
}

void print_errors(const json& errors) {
  for (const auto& e : errors)
    std::cerr << "  " << escape_control(e.value("path", "")) << ": " << escape_control(e.value("message", "")) << "\n";
}

// Yes only for an explicit yes typed on stdin.
bool confirmed() {
  std::cout << "\nĐăng kế hoạch này lên dutyflowd? [c/K] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  std::string a;
  for (char c : answer)
    if (c != ' ' && c != '\t' && c != '\r') a += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return a == "c" || a == "có" || a == "co" || a == "y" || a == "yes";
}

int run_upload(const client_options& opts, const upload_args& args) {
  int exit_code = 0;
  std::ifstream in(args.file, std::ios::binary);
  std::stringstream buf;
  if (in) buf << in.rdbuf();
  if (!in || buf.str().empty()) {
    std::cerr << "lỗi: không đọc được tệp \"" << escape_control(args.file) << "\" (không có, rỗng hoặc là thư mục) [invalid]\n";
    return 1;
  }
  const std::string bytes = buf.str();
  const auto first = bytes.find_first_not_of(" \t\r\n");
  const bool is_json = first != std::string::npos && bytes[first] == '{';

  json plan, coverage = json::array(), warnings = json::array(), summary;
  if (is_json) {
    auto parsed = parse_json(bytes);
    if (!parsed || !parsed->is_object()) {
      std::cerr << "lỗi: " << escape_control(args.file) << " không phải tệp kế hoạch JSON hợp lệ [invalid]"
                << (parsed ? "" : ": " + parsed.err().message) << "\n";
      return 1;
    }
    plan = std::move(*parsed);
  } else {
    const std::string boundary = fresh_boundary();
    const auto slash = args.file.find_last_of('/');
    const std::string name = slash == std::string::npos ? args.file : args.file.substr(slash + 1);
    std::string raw;
    auto answer = call_raw(opts, "POST", "/api/v1/imports", multipart_body(boundary, name, bytes), exit_code,
                           {{"Content-Type", "multipart/form-data; boundary=" + boundary}}, "", nullptr, &raw);
    if (!answer) return 1;
    plan = (*answer)["draft"];
    coverage = answer->value("coverage", json::array());
    warnings = answer->value("warnings", json::array());
    summary = answer->value("summary", json::object());
    if (!args.out.empty()) {
      std::ofstream f(args.out, std::ios::binary | std::ios::trunc);
      // In the plan file's key order (DESIGN.md), as the daemon sent it: this file is for editing.
      f << nlohmann::ordered_json::parse(raw)["draft"].dump(2) << "\n";
      if (!f) {
        std::cerr << "lỗi: không ghi được " << escape_control(args.out) << " [invalid]\n";
        return 1;
      }
    }
    if (!answer->value("valid", false)) {
      if (!args.as_json) {
        print_summary(plan, summary.value("duties", std::size_t{0}));
        print_coverage(coverage);
      }
      std::cerr << "lỗi: bản nháp nhập từ " << escape_control(name) << " chưa hợp lệ, chưa đăng [invalid]:\n";
      print_errors(answer->value("errors", json::array()));
      std::cerr << "Sửa trên bảng điều khiển (Tải kế hoạch lên), hoặc ghi bản nháp ra tệp bằng --out, sửa rồi "
                   "chạy lại với tệp .json.\n";
      return 1;
    }
  }

  // The daemon's own check, the id included: nothing is loaded yet.
  json refusal;
  auto dry = call(opts, "POST", "/api/v1/plans?dry_run=true", plan, exit_code, {}, "", &refusal);
  if (!dry) {
    if (refusal.is_null()) return 1;
    const auto code = refusal.value("error", json::object()).value("code", "");
    if (code == "conflict")
      std::cerr << "lỗi: đã có kế hoạch mã \"" << escape_control(plan.value("id", ""))
                << "\" với nội dung khác; đổi \"id\" trong tệp nếu đây là kế hoạch mới [conflict]\n";
    else
      std::cerr << escape_control(cli_error_line(refusal.value("status", 0), refusal)) << "\n";
    return 1;
  }
  const std::size_t duties = dry->value("duties", std::size_t{0});
  if (!args.as_json) {
    print_summary(plan, duties);
    print_coverage(coverage);
    std::size_t checks = 0;
    for (const auto& w : warnings)
      if (w.value("category", "") == "check" || w.value("category", "") == "unassigned") ++checks;
    if (checks) std::cout << "\nCần xem lại: " << checks << " chỗ trình nhập đoán (dutyflow import-plan FILE cho chi tiết).\n";
  }
  if (dry->value("loaded", false)) {
    if (args.as_json)
      std::cout << json{{"plan", plan.value("id", "")}, {"published", false}, {"already_loaded", true}, {"duties", duties}}.dump(2)
                << "\n";
    else
      std::cout << "\nKế hoạch \"" << escape_control(plan.value("id", "")) << "\" đã có trên dutyflowd với đúng nội dung này; không có gì thay đổi.\n";
    return 0;
  }
  if (!args.yes) {
    if (!isatty(STDIN_FILENO) && std::cin.peek() == EOF) {
      std::cerr << "lỗi: chưa đăng: cần xác nhận; thêm --yes để đăng không cần hỏi [confirm]\n";
      return 1;
    }
    if (!confirmed()) {
      std::cerr << "Chưa đăng kế hoạch (không xác nhận).\n";
      return 1;
    }
  }
  auto posted = call(opts, "POST", "/api/v1/plans", plan, exit_code);
  if (!posted) return 1;
  if (args.as_json) {
    std::cout << json{{"plan", plan.value("id", "")},
                      {"published", true},
                      {"duties", duties},
                      {"summary", summary},
                      {"coverage", coverage},
                      {"warnings", warnings}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "Đã đăng kế hoạch " << escape_control(plan.value("number", plan.value("id", ""))) << " ("
              << escape_control(plan.value("id", "")) << "): " << duties << " nhiệm vụ đã giao cho các đơn vị.\n";
  }
  return 0;
}

}  // namespace

void add_plan_command(CLI::App& app, std::shared_ptr<const client_options> opts, int& exit_code) {
  auto* plan = app.add_subcommand("plan", "plans on dutyflowd: upload");
  plan->require_subcommand(1);
  auto args = std::make_shared<upload_args>();
  auto* upload = plan->add_subcommand(
      "upload", "publish a plan from its document (.docx, .txt: imported by dutyflowd) or its file (.json) (coordinator)");
  upload->add_option("FILE", args->file, "the plan document (.docx, .txt) or plan file (.json)")->required();
  upload->add_flag("--yes", args->yes, "publish without asking");
  upload->add_option("--out", args->out, "also write the imported draft (plan JSON) here");
  upload->add_flag("--json", args->as_json, "machine-readable output");
  upload->callback([opts, args, &exit_code] { exit_code = run_upload(*opts, *args); });
}

}  // namespace dutyflow
