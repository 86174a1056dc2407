// The scheduler with a manual clock: every reminder point, office hours, cancellation,
// moved milestones, catch-up after downtime, no duplicates across restarts.
#include "adapters/http/json_views.h"
#include "engine/engine.h"
#include "engine/scheduler.h"
#include "engine/runner.h"

#include "tests/support/failing_store.h"
#include "tests/support/store_probe.h"
#include "tests/support/temp_dir.h"
#include "workflows/registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <limits>

using namespace dutyflow;
using dutyflow::testing::temp_dir;
using nlohmann::json;
using dutyflow::http::to_json;

namespace {

const char* plan_text = R"({
  "id": "hn", "number": "5/KH-UBND", "title": "Hội nghị thử", "issuer": "UBND huyện Phong Thổ",
  "issued_on": "2023-06-05", "coordinator": "noi-vu",
  "milestones": [{"id": "conference", "title": "Hội nghị", "at": null}],
  "units": [{"id": "noi-vu", "name": "Phòng Nội vụ"}, {"id": "xa-a", "name": "Xã A"}],
  "defaults": {"reminders": {"before": ["3d", "1d"], "overdue_every": "1d", "escalate_after": "1d"}},
  "duties": [
    {"id": "bao-cao", "kind": "report", "title": "Báo cáo", "owner": "xa-a",
     "due": {"milestone": "conference", "offset": "-3wd"}}
  ]})";

const actor coordinator{"dieu-phoi", role::coordinator, "noi-vu"};
const actor unit_a{"xa-a", role::unit, "xa-a"};

instant at(const char* iso) { return *parse_instant(iso); }
std::string local(instant t) { return format_instant(t, std::chrono::minutes(420)); }

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() : clock_(at("2023-06-05T08:00:00+07:00")) {
    store_ = std::move(open_sqlite_store({dir_.file("journal.db")}).value());
    restart();
    auto loaded = load_plan(json::parse(plan_text), builtin_kinds());
    EXPECT_TRUE(eng_->load(*loaded, actor{"dutyflowd", role::system, ""}));
  }

  void restart() {
    eng_.reset();
    eng_ = std::make_unique<engine>(*store_, builtin_kinds(), clock_, calendar_);
    auto s = eng_->open();
    ASSERT_TRUE(s) << s.err().message;
  }

  void set_conference(const char* iso) {
    auto r = eng_->set_milestone("hn", "conference", at(iso), coordinator);
    ASSERT_TRUE(r) << r.err().message;
  }

  // Moves the clock and runs the scheduler the way the daemon does: at every due instant
  // on the way, in order.
  void advance_to(const char* iso) {
    const instant target = at(iso);
    while (auto next = eng_->timers().next_due()) {
      if (*next > target) break;
      ASSERT_TRUE(clock_.set(std::max(*next, clock_.now())));
      eng_->timers().run_due(clock_.now());
    }
    ASSERT_TRUE(clock_.set(target));
    eng_->timers().run_due(target);
  }

  // "reason@point" of every notification except the assignment, oldest first.
  std::vector<std::string> sent() {
    auto rows = *eng_->notifications({});
    std::vector<std::string> out;
    for (auto it = rows.rbegin(); it != rows.rend(); ++it)
      if (it->reason != "assigned") out.push_back(it->reason + "@" + local(it->point));
    return out;
  }

  json duty() { return *to_json(eng_->read_duty("hn", "bao-cao", nullptr, true)); }

  // Xã A fires these events on its report, in order; each must be accepted.
  void unit_fires(std::initializer_list<const char*> events) {
    for (const char* e : events) {
      command c;
      c.plan = "hn";
      c.duty = "bao-cao";
      c.event = e;
      c.by = unit_a;
      auto r = eng_->apply(c);
      ASSERT_TRUE(r) << e << ": " << r.err().message;
    }
  }

  temp_dir dir_;
  manual_clock clock_;
  working_calendar calendar_;
  std::unique_ptr<store> store_;
  std::unique_ptr<engine> eng_;
};

}  // namespace

TEST_F(SchedulerTest, APendingDeadlineFiresNothing) {
  EXPECT_FALSE(eng_->timers().next_due());
  advance_to("2023-07-31T08:00:00+07:00");
  EXPECT_TRUE(sent().empty());
  EXPECT_EQ(duty()["state"]["timeliness"], "OnTrack");
}

