// adapters/http/ics.cpp and the unit calendar builder of calendar_feed.cpp.
#include "adapters/http/ics.h"
#include "adapters/http/calendar_feed.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace dutyflow;
using namespace dutyflow::http;
using nlohmann::json;

namespace {

std::vector<std::string> physical_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find("\r\n", start);
    EXPECT_NE(end, std::string::npos) << "every line ends with CRLF";
    if (end == std::string::npos) break;
    out.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

std::string unfold(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "\r\n ") == 0) {
      i += 2;
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n;
  }
  return true;
}

instant at(const char* iso) {
  return *parse_instant(iso);
}

}  // namespace

TEST(Ics, EscapesTextValues) {
  EXPECT_EQ(ics_escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
  EXPECT_EQ(ics_escape("dòng 1\r\ndòng 2"), "dòng 1\\ndòng 2");
  EXPECT_EQ(ics_escape("Phòng Nội vụ"), "Phòng Nội vụ");
}

TEST(Ics, ShortLinesAreNotFolded) {
  EXPECT_EQ(ics_fold("SUMMARY:Họp"), "SUMMARY:Họp\r\n");
  std::string exactly75(75, 'x');
  EXPECT_EQ(ics_fold(exactly75), exactly75 + "\r\n");
}

TEST(Ics, LongLinesFoldAt75OctetsWithoutSplittingUtf8) {
  // Vietnamese text: 2- and 3-byte sequences everywhere, so a naive cut would split one.
  std::string value;
  for (int i = 0; i < 20; ++i) value += "Phát biểu tham luận về cải cách hành chính; ";
  const std::string line = "DESCRIPTION:" + ics_escape(value);
  const std::string folded = ics_fold(line);
  auto lines = physical_lines(folded);
  ASSERT_GT(lines.size(), 5u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 75u) << "line " << i;
    EXPECT_TRUE(valid_utf8(lines[i])) << "line " << i << " splits a UTF-8 sequence";
    if (i > 0) {
      EXPECT_EQ(lines[i][0], ' ') << "a continuation starts with one space";
    }
    if (i + 1 < lines.size()) {
      EXPECT_GE(lines[i].size(), 72u) << "folds use the room they have";
    }
  }
  EXPECT_EQ(unfold(folded), line + "\r\n");
}

TEST(Ics, FoldsAFourByteSequenceWhole) {
  std::string line = "X:" + std::string(72, 'a') + "\xF0\x9F\x93\x85" + "b";  // 📅 at octets 75..78
  auto lines = physical_lines(ics_fold(line));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "X:" + std::string(72, 'a'));
  EXPECT_EQ(lines[1],
            " \xF0\x9F\x93\x85"
            "b");
}

TEST(Ics, FormatsUtcAndDurations) {
  EXPECT_EQ(ics_utc(at("2023-06-20T00:00:00+07:00")), "20230619T170000Z");
  EXPECT_EQ(ics_duration_before(std::chrono::hours(72)), "-P3D");
  EXPECT_EQ(ics_duration_before(std::chrono::hours(12)), "-PT12H");
  EXPECT_EQ(ics_duration_before(std::chrono::minutes(30)), "-PT30M");
  EXPECT_EQ(ics_duration_before(std::chrono::minutes(26 * 60 + 5)), "-P1DT2H5M");
}

TEST(Ics, StatusFollowsProgress) {
  EXPECT_EQ(ics_status(progress_state::assigned), "NEEDS-ACTION");
  EXPECT_EQ(ics_status(progress_state::returned), "NEEDS-ACTION");
  EXPECT_EQ(ics_status(progress_state::acknowledged), "IN-PROCESS");
  EXPECT_EQ(ics_status(progress_state::submitted), "IN-PROCESS");
  EXPECT_EQ(ics_status(progress_state::done), "COMPLETED");
  EXPECT_EQ(ics_status(progress_state::cancelled), "CANCELLED");
  EXPECT_EQ(ics_status(progress_state::absent), "CANCELLED");
}

