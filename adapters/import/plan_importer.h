// Turns the text of a Vietnamese Kế hoạch (laid out as Nghị định 30/2020/NĐ-CP asks:
// "Số: …", the place-and-date line, "KẾ HOẠCH" and its title, Roman-numeral sections,
// numbered items, "-" and "+" lines, the signer's "TM. …") into a draft plan file in
// the schema of DESIGN.md, plus a report of everything a coordinator should check:
// lines it could not classify or assign, and the guesses it made. Stateless; any
// thread may call. A document that is not a plan, or has nothing to assign, is an
// errc::invalid error; everything else becomes a plan plus report entries.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/import/document.h"
#include "engine/status.h"
#include "engine/time.h"

namespace dutyflow::importer {

struct import_options {
  // Offset of every duty's deadline from the milestone, e.g. "-3wd". Default: nullopt,
  // each kind gets default_offset(kind).
  std::optional<duration_spec> offset;
  // Id of the milestone all deadlines hang on (the event of the plan). Default: "conference".
  std::string milestone = "conference";
};

// One thing the coordinator should look at.
struct report_entry {
  // "unclassified" (kind defaulted to report), "unassigned" (no owner: the line is not
  // a duty in the output), "skipped" (a line read as no duty, with the reason), "check"
  // (a guess the importer made).
  std::string category;
  std::string where;    // "IV.1", "duties[3]", "units", "milestones[0]" or ""
  std::string message;  // English; quotes the document's Vietnamese text verbatim
  nlohmann::json to_json() const;
  std::string text() const;  // "check IV.1: …"
};

struct import_result {
  nlohmann::ordered_json plan;  // the plan file, keys in the order of DESIGN.md
  std::vector<report_entry> report;
};

// The offset used when none is given: report -3wd, awards -5wd, tham_luan -2wd,
// publish -1wd, venue -1d, attendance -1d, reporter +1d (news after the event).
std::string default_offset(std::string_view kind);

// Builds the plan from a document's lines (see read_document()). Fails with
// errc::invalid when the text is not a Kế hoạch (no "KẾ HOẠCH" heading), has no issue
// date, or yields no assignable duty.
result<import_result> import_plan(const std::vector<std::string>& lines, const import_options& options);

// read_document_file() then import_plan().
result<import_result> import_plan_file(const std::string& path, const import_options& options);

// The report as people read it: a summary line, then one line per entry.
std::string format_report(const import_result& imported);

}  // namespace dutyflow::importer
