// The import corpus: real-style Kế hoạch documents from several districts (conferences,
// inspections, campaigns, periodic reports) under tests/fixtures/import/, each with an
// expected-result file NAME.expected.json:
//   {"document": "NAME.txt", "as": "docx" (optional: imported as a Word file built here
//    from the text, with automatic numbering and bullets), "units": true (optional: with
//    config/units), "duties": [{"id" (optional), "kind", "owner", "collaborators", "due"}],
//    "not_tracked": [text of a line that must be "không theo dõi"],
//    "report": [text the report must contain]}
// Every duty is compared in document order: kind, owner, collaborators and due.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "adapters/import/plan_importer.h"
#include "engine/plan.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/import/docx_builder.h"
#include "workflows/registry.h"

namespace dutyflow::importer {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string fixtures = DUTYFLOW_IMPORT_FIXTURES;

std::vector<std::string> expected_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fixtures)) {
    auto name = e.path().filename().string();
    if (name.ends_with(".expected.json")) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A Word document with the text's lines as paragraphs, the way Word users write plans:
// Roman-numbered sections and "-"/"+" items as automatic numbering, each paragraph in
// two runs.
std::string docx_of(const std::string& text) {
  using testing::docx_paragraph;
  std::string numbering =
      "<w:numbering xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
      "<w:abstractNum w:abstractNumId=\"0\"><w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/>"
      "<w:numFmt w:val=\"upperRoman\"/><w:lvlText w:val=\"%1.\"/></w:lvl></w:abstractNum>"
      "<w:abstractNum w:abstractNumId=\"1\">"
      "<w:lvl w:ilvl=\"0\"><w:numFmt w:val=\"bullet\"/><w:lvlText w:val=\"-\"/></w:lvl>"
      "<w:lvl w:ilvl=\"1\"><w:numFmt w:val=\"bullet\"/><w:lvlText w:val=\"+\"/></w:lvl></w:abstractNum>"
      "<w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num>"
      "<w:num w:numId=\"2\"><w:abstractNumId w:val=\"1\"/></w:num>"
      "</w:numbering>";
  std::string body;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    int num = 0, level = 0;
    auto dot = line.find(". ");
    if (dot != std::string::npos && dot > 0 && dot <= 4 &&
        line.find_first_not_of("IVX") == dot) {  // "IV. TỔ CHỨC THỰC HIỆN"
      num = 1;
      line = line.substr(dot + 2);
    } else if (line.rfind("- ", 0) == 0) {
      num = 2;
      line = line.substr(2);
    } else if (line.rfind("+ ", 0) == 0) {
      num = 2, level = 1;
      line = line.substr(2);
    }
    auto mid = line.find(' ', line.size() / 2);
    std::vector<std::string> runs = {line};
    if (mid != std::string::npos) runs = {line.substr(0, mid), line.substr(mid)};
    body += docx_paragraph(runs, num, level);
  }
  return testing::build_docx(
      {{"word/document.xml", testing::docx_document(body)}, {"word/numbering.xml", numbering}});
}

std::string show(const nlohmann::ordered_json& duty) {
  return duty.dump();
}

class ImportCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(ImportCorpus, EveryDutyHasTheExpectedKindOwnerCollaboratorsAndDue) {
  auto expected = json::parse(read_all(fixtures + "/" + GetParam()));
  auto document = fixtures + "/" + expected["document"].get<std::string>();
  testing::temp_dir dir;
  if (expected.value("as", "") == "docx") {
    auto path = dir.file(fs::path(document).stem().string() + ".docx");
    testing::write_file(path, docx_of(read_all(document)));
    document = path;
  }
  import_options options;
  if (expected.value("units", false)) {
    auto dirs = load_unit_directories(std::string(DUTYFLOW_SOURCE_DIR) + "/config/units");
    ASSERT_TRUE(dirs) << dirs.err().message;
    options.directories = *dirs;
  }
  auto r = import_plan_file(document, options);
  ASSERT_TRUE(r) << r.err().message;
  const auto& duties = r->plan["duties"];
  const auto& want = expected["duties"];
  std::string report = format_report(*r) + format_coverage(*r);
  EXPECT_EQ(duties.size(), want.size()) << report;
  for (std::size_t i = 0; i < std::min(duties.size(), want.size()); ++i) {
    const auto& d = duties[i];
    const auto& w = want[i];
    SCOPED_TRACE("duties[" + std::to_string(i) + "] " + show(d));
    if (w.contains("id")) {
      EXPECT_EQ(d["id"].get<std::string>(), w["id"].get<std::string>());
    }
    EXPECT_EQ(d["kind"].get<std::string>(), w["kind"].get<std::string>());
    EXPECT_EQ(json::parse(d["owner"].dump()), w["owner"]);
    EXPECT_EQ(json::parse(d["collaborators"].dump()), w.value("collaborators", json::array()));
    EXPECT_EQ(json::parse(d["due"].dump()), w["due"]);
  }

  // The plan loads, and the coverage accounts for every duty and every line.
  auto loaded = load_plan(json::parse(r->plan.dump()), builtin_kinds());
  EXPECT_TRUE(loaded) << (loaded ? "" : loaded.err().message);
  std::vector<std::string> covered;
  for (const auto& c : r->coverage) {
    EXPECT_TRUE(!c.duties.empty() || !c.reason.empty()) << c.text_line();
    covered.insert(covered.end(), c.duties.begin(), c.duties.end());
  }
  for (const auto& d : duties) {
    EXPECT_NE(std::find(covered.begin(), covered.end(), d["id"].get<std::string>()), covered.end()) << d["id"];
  }
  for (const auto& text : expected.value("not_tracked", json::array())) {
    auto needle = text.get<std::string>();
    auto it = std::find_if(r->coverage.begin(), r->coverage.end(),
                           [&](const coverage_line& c) { return c.text.find(needle) != std::string::npos; });
    ASSERT_NE(it, r->coverage.end()) << "no coverage line has " << needle << "\n" << report;
    EXPECT_TRUE(it->duties.empty()) << it->text_line();
  }
  for (const auto& text : expected.value("report", json::array()))
    EXPECT_NE(report.find(text.get<std::string>()), std::string::npos) << text << "\n" << report;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ImportCorpus, ::testing::ValuesIn(expected_files()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name;
                           const auto& file = param_info.param;
                           for (char c : file.substr(0, file.find('.')))
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

TEST(ImportCorpusSize, AtLeastTwelvePlansFromSeveralDistrictsInTextAndWord) {
  auto files = expected_files();
  EXPECT_GE(files.size(), 12u);
  std::size_t docx = 0;
  for (const auto& f : files)
    if (json::parse(read_all(fixtures + "/" + f)).value("as", "") == "docx") ++docx;
  EXPECT_GE(docx, 3u);
}

}  // namespace
}  // namespace dutyflow::importer