TEST_F(SchedulerTest, EveryPointFiresOnceInOrderInOfficeHours) {
  // Conference Tuesday 20/6; -3wd: the report is due at 24:00 on Thursday 15/6.
  set_conference("2023-06-20T08:00:00+07:00");
  EXPECT_EQ(duty()["deadline"], "2023-06-16T00:00:00+07:00");
  EXPECT_EQ(sent(), std::vector<std::string>{"deadline_set@2023-06-05T08:00:00+07:00"});
  // Day by day, as a coordinator would watch it.
  for (const char* day : {"2023-06-12T12:00:00+07:00", "2023-06-13T12:00:00+07:00", "2023-06-14T12:00:00+07:00",
                          "2023-06-15T12:00:00+07:00", "2023-06-16T12:00:00+07:00", "2023-06-17T12:00:00+07:00",
                          "2023-06-18T12:00:00+07:00", "2023-06-19T12:00:00+07:00"})
    advance_to(day);
  std::vector<std::string> expected = {
      "deadline_set@2023-06-05T08:00:00+07:00",
      "reminder@2023-06-13T00:00:00+07:00",  // 3 days before: sent at 07:30 on Tuesday
      "due_soon@2023-06-14T00:00:00+07:00",  // 2 working days before the end of Thursday
      "reminder@2023-06-15T00:00:00+07:00",  // 1 day before
      "overdue@2023-06-16T00:00:00+07:00",   // the deadline itself
      "escalation@2023-06-17T00:00:00+07:00",  // a day later, to the coordinator, held to Monday
      // The weekend's repeats (17, 18 and 19/6 at 00:00) wait for Monday 07:30 and are one
      // mail there, keyed by the last of them.
      "overdue@2023-06-19T00:00:00+07:00",
  };
  EXPECT_EQ(sent(), expected);
  EXPECT_EQ(duty()["state"]["timeliness"], "Escalated");
  auto rows = *eng_->notifications({});
  for (const auto& r : rows)
    if (r.reason == "overdue" && local(r.point) == "2023-06-19T00:00:00+07:00") {
      EXPECT_EQ(r.payload["coalesced"], 3) << r.payload.dump();
      EXPECT_EQ(r.payload["days_overdue"], 4) << "Thursday's deadline, Monday's mail";
      EXPECT_EQ(r.payload["progress"], "Assigned");
    }
  for (const auto& r : rows) {
    if (r.reason == "escalation") {
      EXPECT_EQ(r.unit, "noi-vu");
    }
    // Nothing is queued outside 07:30-17:00 on working days.
    auto created = local(r.created_at);
    if (r.reason != "assigned" && r.reason != "deadline_set") {
      EXPECT_EQ(created.substr(11, 5), "07:30") << created;
    }
  }
  // The journal holds the timeliness events with the scheduler as the actor.
  std::vector<std::string> events;
  const auto history = duty()["history"];
  for (const auto& h : history) events.push_back(h["event"].get<std::string>() + "/" + h["actor"].get<std::string>());
  EXPECT_EQ(events, (std::vector<std::string>{"assigned/dutyflowd", "deadline_changed/dieu-phoi", "due_soon/scheduler",
                                              "overdue/scheduler", "escalate/scheduler"}));
}

TEST_F(SchedulerTest, FinishingADutyCancelsItsPendingReminders) {
  set_conference("2023-06-20T08:00:00+07:00");
  advance_to("2023-06-13T12:00:00+07:00");
  unit_fires({"acknowledge", "start", "submit"});
  command approve;
  approve.plan = "hn";
  approve.duty = "bao-cao";
  approve.event = "approve";
  approve.by = coordinator;
  ASSERT_TRUE(eng_->apply(approve));
  advance_to("2023-06-30T12:00:00+07:00");
  EXPECT_EQ(sent(), (std::vector<std::string>{"deadline_set@2023-06-05T08:00:00+07:00",
                                              "reminder@2023-06-13T00:00:00+07:00",
                                              "approved@2023-06-13T12:00:00+07:00"}));
  EXPECT_FALSE(eng_->timers().next_due());
  EXPECT_EQ(duty()["status"], "done_on_time");
}

