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

// A district's units as dutyflow knows them (config/units/<district>.json): their ids,
// official names, the other spellings documents use, and their contacts. An imported
// plan issued in `place` takes its units' ids, names and contacts from here.
struct directory_unit {
  std::string id;
  std::string name;
  std::vector<std::string> aliases;  // other spellings ("Phòng TC-KH")
  nlohmann::ordered_json contacts;   // as a plan file's units[].contacts
};
struct unit_directory {
  std::string file;                  // where it was read from, for the report
  std::string place;                 // "Phong Thổ": the place line of the plans it serves
  std::vector<directory_unit> units;
};

// Reads every *.json in `dir` (sorted by name). A missing directory is no error (no
// directories); a file that is not a valid directory is errc::invalid naming the file
// and the JSON path ("config/units/x.json: units[2].id: must be …").
result<std::vector<unit_directory>> load_unit_directories(const std::string& dir);

struct import_options {
  // Offset from the milestone of the deadline of every duty whose own words state none,
  // e.g. "-3wd" (a deadline the text states always wins). Default: nullopt, each kind
  // gets default_offset(kind).
  std::optional<duration_spec> offset;
  // Id of the milestone all deadlines hang on (the event of the plan). Default: "conference".
  std::string milestone = "conference";
  // The districts' units directories (load_unit_directories()); the one whose place is
  // the plan's gives ids, names and contacts. Default: none (contacts: the log only).
  std::vector<unit_directory> directories;
};

// One thing the coordinator should look at.
struct report_entry {
  // "unclassified" (kind defaulted to report), "unassigned" (no owner: the line is not
  // a duty in the output), "skipped" (a line read as no duty, with the reason), "check"
  // (a guess the importer made), "deadline" (the due read from the duty's words),
  // "default" (no deadline in its words: which default it got), "recurring" (a
  // periodic deadline, not set), "kind" (the words that decided the kind), "units"
  // (where names and contacts came from).
  std::string category;
  std::string where;    // "IV.1", "duties[3]", "units", "milestones[0]" or ""
  std::string message;  // English; quotes the document's Vietnamese text verbatim
  nlohmann::json to_json() const;
  std::string text() const;  // "check IV.1: …"
};

// What became of one line of the assignment section (TỔ CHỨC THỰC HIỆN) and of the
// closing lines after it: the duties it made, or why it made none ("không theo dõi").
struct coverage_line {
  std::size_t line = 0;               // 1-based line (paragraph) of the document
  std::string section;                // "IV.4" or ""
  std::string text;                   // the line as the document writes it
  std::vector<std::string> duties;    // ids of the duties it made (a group's duty once)
  std::string reason;                 // when it made none: why, in Vietnamese
  nlohmann::ordered_json to_json() const;
  std::string text_line() const;      // "  85 IV.1  - Chủ trì, … -> chuan-bi-tai-lieu-bao-cao"
};

struct import_result {
  nlohmann::ordered_json plan;  // the plan file, keys in the order of DESIGN.md
  std::vector<report_entry> report;
  std::vector<coverage_line> coverage;
  std::size_t fanned_out_duties = 0;  // duties after a group's duty becomes one per member
};

// The coverage as people read it: one line per document line.
std::string format_coverage(const import_result& imported);

// The offset used when a duty's text states no deadline and none is given: report -3wd, awards -5wd, tham_luan -2wd,
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
