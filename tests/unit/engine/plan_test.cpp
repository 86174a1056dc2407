#include "engine/plan.h"

#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"
#include "workflows/registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

using namespace dutyflow;
using nlohmann::json;

namespace {

json minimal_plan() {
  return json::parse(R"({
    "id": "mini", "number": "1/KH-UBND", "title": "Kế hoạch thử", "issuer": "UBND huyện Phong Thổ",
    "issued_on": "2023-06-05", "coordinator": "noi-vu",
    "milestones": [{"id": "conference", "title": "Hội nghị", "at": null, "window": {"from": "2023-06-01", "to": "2023-06-30"}}],
    "units": [{"id": "noi-vu", "name": "Phòng Nội vụ"}, {"id": "xa-a", "name": "Xã A"}, {"id": "xa-b", "name": "Xã B"}],
    "groups": [{"id": "cac-xa", "name": "UBND các xã", "members": ["xa-a", "xa-b"]}],
    "defaults": {"reminders": {"before": ["3d", "1d"], "overdue_every": "1d", "escalate_after": "1d"}},
    "duties": [
      {"id": "bao-cao", "kind": "report", "title": "Báo cáo", "owner": "noi-vu",
       "due": {"milestone": "conference", "offset": "-3wd"}, "reminders": {"before": ["2d"]}},
      {"id": "dai-bieu", "kind": "attendance", "title": "Cử đại biểu", "owner": {"group": "cac-xa"},
       "due": {"milestone": "conference", "offset": "-1d"}, "depends_on": ["bao-cao"]},
      {"id": "tong-hop", "kind": "report", "title": "Tổng hợp", "owner": "noi-vu", "collaborators": ["cac-xa"],
       "due": {"after": "assigned", "working_days": 5}, "depends_on": ["dai-bieu"]},
      {"id": "dang-tai", "kind": "publish", "title": "Đăng tải", "owner": "noi-vu",
       "due": {"at": "2023-06-15T17:00:00+07:00"}}
    ]})");
}

std::set<std::string> paths_of(const error& err) {
  std::set<std::string> out;
  for (const auto& i : plan_errors(err)) out.insert(i.path);
  return out;
}

std::string messages_of(const error& err) {
  std::string out;
  for (const auto& i : plan_errors(err)) out += i.text() + "\n";
  return out;
}

}  // namespace

TEST(PlanLoader, LoadsAndFansOutGroups) {
  auto loaded = load_plan(minimal_plan(), builtin_kinds());
  ASSERT_TRUE(loaded) << loaded.err().message;
  const plan& p = *loaded->value;
  EXPECT_EQ(p.utc_offset, std::chrono::minutes(420));
  ASSERT_EQ(p.duties.size(), 5u);
  ASSERT_NE(p.find_duty("dai-bieu.xa-a"), nullptr);
  ASSERT_NE(p.find_duty("dai-bieu.xa-b"), nullptr);
  EXPECT_EQ(p.find_duty("dai-bieu.xa-b")->owner, "xa-b");
  EXPECT_EQ(p.find_duty("dai-bieu.xa-b")->group, "cac-xa");
  EXPECT_EQ(p.find_duty("dai-bieu.xa-a")->depends_on(), std::vector<std::string>{"bao-cao"});
  EXPECT_EQ(p.find_duty("tong-hop")->depends_on(), (std::vector<std::string>{"dai-bieu.xa-a", "dai-bieu.xa-b"}));
  EXPECT_EQ(p.find_duty("tong-hop")->collaborators(), (std::vector<std::string>{"xa-a", "xa-b"}));
  // A duty's own reminders replace the default list; the rest is inherited.
  EXPECT_EQ(p.find_duty("bao-cao")->reminders->before.size(), 1u);
  EXPECT_EQ(p.find_duty("dang-tai")->reminders->before.size(), 2u);
  ASSERT_TRUE(p.find_duty("bao-cao")->reminders->escalate_after);
  EXPECT_EQ(p.find_duty("dang-tai")->due.to_json(p.utc_offset)["at"], "2023-06-15T17:00:00+07:00");
  EXPECT_TRUE(loaded->warnings.empty());
}

