// Internal to the plan importer (adapters/import): what its translation units share, and
// nothing for other modules to include; the interface is plan_importer.h. Pure helpers
// any thread may call, and importer_impl, which reads one document on the calling thread
// and is thrown away after it. Which file holds what:
//   importer_lines.cpp     folded-text helpers, line markers ("IV.", "1.2", "a)", "-"), kinds
//   importer_units.cpp     unit names, the district's known units, official spellings, ids
//   importer_sections.cpp  header, sections, the TỔ CHỨC THỰC HIỆN tree and its units
//   importer_duties.cpp    assignment lines -> duties, deadlines, collaborators, groups
//   importer_output.cpp    the plan JSON (milestone, issuer, units, leaders), the coverage
//   plan_importer.cpp      the public API, the report's text, the units directories
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/import/deadline.h"
#include "adapters/import/plan_importer.h"
#include "adapters/import/text.h"
#include "engine/status.h"
#include "engine/time.h"

namespace dutyflow::importer::detail {

using ojson = nlohmann::ordered_json;

constexpr std::size_t npos = std::string::npos;

// errc::invalid with `message`.
error invalid(std::string message);

// ---- folded text (importer_lines.cpp) ----------------------------------------

bool is_alnum(char c);  // of folded text: [a-z0-9]
bool is_digit(char c);

// `phrase` (folded) in folded text `f` at word boundaries, from `from`; npos if absent.
std::size_t find_word(std::string_view f, std::string_view phrase, std::size_t from = 0);
bool has_word(std::string_view f, std::string_view phrase);
bool starts_word(std::string_view f, std::string_view phrase);

std::string trim(std::string_view s);  // ASCII spaces only
std::string strip_trailing(std::string s, std::string_view chars = " .;,:");
std::size_t skip_spaces(std::string_view s, std::size_t i);

// The original text behind folded range [b, e).
std::string original(std::string_view text, const folded_text& f, std::size_t b, std::size_t e);

// `s` in double quotes for the report, cut at a UTF-8 boundary after `max_bytes` ("…").
std::string quote_text(std::string_view s, std::size_t max_bytes = 90);

std::size_t word_count(std::string_view folded);

// The line without the emphasis and heading marks that text exports of Word documents
// leave at its ends ("**TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH**", "# KẾ HOẠCH").
std::string plain_of(const std::string& line);

// ---- line markers (importer_lines.cpp) ---------------------------------------

enum class marker { none, roman, number, subnumber, letter, dash, plus };

struct marked {
  marker kind = marker::none;
  std::string label;  // "IV", "1", "1.2", "a"; empty for dash, plus and none
  std::string body;   // the line without its marker
};

marked parse_marker(const std::string& plain);

// ---- kinds (importer_lines.cpp) ----------------------------------------------

struct classification {
  std::string kind;
  std::string matched;  // the deciding phrase as the document writes it
};

// The duty kind `text`'s wording decides, or nullopt when none does.
std::optional<classification> classify(std::string_view text);

// ---- units (importer_units.cpp) ----------------------------------------------

struct unit_name {
  std::string name;  // as the document writes it, "Đề nghị" and brackets removed
  bool group = false;
};

// Whether `text` is the name of a unit or group (as in "Phòng Nội vụ" or
// "Các cơ quan, đơn vị huyện; UBND các xã, thị trấn"), not a sentence.
std::optional<unit_name> as_unit_name(std::string_view text);

// "Ủy ban MTTQ huyện, Liên đoàn Lao động huyện" names two units; "Trung tâm Văn hóa,
// Thể thao và Truyền thông" one: a part after ", " starts a new unit only when it
// starts like one.
std::vector<unit_name> split_units(const unit_name& u);

// Which units a group's name covers, by the kind of unit its name describes.
enum class tier : std::uint8_t { body, commune, village, school };

// "Phòng Tài chính - Kế hoạch huyện" -> "phong tai chinh ke hoach huyen": folded, every
// run of punctuation one space. Two spellings of one unit differ only in these.
std::string unit_key(std::string_view name);

struct unit_entry {
  std::string id;
  std::string name;                    // the official spelling
  std::string folded;                  // the document's spelling, folded, for finding mentions
  std::vector<std::string> spellings;  // every folded spelling seen or known
  bool group = false;
  tier level = tier::body;
  const directory_unit* known = nullptr;  // its entry in the district's units directory
};

// The units and groups one plan names, in the order it names them.
class unit_table {
 public:
  void use(const unit_directory* directory) { directory_ = directory; }

  // The id `name` gets in this plan: the directory's, when the directory knows the unit.
  std::string id_for(const std::string& name) const;
  const unit_entry& add(const unit_name& u);
  const unit_entry* find(std::string_view id) const;
  // The longest unit or group name starting at folded position `pos`.
  const unit_entry* match_at(std::string_view f, std::size_t pos, std::size_t& end) const;
  const std::vector<unit_entry>& entries() const { return entries_; }
  const unit_directory* directory() const { return directory_; }

