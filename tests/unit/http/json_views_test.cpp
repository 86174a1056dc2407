// The API's JSON of the read model (adapters/http/json_views): the shapes DESIGN.md's
// "HTTP API" gives, instants in the plan's zone, enums by their API names.
#include "adapters/http/json_views.h"

#include <gtest/gtest.h>

using namespace dutyflow;
using nlohmann::json;

namespace {

instant at(const char* iso) { return *parse_instant(iso); }

duty_view submitted_report() {
  duty_view d;
  d.plan = "hn";
  d.id = "bao-cao";
  d.kind = "report";
  d.kind_label = "Báo cáo";
  d.title = "Báo cáo kết quả";
  d.owner = "xa-a";
  d.collaborators = {"noi-vu"};
  d.progress = progress_state::submitted;
  d.timeliness = timeliness::on_track;
  d.status = duty_status::done_on_time;
  d.due = due_view{due_spec::type::milestone, instant{}, "conference", *parse_duration("-3wd"), 0};
  d.deadline = at("2023-06-16T00:00:00+07:00");
  d.version = 4;
  d.allowed_events = {event_type::approve, event_type::return_};
  d.delivery = delivery_view{event_type::submit, "Nộp báo cáo", at("2023-06-14T09:30:00+07:00"), false};
  d.unit_part_open = false;
  d.follow_up = follow_up_view{{event_type::approve, event_type::return_}, "Chờ cơ quan chủ trì: Phê duyệt / Trả lại",
                               at("2023-06-14T09:30:00+07:00"), 1800};
  d.assigned_at = at("2023-06-05T08:00:00+07:00");
  auto policy = std::make_shared<reminder_policy>();
  policy->before = {*parse_duration("3d")};
  d.reminders = policy;
  return d;
}

}  // namespace

TEST(JsonViews, ADutyHasTheShapeDesignGives) {
  const json expected = json::parse(R"({
    "plan": "hn", "id": "bao-cao", "kind": "report", "kind_label": "Báo cáo", "title": "Báo cáo kết quả",
    "owner": "xa-a", "collaborators": ["noi-vu"],
    "state": {"progress": "Submitted", "timeliness": "OnTrack", "progress_label": "Đã nộp",
              "timeliness_label": "Trong hạn"},
    "status": "done_on_time", "status_label": "Hoàn thành đúng hạn",
    "due": {"milestone": "conference", "offset": "-3wd"},
    "deadline": "2023-06-16T00:00:00+07:00", "deadline_date": "2023-06-15", "deadline_all_day": true,
    "deadline_text": "hết ngày 15/6/2023",
    "version": 4, "depends_on": [], "allowed_events": ["approve", "return"],
    "delivery": {"event": "submit", "label": "Nộp báo cáo", "delivered_at": "2023-06-14T09:30:00+07:00",
                 "late": false},
    "unit_part_open": false,
    "follow_up": {"by": "coordinator", "events": ["approve", "return"],
                  "label": "Chờ cơ quan chủ trì: Phê duyệt / Trả lại", "since": "2023-06-14T09:30:00+07:00",
                  "waited_seconds": 1800},
    "escalated_to": null,
    "assigned_at": "2023-06-05T08:00:00+07:00",
    "reminders": {"before": ["3d"], "overdue_every": null, "escalate_after": null}
  })");
  EXPECT_EQ(http::to_json(submitted_report()), expected);
}

TEST(JsonViews, ADutyWithoutADeadlineSaysSo) {
  auto d = submitted_report();
  d.deadline.reset();
  d.delivery->delivered_at.reset();
  d.follow_up.reset();
  d.status = duty_status::pending;
  d.group = "cac-xa";
  d.history = std::vector<history_entry>{
      history_entry{1, "assigned", "dutyflowd", at("2023-06-05T01:00:00Z"), "", json{{"owner", "xa-a"}}}};
  const auto j = http::to_json(d);
  EXPECT_TRUE(j["deadline"].is_null());
  EXPECT_TRUE(j["deadline_date"].is_null());
  EXPECT_TRUE(j["deadline_text"].is_null());
  EXPECT_FALSE(j.contains("deadline_all_day"));
  EXPECT_TRUE(j["delivery"]["delivered_at"].is_null());
  EXPECT_TRUE(j["delivery"]["late"].is_null());
  EXPECT_TRUE(j["follow_up"].is_null());
  EXPECT_EQ(j["status"], "pending");
  EXPECT_EQ(j["status_label"], "Chờ ấn định");
  EXPECT_EQ(j["group"], "cac-xa");
  EXPECT_EQ(j["history"], json::parse(R"([{"seq": 1, "event": "assigned", "actor": "dutyflowd",
      "at": "2023-06-05T08:00:00+07:00", "note": "", "data": {"owner": "xa-a"}}])"));
}

