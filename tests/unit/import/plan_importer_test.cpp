#include "adapters/import/plan_importer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <tuple>

#include "engine/plan.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/import/docx_builder.h"
#include "workflows/registry.h"

namespace dutyflow::importer {
namespace {

using nlohmann::json;

const std::string fixtures = DUTYFLOW_IMPORT_FIXTURES;

import_result import_fixture(const std::string& name, const import_options& options = {}) {
  auto r = import_plan_file(fixtures + "/" + name, options);
  if (!r) ADD_FAILURE() << name << ": " << r.err().message;
  return r ? std::move(r).value() : import_result{};
}

// The engine's view of a plan: validated, groups fanned out.
std::shared_ptr<const plan> load(const json& doc) {
  auto r = load_plan(doc, builtin_kinds());
  if (!r) {
    std::string all;
    for (const auto& i : plan_errors(r.err())) all += i.text() + "\n";
    ADD_FAILURE() << r.err().message << "\n" << all;
    return nullptr;
  }
  return r->value;
}
std::shared_ptr<const plan> load(const nlohmann::ordered_json& doc) {
  return load(json::parse(doc.dump()));
}

using assignment = std::tuple<std::string, std::string, std::vector<std::string>>;  // kind, owner, collaborators

std::vector<assignment> assignments(const plan& p) {
  std::vector<assignment> out;
  for (const auto& d : p.duties) {
    auto cols = d.collaborators();
    std::sort(cols.begin(), cols.end());
    out.emplace_back(d.kind, d.owner, cols);
  }
  std::sort(out.begin(), out.end());
  return out;
}

const nlohmann::ordered_json* duty_owned_by(const import_result& r, const std::string& owner, const std::string& kind) {
  for (const auto& d : r.plan["duties"])
    if (d["kind"] == kind && d["owner"].is_string() && d["owner"] == owner) return &d;
  return nullptr;
}

std::vector<std::string> report_lines(const import_result& r, const std::string& category) {
  std::vector<std::string> out;
  for (const auto& e : r.report)
    if (e.category == category) out.push_back(e.text());
  return out;
}

bool mentions(const std::vector<std::string>& lines, const std::string& needle) {
  return std::any_of(lines.begin(), lines.end(), [&](const auto& l) { return l.find(needle) != std::string::npos; });
}

// ---- the seed: Kế hoạch 182/KH-UBND, UBND huyện Phong Thổ ----

TEST(SeedPlan, MatchesTheHandWrittenPlanInKindAndOwnerForEveryAssignment) {
  std::ifstream in(std::string(DUTYFLOW_SOURCE_DIR) + "/config/plans/182-kh-ubnd-2023.json");
  ASSERT_TRUE(in) << "config/plans/182-kh-ubnd-2023.json is missing";
  auto hand = load(json::parse(in));
  auto imported = load(import_fixture("seed_182_kh_ubnd_phong_tho.txt").plan);
  ASSERT_TRUE(hand && imported);
  EXPECT_EQ(assignments(*imported), assignments(*hand));
  EXPECT_EQ(imported->duties.size(), 15u);  // 9 single-unit duties + attendance fanned out to 6 units
  std::vector<std::string> hand_units, imported_units;
  for (const auto& u : hand->units) hand_units.push_back(u.id);
  EXPECT_EQ(imported->escalate_to, hand->escalate_to);
  for (const auto& u : imported->units) imported_units.push_back(u.id);
  EXPECT_EQ(imported_units, hand_units);
  EXPECT_EQ(imported->coordinator, hand->coordinator);
  EXPECT_EQ(imported->id, hand->id);
}

// Issue 15: the import of the seed text must be able to replace or revise the shipped
// plan: the same file in every field (ids, kinds, owners, collaborators, due specs, notes,
// sources, units with their contacts from config/units, groups, escalate_to), the
// importer's "note" about drafting aside.
TEST(SeedPlan, ImportsToExactlyTheShippedPlanWithTheUnitsDirectory) {
  std::ifstream in(std::string(DUTYFLOW_SOURCE_DIR) + "/config/plans/182-kh-ubnd-2023.json");
  ASSERT_TRUE(in);
  auto shipped = json::parse(in);
  import_options options;
  auto dirs = load_unit_directories(std::string(DUTYFLOW_SOURCE_DIR) + "/config/units");
  ASSERT_TRUE(dirs) << dirs.err().message;
  options.directories = *dirs;
  auto r = import_fixture("seed_182_kh_ubnd_phong_tho.txt", options);
  auto imported = json::parse(r.plan.dump());
  EXPECT_EQ(imported["note"], "Drafted by dutyflow import-plan from the document; check the points its report lists.");
  imported.erase("note");
  for (const auto& [key, value] : shipped.items()) {
    if (key == "duties") continue;
    EXPECT_EQ(imported[key], value) << key;
  }
  EXPECT_EQ(imported.size(), shipped.size());
  ASSERT_EQ(imported["duties"].size(), shipped["duties"].size());
  for (std::size_t i = 0; i < shipped["duties"].size(); ++i)
    EXPECT_EQ(imported["duties"][i], shipped["duties"][i]) << "duties[" << i << "]";
}

TEST(SeedPlan, WithoutADirectoryUnitsNotifyTheLogAndTheReportSaysSo) {
  auto r = import_fixture("seed_182_kh_ubnd_phong_tho.txt");
  for (const auto& u : r.plan["units"]) EXPECT_EQ(u["contacts"], nlohmann::ordered_json::parse(R"([{"channel":"log"}])"));
  EXPECT_TRUE(mentions(report_lines(r, "check"), "no units directory for \"Phong Thổ\""));
  EXPECT_EQ(r.plan["escalate_to"], "lanh-dao-ubnd-huyen");
}

TEST(SeedPlan, CoverageAccountsForEveryLineOfTheAssignmentSection) {
  auto r = import_fixture("seed_182_kh_ubnd_phong_tho.txt");
  auto line_of = [&](const std::string& start) -> const coverage_line* {
    for (const auto& c : r.coverage)
      if (c.text.rfind(start, 0) == 0) return &c;
    return nullptr;
  };
  const auto* first = line_of("- Chủ trì, phối hợp");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->line, 57u);
  EXPECT_EQ(first->duties, (std::vector<std::string>{"chuan-bi-tai-lieu-bao-cao", "cong-bo-chi-so-cchc-xa-thi-tran"}));
  const auto* heading = line_of("1. Phòng Nội vụ");
  ASSERT_NE(heading, nullptr);
  EXPECT_TRUE(heading->duties.empty());
  EXPECT_EQ(heading->reason, "tên đơn vị: nhiệm vụ ở các dòng dưới");
  const auto* rest = line_of("+ Các đơn vị còn lại");
  ASSERT_NE(rest, nullptr);
  EXPECT_EQ(rest->reason, "giao cho các đơn vị còn lại, không nêu tên đơn vị");
  const auto* closing = line_of("Trên đây là Kế hoạch");
  ASSERT_NE(closing, nullptr);
  EXPECT_TRUE(closing->duties.empty());
  EXPECT_EQ(closing->reason, "câu kết của văn bản");
  ASSERT_NE(line_of("Nơi nhận:"), nullptr);
  // Every non-blank line from "IV. TỔ CHỨC THỰC HIỆN" to the signature, once, in order.
  std::size_t non_blank = 0;
  std::ifstream in(fixtures + "/seed_182_kh_ubnd_phong_tho.txt");
  std::size_t n = 0;
  for (std::string l; std::getline(in, l);)
    if (++n >= 53 && l.find_first_not_of(" \r") != std::string::npos) ++non_blank;
  EXPECT_EQ(r.coverage.size(), non_blank);
  EXPECT_TRUE(std::is_sorted(r.coverage.begin(), r.coverage.end(),
                             [](const auto& a, const auto& b) { return a.line < b.line; }));
  for (const auto& c : r.coverage) EXPECT_TRUE(!c.duties.empty() || !c.reason.empty()) << c.text_line();
  auto text = format_coverage(r);
  EXPECT_NE(text.find("  57 IV.1  \"- Chủ trì, phối hợp"), std::string::npos) << text;
  EXPECT_NE(text.find("-> không theo dõi: câu kết của văn bản"), std::string::npos) << text;
}

TEST(SeedPlan, ReadsTheHeaderTitleAndEventWindow) {
  auto r = import_fixture("seed_182_kh_ubnd_phong_tho.txt");
  const auto& p = r.plan;
  EXPECT_EQ(p["id"], "182-kh-ubnd-2023");
  EXPECT_EQ(p["number"], "182/KH-UBND");
  EXPECT_EQ(p["issuer"], "UBND huyện Phong Thổ");
  EXPECT_EQ(p["issued_on"], "2023-06-05");
  EXPECT_EQ(p["timezone"], "Asia/Ho_Chi_Minh");
  EXPECT_EQ(p["title"].get<std::string>().rfind("Tổ chức Hội nghị đánh giá kết quả triển khai", 0), 0u);
  EXPECT_NE(p["title"].get<std::string>().find("Công bố Chỉ số cải cách hành chính của UBND các xã, thị trấn năm 2022"),
            std::string::npos);
  const auto& m = p["milestones"][0];
  EXPECT_EQ(m["id"], "conference");
  EXPECT_TRUE(m["at"].is_null());
  EXPECT_EQ(m["window"]["from"], "2023-06-01");
  EXPECT_EQ(m["window"]["to"], "2023-06-30");
  EXPECT_EQ(m["title"].get<std::string>().rfind("Hội nghị đánh giá kết quả", 0), 0u);
}

TEST(SeedPlan, RecordsTheWordingThatDecidedEachKind) {
  auto r = import_fixture("seed_182_kh_ubnd_phong_tho.txt");
  auto kinds = report_lines(r, "kind");
  ASSERT_EQ(kinds.size(), r.plan["duties"].size());
  for (const auto& d : r.plan["duties"]) {
    EXPECT_TRUE(mentions(kinds, " " + d["id"].get<std::string>() + " (")) << d["id"];
    EXPECT_EQ(d["source"]["section"].get<std::string>().rfind("IV.", 0), 0u);
  }
  EXPECT_TRUE(mentions(kinds, "chuan-bi-hoi-truong (IV.2): venue from \"hội trường\""));
  auto* venue = duty_owned_by(r, "van-phong-hdnd-va-ubnd-huyen", "venue");
  ASSERT_NE(venue, nullptr);
  EXPECT_EQ((*venue)["collaborators"], nlohmann::ordered_json::array({"phong-noi-vu"}));
  auto* reporter = duty_owned_by(r, "trung-tam-van-hoa-the-thao-va-truyen-thong", "reporter");
  ASSERT_NE(reporter, nullptr);
  EXPECT_EQ((*reporter)["title"], "Cử phóng viên dự và đưa tin tại Hội nghị");
  EXPECT_EQ((*reporter)["due"]["offset"], "+1d");
}

TEST(SeedPlan, SplitsTheAnnouncementOffTheDocumentsLine) {
  auto r = import_fixture("seed_182_kh_ubnd_phong_tho.txt");
  std::vector<std::string> titles;
  for (const auto& d : r.plan["duties"])
    if (d["owner"] == "phong-noi-vu" && d["kind"] == "report") titles.push_back(d["title"]);
  ASSERT_EQ(titles.size(), 2u);
  EXPECT_EQ(titles[1], "Công bố Chỉ số cải cách hành chính của UBND các xã, thị trấn năm 2022");
  EXPECT_TRUE(titles[0].ends_with("giải pháp cải thiện PAR INDEX năm 2023")) << titles[0];
}

TEST(SeedPlan, GivesEachTownshipItsOwnThamLuanWithItsTopic) {
  auto r = import_fixture("seed_182_kh_ubnd_phong_tho.txt");
  auto* tt = duty_owned_by(r, "thi-tran-phong-tho", "tham_luan");
  auto* ml = duty_owned_by(r, "xa-ma-li-pho", "tham_luan");
  auto* ss = duty_owned_by(r, "xa-sin-suoi-ho", "tham_luan");
  ASSERT_TRUE(tt && ml && ss);
  EXPECT_NE((*tt)["title"].get<std::string>().find("một số giải pháp duy trì thứ hạng chỉ số cải cách hành chính"),
            std::string::npos);
  EXPECT_NE((*ml)["title"].get<std::string>().find("lĩnh vực cải cách thủ tục hành chính"), std::string::npos);
  EXPECT_NE((*ss)["title"].get<std::string>().find("nêu rõ những khó khăn, vướng mắc"), std::string::npos);
  EXPECT_EQ((*tt)["due"]["offset"], "-2wd");
}

TEST(SeedPlan, ReportsWhatItDidNotTurnIntoDuties) {
  auto r = import_fixture("seed_182_kh_ubnd_phong_tho.txt");
  EXPECT_TRUE(report_lines(r, "unclassified").empty());
  EXPECT_TRUE(report_lines(r, "unassigned").empty());
  auto skipped = report_lines(r, "skipped");
  ASSERT_EQ(skipped.size(), 5u);  // three unit headings, the "cụ thể:" line, the remaining units
  EXPECT_TRUE(mentions(skipped, "heading naming the unit of the lines below it: \"Phòng Nội vụ\""));
  EXPECT_TRUE(mentions(skipped, "Chuẩn bị ý kiến phát biểu thảo luận tại Hội nghị, cụ thể:"));
  EXPECT_TRUE(mentions(skipped, "Các đơn vị còn lại chủ động"));
  auto checks = report_lines(r, "check");
  EXPECT_TRUE(mentions(checks, "\"phối hợp với các cơ quan, đơn vị\" names no unit"));
  EXPECT_TRUE(mentions(checks, "only the month is known"));
  EXPECT_EQ(report_lines(r, "default").size(), 10u);  // the seed states no deadline of its own
  EXPECT_TRUE(mentions(report_lines(r, "default"),
                       "chuan-bi-hoi-truong (IV.2): no deadline in its text: due conference -1d, the default for venue"));
  auto text = format_report(r);
  // The count the engine (validate, the dashboard) shows: the attendance duty fans out to 6 units.
  EXPECT_EQ(text.rfind("imported 182/KH-UBND (182-kh-ubnd-2023): 15 duties (10 in the file, groups fanned out), 7 "
                       "units, 1 groups; deadlines: 0 from the text, 10 by default, 0 recurring",
                       0),
            0u)
      << text;
}

TEST(SeedPlan, NoMarkdownEmphasisReachesTitlesNotesOrSources) {
  auto r = import_fixture("seed_182_kh_ubnd_phong_tho.txt");
  for (const auto& d : r.plan["duties"]) {
    for (const char* key : {"title", "note"})
      if (d.contains(key)) {
        EXPECT_EQ(d[key].get<std::string>().find('*'), std::string::npos) << d[key];
      }
    EXPECT_EQ(d["source"]["text"].get<std::string>().find('*'), std::string::npos) << d["source"]["text"];
  }
  const auto* attendance = &r.plan["duties"][0];
  for (const auto& d : r.plan["duties"])
    if (d["kind"] == "attendance") attendance = &d;
  EXPECT_EQ((*attendance)["title"],
            "Cử đại biểu tham dự Hội nghị đúng thành phần, thời gian (có Giấy mời cụ thể gửi sau)");
  EXPECT_EQ(r.plan["milestones"][0]["title"].get<std::string>().find('*'), std::string::npos);
}

TEST(SeedPlan, TheShippedPlanHasNoMarkdownEmphasis) {
  std::ifstream in(std::string(DUTYFLOW_SOURCE_DIR) + "/config/plans/182-kh-ubnd-2023.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.find('*'), std::string::npos);
}

TEST(SeedPlan, DecomposedUnicodeGivesTheSameDuties) {
  auto nfc = load(import_fixture("seed_182_kh_ubnd_phong_tho.txt").plan);
  auto nfd = load(import_fixture("seed_182_nfd.txt").plan);
  ASSERT_TRUE(nfc && nfd);
  EXPECT_EQ(assignments(*nfd), assignments(*nfc));
  EXPECT_EQ(nfd->id, nfc->id);
}

TEST(SeedPlan, OffsetOptionMovesEveryDeadlineTheTextDoesNotState) {
  import_options options;
  options.offset = duration_spec{-4, duration_spec::unit::working_days};
  options.milestone = "hoi-nghi";
  auto r = import_fixture("seed_182_kh_ubnd_phong_tho.txt", options);
  EXPECT_EQ(r.plan["milestones"][0]["id"], "hoi-nghi");
  for (const auto& d : r.plan["duties"]) {
    EXPECT_EQ(d["due"]["offset"], "-4wd");
    EXPECT_EQ(d["due"]["milestone"], "hoi-nghi");
  }
  EXPECT_TRUE(load(r.plan));
}

// ---- Kế hoạch 215/KH-UBND, UBND huyện Tam Đường: Windows line ends, the ND 30 header
// block, an exact time, a heading naming two units, a group of schools ----

TEST(TamDuongPlan, ReadsTheHeaderBlockAndTheExactTime) {
  auto r = import_fixture("215_kh_ubnd_tam_duong.txt");
  const auto& p = r.plan;
  EXPECT_EQ(p["id"], "215-kh-ubnd-2023");
  EXPECT_EQ(p["issuer"], "UBND huyện Tam Đường");
  EXPECT_EQ(p["issued_on"], "2023-11-02");
  EXPECT_EQ(p["title"], "Tổ chức Lễ kỷ niệm 41 năm Ngày Nhà giáo Việt Nam (20/11/1982 - 20/11/2023)");
  EXPECT_EQ(p["milestones"][0]["title"], "Lễ kỷ niệm 41 năm Ngày Nhà giáo Việt Nam (20/11/1982 - 20/11/2023)");
  EXPECT_EQ(p["milestones"][0]["at"], "2023-11-17T07:30:00+07:00");
  EXPECT_EQ(p["coordinator"], "phong-giao-duc-va-dao-tao");
}

TEST(TamDuongPlan, AssignsEveryLineOfTheImplementationSection) {
  auto r = import_fixture("215_kh_ubnd_tam_duong.txt");
  auto p = load(r.plan);
  ASSERT_TRUE(p);
  std::vector<assignment> expected = {
      {"attendance", "lien-doan-lao-dong-huyen", {}},
      {"attendance", "truong-tieu-hoc-binh-lu", {}},
      {"attendance", "truong-trung-hoc-co-so-thi-tran-tam-duong", {}},
      {"attendance", "uy-ban-mttq-viet-nam-huyen", {}},
      {"awards", "phong-giao-duc-va-dao-tao", {}},
      {"publish", "phong-van-hoa-va-thong-tin", {}},
      {"report", "phong-giao-duc-va-dao-tao", {"phong-van-hoa-va-thong-tin"}},
      {"report", "trung-tam-y-te-huyen", {}},
      {"reporter", "trung-tam-van-hoa-the-thao-va-truyen-thong", {}},
      {"tham_luan", "truong-tieu-hoc-binh-lu", {}},
      {"tham_luan", "truong-trung-hoc-co-so-thi-tran-tam-duong", {}},
      {"venue", "phong-van-hoa-va-thong-tin", {"phong-giao-duc-va-dao-tao"}},
  };
  EXPECT_EQ(assignments(*p), expected);
}

TEST(TamDuongPlan, ReportsTheLineWithNoKindAndDefaultsItToReport) {
  auto r = import_fixture("215_kh_ubnd_tam_duong.txt");
  auto unclassified = report_lines(r, "unclassified");
  ASSERT_EQ(unclassified.size(), 1u);
  EXPECT_TRUE(mentions(unclassified, "Bố trí cán bộ y tế trực phục vụ Lễ kỷ niệm"));
  auto* d = duty_owned_by(r, "trung-tam-y-te-huyen", "report");
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE((*d)["source"].contains("matched"));
  EXPECT_TRUE(d->contains("note"));
}

TEST(TamDuongPlan, UnitNamesDropRequestsAndBracketedRoles) {
  auto r = import_fixture("215_kh_ubnd_tam_duong.txt");
  std::vector<std::string> names;
  for (const auto& u : r.plan["units"]) names.push_back(u["name"]);
  EXPECT_EQ(names[0], "Phòng Giáo dục và Đào tạo");
  EXPECT_NE(std::find(names.begin(), names.end(), "Ủy ban Mặt trận Tổ quốc Việt Nam huyện"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "Liên đoàn Lao động huyện"), names.end());
  ASSERT_EQ(r.plan["groups"].size(), 1u);
  EXPECT_EQ(r.plan["groups"][0]["members"],
            nlohmann::ordered_json::array({"truong-trung-hoc-co-so-thi-tran-tam-duong", "truong-tieu-hoc-binh-lu"}));
}

// ---- Kế hoạch 398/KH-UBND, UBND thành phố Lai Châu: sections numbered 1., 2., … in
// capitals, units as a), b), …, a unit that leads with "chủ trì", a month with a year ----

TEST(LaiChauPlan, ReadsSectionsWithoutRomanNumerals) {
  auto r = import_fixture("398_kh_ubnd_lai_chau.txt");
  const auto& p = r.plan;
  EXPECT_EQ(p["id"], "398-kh-ubnd-2023");
  EXPECT_EQ(p["number"], "398/KH-UBND");
  EXPECT_EQ(p["issuer"], "UBND thành phố Lai Châu");
  EXPECT_EQ(p["milestones"][0]["window"]["from"], "2024-03-01");
  EXPECT_EQ(p["milestones"][0]["window"]["to"], "2024-03-31");
  EXPECT_EQ(p["coordinator"], "phong-tu-phap");
  for (const auto& d : p["duties"]) EXPECT_EQ(d["source"]["section"].get<std::string>().rfind("4.", 0), 0u);
}

TEST(LaiChauPlan, AssignsLeadsGroupsAndInheritedKinds) {
  auto r = import_fixture("398_kh_ubnd_lai_chau.txt");
  auto p = load(r.plan);
  ASSERT_TRUE(p);
  std::vector<assignment> expected = {
      {"attendance", "phuong-tan-phong", {}},
      {"attendance", "xa-san-thang", {}},
      {"awards", "phong-tu-phap", {}},
      {"publish", "phong-van-hoa-va-thong-tin", {"trung-tam-van-hoa-the-thao-va-truyen-thong"}},
      {"report", "phong-tu-phap", {}},
      {"report", "phuong-tan-phong", {}},
      {"report", "xa-san-thang", {}},
      {"reporter", "trung-tam-van-hoa-the-thao-va-truyen-thong", {}},
      {"venue", "van-phong-hdnd-va-ubnd-thanh-pho", {}},
  };
  EXPECT_EQ(assignments(*p), expected);
  auto* skit = duty_owned_by(r, "xa-san-thang", "report");
  ASSERT_NE(skit, nullptr);
  EXPECT_EQ((*skit)["title"], "Tiểu phẩm về phòng, chống ma túy");
  EXPECT_TRUE(mentions(report_lines(r, "kind"), "report from the heading above (\"Chuẩn bị\")"));
}

TEST(LaiChauPlan, ReportsTheGeneralRequestAndTheRemainingUnits) {
  auto r = import_fixture("398_kh_ubnd_lai_chau.txt");
  EXPECT_TRUE(report_lines(r, "unassigned").empty());
  auto skipped = report_lines(r, "skipped");
  EXPECT_TRUE(mentions(skipped, "a general request to carry out the plan, not a duty of any unit: \"Yêu cầu các đơn vị "
                                "triển khai thực hiện nghiêm túc Kế hoạch này.\""));
  EXPECT_TRUE(mentions(skipped, "Các xã, phường còn lại cử cổ động viên tham gia."));
}

// ---- Kế hoạch 87/KH-UBND, UBND xã Bản Giang: a Word document built here, with the
// header in a table, automatic numbering and a title over two paragraphs ----

std::string ban_giang_docx() {
  using testing::docx_paragraph;
  std::string numbering =
      "<w:numbering xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
      "<w:abstractNum w:abstractNumId=\"0\"><w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/>"
      "<w:numFmt w:val=\"upperRoman\"/><w:lvlText w:val=\"%1.\"/></w:lvl></w:abstractNum>"
      "<w:abstractNum w:abstractNumId=\"1\">"
      "<w:lvl w:ilvl=\"0\"><w:numFmt w:val=\"bullet\"/><w:lvlText w:val=\"-\"/></w:lvl>"
      "<w:lvl w:ilvl=\"1\"><w:numFmt w:val=\"bullet\"/><w:lvlText w:val=\"+\"/></w:lvl></w:abstractNum>"
      "<w:abstractNum w:abstractNumId=\"2\"><w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/>"
      "<w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%1.\"/></w:lvl></w:abstractNum>"
      "<w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num>"
      "<w:num w:numId=\"2\"><w:abstractNumId w:val=\"1\"/></w:num>"
      "<w:num w:numId=\"3\"><w:abstractNumId w:val=\"2\"/></w:num>"
      "</w:numbering>";
  const int roman = 1, bullet = 2, decimal = 3;
  std::string body =
      "<w:tbl><w:tr><w:tc>" + docx_paragraph({"ỦY BAN NHÂN DÂN"}) + docx_paragraph({"XÃ BẢN ", "GIANG"}) +
      docx_paragraph({"Số: 87/KH-UBND"}) + "</w:tc><w:tc>" + docx_paragraph({"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"}) +
      docx_paragraph({"Độc lập - Tự do - Hạnh phúc"}) + docx_paragraph({"Bản Giang, ngày 11 tháng 12 năm 2023"}) +
      "</w:tc></w:tr></w:tbl>" + docx_paragraph({"KẾ ", "HOẠCH"}) +
      docx_paragraph({"Tổ chức Hội nghị tổng kết công tác thi đua, khen thưởng năm 2023"}) +
      docx_paragraph({"và phát động phong trào thi đua năm 2024"}) +
      docx_paragraph({"Thực hiện Kế hoạch của UBND huyện Tam Đường, UBND xã Bản Giang xây dựng Kế hoạch như sau:"}) +
      docx_paragraph({"MỤC ĐÍCH, YÊU CẦU"}, roman) +
      docx_paragraph({"Đánh giá kết quả phong trào thi đua năm 2023."}, bullet) +
      docx_paragraph({"THỜI GIAN, ĐỊA ĐIỂM"}, roman) +
      docx_paragraph({"Dự kiến ngày 28 tháng 12 năm 2023 tại Hội trường UBND xã."}) +
      docx_paragraph({"TỔ CHỨC THỰC HIỆN"}, roman) + docx_paragraph({"Văn phòng HĐND - UBND xã"}, decimal) +
      docx_paragraph({"Chuẩn bị hội trường, khánh tiết, âm thanh phục vụ Hội nghị."}, bullet) +
      docx_paragraph({"Phối hợp với Công an xã chuẩn bị phương án bảo đảm an ninh trật tự tại Hội nghị."}, bullet) +
      docx_paragraph({"Công chức Văn hóa - Xã hội"}, decimal) +
      docx_paragraph({"Tổng hợp hồ sơ, trình UBND xã khen thưởng các tập thể, cá nhân có thành tích xuất sắc."},
                     bullet) +
      "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"2\"/></w:numPr></w:pPr>"
      "<w:r><w:t xml:space=\"preserve\">Đăng tải tin, bài về Hội nghị trên </w:t></w:r>"
      "<w:del><w:r><w:delText>Trang</w:delText></w:r></w:del>"
      "<w:r><w:t>Cổng thông tin điện tử xã.</w:t></w:r></w:p>" +
      docx_paragraph({"Công an xã: Bảo vệ an ninh, trật tự trong thời gian diễn ra Hội nghị."}, decimal) +
      docx_paragraph({"Các thôn, bản"}, decimal) +
      docx_paragraph({"Cử đại biểu tham dự Hội nghị theo Giấy mời."}, bullet) +
      docx_paragraph({"Chuẩn bị báo cáo tham luận, cụ thể:"}, bullet) +
      docx_paragraph({"Bản Giang: tham luận về phát triển kinh tế hộ gia đình;"}, bullet, 1) +
      docx_paragraph({"Thôn Nà Bỏ: tham luận về xây dựng nông thôn mới."}, bullet, 1) +
      docx_paragraph({"Trên đây là Kế hoạch tổ chức Hội nghị của UBND xã Bản Giang./."}) +
      docx_paragraph({"Nơi nhận:"}) + docx_paragraph({"Như mục III;"}, bullet) +
      "<w:p><w:r><w:t>TM. ỦY BAN NHÂN DÂN</w:t><w:br/><w:t>CHỦ TỊCH</w:t></w:r></w:p>";
  return testing::build_docx({{"word/document.xml", testing::docx_document(body)}, {"word/numbering.xml", numbering}});
}

TEST(BanGiangDocx, ImportsAWordDocumentBuiltByTheTest) {
  testing::temp_dir dir;
  auto path = dir.file("ke-hoach-87.docx");
  testing::write_file(path, ban_giang_docx());
  auto r = import_plan_file(path, {});
  ASSERT_TRUE(r) << r.err().message;
  const auto& p = r->plan;
  EXPECT_EQ(p["id"], "87-kh-ubnd-2023");
  EXPECT_EQ(p["issuer"], "UBND xã Bản Giang");
  EXPECT_EQ(p["title"],
            "Tổ chức Hội nghị tổng kết công tác thi đua, khen thưởng năm 2023 và phát động phong trào thi "
            "đua năm 2024");
  EXPECT_TRUE(p["milestones"][0]["at"].is_null());
  EXPECT_EQ(p["milestones"][0]["window"]["from"], "2023-12-28");
  EXPECT_EQ(p["milestones"][0]["window"]["to"], "2023-12-28");
  auto plan = load(p);
  ASSERT_TRUE(plan);
  std::vector<assignment> expected = {
      {"attendance", "ban-giang", {}},
      {"attendance", "thon-na-bo", {}},
      {"awards", "cong-chuc-van-hoa-xa-hoi", {}},
      {"publish", "cong-chuc-van-hoa-xa-hoi", {}},
      {"report", "cong-an-xa", {}},
      {"report", "van-phong-hdnd-ubnd-xa", {"cong-an-xa"}},
      {"tham_luan", "ban-giang", {}},
      {"tham_luan", "thon-na-bo", {}},
      {"venue", "van-phong-hdnd-ubnd-xa", {}},
  };
  EXPECT_EQ(assignments(*plan), expected);
  auto* publish = duty_owned_by(*r, "cong-chuc-van-hoa-xa-hoi", "publish");
  ASSERT_NE(publish, nullptr);
  EXPECT_EQ((*publish)["title"], "Đăng tải tin, bài về Hội nghị trên Cổng thông tin điện tử xã");
  EXPECT_EQ((*publish)["source"]["section"], "III.2");
  EXPECT_TRUE(mentions(report_lines(*r, "unclassified"), "Bảo vệ an ninh, trật tự"));
}

// ---- what is not a plan ----

result<import_result> import_text(const std::string& text) {
  auto doc = read_document(text);
  if (!doc) return std::move(doc).err();
  return import_plan(doc->lines, {});
}

TEST(ImportErrors, ADecisionIsNotAPlan) {
  auto r = import_text(
      "UBND HUYỆN PHONG THỔ\nSố: 12/QĐ-UBND\nPhong Thổ, ngày 05 tháng 6 năm 2023\n\nQUYẾT ĐỊNH\n"
      "Về việc thành lập Ban Tổ chức Hội nghị\n\nĐiều 1. Thành lập Ban Tổ chức.\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::invalid);
  EXPECT_NE(r.err().message.find("not a plan"), std::string::npos) << r.err().message;
}

TEST(ImportErrors, APlanWithoutImplementationSectionHasNothingToAssign) {
  auto r = import_text(
      "Số: 5/KH-UBND\nPhong Thổ, ngày 05 tháng 6 năm 2023\nKẾ HOẠCH\nTổ chức Hội nghị\n\n"
      "I. MỤC ĐÍCH, YÊU CẦU\n- Đánh giá kết quả.\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("TỔ CHỨC THỰC HIỆN"), std::string::npos) << r.err().message;
}

TEST(ImportErrors, APlanWithoutDateIsRejected) {
  auto r = import_text(
      "Số: 5/KH-UBND\nKẾ HOẠCH\nTổ chức Hội nghị\n\nI. TỔ CHỨC THỰC HIỆN\n1. Phòng Nội vụ\n"
      "- Chuẩn bị báo cáo.\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("no issue date"), std::string::npos) << r.err().message;
}

TEST(ImportErrors, AnImplementationSectionNamingNoUnitIsRejected) {
  auto r = import_text(
      "Số: 5/KH-UBND\nPhong Thổ, ngày 05 tháng 6 năm 2023\nKẾ HOẠCH\nTổ chức Hội nghị\n\n"
      "I. TỔ CHỨC THỰC HIỆN\nYêu cầu các đơn vị nghiêm túc thực hiện.\n");
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("no unit named"), std::string::npos) << r.err().message;
}

// std::regex recursed once per character of a numbered line and overflowed the stack.
TEST(ImportRegressions, VeryLongNumberedLinesDoNotOverflowTheStack) {
  std::string huge;
  for (int i = 0; i < 150000; ++i) huge += "báo cáo ";
  auto r = import_text("Số: 5/KH-UBND\nPhong Thổ, ngày 05 tháng 6 năm 2023\nKẾ HOẠCH\nTổ chức Hội nghị\n\n"
                       "I. TỔ CHỨC THỰC HIỆN\n1. Phòng Nội vụ\n- Chuẩn bị " +
                       huge + "\n2. " + huge + "\n1.1" + huge + "\nII. " + huge + "\n");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->plan["duties"][0]["kind"], "report");
  EXPECT_EQ(r->plan["duties"][0]["owner"], "phong-noi-vu");
}

// A unit's line with only punctuation after its name made a duty with an empty title, and
// the draft did not load (found by the import fuzz target; regress-clause-without-text).
TEST(ImportRegressions, AClauseOfPunctuationOnlyMakesNoDuty) {
  auto r = import_text(
      "Số: 5/KH-UBND\nPhong Thổ, ngày 05 tháng 6 năm 2023\nKẾ HOẠCH\nTổ chức Hội nghị\n\n"
      "I. TỔ CHỨC THỰC HIỆN\n1. Phòng Nội vụ\n- Chuẩn bị báo cáo.\n2. Phòng Tư pháp: ;.\n");
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_EQ(r->plan["duties"].size(), 1u);
  EXPECT_EQ(r->plan["duties"][0]["owner"], "phong-noi-vu");
  EXPECT_TRUE(mentions(report_lines(*r, "check"), "a clause for phong-tu-phap has no text: no duty made"));
  EXPECT_TRUE(load(r->plan));
}

// A plan titled "Tổ chức" and nothing more gave its milestone an empty name (the text after
// the verb), and the draft did not load (found by the import fuzz target;
// regress-title-without-event).
TEST(ImportRegressions, ATitleOfTheVerbAloneNamesTheMilestone) {
  auto r = import_text(
      "Số: 5/KH-UBND\nPhong Thổ, ngày 05 tháng 6 năm 2023\nKẾ HOẠCH\nTổ chức\n\n"
      "I. TỔ CHỨC THỰC HIỆN\n1. Phòng Nội vụ\n- Chuẩn bị báo cáo.\n");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->plan["title"], "Tổ chức");
  EXPECT_EQ(r->plan["milestones"][0]["title"], "Tổ chức");
  EXPECT_TRUE(load(r->plan));
}

TEST(ImportRegressions, LeadersAlsoNamedAmongTheAssignmentsStillGiveALoadablePlan) {
  auto r = import_text(
      "Số: 6/KH-UBND\nPhong Thổ, ngày 05 tháng 6 năm 2023\nKẾ HOẠCH\nTổ chức Hội nghị\n\n"
      "I. TỔ CHỨC THỰC HIỆN\n1. Phòng Nội vụ: Chuẩn bị báo cáo.\n"
      "2. Ban Lãnh đạo UBND huyện: Chuẩn bị báo cáo.\n3. Lãnh đạo UBND huyện: Chuẩn bị báo cáo.\n\n"
      "Nơi nhận:\n- Lãnh đạo UBND huyện;\n- Lưu: VT.\n");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->plan["escalate_to"], "lanh-dao-ubnd-huyen");
  EXPECT_TRUE(load(r->plan));  // no duplicate unit id
}

TEST(ImportRegressions, AClosingSentenceAfterTheThamLuanLinesMakesNoDuty) {
  // Issue 15: "Yêu cầu … triển khai thực hiện./." under the "+" lines became a tham_luan
  // duty for every commune.
  auto r = import_text(
      "Số: 7/KH-UBND\nPhong Thổ, ngày 05 tháng 6 năm 2023\nKẾ HOẠCH\nTổ chức Hội nghị\n\n"
      "I. TỔ CHỨC THỰC HIỆN\n1. UBND các xã, thị trấn\n- Chuẩn bị tham luận, cụ thể:\n"
      "+ Xã Ma Li Pho: tham luận về cải cách thủ tục hành chính;\n"
      "+ Xã Sin Suối Hồ: tham luận về chuyển đổi số.\n"
      "Yêu cầu các cơ quan, đơn vị triển khai thực hiện./.\n");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->plan["duties"].size(), 2u);
  for (const auto& d : r->plan["duties"]) EXPECT_EQ(d["kind"], "tham_luan");
  EXPECT_EQ(r->coverage.back().text, "Yêu cầu các cơ quan, đơn vị triển khai thực hiện./.");
  EXPECT_EQ(r->coverage.back().reason, "câu kết của văn bản");
}

