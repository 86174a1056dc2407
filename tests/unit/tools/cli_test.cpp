// The dutyflow CLI's offline commands, run as the real binary.
#include "tests/support/daemon_process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

using namespace dutyflow::testing;
using nlohmann::json;

TEST(Cli, ValidateAcceptsEveryShippedPlan) {
  auto r = run({binary("dutyflow"), "validate", source_path("config/plans/182-kh-ubnd-2023.json")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok"), std::string::npos);
}

TEST(Cli, ValidateListsEveryMistakeWithItsPathAndExitsOne) {
  auto r = run({binary("dutyflow"), "validate", source_path("tests/fixtures/plans/several_mistakes.json")});
  EXPECT_EQ(r.exit_code, 1);
  for (const char* line : {"duties[1].kind: unknown kind \"banquet\"", "duties[1].owner: unknown unit \"xa-abc\"",
                           "units[1].id: duplicate id \"phong-noi-vu\"", "duties[0].due.offset:", "issued_on:",
                           "duties[1].due.milestone: unknown milestone \"hoi-thao\""})
    EXPECT_NE(r.err.find(line), std::string::npos) << line << "\n" << r.err;
  int lines = 0;
  for (char c : r.err) lines += c == '\n';
  EXPECT_GE(lines, 8);
}

TEST(Cli, ValidateSeveralFilesNamesEachFileAndFailsIfAnyIsBad) {
  auto r = run({binary("dutyflow"), "validate", source_path("config/plans/182-kh-ubnd-2023.json"),
                source_path("tests/fixtures/plans/several_mistakes.json")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("several_mistakes.json: duties[1].kind"), std::string::npos) << r.err;
  auto missing = run({binary("dutyflow"), "validate", "/nonexistent.json"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot read"), std::string::npos);
}

TEST(Cli, ShowPlanJsonListsTheExpandedDutiesOfAllSevenKinds) {
  auto r = run({binary("dutyflow"), "show-plan", source_path("config/plans/182-kh-ubnd-2023.json"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(r.out);
  EXPECT_EQ(doc["plan"]["number"], "182/KH-UBND");
  std::set<std::string> kinds, owners;
  int tham_luan = 0;
  for (const auto& d : doc["duties"]) {
    for (const char* key : {"id", "kind", "title", "owner", "collaborators", "due", "depends_on"})
      EXPECT_TRUE(d.contains(key)) << key;
    kinds.insert(d["kind"]);
    owners.insert(d["owner"]);
    if (d["kind"] == "tham_luan") ++tham_luan;
    EXPECT_TRUE(d["owner"].is_string()) << "owners are unit ids after fan-out";
  }
  EXPECT_EQ(kinds.size(), 7u);
  EXPECT_EQ(tham_luan, 3);
  for (const char* u : {"phong-noi-vu", "van-phong-hdnd-va-ubnd-huyen", "trung-tam-van-hoa-the-thao-va-truyen-thong",
                        "thi-tran-phong-tho", "xa-ma-li-pho", "xa-sin-suoi-ho"})
    EXPECT_TRUE(owners.contains(u)) << u;
}

TEST(Cli, ShowPlanTableIsVietnamese) {
  auto r = run({binary("dutyflow"), "show-plan", source_path("config/plans/182-kh-ubnd-2023.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Đơn vị chủ trì"), std::string::npos);
  EXPECT_NE(r.out.find("chưa ấn định"), std::string::npos);
  EXPECT_NE(r.out.find("Tham luận"), std::string::npos);
}

TEST(Cli, BadArgumentsAreAOneLineErrorAndNonZeroExit) {
  auto r = run({binary("dutyflow"), "frobnicate"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("dutyflow:"), std::string::npos) << r.err;
  auto none = run({binary("dutyflow"), "validate"});
  EXPECT_NE(none.exit_code, 0);
}
