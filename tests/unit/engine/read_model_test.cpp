// The read model's tables (each enum's names and labels round-trip, and agree with the
// states workflows/ defines) and the stored form of an idempotent answer.
#include "engine/read_model.h"

#include "adapters/http/json_views.h"
#include "engine/engine.h"
#include "tests/support/temp_dir.h"
#include "workflows/registry.h"

#include <gtest/gtest.h>

#include <set>

using namespace dutyflow;
using dutyflow::testing::temp_dir;
using nlohmann::json;

namespace {

template <class E, class Parse>
void expect_round_trip(int count, Parse parse) {
  std::set<std::string_view> seen;
  for (int i = 0; i < count; ++i) {
    const auto v = static_cast<E>(i);
    const auto name = api_name(v);
    EXPECT_FALSE(name.empty()) << i;
    EXPECT_TRUE(seen.insert(name).second) << "two values are named " << name;
    auto back = parse(name);
    ASSERT_TRUE(back) << name;
    EXPECT_EQ(*back, v) << name;
  }
  EXPECT_FALSE(parse("no-such-name"));
  EXPECT_FALSE(parse(""));
}

}  // namespace

TEST(ReadModel, EveryEnumNameRoundTrips) {
  expect_round_trip<progress_state>(progress_state_count, parse_progress_state);
  expect_round_trip<timeliness>(timeliness_count, parse_timeliness);
  expect_round_trip<duty_status>(duty_status_count, parse_duty_status);
  expect_round_trip<notice_reason>(notice_reason_count, parse_notice_reason);
}

TEST(ReadModel, NamesAndLabelsAreTheApisAndTheDashboards) {
  EXPECT_EQ(api_name(progress_state::in_progress), "InProgress");
  EXPECT_EQ(label_vi(progress_state::assigned), "Đã giao");
  EXPECT_EQ(api_name(timeliness::due_soon), "DueSoon");
  EXPECT_EQ(label_vi(timeliness::overdue), "Quá hạn");
  EXPECT_EQ(api_name(duty_status::open_overdue), "open_overdue");
  EXPECT_EQ(label_vi(duty_status::done_on_time), "Hoàn thành đúng hạn");
  EXPECT_EQ(api_name(notice_reason::catch_up), "catch_up");
  EXPECT_EQ(label_vi(timeliness::escalated, escalation_route::leader), "Đã báo lãnh đạo");
  EXPECT_EQ(label_vi(timeliness::escalated, escalation_route::coordinator), "Đã báo cơ quan chủ trì");
  EXPECT_EQ(label_vi(timeliness::escalated, escalation_route::nowhere), "Quá hạn (chưa có nơi nhận báo cáo)");
  EXPECT_EQ(label_vi(timeliness::overdue, escalation_route::leader), "Quá hạn");
}

// workflows/ names its states itself (MSM state types); the table must know each, with the
// same label, or a state would be shown as another.
TEST(ReadModel, EveryStateOfEveryKindIsInTheTables) {
  const auto& kinds = builtin_kinds();
  std::set<progress_state> used;
  for (auto name : kinds.names()) {
    const auto* kind = kinds.find(name);
    ASSERT_NE(kind, nullptr);
    for (const auto& s : kind->states()) {
      if (s.in == region::progress) {
        auto p = parse_progress_state(s.name);
        ASSERT_TRUE(p) << name << ": " << s.name;
        EXPECT_EQ(label_vi(*p), s.label_vi) << s.name;
        used.insert(*p);
      } else {
        auto t = parse_timeliness(s.name);
        ASSERT_TRUE(t) << name << ": " << s.name;
        EXPECT_EQ(label_vi(*t), s.label_vi) << s.name;
      }
    }
  }
  EXPECT_EQ(used.size(), static_cast<std::size_t>(progress_state_count)) << "a progress state no kind has";
}