TEST_F(SchedulerTest, MovingTheConferenceReschedulesAndDoesNotResendPastPoints) {
  set_conference("2023-06-20T08:00:00+07:00");
  advance_to("2023-06-13T12:00:00+07:00");  // the 3-day reminder went out
  ASSERT_EQ(sent().back(), "reminder@2023-06-13T00:00:00+07:00");
  // Postponed a week: Tuesday 27/6, due at 24:00 on Thursday 22/6.
  set_conference("2023-06-27T08:00:00+07:00");
  EXPECT_EQ(duty()["deadline"], "2023-06-23T00:00:00+07:00");
  advance_to("2023-06-21T12:00:00+07:00");
  EXPECT_EQ(sent(), (std::vector<std::string>{
                        "deadline_set@2023-06-05T08:00:00+07:00", "reminder@2023-06-13T00:00:00+07:00",
                        "deadline_changed@2023-06-13T12:00:00+07:00", "reminder@2023-06-20T00:00:00+07:00",
                        "due_soon@2023-06-21T00:00:00+07:00"}));
}

TEST_F(SchedulerTest, PointsMissedWhileStoppedBecomeOneCatchUp) {
  set_conference("2023-06-20T08:00:00+07:00");
  advance_to("2023-06-12T12:00:00+07:00");
  // dutyflowd is down from Monday 12/6 to Tuesday 20/6.
  ASSERT_TRUE(clock_.set(at("2023-06-20T09:00:00+07:00")));
  restart();
  eng_->timers().run_due(clock_.now());
  EXPECT_EQ(sent(), (std::vector<std::string>{"deadline_set@2023-06-05T08:00:00+07:00",
                                              "catch_up@2023-06-20T00:00:00+07:00"}));
  auto rows = *eng_->notifications({});
  EXPECT_EQ(rows.front().payload["missed"].size(), 9u) << rows.front().payload.dump();
  EXPECT_EQ(duty()["state"]["timeliness"], "Escalated") << "the machine still reaches the state it would have";
  // And from now on it runs normally: the next repeat tomorrow.
  advance_to("2023-06-21T12:00:00+07:00");
  EXPECT_EQ(sent().back(), "overdue@2023-06-21T00:00:00+07:00");
}

TEST_F(SchedulerTest, NothingIsSentTwiceAcrossARestart) {
  set_conference("2023-06-20T08:00:00+07:00");
  advance_to("2023-06-16T12:00:00+07:00");
  auto before = sent();
  restart();
  eng_->timers().run_due(clock_.now());
  EXPECT_EQ(sent(), before);
  advance_to("2023-06-16T16:00:00+07:00");
  EXPECT_EQ(sent(), before);
}

TEST_F(SchedulerTest, DueSoonOffGoesStraightFromOnTimeToOverdue) {
  auto has = [](const std::vector<std::string>& sent, const char* reason) {
    return std::any_of(sent.begin(), sent.end(), [&](const std::string& s) { return s.starts_with(reason); });
  };
  set_conference("2023-06-15T08:00:00+07:00");
  advance_to("2023-06-14T08:00:00+07:00");
  ASSERT_TRUE(has(sent(), "due_soon@"));  // the default: two working days before
  ASSERT_TRUE(has(sent(), "overdue@"));

  // The same plan and days on a fresh journal, with "due soon" switched off.
  temp_dir other;
  manual_clock clock(at("2023-06-05T08:00:00+07:00"));
  auto st = std::move(open_sqlite_store({other.file("journal.db")}).value());
  engine_options off;
  off.due_soon_working_days = 0;
  engine eng(*st, builtin_kinds(), clock, calendar_, off);
  ASSERT_TRUE(eng.open());
  ASSERT_TRUE(eng.load(*load_plan(json::parse(plan_text), builtin_kinds()), actor{"dutyflowd", role::system, ""}));
  ASSERT_TRUE(eng.set_milestone("hn", "conference", at("2023-06-15T08:00:00+07:00"), coordinator));
  const instant end = at("2023-06-14T08:00:00+07:00");
  while (auto next = eng.timers().next_due()) {
    if (*next > end) break;
    ASSERT_TRUE(clock.set(std::max(*next, clock.now())));
    eng.timers().run_due(clock.now());
  }
  std::vector<std::string> reasons;
  auto rows = eng.notifications({});
  ASSERT_TRUE(rows);
  for (const auto& r : *rows) reasons.push_back(r.reason + "@");
  EXPECT_FALSE(has(reasons, "due_soon@"));
  EXPECT_TRUE(has(reasons, "overdue@"));
}

