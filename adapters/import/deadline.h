// Reads the deadline an assignment states in its own words ("trước ngày 18/7/2023",
// "chậm nhất ngày 20/7", "trước 10 giờ ngày 15/6/2023", "trong 05 ngày làm việc kể từ
// ngày nhận được Kế hoạch", "xong trước Hội nghị 03 ngày", "trong tháng 7/2023",
// "hằng tháng trước ngày 15") into a due spec of the plan file. Scanned by hand over
// the folded text, one pass per cue: no std::regex on document text (it recurses per
// character and a long line overflows the stack). Pure functions; any thread may call.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "engine/time.h"

namespace dutyflow::importer {

struct stated_deadline {
  enum class type : std::uint8_t {
    at,              // a day or an hour: `at` is the instant
    milestone,       // relative to the plan's event: `offset` ("-3d", "-2wd", "+1d")
    after_assigned,  // N working days from when the duty is assigned
    recurring,       // "hằng tháng trước ngày 15": recognised, not representable as one due
  };
  type kind = type::at;
  std::string at;         // type::at: ISO-8601 with +07:00, e.g. "2023-07-18T00:00:00+07:00"
  std::string offset;     // type::milestone
  int working_days = 0;   // type::after_assigned
  std::string phrase;     // the document's own words, verbatim
  std::string meaning;    // English: how the phrase was read ("due before 18/7/2023, i.e. by the end of 17/7/2023")
  std::string assumption; // non-empty when part of it was assumed (the year, the start of a count)

  // The plan file's "due" object; null for type::recurring.
  nlohmann::ordered_json due(const std::string& milestone) const;
};

// The first deadline `text` states, or nullopt when it states none. `plan_date` (the
// issue date) supplies the year of dates written without one and the start of counts
// "kể từ ngày ban hành". Times are local (UTC+07:00): a day given as a deadline ends at
// 24:00 of that day; "trước ngày D" ends when D begins.
std::optional<stated_deadline> find_deadline(std::string_view text, date plan_date);

// Scanning helpers over folded text (see fold()), shared with the header and the
// THỜI GIAN section: the first match at or after `from`, with its folded range.
struct day_match {
  date day;
  bool year_given = false;  // false: the year is `default_year`
  std::size_t begin = 0, end = 0;
};
// "18/7/2023", "18/7", "18-7-2023", "18 tháng 7 năm 2023", "18 tháng 7".
std::optional<day_match> find_day(std::string_view folded, int default_year, std::size_t from = 0);

struct clock_match {
  int hour = 0, minute = 0;
  std::size_t begin = 0, end = 0;
};
// "14 giờ", "07 giờ 30 phút", "14h", "14h30", "14:30".
std::optional<clock_match> find_clock(std::string_view folded, std::size_t from = 0);

struct month_match {
  unsigned month = 0;
  std::optional<int> year;
  std::size_t begin = 0, end = 0;
};
// "tháng 6", "tháng 6/2023", "tháng 6 năm 2023" (not "06 tháng đầu năm").
std::optional<month_match> find_month(std::string_view folded, std::size_t from = 0);

}  // namespace dutyflow::importer
