// The dashboard's feeds on the real dutyflowd, read by real consumers: the iCalendar feed
// by the icalendar library, the CSV report by Python's csv module, /metrics by the
// Prometheus text parser (tests/integration/feeds_check.py, Debian's python3-icalendar and
// python3-prometheus-client, run with DUTYFLOW_TEST_PYTHON).
#include "tests/support/daemon_fixture.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <set>

#include "engine/time.h"

using namespace dutyflow::testing;
using nlohmann::json;

namespace {

const std::string plan = "182-kh-ubnd-2023";

// Runs the checker on `body` and returns what it printed.
json consume(const temp_dir& dir, const std::string& mode, const std::string& body) {
  const auto path = dir.file("feed." + mode);
  write_file(path, body);
  auto r = run({DUTYFLOW_TEST_PYTHON, source_path("tests/integration/feeds_check.py"), mode, path});
  EXPECT_EQ(r.exit_code, 0) << mode << " was refused: " << r.err;
  auto out = json::parse(r.out, nullptr, false);
  EXPECT_FALSE(out.is_discarded()) << r.out << r.err;
  return out.is_discarded() ? json::object() : out;
}

class Feeds : public ::testing::Test {
 protected:
  daemon_fixture d{"manual:2023-06-06T08:00:00+07:00"};
  std::string coordinator, unit, viewer;

  void SetUp() override {
    coordinator = d.add_token("phong-noi-vu", "coordinator", "phong-noi-vu");
    unit = d.add_token("ubnd-xa-ma-li-pho", "unit", "xa-ma-li-pho");
    viewer = d.add_token("lanh-dao", "viewer");
    ASSERT_TRUE(d.start()) << d.log();
    ASSERT_EQ(d.call("PUT", "/api/v1/plans/" + plan + "/milestones/conference", coordinator,
                     R"({"at": "2023-06-20T08:00:00+07:00"})")
                  .status,
              200);
    ASSERT_EQ(d.call("POST", "/api/v1/plans/" + plan + "/duties/tham-luan-xa-ma-li-pho/events", unit,
                     R"({"event": "acknowledge"})")
                  .status,
              200);
  }

  // The day a duty's deadline falls on, as the API says it (engine/time.h deadline_date),
  // or, from a daemon that does not say it yet, read from the instant in +07:00.
  static std::string day_of(const json& duty) {
    if (duty.contains("deadline_date") && duty["deadline_date"].is_string()) return duty["deadline_date"];
    auto at = dutyflow::parse_instant(duty["deadline"].get<std::string>());
    return at ? dutyflow::format_date(dutyflow::deadline_date(*at, std::chrono::hours(7))) : "?";
  }

  json duties_of(const std::string& owner) {
    auto all = d.call("GET", "/api/v1/duties?plan=" + plan + (owner.empty() ? "" : "&unit=" + owner), viewer);
    return all.body["duties"];
  }
};

}  // namespace

TEST_F(Feeds, TheUnitsCalendarParsesWithOneTodoPerDutyAndAnAlarmPerReminder) {
  auto r = d.call("GET", "/api/v1/units/xa-ma-li-pho/calendar.ics", unit);
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.headers["content-type"], "text/calendar; charset=utf-8");
  auto cal = consume(d.dir(), "ics", r.raw);
  EXPECT_EQ(cal["version"], "2.0");
  EXPECT_EQ(cal["name"], "dutyflow — Xã Ma Li Pho");
  const auto duties = duties_of("xa-ma-li-pho");
  ASSERT_EQ(cal["todos"].size(), duties.size());
  std::set<std::string> titles, summaries;
  for (const auto& duty : duties) titles.insert(duty["title"].get<std::string>());
  for (const auto& t : cal["todos"]) {
    summaries.insert(t["summary"].get<std::string>());
    EXPECT_TRUE(t["uid"].get<std::string>().starts_with(plan + "/")) << t;
    EXPECT_FALSE(t["due"].is_null()) << "the conference is set, so every deadline is known: " << t;
    EXPECT_EQ(t["alarms"].size(), 2u) << "the plan's default reminders, 3d and 1d: " << t;
    EXPECT_EQ(t["dtstamp"], "2023-06-06T01:00:00+00:00");
    EXPECT_NE(t["description"].get<std::string>().find("Kế hoạch 182/KH-UBND"), std::string::npos);
  }
  EXPECT_EQ(summaries, titles) << "summaries are the duties' titles, diacritics and all";
  std::multiset<std::string> statuses;
  for (const auto& t : cal["todos"]) statuses.insert(t["status"].get<std::string>());
  EXPECT_EQ(statuses, (std::multiset<std::string>{"IN-PROCESS", "NEEDS-ACTION"}));
}

