// CSV text as RFC 4180 writes it, for the plan report: fields quoted when they need it,
// rows ended by CRLF, a UTF-8 byte order mark up front so Excel reads Vietnamese right.
// Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dutyflow::http {

// The UTF-8 byte order mark, EF BB BF.
inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

// `field` as it goes into a row: wrapped in double quotes (inner quotes doubled) when it
// holds a comma, a quote, CR or LF, or starts or ends with a space; verbatim otherwise.
std::string csv_field(std::string_view field);

// The fields joined by commas, ended by CRLF.
std::string csv_row(const std::vector<std::string>& fields);

}  // namespace dutyflow::http
