#include "tools/cli_import.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "adapters/import/plan_importer.h"
#include "engine/plan.h"
#include "engine/time.h"
#include "workflows/registry.h"

namespace dutyflow::cli {
namespace {

int fail(std::ostream& err, const std::string& message) {
  err << "dutyflow: " << message << "\n";
  return 1;
}

// Writes next to the target and renames, so a failed write never leaves half a plan.
bool write_file(const std::string& path, const std::string& text, std::string& why) {
  auto tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) {
      why = "cannot write " + tmp;
      return false;
    }
    f << text;
    f.flush();
    if (!f) {
      why = "cannot write " + tmp;
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    why = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace

int run_import_plan(const import_args& args, std::ostream& out, std::ostream& err) {
  importer::import_options options;
  if (!args.offset.empty()) {
    auto off = parse_duration(args.offset);
    if (!off) return fail(err, "--offset: " + off.err().message);
    options.offset = *off;
  }
  auto directories = importer::load_unit_directories(args.units_dir);
  if (!directories) return fail(err, "--units: " + directories.err().message);
  options.directories = std::move(*directories);
  std::error_code ec;
  if (std::filesystem::is_directory(args.file, ec)) return fail(err, args.file + " is a directory");
  auto imported = importer::import_plan_file(args.file, options);
  if (!imported) return fail(err, imported.err().message);

  // The importer's output must be a plan the daemon loads; say so if it is not.
  std::vector<plan_issue> problems;
  auto loaded = load_plan(nlohmann::json::parse(imported->plan.dump()), builtin_kinds());
  if (!loaded) problems = plan_errors(loaded.err());

  auto text = imported->plan.dump(2) + "\n";
  if (args.out.empty()) {
    out << text;
    out.flush();
  } else if (std::string why; !write_file(args.out, text, why)) {
    return fail(err, why);
  }

  if (args.json) {
    nlohmann::json report = nlohmann::json::array();
    for (const auto& e : imported->report) report.push_back(e.to_json());
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& p : problems) errors.push_back({{"path", p.path}, {"message", p.message}});
    nlohmann::json coverage = nlohmann::json::array();
    for (const auto& c : imported->coverage) coverage.push_back(nlohmann::json::parse(c.to_json().dump()));
    err << nlohmann::json{{"plan", imported->plan["id"]},
                          {"duties", imported->fanned_out_duties},
                          {"duties_in_file", imported->plan["duties"].size()},
                          {"valid", problems.empty()},
                          {"errors", errors},
                          {"report", report},
                          {"coverage", coverage}}
               .dump(2)
        << "\n";
  } else {
    err << importer::format_report(*imported);
    for (const auto& p : problems) err << "invalid " << p.text() << "\n";
    if (args.coverage) err << importer::format_coverage(*imported);
  }
  if (!problems.empty())
    return fail(err, "the imported plan does not validate (" + std::to_string(problems.size()) +
                         " errors above); edit it before loading");
  return 0;
}

}  // namespace dutyflow::cli

CLI::App* add_import_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<dutyflow::cli::import_args>();
  auto* cmd = app.add_subcommand("import-plan", "draft a plan file from a Kế hoạch document (.txt or .docx)");
  cmd->add_option("FILE", args->file, "the plan document (.txt UTF-8 or .docx)")->required();
  cmd->add_option("--out", args->out, "write the plan JSON here instead of stdout");
  cmd->add_option("--offset", args->offset,
                  "duties whose text states no deadline are due this long from the event, e.g. -3wd "
                  "(default: per kind, see README)");
  cmd->add_flag("--json", args->json, "the report (with the coverage) on stderr as JSON");
  cmd->add_option("--units", args->units_dir,
                  "directory of units directories giving ids, names and contacts (default: config/units)");
  cmd->add_flag("--coverage", args->coverage,
                "after the report, every line of the assignment section with its duty or why it is not tracked");
  cmd->callback([args, &exit_code] { exit_code = dutyflow::cli::run_import_plan(*args, std::cout, std::cerr); });
  return cmd;
}