  const directory_unit* in_directory(const std::string& id, const std::string& name) const;

 private:
  const unit_directory* directory_ = nullptr;
  std::vector<unit_entry> entries_;
};

// ---- the document --------------------------------------------------------------

struct line {
  std::string plain;  // the line without emphasis marks
  folded_text folded;
};

struct org_node {
  marked m;
  int depth = 0;
  std::string section;  // "IV.1"
  std::vector<std::size_t> children;
  std::size_t line = 0;              // index in the document's lines
  std::vector<std::string> reasons;  // why (a clause of) it made no duty, in Vietnamese
};

// What the coverage says about a duty beside its id.
struct duty_info {
  std::size_t node = 0;  // the org_node it came from
  std::string due_from;  // "text", "heading", "default", "recurring"
  std::string matched;   // the wording that decided its kind, or ""
};

struct header {
  std::string number;
  std::string place;
  std::optional<date> issued_on;
  std::size_t date_line = npos;
  std::size_t type_line = npos;  // the "KẾ HOẠCH" line
  std::string title;
  std::size_t body_start = 0;
  std::string header_org;  // "ỦY BAN NHÂN DÂN HUYỆN PHONG THỔ" from the top-left block
};

// A line of dashes, underscores or stars between the header and the body (importer_sections.cpp).
bool is_separator(const std::string& plain);
// The first line of the closing: "Trên đây là…", "Nơi nhận", the signature (importer_sections.cpp).
bool is_closing(const line& l);
// A line that assigns nothing although it sits among the assignments: the closing
// formula, a general request to carry out the plan, what to do about difficulties.
// Returns the reason (English for the report, Vietnamese for the coverage); nullopt for
// any other line (importer_duties.cpp).
std::optional<std::pair<std::string, std::string>> general_sentence(std::string_view text);

// One import: reads the document top to bottom once, collecting the plan and its report.
class importer_impl {
 public:
  importer_impl(const std::vector<std::string>& raw, const import_options& options);

  result<import_result> run();

 private:
  using owners = std::vector<const unit_entry*>;

  // What a line passes to the lines below it.
  struct context {
    owners who;
    std::optional<classification> kind;       // of a "…, cụ thể:" line, for lines whose wording decides none
    std::optional<stated_deadline> deadline;  // of a heading that states one ("… trước ngày 20/7/2023, cụ thể:")
  };
  struct leaders_def {
    std::string id, name, recipient;
    ojson contacts;
  };

  // importer_sections.cpp: the header, the sections, the assignments as a tree.
  void choose_directory();
  status read_header();
  bool is_header_org_line(const line& l) const;
  void read_title(std::size_t type_line, std::string inline_title);
  void read_sections();
  void build_org_tree();
  std::optional<std::pair<std::vector<unit_name>, std::string>> unit_of(const org_node& n) const;
  void collect_units();

  // importer_duties.cpp: the lines of the tree -> duties.
  void process_all();
  context process(std::size_t idx, const context& ctx);
  void add_duties(std::size_t idx, const std::string& text, const context& ctx);
  void add_duty(std::size_t idx, const std::string& clause, const context& ctx);
  std::vector<std::string> collaborators_named(const org_node& n, const std::string& clause, const folded_text& f,
                                               std::vector<std::string>& unnamed);
  void add_owned_duty(std::size_t idx, const std::string& clause, const unit_entry* owner,
                      std::vector<std::string> collaborators, const std::vector<std::string>& unnamed,
                      const context& ctx);
  std::string unique_id(const std::string& stem, const std::string& owner);
  void skip(std::size_t idx, const std::string& why, const std::string& reason_vi);
  void finish_groups();

  // importer_output.cpp: the plan file and the coverage.
  ojson milestone();
  std::string issuer_from_org(const std::string& org);
  std::string place_name() const;
  std::string issuer();
  std::string level_of_place() const;
  result<import_result> assemble();
  std::vector<coverage_line> coverage() const;
  std::optional<leaders_def> leaders_unit();
  void note(std::string category, std::string where, std::string message);

  const import_options& options_;
  std::vector<line> lines_;
  header h_;
  std::size_t org_begin_ = npos, org_end_ = npos, time_begin_ = npos, time_end_ = npos;
  std::size_t closing_begin_ = npos;  // the first closing line ("Trên đây là…", "Nơi nhận") after the assignments
  std::size_t leaders_line_ = npos;
  std::string org_label_;
  std::vector<org_node> nodes_;
  std::vector<std::size_t> roots_;
  unit_table units_;
  std::vector<ojson> duties_;
  std::vector<duty_info> duty_info_;  // beside duties_
  std::set<std::string> ids_;
  std::set<std::string> used_groups_;
  std::map<std::string, std::vector<std::string>> group_members_;
  std::vector<report_entry> report_;
};

}  // namespace dutyflow::importer::detail