TEST(Ics, UnitCalendarHasOneTodoPerDutyWithAlarmsOnlyWhenDue) {
  json due{{"plan", "p"},
           {"id", "bao-cao"},
           {"kind_label", "Báo cáo, tài liệu"},
           {"title", "Báo cáo kết quả, phương hướng; đề xuất"},
           {"state", {{"progress", "Done"}, {"progress_label", "Hoàn thành"}, {"timeliness_label", "Trong hạn"}}},
           {"status_label", "Hoàn thành đúng hạn"},
           {"deadline", "2023-06-16T00:00:00+07:00"},
           {"finished_at", "2023-06-12T09:30:00+07:00"},
           {"version", 4},
           {"reminders", {{"before", {"3d", "12h", "2wd"}}}}};
  json pending = due;
  pending["id"] = "tham-luan";
  pending["state"]["progress"] = "Assigned";
  pending["deadline"] = nullptr;
  pending.erase("finished_at");
  std::map<std::string, json> plans{
      {"p", json{{"number", "182/KH-UBND"}, {"title", "Kế hoạch"}, {"timezone", "Asia/Ho_Chi_Minh"}}}};
  auto calendar = working_calendar::load(std::string(DUTYFLOW_SOURCE_DIR) + "/config/calendar");
  ASSERT_TRUE(calendar) << calendar.err().message;
  const std::string text =
      unit_calendar("Xã Ma Li Pho", {due, pending}, plans, at("2023-06-06T08:00:00+07:00"), &*calendar);
  const std::string flat = unfold(text);
  EXPECT_TRUE(flat.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
  EXPECT_TRUE(flat.ends_with("END:VCALENDAR\r\n"));
  auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (auto p = flat.find(what); p != std::string::npos; p = flat.find(what, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("BEGIN:VTODO\r\n"), 2u);
  EXPECT_EQ(count("BEGIN:VEVENT\r\n"), 1u) << "an event for the deadline that is known, none for the pending one";
  EXPECT_EQ(count("BEGIN:VALARM\r\n"), 3u) << "three reminders for the duty with a deadline, none without";
  EXPECT_NE(flat.find("UID:p/bao-cao@dutyflow\r\n"), std::string::npos);
  EXPECT_NE(flat.find("DTSTAMP:20230606T010000Z\r\n"), std::string::npos);
  EXPECT_NE(flat.find("SUMMARY:Báo cáo kết quả\\, phương hướng\\; đề xuất\r\n"), std::string::npos);
  // 2023-06-16T00:00+07:00 is the end of 15/06: the feed says the day, not an instant that a
  // calendar in another zone would put on another day.
  EXPECT_NE(flat.find("DUE;VALUE=DATE:20230615\r\n"), std::string::npos) << flat;
  EXPECT_EQ(flat.find("DUE:"), std::string::npos);
  EXPECT_NE(flat.find("BEGIN:VEVENT\r\nUID:p/bao-cao/deadline@dutyflow\r\n"), std::string::npos) << flat;
  EXPECT_NE(flat.find("DTSTART;VALUE=DATE:20230615\r\nDTEND;VALUE=DATE:20230616\r\n"), std::string::npos);
  EXPECT_NE(flat.find("SUMMARY:Hạn: Báo cáo kết quả\\, phương hướng\\; đề xuất\r\n"), std::string::npos);
  EXPECT_NE(flat.find("STATUS:COMPLETED\r\nCOMPLETED:20230612T023000Z\r\n"), std::string::npos);
  EXPECT_NE(flat.find("STATUS:NEEDS-ACTION\r\n"), std::string::npos);
  // Before a DATE value RELATED=END would count from the start of 15/06: the reminders of a
  // day deadline are written at their instants (3 days and 12 hours before the end of 15/06).
  EXPECT_NE(flat.find("TRIGGER;VALUE=DATE-TIME:20230612T170000Z\r\n"), std::string::npos) << flat;
  EXPECT_NE(flat.find("TRIGGER;VALUE=DATE-TIME:20230615T050000Z\r\n"), std::string::npos);
  // Two working days before the deadline (the end of Thursday 15/06) is the end of Tuesday 13/06.
  EXPECT_NE(flat.find("TRIGGER;VALUE=DATE-TIME:20230613T170000Z\r\n"), std::string::npos) << flat;
  EXPECT_NE(flat.find("Hạn: hết ngày 15/6/2023"), std::string::npos) << "midnight is the end of the day before";
  EXPECT_NE(flat.find("Nhắc hạn (còn 2 ngày làm việc)"), std::string::npos);
  EXPECT_NE(flat.find("Hạn: chờ ấn định"), std::string::npos);
  for (const auto& line : physical_lines(text)) EXPECT_LE(line.size(), 75u) << line;
}

TEST(Ics, TimedDeadlinesAreLocalTimeWithTheirZoneAndKeepRelativeAlarms) {
  ics_todo t;
  t.uid = "p/hop@dutyflow";
  t.summary = "Họp chuẩn bị";
  t.status = "NEEDS-ACTION";
  t.due = at("2023-06-15T17:00:00+07:00");
  t.alarms.push_back(ics_alarm{std::chrono::hours(24), std::nullopt, ""});
  const auto flat = unfold(ics_calendar("x", {t}, at("2023-06-06T08:00:00+07:00")));
  EXPECT_NE(flat.find("BEGIN:VTIMEZONE\r\nTZID:Asia/Ho_Chi_Minh\r\nBEGIN:STANDARD\r\n"), std::string::npos) << flat;
  EXPECT_NE(flat.find("TZOFFSETFROM:+0700\r\nTZOFFSETTO:+0700\r\n"), std::string::npos);
  EXPECT_NE(flat.find("DUE;TZID=Asia/Ho_Chi_Minh:20230615T170000\r\n"), std::string::npos);
  EXPECT_NE(flat.find("TRIGGER;RELATED=END:-P1D\r\n"), std::string::npos);
  EXPECT_NE(flat.find("DTSTART;TZID=Asia/Ho_Chi_Minh:20230615T170000\r\n"), std::string::npos);
  EXPECT_EQ(flat.find("DTEND"), std::string::npos) << "a timed deadline is an instant";
}

TEST(Ics, AnyDayDeadlineIsItsDayInThePlansZone) {
  // Midnight in +07:00 is the end of the day before; 00:00 UTC is 07:00 there, a timed deadline.
  EXPECT_EQ(ics_local(at("2023-06-16T00:00:00+07:00"), std::chrono::hours(7)), "20230616T000000");
  ics_todo t;
  t.uid = "u@dutyflow";
  t.summary = "s";
  t.status = "NEEDS-ACTION";
  t.due = at("2024-01-01T00:00:00+07:00");
  auto flat = unfold(ics_calendar("x", {t}, at("2023-06-06T08:00:00+07:00")));
  EXPECT_NE(flat.find("DUE;VALUE=DATE:20231231\r\n"), std::string::npos) << flat;
  EXPECT_NE(flat.find("DTEND;VALUE=DATE:20240101\r\n"), std::string::npos);
  EXPECT_EQ(flat.find("VTIMEZONE"), std::string::npos) << "no local times, no zone";
  t.due = at("2023-06-16T00:00:00Z");
  flat = unfold(ics_calendar("x", {t}, at("2023-06-06T08:00:00+07:00")));
  EXPECT_NE(flat.find("DUE;TZID=Asia/Ho_Chi_Minh:20230616T070000\r\n"), std::string::npos) << flat;
}

TEST(Ics, SetMilestonesBecomeEvents) {
  json plan{{"id", "182-kh-ubnd-2023"},
            {"number", "182/KH-UBND"},
            {"title", "Kế hoạch tổ chức Hội nghị"},
            {"timezone", "Asia/Ho_Chi_Minh"},
            {"milestones",
             {{{"id", "conference"}, {"title", "Hội nghị cải cách hành chính"}, {"at", "2023-06-20T08:00:00+07:00"}},
              {{"id", "later"}, {"title", "Chưa định"}, {"at", nullptr}}}}};
  auto events = ics_milestone_events(plan);
  ASSERT_EQ(events.size(), 1u) << "a milestone without a date is no event";
  const auto flat = unfold(ics_calendar("x", {}, at("2023-06-06T08:00:00+07:00"), events));
  EXPECT_NE(flat.find("BEGIN:VEVENT\r\nUID:182-kh-ubnd-2023/milestone/conference@dutyflow\r\n"), std::string::npos)
      << flat;
  EXPECT_NE(flat.find("DTSTART;TZID=Asia/Ho_Chi_Minh:20230620T080000\r\n"), std::string::npos);
  EXPECT_NE(flat.find("SUMMARY:Hội nghị cải cách hành chính\r\n"), std::string::npos);
  EXPECT_NE(flat.find("DESCRIPTION:Kế hoạch 182/KH-UBND: Kế hoạch tổ chức Hội nghị\r\n"), std::string::npos);
  EXPECT_LT(flat.find("BEGIN:VTIMEZONE"), flat.find("BEGIN:VEVENT"));
}
