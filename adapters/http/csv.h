// CSV text as RFC 4180 writes it, for the plan report: fields quoted when they need it,
// rows ended by CRLF, a UTF-8 byte order mark up front so Excel reads Vietnamese right.
// Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace dutyflow::http {

// The UTF-8 byte order mark, EF BB BF.
inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

// `field` as it goes into a row: wrapped in double quotes (inner quotes doubled) when it
// holds a comma, a quote, CR or LF, or starts or ends with a space; verbatim otherwise. A
// field starting with = + - @ TAB or CR gets a leading apostrophe first, so that a
// spreadsheet shows it as text instead of running it as a formula.
std::string csv_field(std::string_view field);

// The fields joined by commas, ended by CRLF.
std::string csv_row(const std::vector<std::string>& fields);

// The plan report (GET /api/v1/plans/{plan}/report.csv): a BOM, a header row and one row
// per duty of `duties` (duty JSON as the API gives it), unit names from `plan` (plan JSON).
// The deadline is given three ways: its day ("Ngày hạn", 2023-06-16, the day the dashboard
// shows; Excel reads it as a date), as every channel writes it ("hết ngày 16/6/2023") and
// as the ISO instant the API keeps (2023-06-17T00:00:00+07:00). States and statuses are
// the API's Vietnamese labels.
std::string csv_plan_report(const nlohmann::json& plan, const std::vector<nlohmann::json>& duties);

}  // namespace dutyflow::http