TEST(PlanLoader, TheSeedPlanLoadsWithAllSevenKinds) {
  auto loaded = load_plan_file(dutyflow::testing::source_path("config/plans/182-kh-ubnd-2023.json"), builtin_kinds());
  ASSERT_TRUE(loaded) << messages_of(loaded.err()) << loaded.err().message;
  const plan& p = *loaded->value;
  EXPECT_EQ(p.number, "182/KH-UBND");
  EXPECT_EQ(p.issuer, "UBND huyện Phong Thổ");
  std::set<std::string> kinds;
  int tham_luan = 0;
  for (const auto& d : p.duties) {
    kinds.emplace(d.kind);
    if (d.kind == "tham_luan") ++tham_luan;
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"attendance", "awards", "publish", "report", "reporter", "tham_luan", "venue"}));
  EXPECT_EQ(tham_luan, 3);
  const auto* conference = p.find_milestone("conference");
  ASSERT_NE(conference, nullptr);
  EXPECT_FALSE(conference->at);
}

TEST(PlanLoader, ReportsEveryMistakeWithItsPath) {
  auto loaded = load_plan_file(dutyflow::testing::source_path("tests/fixtures/plans/several_mistakes.json"), builtin_kinds());
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.err().code, errc::invalid);
  auto paths = paths_of(loaded.err());
  auto text = messages_of(loaded.err());
  for (const char* expected : {"id", "issued_on", "units[1].id", "duties[0].due.offset", "duties[1].kind",
                               "duties[1].owner", "duties[1].due.milestone", "duties[2].due.at"})
    EXPECT_TRUE(paths.contains(expected)) << "missing " << expected << " in\n" << text;
  EXPECT_NE(text.find("duties[1].kind: unknown kind \"banquet\""), std::string::npos) << text;
  EXPECT_NE(text.find("duties[1].owner: unknown unit \"xa-abc\""), std::string::npos) << text;
  EXPECT_NE(text.find("dependency cycle"), std::string::npos) << text;
  EXPECT_NE(text.find("known: attendance, awards, publish, report, reporter, tham_luan, venue"), std::string::npos);
}

TEST(PlanLoader, RefusesEachKindOfMistake) {
  struct mutation {
    const char* what;
    std::function<void(json&)> apply;
    const char* path;
  };
  std::vector<mutation> cases = {
      {"bad duty id", [](json& p) { p["duties"][0]["id"] = "Bao Cao"; }, "duties[0].id"},
      {"duplicate duty", [](json& p) { p["duties"][1]["id"] = "bao-cao"; }, "duties[1].id"},
      {"unknown dependency", [](json& p) { p["duties"][0]["depends_on"] = {"nope"}; }, "duties[0].depends_on[0]"},
      {"self dependency", [](json& p) { p["duties"][0]["depends_on"] = {"bao-cao"}; }, "duties[0].depends_on[0]"},
      {"unknown group", [](json& p) { p["duties"][1]["owner"] = {{"group", "khac"}}; }, "duties[1].owner.group"},
      {"group named as unit", [](json& p) { p["duties"][1]["owner"] = "cac-xa"; }, "duties[1].owner"},
      {"unknown collaborator", [](json& p) { p["duties"][0]["collaborators"] = {"xa-z"}; }, "duties[0].collaborators[0]"},
      {"bad window", [](json& p) { p["milestones"][0]["window"]["to"] = "2023-05-01"; }, "milestones[0].window"},
      {"bad milestone at", [](json& p) { p["milestones"][0]["at"] = "soon"; }, "milestones[0].at"},
      {"bad reminder", [](json& p) { p["defaults"]["reminders"]["before"] = {"-1d"}; }, "defaults.reminders.before[0]"},
      {"unknown member", [](json& p) { p["groups"][0]["members"].push_back("xa-z"); }, "groups[0].members[2]"},
      {"unknown coordinator", [](json& p) { p["coordinator"] = "xa-z"; }, "coordinator"},
      {"bad timezone", [](json& p) { p["timezone"] = "Europe/Paris"; }, "timezone"},
      {"no duties", [](json& p) { p["duties"] = json::array(); }, "duties"},
      {"bad after", [](json& p) { p["duties"][2]["due"] = {{"after", "assigned"}, {"working_days", -2}}; },
       "duties[2].due.working_days"},
      {"missing due", [](json& p) { p["duties"][0].erase("due"); }, "duties[0].due"},
      {"bad channel", [](json& p) { p["units"][0]["contacts"] = {{{"channel", "pigeon"}, {"to", "x"}}}; },
       "units[0].contacts[0].channel"},
  };
  for (const auto& c : cases) {
    auto doc = minimal_plan();
    c.apply(doc);
    auto loaded = load_plan(doc, builtin_kinds());
    ASSERT_FALSE(loaded) << c.what;
    EXPECT_TRUE(paths_of(loaded.err()).contains(c.path)) << c.what << ":\n" << messages_of(loaded.err());
  }
}