// Issue 14: a calendar showed 17/6 00:00 for a deadline "by the end of 16/6". Every seed
// deadline of every unit is a day deadline: the todo is due on that day and an all-day event
// sits on it, for Google Calendar and Outlook, which show events and ignore todos.
TEST_F(Feeds, EverySeedDayDeadlineLandsOnItsDayAndTheConferenceIsAnEvent) {
  const auto all = duties_of("");
  std::set<std::string> owners;
  for (const auto& duty : all) owners.insert(duty["owner"].get<std::string>());
  ASSERT_GE(owners.size(), 6u);
  int checked = 0;
  for (const auto& owner : owners) {
    auto r = d.call("GET", "/api/v1/units/" + owner + "/calendar.ics", coordinator);
    ASSERT_EQ(r.status, 200) << owner << r.raw;
    auto cal = consume(d.dir(), "ics", r.raw);
    std::map<std::string, json> todos, events;
    for (const auto& t : cal["todos"]) todos[t["uid"]] = t;
    for (const auto& e : cal["events"]) events[e["uid"]] = e;
    for (const auto& duty : duties_of(owner)) {
      const std::string id = duty["plan"].get<std::string>() + "/" + duty["id"].get<std::string>();
      const std::string day = day_of(duty);
      ASSERT_TRUE(todos.contains(id + "@dutyflow")) << id;
      const auto& due = todos[id + "@dutyflow"]["due"];
      EXPECT_EQ(due["date"], day) << id << " " << duty["deadline"] << ": " << due;
      EXPECT_EQ(due["all_day"], true) << id << ": a deadline given as a day is written as the day";
      ASSERT_TRUE(events.contains(id + "/deadline@dutyflow")) << id << ": no VEVENT for its deadline";
      const auto& ev = events[id + "/deadline@dutyflow"];
      EXPECT_EQ(ev["start"]["date"], day) << id;
      EXPECT_EQ(ev["start"]["all_day"], true) << id;
      EXPECT_TRUE(ev["summary"].get<std::string>().starts_with("Hạn: ")) << ev;
      ++checked;
    }
    const std::string conference = plan + "/milestone/conference@dutyflow";
    ASSERT_TRUE(events.contains(conference)) << owner << ": the conference is not in the calendar";
    EXPECT_EQ(events[conference]["start"]["local"], "2023-06-20T08:00:00+07:00");
    EXPECT_TRUE(events[conference]["summary"].get<std::string>().starts_with("Hội nghị")) << events[conference];
  }
  EXPECT_EQ(checked, static_cast<int>(all.size())) << "every seed duty was seen in its unit's calendar";
  // The tham luận of Ma Li Pho: -2wd from Tuesday 20/6 is Friday 16/6, due by its end.
  for (const auto& duty : all) {
    if (duty["id"] == "tham-luan-xa-ma-li-pho") {
      EXPECT_EQ(day_of(duty), "2023-06-16");
    }
  }
}

TEST_F(Feeds, ASignedCalendarLinkWorksWithoutATokenUntilItIsTamperedWith) {
  auto link = d.call("GET", "/api/v1/units/xa-ma-li-pho/calendar-link", coordinator);
  ASSERT_EQ(link.status, 200) << link.raw;
  const auto url = link.body["url"].get<std::string>();
  auto feed = d.call("GET", url);
  ASSERT_EQ(feed.status, 200) << feed.raw;
  EXPECT_EQ(consume(d.dir(), "ics", feed.raw)["todos"].size(), 2u);
  EXPECT_EQ(d.call("GET", url.substr(0, url.size() - 2) + "xx").status, 403);
  EXPECT_EQ(d.call("GET", "/api/v1/units/xa-ma-li-pho/calendar.ics").status, 401) << "neither token nor link";
  EXPECT_EQ(d.call("GET", "/api/v1/units/xa-ma-li-pho/calendar-link", viewer).status, 403);
  EXPECT_EQ(d.call("GET", "/api/v1/units/xa-sin-suoi-ho/calendar-link", unit).status, 403);
}

