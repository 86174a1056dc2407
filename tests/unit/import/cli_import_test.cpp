#include "tools/cli_import.h"

#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/temp_dir.h"

namespace dutyflow::cli {
namespace {

const std::string seed = std::string(DUTYFLOW_IMPORT_FIXTURES) + "/seed_182_kh_ubnd_phong_tho.txt";

struct run_result {
  int code;
  std::string out, err;
};

run_result run(const import_args& args) {
  std::ostringstream out, err;
  int code = run_import_plan(args, out, err);
  return {code, out.str(), err.str()};
}

// Exactly one line, "dutyflow: <message>".
void expect_one_error_line(const run_result& r, const std::string& needle) {
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.err.rfind("dutyflow: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST(ImportPlanCommand, WritesThePlanToStdoutAndTheReportToStderr) {
  auto r = run({seed, "", "", false});
  ASSERT_EQ(r.code, 0) << r.err;
  auto plan = nlohmann::json::parse(r.out);
  EXPECT_EQ(plan["id"], "182-kh-ubnd-2023");
  EXPECT_EQ(plan["duties"].size(), 10u);
  EXPECT_EQ(r.err.rfind("imported 182/KH-UBND", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("skipped IV.4"), std::string::npos);
  EXPECT_EQ(r.err.find("invalid"), std::string::npos) << r.err;
}

TEST(ImportPlanCommand, WritesThePlanToOutWhenGiven) {
  testing::temp_dir dir;
  auto path = dir.file("plan.json");
  auto r = run({seed, path, "", false});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(nlohmann::json::parse(testing::read_file(path))["number"], "182/KH-UBND");
}

TEST(ImportPlanCommand, OffsetAppliesToEveryDuty) {
  auto r = run({seed, "", "-4wd", false});
  ASSERT_EQ(r.code, 0) << r.err;
  // The parsed document must outlive the loop: a range-for keeps only the result of
  // ["duties"] alive, not the temporary it refers into (found by the clang ASan build).
  const auto plan = nlohmann::json::parse(r.out);
  for (const auto& d : plan["duties"]) EXPECT_EQ(d["due"]["offset"], "-4wd");
}

TEST(ImportPlanCommand, JsonReportIsOneDocument) {
  auto r = run({seed, "", "", true});
  ASSERT_EQ(r.code, 0) << r.err;
  auto report = nlohmann::json::parse(r.err);
  EXPECT_EQ(report["plan"], "182-kh-ubnd-2023");
  EXPECT_EQ(report["valid"], true);
  EXPECT_EQ(report["duties"], 15);  // as validate counts them: the group's duty once per member
  EXPECT_EQ(report["duties_in_file"], 10);
  ASSERT_TRUE(report["coverage"].is_array());
  EXPECT_FALSE(report["coverage"].empty());
  ASSERT_TRUE(report["report"].is_array());
  EXPECT_EQ(report["report"][0].size(), 3u);  // category, where, message
}

TEST(ImportPlanCommand, CoveragePrintsEveryLineOfTheAssignmentSection) {
  import_args args{seed, "", "", false};
  args.coverage = true;
  auto r = run(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("coverage: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("-> chuan-bi-tai-lieu-bao-cao, cong-bo-chi-so-cchc-xa-thi-tran"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"Nơi nhận:\" -> không theo dõi: nơi nhận văn bản"), std::string::npos) << r.err;
  EXPECT_EQ(run({seed, "", "", false}).err.find("coverage: "), std::string::npos);
}

TEST(ImportPlanCommand, UnitsDirectoryGivesRealContacts) {
  import_args args{seed, "", "", false};
  args.units_dir = std::string(DUTYFLOW_SOURCE_DIR) + "/config/units";
  auto r = run(args);
  ASSERT_EQ(r.code, 0) << r.err;
  auto plan = nlohmann::json::parse(r.out);
  EXPECT_EQ(plan["units"][0]["contacts"][0]["to"], "noivu@phongtho.example");
  EXPECT_EQ(plan["escalate_to"], "lanh-dao-ubnd-huyen");
  testing::temp_dir dir;
  testing::write_file(dir.file("bad.json"), R"({"place": "X", "units": [{"id": "Bad Id", "name": "x"}]})");
  args.units_dir = dir.path().string();
  expect_one_error_line(run(args), "units[0].id");
}

TEST(ImportPlanCommand, BadInputIsOneLineAndExitOne) {
  testing::temp_dir dir;
  expect_one_error_line(run({dir.file("missing.txt"), "", "", false}), "no such file");
  testing::write_file(dir.file("empty.txt"), "");
  expect_one_error_line(run({dir.file("empty.txt"), "", "", false}), "empty file");
  testing::write_file(dir.file("binary.txt"), std::string("\x7F"
                                                          "ELF\x02\x01\x01\0\0\0",
                                                          10));
  expect_one_error_line(run({dir.file("binary.txt"), "", "", false}), "binary");
  testing::write_file(dir.file("plan.docx"), std::string("PK\x03\x04\x14\0\0\0", 8));
  expect_one_error_line(run({dir.file("plan.docx"), "", "", false}), "truncated or corrupt .docx");
  testing::write_file(dir.file("note.txt"), "Xin chào.\nĐây không phải kế hoạch.\n");
  expect_one_error_line(run({dir.file("note.txt"), "", "", false}), "not a plan");
  expect_one_error_line(run({dir.path().string(), "", "", false}), "is a directory");
}

TEST(ImportPlanCommand, RejectsABadOffset) {
  expect_one_error_line(run({seed, "", "three days", false}), "--offset");
}

TEST(ImportPlanCommand, UnwritableOutIsAnError) {
  testing::temp_dir dir;
  expect_one_error_line(run({seed, dir.file("no/such/dir/plan.json"), "", false}), "cannot write");
}

TEST(ImportPlanCommand, RegistersWithItsOptions) {
  testing::temp_dir dir;
  CLI::App app{"test"};
  int exit_code = -1;
  auto* cmd = add_import_command(app, exit_code);
  ASSERT_NE(cmd, nullptr);
  EXPECT_EQ(cmd->get_name(), "import-plan");
  auto out = dir.file("p.json");
  std::ostringstream captured;
  auto* old = std::cerr.rdbuf(captured.rdbuf());
  app.parse("import-plan " + seed + " --out " + out + " --offset -2wd --json", false);
  std::cerr.rdbuf(old);
  EXPECT_EQ(exit_code, 0) << captured.str();
  EXPECT_EQ(nlohmann::json::parse(testing::read_file(out))["duties"][0]["due"]["offset"], "-2wd");
  EXPECT_EQ(nlohmann::json::parse(captured.str())["valid"], true);
}

}  // namespace
}  // namespace dutyflow::cli