TEST(PlanLoader, UnknownFieldsAreWarningsNotErrors) {
  auto doc = minimal_plan();
  doc["duties"][0]["reminder"] = {{"before", {"1d"}}};
  auto loaded = load_plan(doc, builtin_kinds());
  ASSERT_TRUE(loaded);
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_EQ(loaded->warnings[0].path, "duties[0].reminder");
}

TEST(PlanLoader, NotAnObjectOrNotJson) {
  EXPECT_FALSE(load_plan(json::array(), builtin_kinds()));
  auto missing = load_plan_file("/nonexistent/plan.json", builtin_kinds());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.err().code, errc::not_found);
}

TEST(PlanLoader, CanonicalTextIgnoresKeyOrderAndWhitespace) {
  auto a = load_plan(minimal_plan(), builtin_kinds());
  auto b = load_plan(json::parse(minimal_plan().dump(4)), builtin_kinds());
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->canonical, b->canonical);
  EXPECT_EQ(a->value->canonical_hash, b->value->canonical_hash);
  EXPECT_EQ(a->value->canonical_hash, canonical_hash(a->canonical));
}

TEST(PlanLoader, DutiesWithTheSamePolicyShareIt) {
  auto loaded = load_plan(minimal_plan(), builtin_kinds());
  ASSERT_TRUE(loaded) << loaded.err().message;
  const auto& p = *loaded->value;
  // Fanned-out copies and duties without reminders of their own hold the defaults' object.
  EXPECT_EQ(p.find_duty("dai-bieu.xa-a")->reminders, p.find_duty("dai-bieu.xa-b")->reminders);
  EXPECT_EQ(*p.find_duty("dai-bieu.xa-a")->reminders, p.defaults);
  EXPECT_EQ(p.find_duty("tong-hop")->reminders, p.find_duty("dai-bieu.xa-a")->reminders);
  EXPECT_NE(p.find_duty("bao-cao")->reminders, p.find_duty("dai-bieu.xa-a")->reminders);
}

namespace {

// A plan whose duties d0 <- d1 <- ... <- d(n-1) each depend on the one before.
json chain_plan(std::size_t n) {
  json p = minimal_plan();
  json duties = json::array();
  for (std::size_t i = 0; i < n; ++i) {
    json d{{"id", "d" + std::to_string(i)}, {"kind", "report"}, {"title", "Báo cáo"}, {"owner", "noi-vu"},
           {"due", {{"after", "assigned"}, {"working_days", 5}}}};
    if (i > 0) d["depends_on"] = json::array({"d" + std::to_string(i - 1)});
    duties.push_back(std::move(d));
  }
  p["duties"] = std::move(duties);
  return p;
}

}  // namespace

// Issue 16, finding 8: a 200,000-long depends_on chain crashed `validate` and dutyflowd by
// recursion. The walk is iterative; the chain is refused by the depth limit, and loads
// (without a stack overflow) when no limit applies, as a stored plan does.
TEST(PlanLoader, ADependencyChainOf200000DutiesIsRefusedWithoutRecursion) {
  const json doc = chain_plan(200000);
  auto limited = load_plan(doc, builtin_kinds(), plan_limits{.max_duties = 300000});
  ASSERT_FALSE(limited);
  EXPECT_NE(messages_of(limited.err()).find("duties[199999].depends_on: starts a chain of 200000 dependent duties; "
                                            "the limit is 100"),
            std::string::npos)
      << limited.err().message;
  auto unlimited = load_plan(chain_plan(50000), builtin_kinds(), plan_limits::none());
  ASSERT_TRUE(unlimited) << unlimited.err().message;
  EXPECT_EQ(unlimited->value->duties.size(), 50000u);

  // A cycle at the end of a long chain is still found and named.
  json cyclic = chain_plan(50000);
  cyclic["duties"][0]["depends_on"] = json::array({"d49999"});
  auto c = load_plan(cyclic, builtin_kinds(), plan_limits::none());
  ASSERT_FALSE(c);
  EXPECT_NE(messages_of(c.err()).find("dependency cycle: "), std::string::npos);

  EXPECT_TRUE(load_plan(chain_plan(100), builtin_kinds()));
  EXPECT_FALSE(load_plan(chain_plan(101), builtin_kinds()));
}

