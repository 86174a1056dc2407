// The plan importer (adapters/import) fed document bytes as `dutyflow import-plan` reads
// a file: .txt (UTF-8 or UTF-16 with a BOM) or .docx (a zip), decided by content. Every
// failure is an errc::invalid value with a message; the lines it reads are valid UTF-8;
// a plan it drafts is one the loader accepts, and its report is printable.
#include "adapters/import/document.h"
#include "adapters/import/plan_importer.h"
#include "adapters/import/text.h"
#include "engine/plan.h"
#include "tests/fuzz/fuzz_world.h"
#include "workflows/registry.h"

#include <set>

namespace {

using namespace dutyflow;
using namespace dutyflow::importer;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto doc = read_document(bytes);
  if (!doc) {
    FUZZ_CHECK(doc.err().code == errc::invalid && !doc.err().message.empty(), doc.err().message);
    return 0;
  }
  FUZZ_CHECK(doc->format == "txt" || doc->format == "docx", doc->format);
  for (const auto& line : doc->lines) {
    FUZZ_CHECK(!utf8_error(line), "every line read is valid UTF-8");
    FUZZ_CHECK(clean_line(line) == line, "every line read is clean");
  }
  auto imported = import_plan(doc->lines, import_options{});
  if (!imported) {
    FUZZ_CHECK(imported.err().code == errc::invalid && !imported.err().message.empty(), imported.err().message);
    return 0;
  }
  for (const auto& entry : imported->report) FUZZ_CHECK(!entry.text().empty(), "every report entry reads");
  (void)format_report(*imported);
  // The coverage accounts for every duty, and says why of every line that made none.
  std::set<std::string> covered;
  for (const auto& c : imported->coverage) {
    FUZZ_CHECK(!c.duties.empty() || !c.reason.empty(), "a coverage line says what it made or why not");
    covered.insert(c.duties.begin(), c.duties.end());
  }
  for (const auto& d : imported->plan["duties"])
    FUZZ_CHECK(covered.contains(d["id"].get<std::string>()), "every duty is in the coverage");
  (void)format_coverage(*imported);
  // The draft is a plan file: dumped as `import-plan` writes it, it loads.
  const auto text = imported->plan.dump(2, ' ', false, nlohmann::json::error_handler_t::strict);
  auto loaded = load_plan(nlohmann::json::parse(text), builtin_kinds());
  if (!loaded) {
    std::string all;
    for (const auto& i : plan_errors(loaded.err())) all += "\n  " + i.text();
    fuzz::fail("the imported draft does not load: " + loaded.err().message + all);
  }
  return 0;
}
