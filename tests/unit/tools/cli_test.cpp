// The dutyflow CLI's offline commands, run as the real binary.
#include "tests/support/daemon_process.h"
#include "tools/cli_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
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
  EXPECT_TRUE(r.err.starts_with("lỗi: dutyflow không có lệnh \"frobnicate\" (xem dutyflow --help) [usage]: ")) << r.err;
  auto none = run({binary("dutyflow"), "validate"});
  EXPECT_NE(none.exit_code, 0);
  EXPECT_TRUE(none.err.starts_with("lỗi: tham số dòng lệnh không hợp lệ (xem dutyflow --help) [usage]: ")) << none.err;
  EXPECT_EQ(std::count(none.err.begin(), none.err.end(), '\n'), 1) << none.err;
}

namespace {

std::string iso(const dutyflow::result<dutyflow::instant>& r) {
  return r ? dutyflow::format_instant(*r, std::chrono::hours(7)) : "error: " + r.err().message;
}

}  // namespace

TEST(CliDates, VietnameseDatesAndIsoAreReadInVietnamsTime) {
  using dutyflow::parse_cli_instant;
  EXPECT_EQ(iso(parse_cli_instant("20/6/2023 08:00")), "2023-06-20T08:00:00+07:00");
  EXPECT_EQ(iso(parse_cli_instant("20/06/2023 8:30")), "2023-06-20T08:30:00+07:00");
  EXPECT_EQ(iso(parse_cli_instant("20/6/2023 14h")), "2023-06-20T14:00:00+07:00");
  EXPECT_EQ(iso(parse_cli_instant("20/6/2023 14h30")), "2023-06-20T14:30:00+07:00");
  EXPECT_EQ(iso(parse_cli_instant("  5/6/2023 ")), "2023-06-05T00:00:00+07:00") << "a day alone is its start";
  EXPECT_EQ(iso(parse_cli_instant("2023-06-20T08:00:00+07:00")), "2023-06-20T08:00:00+07:00");
  EXPECT_EQ(iso(parse_cli_instant("2023-06-20T01:00:00Z")), "2023-06-20T08:00:00+07:00");
  EXPECT_EQ(iso(parse_cli_instant("2023-06-20T08:00")), "2023-06-20T08:00:00+07:00") << "not the machine's zone";
  EXPECT_EQ(iso(parse_cli_instant("2023-06-20")), "2023-06-20T00:00:00+07:00");
  for (const char* bad : {"", "31/6/2023", "20/6/23", "20/6/2023 25:00", "20/6/2023 08:", "20/6/2023x", "mai",
                          "2023-06-20T08", "20-6-2023"}) {
    auto r = parse_cli_instant(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.err().message.find("hãy viết như 20/6/2023 08:00, 20/6/2023 hoặc 2023-06-20T08:00:00+07:00"),
              std::string::npos)
        << r.err().message;
  }
}

TEST(CliErrors, OneVietnameseLineWithTheApiCodeAndTheServersWords) {
  const nlohmann::json conflict = {{"error",
                                    {{"code", "conflict"},
                                     {"message", "event \"submit\" is not allowed in state Acknowledged"},
                                     {"details", {{"allowed_events", {"start", "comment"}}}}}}};
  EXPECT_EQ(dutyflow::cli_error_line(409, conflict, "submit"),
            "lỗi: \"submit\" không được phép ở trạng thái hiện tại [conflict]: event \"submit\" is not allowed in "
            "state Acknowledged; được phép lúc này: start, comment");
  EXPECT_EQ(dutyflow::cli_error_line(403, {{"error", {{"code", "forbidden"}, {"message", "not yours"}}}}),
            "lỗi: không có quyền thực hiện việc này [forbidden]: not yours");
  EXPECT_EQ(dutyflow::cli_error_line(401, {{"error", {{"code", "unauthenticated"}, {"message", "no token"}}}}),
            "lỗi: chưa xác thực: thiếu mã truy cập (token) hoặc mã không đúng [unauthenticated]: no token");
  EXPECT_EQ(dutyflow::cli_error_line(502, nullptr), "lỗi: máy chủ từ chối (HTTP 502) [http_502]");
}

TEST(CliDeadlines, TheOneRenderingOfADeadline) {
  using nlohmann::json;
  EXPECT_EQ(dutyflow::cli_deadline_text(json{{"deadline", "2023-06-17T00:00:00+07:00"}}), "hết ngày 16/6/2023");
  EXPECT_EQ(dutyflow::cli_deadline_text(json{{"deadline", "2023-06-15T10:00:00Z"}}), "17:00 ngày 15/6/2023");
  EXPECT_EQ(dutyflow::cli_deadline_text(json{{"deadline", nullptr}}), "chưa ấn định");
  EXPECT_EQ(dutyflow::cli_deadline_text(
                json{{"deadline", "2023-06-17T00:00:00+07:00"}, {"deadline_text", "hết ngày 16/6/2023"}}),
            "hết ngày 16/6/2023");
}