TEST(ImportRegressions, RecurringWordsOnAHugeLineAreScannedInLinearTime) {
  std::string line = "Số: 8/KH-UBND\nPhong Thổ, ngày 05 tháng 6 năm 2023\nKẾ HOẠCH\nTổ chức Hội nghị\n\n"
                     "I. TỔ CHỨC THỰC HIỆN\n1. Phòng Nội vụ: Chuẩn bị báo cáo ";
  for (int i = 0; i < 50000; ++i) line += "định kỳ hằng năm ";
  auto r = import_text(line + "\n");
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->plan["duties"].size(), 1u);
}

TEST(ImportDeadlines, EachDutyTakesItsOwnDeadlineAndTheReportSaysWhereEachCameFrom) {
  auto r = import_text(
      "Số: 9/KH-UBND\nPhong Thổ, ngày 20 tháng 12 năm 2023\nKẾ HOẠCH\nTổ chức Hội nghị tổng kết\n\n"
      "I. TỔ CHỨC THỰC HIỆN\n1. Phòng Nội vụ\n- Xây dựng báo cáo tổng kết trước ngày 10/1.\n"
      "- Chuẩn bị tài liệu Hội nghị.\n"
      "2. Phòng Tài chính - Kế hoạch\n- Bố trí kinh phí trong 05 ngày làm việc.\n"
      "- Báo cáo giải ngân hằng tháng trước ngày 15.\n");
  ASSERT_TRUE(r) << r.err().message;
  const auto& d = r->plan["duties"];
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0]["due"], nlohmann::ordered_json::parse(R"({"at": "2023-01-10T00:00:00+07:00"})"));
  EXPECT_EQ(d[1]["due"], nlohmann::ordered_json::parse(R"({"milestone": "conference", "offset": "-3wd"})"));
  EXPECT_EQ(d[2]["owner"], "phong-tai-chinh-ke-hoach");
  EXPECT_EQ(d[2]["due"], nlohmann::ordered_json::parse(R"({"after": "assigned", "working_days": 5})"));
  EXPECT_NE(d[3]["note"].get<std::string>().find("recurring deadline in the text"), std::string::npos);
  // 10/1 in the plan's year is before the plan: said, not silently moved.
  EXPECT_TRUE(mentions(report_lines(*r, "check"), "\"trước ngày 10/1\": the deadline is not after the plan's issue date"));
  EXPECT_TRUE(mentions(report_lines(*r, "default"), "no deadline in its text: due conference -3wd, the default for report"));
  EXPECT_TRUE(mentions(report_lines(*r, "recurring"), "\"hằng tháng trước ngày 15\" is a recurring deadline"));
  EXPECT_TRUE(mentions(report_lines(*r, "deadline"), "5 working days"));
}

TEST(ImportErrors, FileErrorsNameTheFile) {
  testing::temp_dir dir;
  auto path = dir.file("empty.txt");
  testing::write_file(path, "");
  auto r = import_plan_file(path, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().message, path + ": empty file");
}

}  // namespace
}  // namespace dutyflow::importer