TEST_F(Feeds, TheReportOpensWithItsColumnsAndDiacritics) {
  auto r = d.call("GET", "/api/v1/plans/" + plan + "/report.csv", viewer);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/csv; charset=utf-8");
  auto report = consume(d.dir(), "csv", r.raw);
  EXPECT_TRUE(report["bom"].get<bool>());
  EXPECT_TRUE(report["crlf"].get<bool>());
  EXPECT_EQ(report["header"],
            json::array({"Đơn vị", "Mã đơn vị", "Nhiệm vụ", "Mã nhiệm vụ", "Loại", "Tiến độ", "Theo dõi hạn",
                         "Tình trạng (QĐ 42/2014)", "Ngày hạn", "Hạn hoàn thành", "Hạn (ISO 8601)",
                         "Đơn vị giao nộp lúc", "Chờ cơ quan chủ trì", "Hoàn thành lúc"}));
  const auto duties = duties_of("");
  ASSERT_EQ(report["rows"].size(), duties.size());
  for (std::size_t i = 0; i < duties.size(); ++i) {
    const auto& row = report["rows"][i];
    ASSERT_EQ(row.size(), 14u);
    EXPECT_EQ(row[1], duties[i]["owner"]);
    EXPECT_EQ(row[2], duties[i]["title"]) << "titles with commas and quotes survive the quoting";
    EXPECT_EQ(row[3], duties[i]["id"]);
    EXPECT_EQ(row[5], duties[i]["state"]["progress_label"]);
    EXPECT_EQ(row[7], duties[i]["status_label"]);
    // The day column is the day the dashboard shows (the API's deadline_date), not the
    // instant's date: 2023-06-17T00:00+07:00 is the end of 16/6.
    EXPECT_EQ(row[8], day_of(duties[i])) << duties[i]["id"] << " " << duties[i]["deadline"];
    EXPECT_TRUE(row[9].get<std::string>().starts_with("Hết ngày ")) << row[9];
    EXPECT_EQ(row[10], duties[i]["deadline"]) << "the ISO instant the API keeps";
  }
  std::set<std::string> units, statuses;
  for (const auto& row : report["rows"]) {
    units.insert(row[0].get<std::string>());
    statuses.insert(row[7].get<std::string>());
  }
  EXPECT_TRUE(units.contains("Văn phòng HĐND và UBND huyện"));
  EXPECT_TRUE(units.contains("Trung tâm Văn hóa, Thể thao và Truyền thông"));
  EXPECT_EQ(statuses, std::set<std::string>{"Chưa hoàn thành trong hạn"});
}

TEST_F(Feeds, MetricsParseAsPrometheusTextAndAgreeWithTheJournal) {
  auto r = d.call("GET", "/metrics", coordinator);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  auto m = consume(d.dir(), "metrics", r.raw);
  const auto& f = m["families"];
  auto type_of = [&](const char* name) { return f.contains(name) ? f[name]["type"].get<std::string>() : ""; };
  EXPECT_EQ(type_of("dutyflow_duties"), "gauge");
  EXPECT_EQ(type_of("dutyflow_duties_by_timeliness"), "gauge");
  EXPECT_EQ(type_of("dutyflow_duties_by_status"), "gauge");
  EXPECT_EQ(type_of("dutyflow_events"), "counter");  // the parser names counters without _total
  EXPECT_EQ(type_of("dutyflow_notifications"), "gauge");
  EXPECT_EQ(type_of("dutyflow_commit_duration_seconds"), "histogram");
  EXPECT_EQ(type_of("dutyflow_commit_batch_size"), "histogram");
  EXPECT_EQ(type_of("dutyflow_scheduler_lag_seconds"), "gauge");

  double duties = 0, acknowledged = 0;
  for (const auto& s : f["dutyflow_duties"]["samples"]) {
    duties += s[2].get<double>();
    if (s[1]["progress"] == "Acknowledged") acknowledged += s[2].get<double>();
  }
  EXPECT_EQ(duties, static_cast<double>(duties_of("").size()));
  EXPECT_EQ(acknowledged, 1.0);
  SQLite::Database db(d.db());
  const auto events = db.execAndGet("SELECT count(*) FROM events").getInt();
  EXPECT_EQ(f["dutyflow_events"]["samples"][0][2].get<double>(), events);
  double commits = -1;
  for (const auto& s : f["dutyflow_commit_batch_size"]["samples"])
    if (s[0] == "dutyflow_commit_batch_size_count") commits = s[2].get<double>();
  EXPECT_GE(commits, 1.0) << "the acknowledgement went through a group commit";
  if (!m["promtool"].is_null()) {
    EXPECT_EQ(m["promtool"]["exit"], 0) << m["promtool"]["output"];
  }

  // Loopback alone is not enough unless the config sets metrics.allow_loopback.
  EXPECT_EQ(d.call("GET", "/metrics").status, 401);
}

TEST_F(Feeds, TheDashboardNeedsNoTokenButItsDataDoes) {
  auto page = d.call("GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(page.raw.find("Đăng nhập"), std::string::npos);
  EXPECT_EQ(d.call("GET", "/assets/app.js").status, 200);
  EXPECT_EQ(d.call("GET", "/api/v1/plans").status, 401);
  EXPECT_EQ(d.call("GET", "/api/v1/me", unit).body["unit"], "xa-ma-li-pho");
}