// A reminder writes its outbox row at once and its duty's progress later (flush_progress):
// killed before that, the restart takes the progress back from the outbox and sends nothing
// again; after it, the table holds it and a restart reads nothing back.
TEST_F(SchedulerTest, ReminderProgressIsWrittenLaterAndTakenBackFromTheOutbox) {
  set_conference("2023-06-20T08:00:00+07:00");
  auto table = [this] {
    auto rows = dutyflow::testing::duty_rows(dir_.file("journal.db"), "hn");
    EXPECT_TRUE(rows && rows->size() == 1u);
    return local(*rows->front().reminded_until);
  };
  EXPECT_EQ(table(), "2023-06-05T08:00:00+07:00");  // the deadline was set then
  advance_to("2023-06-13T12:00:00+07:00");
  const auto before = sent();
  ASSERT_EQ(before.back(), "reminder@2023-06-13T00:00:00+07:00");
  EXPECT_EQ(eng_->timers().unflushed_progress(), 1u);
  EXPECT_TRUE(eng_->timers().progress_pending());
  EXPECT_EQ(table(), "2023-06-05T08:00:00+07:00") << "a reminder alone writes no duty row";

  restart();  // as after a kill: nothing flushed
  EXPECT_EQ(eng_->timers().unflushed_progress(), 1u) << "taken back from the outbox";
  eng_->timers().run_due(clock_.now());
  advance_to("2023-06-13T16:00:00+07:00");
  EXPECT_EQ(sent(), before);

  auto left = eng_->timers().flush_progress(std::numeric_limits<std::size_t>::max());
  ASSERT_TRUE(left) << left.err().message;
  EXPECT_EQ(*left, 0u);
  EXPECT_FALSE(eng_->timers().progress_pending());
  EXPECT_EQ(table(), "2023-06-13T00:00:00+07:00");
  auto progress = store_->unflushed_reminders();
  ASSERT_TRUE(progress);
  EXPECT_EQ(progress->flushed_through, progress->last_outbox_id);
  EXPECT_TRUE(progress->duties.empty());
  restart();
  EXPECT_EQ(eng_->timers().unflushed_progress(), 0u);

  // The rest of the points still come, each once, and the state events write the row as before.
  advance_to("2023-06-19T12:00:00+07:00");
  EXPECT_EQ(sent(), (std::vector<std::string>{
                        "deadline_set@2023-06-05T08:00:00+07:00", "reminder@2023-06-13T00:00:00+07:00",
                        "due_soon@2023-06-14T00:00:00+07:00", "reminder@2023-06-15T00:00:00+07:00",
                        "overdue@2023-06-16T00:00:00+07:00", "escalation@2023-06-17T00:00:00+07:00",
                        "overdue@2023-06-19T00:00:00+07:00"}));
  restart();  // the weekend's merged repeat is taken back (with the two it stands for)
  advance_to("2023-06-19T16:00:00+07:00");
  EXPECT_EQ(sent().size(), 7u);
  ASSERT_TRUE(eng_->timers().flush_progress(std::numeric_limits<std::size_t>::max()));
  EXPECT_EQ(table(), "2023-06-19T00:00:00+07:00");
}

// A scheduler that is never idle: past engine_options::progress_backlog duties waiting,
// run_due() writes the oldest itself.
TEST_F(SchedulerTest, ABusySchedulerKeepsItsProgressBacklogBounded) {
  engine_options tight;
  tight.progress_backlog = 0;
  eng_.reset();
  eng_ = std::make_unique<engine>(*store_, builtin_kinds(), clock_, calendar_, tight);
  ASSERT_TRUE(eng_->open());
  set_conference("2023-06-20T08:00:00+07:00");
  advance_to("2023-06-13T12:00:00+07:00");
  EXPECT_EQ(eng_->timers().unflushed_progress(), 0u);
  EXPECT_EQ(local(*dutyflow::testing::duty_rows(dir_.file("journal.db"), "hn")->front().reminded_until), "2023-06-13T00:00:00+07:00");
}

