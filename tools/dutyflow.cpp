// dutyflow: the command-line tool. Offline commands (validate, show-plan, calendar,
// import-plan, backup) work on files; the rest are clients of dutyflowd's HTTP API.
#include "adapters/notify/templates.h"
#include "engine/plan.h"
#include "tools/cli_backup.h"
#include "tools/cli_calendar.h"
#include "tools/cli_client.h"
#include "tools/cli_import.h"
#include "tools/text_table.h"
#include "workflows/registry.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>

using namespace dutyflow;
using nlohmann::json;

namespace {

void fail_line(const std::string& message) { std::cerr << "dutyflow: " << message << "\n"; }

int run_validate(const std::vector<std::string>& files, bool as_json) {
  int rc = 0;
  json report = json::array();
  for (const auto& file : files) {
    auto loaded = load_plan_file(file, builtin_kinds());
    // With several files each line names its file; with one, lines are exactly "PATH: message".
    const std::string prefix = files.size() > 1 ? file + ": " : "";
    json entry{{"file", file}, {"valid", bool(loaded)}, {"errors", json::array()}, {"warnings", json::array()}};
    if (!loaded) {
      rc = 1;
      auto issues = plan_errors(loaded.err());
      if (issues.empty()) issues.push_back({"", loaded.err().message});
      for (const auto& i : issues) {
        entry["errors"].push_back(json{{"path", i.path}, {"message", i.message}});
        if (!as_json) std::cerr << prefix << i.text() << "\n";
      }
    } else {
      for (const auto& w : loaded->warnings) {
        entry["warnings"].push_back(json{{"path", w.path}, {"message", w.message}});
        if (!as_json) std::cerr << prefix << "warning: " << w.text() << "\n";
      }
      entry["duties"] = loaded->value->duties.size();
      if (!as_json)
        std::cout << file << ": ok (" << loaded->value->id << ", " << loaded->value->duties.size() << " duties)\n";
    }
    report.push_back(entry);
  }
  if (as_json) std::cout << report.dump(2) << "\n";
  return rc;
}

int run_show_plan(const std::string& file, bool as_json) {
  auto loaded = load_plan_file(file, builtin_kinds());
  if (!loaded) {
    auto issues = plan_errors(loaded.err());
    if (issues.empty()) fail_line(loaded.err().message);
    for (const auto& i : issues) std::cerr << i.text() << "\n";
    return 1;
  }
  const plan& p = *loaded->value;
  if (as_json) {
    json duties = json::array();
    for (const auto& d : p.duties) {
      json j{{"id", d.id},
             {"kind", d.kind},
             {"title", d.title},
             {"owner", d.owner},
             {"collaborators", d.collaborators()},
             {"due", d.due.to_json(p.utc_offset)},
             {"depends_on", d.depends_on()},
             {"reminders", d.reminders->to_json()}};
      if (!d.group.empty()) j["group"] = d.group;
      duties.push_back(j);
    }
    json ms = json::array();
    for (const auto& m : p.milestones)
      ms.push_back(json{{"id", m.id}, {"title", m.title}, {"at", m.at ? json(p.format(*m.at)) : json(nullptr)}});
    auto header = p.header_json();
    header["milestones"] = ms;
    std::cout << json{{"plan", header}, {"duties", duties}}.dump(2) << "\n";
    return 0;
  }
  std::cout << p.number << " — " << p.title << "\n" << p.issuer << ", ngày " << format_date(p.issued_on) << "\n";
  for (const auto& m : p.milestones)
    std::cout << "Mốc " << m.id << ": " << (m.at ? notify::vietnamese_datetime(*m.at, p.utc_offset) : std::string("chưa ấn định")) << "\n";
  std::cout << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : p.duties) {
    std::string due;
    switch (d.due.kind) {
      case due_spec::type::at: due = vietnamese_deadline(d.due.at, p.utc_offset); break;
      case due_spec::type::milestone: due = std::string(d.due.milestone) + " " + (d.due.offset.amount >= 0 ? "+" : "") + d.due.offset.text(); break;
      case due_spec::type::after_assigned: due = std::to_string(d.due.working_days) + " ngày làm việc sau khi giao"; break;
      case due_spec::type::none: due = "—"; break;
    }
    rows.push_back({d.id, std::string(d.machine_kind->label_vi()), std::string(d.owner), due, d.title});
  }
  std::cout << render_table({"Nhiệm vụ", "Loại", "Đơn vị chủ trì", "Thời hạn", "Nội dung"}, rows);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dutyflow — turn a plan (Kế hoạch) into tracked duties"};
  app.require_subcommand(1);
  int exit_code = 0;

  auto* validate = app.add_subcommand("validate", "check plan files; exit 1 listing every error");
  std::vector<std::string> validate_files;
  bool validate_json = false;
  validate->add_option("FILE", validate_files, "plan files")->required();
  validate->add_flag("--json", validate_json, "machine-readable output");
  validate->callback([&] { exit_code = run_validate(validate_files, validate_json); });

  auto* show = app.add_subcommand("show-plan", "print a plan's duties after group fan-out");
  std::string show_file;
  bool show_json = false;
  show->add_option("FILE", show_file, "plan file")->required();
  show->add_flag("--json", show_json, "machine-readable output");
  show->callback([&] { exit_code = run_show_plan(show_file, show_json); });

  add_calendar_command(app, exit_code);
  add_import_command(app, exit_code);
  add_backup_command(app, exit_code);
  add_client_commands(app, exit_code);
  add_token_command(app, exit_code);
  // Global options (--server, --token) may also follow the subcommand.
  app.fallthrough();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, Vietnamese first as every CLI error, CLI11's English words after the code.
    std::string what = e.what();
    std::string vi = "tham số dòng lệnh không hợp lệ";
    if (argc > 1 && argv[1][0] != '-') {
      try {
        app.get_subcommand(argv[1]);
      } catch (const CLI::Error&) {
        vi = "dutyflow không có lệnh \"" + std::string(argv[1]) + "\"";
      }
    }
    std::cerr << "lỗi: " << vi << " (xem dutyflow --help) [usage]" << (what.empty() ? std::string() : ": " + what)
              << "\n";
    return 2;
  }
  return exit_code;
}