namespace {

const char* plan_text = R"({
  "id": "mini", "number": "1/KH-UBND", "title": "Kế hoạch thử", "issuer": "UBND huyện Phong Thổ",
  "issued_on": "2023-06-05", "coordinator": "noi-vu", "escalate_to": "lanh-dao",
  "milestones": [{"id": "conference", "title": "Hội nghị", "at": null}],
  "units": [{"id": "noi-vu", "name": "Phòng Nội vụ"}, {"id": "xa-a", "name": "Xã A"},
            {"id": "lanh-dao", "name": "Lãnh đạo UBND"}],
  "duties": [
    {"id": "bao-cao", "kind": "report", "title": "Báo cáo", "owner": "xa-a",
     "due": {"at": "2023-06-15T17:00:00+07:00"}, "collaborators": ["noi-vu"],
     "reminders": {"before": ["3d", "2wd"], "overdue_every": "1d", "escalate_after": "2d"}}
  ]})";

}  // namespace

// An answer kept for an Idempotency-Key comes back from the database as it was given,
// field for field (the JSON the API wrote from it is the same).
TEST(ReadModel, AStoredAnswerReadsBackAsItWasGiven) {
  temp_dir dir;
  manual_clock clock(*parse_instant("2023-06-14T08:00:00.250+07:00"));
  working_calendar calendar;
  auto db = std::move(open_sqlite_store({dir.file("journal.db")}).value());
  engine eng(*db, builtin_kinds(), clock, calendar);
  ASSERT_TRUE(eng.open());
  auto loaded = load_plan(json::parse(plan_text), builtin_kinds());
  ASSERT_TRUE(loaded) << loaded.err().message;
  ASSERT_TRUE(eng.load(*loaded, actor{"dutyflowd", role::system, ""}));
  const actor unit{"xa-a-token", role::unit, "xa-a"};
  for (const char* event : {"acknowledge", "start", "submit"}) {
    command c;
    c.plan = "mini";
    c.duty = "bao-cao";
    c.event = event;
    c.by = unit;
    c.idempotency_key = std::string("key-") + event;
    if (std::string_view(event) == "submit") c.note = "Đã gửi";
    auto r = eng.apply(c);
    ASSERT_TRUE(r) << r.err().message;
    ASSERT_TRUE(r->answer);
    const auto record = answer_record(*r->answer);
    EXPECT_EQ(record.value("record", 0), 1);
    const auto back = answer_from_record(json::parse(record.dump()));
    EXPECT_TRUE(back.legacy.is_null());
    EXPECT_EQ(http::to_json(back), http::to_json(*r->answer)) << event;
  }
  // After a restart the engine answers a retry from the database, the same JSON.
  command again;
  again.plan = "mini";
  again.duty = "bao-cao";
  again.event = "submit";
  again.by = unit;
  again.note = "Đã gửi";
  again.idempotency_key = "key-submit";
  auto first = eng.apply(again);
  ASSERT_TRUE(first && first->replayed);
  engine reopened(*db, builtin_kinds(), clock, calendar);
  ASSERT_TRUE(reopened.open());
  auto retry = reopened.apply(again);
  ASSERT_TRUE(retry) << retry.err().message;
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(http::to_json(*retry->answer), http::to_json(*first->answer));
  EXPECT_TRUE(http::to_json(*retry->answer).at("follow_up").is_object()) << "the submitted report waits for approval";
}

// What an older dutyflow stored (the API's JSON) is handed back untouched.
TEST(ReadModel, AnAnswerStoredByAnOlderDutyflowIsHandedBackAsStored) {
  const json old = json::parse(R"({"plan": "mini", "id": "bao-cao", "version": 3,
      "state": {"progress": "Submitted", "timeliness": "OnTrack"}, "event": {"seq": 3, "event": "submit"}})");
  const auto a = answer_from_record(old);
  EXPECT_EQ(a.legacy, old);
  EXPECT_EQ(http::to_json(a), old);
  EXPECT_EQ(answer_record(a), old);
}