// Issue 16, finding 8: 700 units x 1,500 group duties fanned out to 1,050,000 duties (5 GB).
TEST(PlanLoader, AFanOutPastMaxDutiesIsRefusedBeforeItIsExpanded) {
  json p = minimal_plan();
  json members = json::array();
  for (int i = 0; i < 700; ++i) {
    p["units"].push_back(json{{"id", "u" + std::to_string(i)}, {"name", "Đơn vị"}});
    members.push_back("u" + std::to_string(i));
  }
  p["groups"].push_back(json{{"id", "all"}, {"name", "Tất cả"}, {"members", members}});
  json duties = json::array();
  for (int i = 0; i < 1500; ++i)
    duties.push_back(json{{"id", "g" + std::to_string(i)}, {"kind", "report"}, {"title", "Báo cáo"},
                          {"owner", {{"group", "all"}}}, {"due", {{"after", "assigned"}, {"working_days", 5}}}});
  p["duties"] = duties;
  auto r = load_plan(p, builtin_kinds());
  ASSERT_FALSE(r);
  EXPECT_NE(messages_of(r.err()).find("duties: expands to 1050000 duties after group fan-out; the limit is 20000"),
            std::string::npos)
      << messages_of(r.err());
  // The limit is the daemon's to raise.
  p["duties"] = json::array({duties[0], duties[1]});
  EXPECT_TRUE(load_plan(p, builtin_kinds()));
  EXPECT_FALSE(load_plan(p, builtin_kinds(), plan_limits{.max_duties = 1000}));
  EXPECT_FALSE(load_plan(p, builtin_kinds(), plan_limits{.max_units = 100}));
  EXPECT_FALSE(load_plan(p, builtin_kinds(), plan_limits{.max_groups = 1}));
}

// Issue 16, finding 9: control characters in plan strings forged log lines, and bidi
// overrides reorder what a coordinator reads.
TEST(PlanLoader, ControlAndBidiCharactersInNamesAreRefusedWithTheirPath) {
  const std::pair<const char*, const char*> bad[] = {
      {"\x1b[31m", "U+001B"}, {"a\nb", "U+000A"}, {"a\tb", "U+0009"}, {"a\rb", "U+000D"}, {"\x7f", "U+007F"},
      {"\xc2\x85", "U+0085"}, {"x\xe2\x80\xae" "cod.exe", "U+202E"}, {"\xe2\x81\xa6", "U+2066"}};
  for (const auto& [text, name] : bad) {
    json p = minimal_plan();
    p["units"][1]["name"] = std::string("Xã ") + text;
    p["duties"][0]["title"] = std::string(text);
    auto r = load_plan(p, builtin_kinds());
    ASSERT_FALSE(r) << name;
    const auto m = messages_of(r.err());
    EXPECT_NE(m.find(std::string("units[1].name: contains the control or bidi character ") + name), std::string::npos)
        << m;
    EXPECT_NE(m.find("duties[0].title: contains"), std::string::npos) << m;
  }
  // Vietnamese and other ordinary characters (U+2028 is not a bidi control) stay verbatim.
  json p = minimal_plan();
  p["duties"][0]["title"] = "Báo cáo kết quả “6 tháng” – Phòng Nội vụ…";
  EXPECT_TRUE(load_plan(p, builtin_kinds()));
}

// Issue 16, finding 9: `{"id": "a", "id": "b"}` loaded as "b" without a word.
TEST(PlanLoader, APlanFileWithARepeatedKeyOrDeepNestingIsRefused) {
  dutyflow::testing::temp_dir dir;
  const auto file = dir.file("p.json");
  auto text = minimal_plan().dump();
  text.insert(1, "\"id\": \"other\", ");
  { std::ofstream(file) << text; }
  auto r = load_plan_file(file, builtin_kinds());
  ASSERT_FALSE(r);
  EXPECT_EQ(messages_of(r.err()), "id: the file has the key \"id\" twice (at id)\n");
  { std::ofstream(file) << std::string(100000, '[') << std::string(100000, ']'); }
  auto deep = load_plan_file(file, builtin_kinds());
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.err().message.find("nested deeper than 64 levels"), std::string::npos);
}