TEST(JsonViews, AnEscalatedDutyNamesWhereTheReportWent) {
  auto d = submitted_report();
  d.timeliness = timeliness::escalated;
  d.escalated = escalation_route::coordinator;
  d.escalated_to = unit_view{"noi-vu", "Phòng Nội vụ"};
  const auto j = http::to_json(d);
  EXPECT_EQ(j["state"]["timeliness"], "Escalated");
  EXPECT_EQ(j["state"]["timeliness_label"], "Đã báo cơ quan chủ trì");
  EXPECT_EQ(j["escalated_to"], json::parse(R"({"unit": "noi-vu", "name": "Phòng Nội vụ"})"));
}

TEST(JsonViews, AnAnswerIsTheDutyWithItsEvent) {
  duty_answer a{submitted_report(),
                history_entry{4, "submit", "xa-a-token", at("2023-06-14T09:30:00+07:00"), "Đã gửi", json::object()},
                json()};
  auto expected = http::to_json(a.duty);
  expected["event"] = json::parse(R"({"seq": 4, "event": "submit", "actor": "xa-a-token",
      "at": "2023-06-14T09:30:00+07:00", "note": "Đã gửi", "data": {}})");
  EXPECT_EQ(http::to_json(a), expected);
}

TEST(JsonViews, APlanHasItsHeaderCountsMilestonesUnitsAndDuties) {
  plan_view p;
  auto& s = p.summary;
  s.id = "hn";
  s.number = "182/KH-UBND";
  s.title = "Hội nghị";
  s.issuer = "UBND huyện";
  s.issued_on = *parse_date("2023-06-05");
  s.timezone = "Asia/Ho_Chi_Minh";
  s.coordinator = "noi-vu";
  s.escalate_to = "lanh-dao";
  s.escalate_to_unit = unit_view{"lanh-dao", "Lãnh đạo UBND"};
  s.counts.total = 2;
  s.counts.done = 1;
  s.counts.pending = 1;
  s.counts.by_status = {{duty_status::done_late, 1}, {duty_status::pending, 1}};
  p.milestones = {milestone_view{"conference", "Hội nghị", at("2023-06-20T08:00:00+07:00"), *parse_date("2023-06-19"),
                                 *parse_date("2023-06-23")}};
  p.units = {unit_view{"noi-vu", "Phòng Nội vụ"}};
  p.groups = {group_view{"cac-xa", "UBND các xã", {"xa-a"}}};
  p.duties = std::vector<duty_brief>{duty_brief{"bao-cao", "report", "Báo cáo", "xa-a", progress_state::done,
                                                timeliness::on_track, duty_status::done_late,
                                                at("2023-06-15T17:00:00+07:00"), 6}};
  const json expected = json::parse(R"({
    "id": "hn", "number": "182/KH-UBND", "title": "Hội nghị", "issuer": "UBND huyện", "issued_on": "2023-06-05",
    "timezone": "Asia/Ho_Chi_Minh", "coordinator": "noi-vu",
    "escalate_to": {"unit": "lanh-dao", "name": "Lãnh đạo UBND"},
    "counts": {"total": 2, "done": 1, "overdue": 0, "pending": 1, "follow_up": 0,
               "by_status": {"done_late": 1, "pending": 1}},
    "milestones": [{"id": "conference", "title": "Hội nghị", "at": "2023-06-20T08:00:00+07:00",
                    "window": {"from": "2023-06-19", "to": "2023-06-23"}}],
    "units": [{"id": "noi-vu", "name": "Phòng Nội vụ"}],
    "groups": [{"id": "cac-xa", "name": "UBND các xã", "members": ["xa-a"]}],
    "duties": [{"id": "bao-cao", "kind": "report", "title": "Báo cáo", "owner": "xa-a",
                "state": {"progress": "Done", "timeliness": "OnTrack"}, "status": "done_late",
                "deadline": "2023-06-15T17:00:00+07:00", "deadline_text": "17:00 ngày 15/6/2023", "version": 6}]
  })");
  EXPECT_EQ(http::to_json(p), expected);
  // The list of plans shows the summary alone; a plan without leaders says null.
  s.escalate_to.clear();
  s.escalate_to_unit.reset();
  const auto summary = http::to_json(s);
  EXPECT_TRUE(summary["escalate_to"].is_null());
  EXPECT_FALSE(summary.contains("milestones"));
}

TEST(JsonViews, AMilestoneChangeListsTheMovedDeadlines) {
  milestone_change c{"hn", "conference", at("2023-06-20T01:00:00Z"), std::chrono::minutes{420},
                     {deadline_move{"bao-cao", std::nullopt, at("2023-06-16T00:00:00+07:00")}}};
  EXPECT_EQ(http::to_json(c), json::parse(R"({"plan": "hn", "milestone": "conference",
      "at": "2023-06-20T08:00:00+07:00",
      "changed": [{"duty": "bao-cao", "from": null, "to": "2023-06-16T00:00:00+07:00"}]})"));
}