// A progress write that fails forgets nothing: the same duties wait for the next try.
TEST_F(SchedulerTest, AFailedProgressWriteKeepsItForTheNextTry) {
  dutyflow::testing::failing_store failing(*store_);
  eng_.reset();
  eng_ = std::make_unique<engine>(failing, builtin_kinds(), clock_, calendar_);
  ASSERT_TRUE(eng_->open());
  set_conference("2023-06-20T08:00:00+07:00");
  advance_to("2023-06-13T12:00:00+07:00");
  ASSERT_EQ(eng_->timers().unflushed_progress(), 1u);
  failing.fail_commits = true;
  auto r = eng_->timers().flush_progress(10);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::storage);
  EXPECT_EQ(eng_->timers().unflushed_progress(), 1u);
  failing.fail_commits = false;
  r = eng_->timers().flush_progress(10);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0u);
  EXPECT_EQ(local(*dutyflow::testing::duty_rows(dir_.file("journal.db"), "hn")->front().reminded_until), "2023-06-13T00:00:00+07:00");
}

// dutyflowd's runner writes the progress as soon as it has nothing else to do.
TEST_F(SchedulerTest, TheRunnerWritesProgressWhenIdle) {
  set_conference("2023-06-20T08:00:00+07:00");
  engine_runner runner(*eng_, clock_);
  runner.run_scheduler();
  runner.start();
  ASSERT_TRUE(clock_.set(at("2023-06-13T12:00:00+07:00")));
  runner.poke();
  // Ask the runner (in order with its own work) until the reminder is out and its progress
  // written; each question finds it idle again in between.
  auto ask = [&] {
    std::promise<std::pair<std::size_t, std::size_t>> answer;
    runner.post([&](engine& e) { answer.set_value({e.notifications({})->size(), e.timers().unflushed_progress()}); });
    return answer.get_future().get();
  };
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto seen = ask();
  while ((seen.first < 3 || seen.second > 0) && std::chrono::steady_clock::now() < give_up) seen = ask();
  EXPECT_EQ(seen.first, 3u);  // assigned, deadline_set, the reminder
  EXPECT_EQ(seen.second, 0u);
  runner.stop();
  EXPECT_EQ(local(*dutyflow::testing::duty_rows(dir_.file("journal.db"), "hn")->front().reminded_until), "2023-06-13T00:00:00+07:00");
}

// A read queued before the runner starts (an HTTP request that reached dutyflowd as it came
// up) sees what fell due while it was down: the catch-up fires first.
TEST_F(SchedulerTest, TheRunnerFiresWhatIsDueBeforeItsFirstQueuedRead) {
  set_conference("2023-06-20T08:00:00+07:00");
  ASSERT_TRUE(clock_.set(at("2023-06-20T09:00:00+07:00")));
  restart();  // down since 5/6
  engine_runner runner(*eng_, clock_);
  runner.run_scheduler();
  std::promise<std::vector<std::string>> seen;
  runner.post([&](engine&) { seen.set_value(sent()); });
  runner.start();
  EXPECT_EQ(seen.get_future().get(), (std::vector<std::string>{"deadline_set@2023-06-05T08:00:00+07:00",
                                                                 "catch_up@2023-06-20T00:00:00+07:00"}));
  runner.stop();
}

// Issue 14: a coordinator's own duty has nobody above it in a plan that names no leaders;
// the escalation is then recorded as having gone nowhere instead of "to" itself.
TEST(SchedulerEscalation, NeverEscalatesAUnitToItself) {
  temp_dir dir;
  manual_clock clock(at("2023-06-05T08:00:00+07:00"));
  working_calendar calendar;
  auto db = std::move(open_sqlite_store({dir.file("journal.db")}).value());
  engine eng(*db, builtin_kinds(), clock, calendar);
  ASSERT_TRUE(eng.open());
  auto doc = json::parse(plan_text);
  doc["duties"][0]["owner"] = "noi-vu";  // the coordinator's own report
  auto loaded = load_plan(doc, builtin_kinds());
  ASSERT_TRUE(loaded) << loaded.err().message;
  ASSERT_TRUE(eng.load(*loaded, actor{"dutyflowd", role::system, ""}));
  ASSERT_TRUE(eng.set_milestone("hn", "conference", at("2023-06-20T08:00:00+07:00"), coordinator));
  for (const char* day : {"2023-06-16T12:00:00+07:00", "2023-06-19T12:00:00+07:00", "2023-06-20T12:00:00+07:00"}) {
    while (auto next = eng.timers().next_due()) {
      if (*next > at(day)) break;
      ASSERT_TRUE(clock.set(std::max(*next, clock.now())));
      eng.timers().run_due(clock.now());
    }
  }
  auto d = *to_json(eng.read_duty("hn", "bao-cao", nullptr, true));
  EXPECT_EQ(d["state"]["timeliness"], "Escalated");
  EXPECT_EQ(d["state"]["timeliness_label"], "Quá hạn (chưa có nơi nhận báo cáo)");
  EXPECT_TRUE(d["escalated_to"].is_null());
  const auto rows = eng.notifications({});  // held: a range-for over *temporary would dangle
  ASSERT_TRUE(rows);
  for (const auto& row : *rows) EXPECT_NE(row.reason, "escalation") << row.key;
  // The journal says where it went (nowhere), so a restart shows the same.
  bool journaled = false;
  for (const auto& h : d["history"])
    if (h["event"] == "escalate") journaled = h["data"].contains("to") && h["data"]["to"].is_null();
  EXPECT_TRUE(journaled) << d["history"].dump();
}

// Issue 14: delivering the unit's part stops its clock: no reminder, due-soon, overdue or
// escalation afterwards, however long the coordinator takes to approve.
TEST_F(SchedulerTest, ASubmittedReportWaitingForApprovalNeverTurnsOverdue) {
  set_conference("2023-06-20T08:00:00+07:00");
  unit_fires({"acknowledge", "start", "submit"});
  advance_to("2023-06-30T12:00:00+07:00");
  EXPECT_EQ(sent(), std::vector<std::string>{"deadline_set@2023-06-05T08:00:00+07:00"});
  auto d = duty();
  EXPECT_EQ(d["status"], "done_on_time");
  EXPECT_EQ(d["state"]["progress"], "Submitted");
  EXPECT_EQ(d["state"]["timeliness"], "OnTrack");
  EXPECT_EQ(d["follow_up"]["events"], json({"approve", "return"}));
  restart();
  EXPECT_EQ(duty()["status"], "done_on_time") << "replay rebuilds the delivery from the journal";
  EXPECT_FALSE(eng_->timers().next_due()) << "nothing is scheduled for a delivered part";
}

// Issue 14: a part reopened after its deadline is overdue at once, in the same transaction as
// the event that reopened it (no crash can fall between the answer and the overdue notice),
// and the reminders that passed while it was delivered are not sent late.
TEST_F(SchedulerTest, APartReopenedAfterItsDeadlineIsOverdueInTheSameCommit) {
  set_conference("2023-06-20T08:00:00+07:00");  // the report is due at the end of Thursday 15/6
  ASSERT_TRUE(clock_.set(at("2023-06-12T10:00:00+07:00")));
  unit_fires({"acknowledge", "start", "submit"});
  ASSERT_TRUE(clock_.set(at("2023-06-16T09:00:00+07:00")));  // no scheduler run in between
  command c;
  c.plan = "hn";
  c.duty = "bao-cao";
  c.event = "reassign";
  c.data = json{{"unit", "noi-vu"}};
  c.by = coordinator;
  ASSERT_TRUE(eng_->apply(c));
  auto d = duty();
  EXPECT_EQ(d["state"]["timeliness"], "Overdue") << d.dump();
  EXPECT_EQ(d["status"], "open_overdue");
  const auto rows = sent();
  for (const auto& row : rows) EXPECT_EQ(row.rfind("reminder@", 0), std::string::npos) << row;
  EXPECT_NE(std::find(rows.begin(), rows.end(), "overdue@2023-06-16T00:00:00+07:00"), rows.end());
  restart();
  EXPECT_EQ(duty()["state"]["timeliness"], "Overdue") << "replayed as committed";
}
