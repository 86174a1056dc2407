// The CLI's text: dates as people type them (parse_cli_instant), deadlines as every
// channel writes them, and the one line printed for a refused API call. Declared in
// tools/cli_client.h.
#include "tools/cli_client.h"

#include <charconv>
#include <chrono>
#include <string>

namespace dutyflow {

using nlohmann::json;

std::string cli_join(const json& list) {
  std::string out;
  if (list.is_array())
    for (const auto& a : list) out += (out.empty() ? "" : ", ") + (a.is_string() ? a.get<std::string>() : a.dump());
  return out;
}

namespace {

// Reads an unsigned number at `pos`, moving past it; false if there is none.
bool read_number(std::string_view text, std::size_t& pos, int& out, std::size_t max_digits) {
  const auto start = pos;
  while (pos < text.size() && pos - start < max_digits && text[pos] >= '0' && text[pos] <= '9') ++pos;
  if (pos == start) return false;
  std::from_chars(text.data() + start, text.data() + pos, out);
  return true;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

result<instant> parse_cli_instant(std::string_view text) {
  const std::chrono::minutes vietnam{7 * 60};
  const auto input = trimmed(text);
  const auto refuse = [&] {
    return make_error(errc::invalid, "không đọc được thời điểm \"" + std::string(input) +
                                         "\"; hãy viết như 20/6/2023 08:00, 20/6/2023 hoặc 2023-06-20T08:00:00+07:00");
  };
  if (input.empty()) return refuse();
  // Day/month/year as Vietnamese documents write it, then an optional time "08:00" or "8h30".
  if (input.find('/') != std::string_view::npos) {
    std::size_t pos = 0;
    int d = 0, m = 0, y = 0, hh = 0, mm = 0;
    if (!read_number(input, pos, d, 2) || pos >= input.size() || input[pos++] != '/') return refuse();
    if (!read_number(input, pos, m, 2) || pos >= input.size() || input[pos++] != '/') return refuse();
    if (!read_number(input, pos, y, 4) || y < 1000) return refuse();
    const auto rest = trimmed(input.substr(pos));
    if (!rest.empty()) {
      if (pos < input.size() && input[pos] != ' ' && input[pos] != '\t') return refuse();
      std::size_t p = 0;
      if (!read_number(rest, p, hh, 2) || p >= rest.size() || (rest[p] != ':' && rest[p] != 'h')) return refuse();
      const char sep = rest[p++];
      if (p < rest.size()) {
        if (!read_number(rest, p, mm, 2)) return refuse();
      } else if (sep == ':') {
        return refuse();
      }
      if (p != rest.size() || hh > 23 || mm > 59) return refuse();
    }
    const date day{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                   std::chrono::day{static_cast<unsigned>(d)}};
    if (!day.ok()) return refuse();
    return start_of_day(day, vietnam) + std::chrono::hours(hh) + std::chrono::minutes(mm);
  }
  if (auto full = parse_instant(input)) return *full;
  if (input.size() == 10) {
    auto day = parse_date(input);
    if (!day) return refuse();
    return start_of_day(*day, vietnam);
  }
  // ISO without an offset: Vietnam's time, never the machine's zone.
  if (input.size() >= 16 && input[10] == 'T') {
    std::string with_seconds(input);
    if (with_seconds.size() == 16) with_seconds += ":00";
    if (auto local = parse_instant(with_seconds + "+07:00")) return *local;
  }
  return refuse();
}

std::string cli_deadline_text(const json& duty) {
  if (auto it = duty.find("deadline_text"); it != duty.end() && it->is_string()) return it->get<std::string>();
  auto it = duty.find("deadline");
  if (it == duty.end() || !it->is_string()) return "chưa ấn định";
  auto at = parse_instant(it->get<std::string>());
  return at ? vietnamese_deadline(*at, std::chrono::hours(7)) : it->get<std::string>();
}

std::string cli_error_line(int http_status, const json& body, const std::string& event) {
  const json e = body.is_object() && body.contains("error") && body["error"].is_object() ? body["error"] : json::object();
  std::string code = e.value("code", "");
  if (code.empty()) code = "http_" + std::to_string(http_status);
  const json details = e.value("details", json::object());
  std::string vi;
  if (code == "invalid") vi = "yêu cầu không hợp lệ";
  else if (code == "unauthenticated") vi = "chưa xác thực: thiếu mã truy cập (token) hoặc mã không đúng";
  else if (code == "forbidden") vi = "không có quyền thực hiện việc này";
  else if (code == "not_found") vi = "không tìm thấy";
  else if (code == "conflict" && !event.empty()) vi = "\"" + event + "\" không được phép ở trạng thái hiện tại";
  else if (code == "conflict") vi = "không thực hiện được ở trạng thái hiện tại";
  else if (code == "version_mismatch") vi = "nhiệm vụ vừa được cập nhật; hãy xem lại (dutyflow show) rồi thử lại";
  else if (code == "confirm_past") vi = "thời điểm đã qua, cần xác nhận (--yes)";
  else if (code == "too_large") vi = "dữ liệu gửi lên quá lớn";
  else if (code == "too_many_requests") vi = "thử sai quá nhiều lần; hãy đợi một lát rồi thử lại";
  else if (code == "storage" || code == "unavailable") vi = "máy chủ tạm thời không ghi được dữ liệu; hãy thử lại sau";
  else if (code == "internal") vi = "lỗi nội bộ của máy chủ";
  else if (code == "method_not_allowed") vi = "thao tác không được hỗ trợ";
  else vi = "máy chủ từ chối (HTTP " + std::to_string(http_status) + ")";
  std::string line = "lỗi: " + vi + " [" + code + "]";
  if (const auto message = e.value("message", ""); !message.empty()) line += ": " + message;
  if (details.contains("allowed_events")) {
    const auto allowed = cli_join(details["allowed_events"]);
    line += "; được phép lúc này: " + (allowed.empty() ? std::string("không có") : allowed);
  }
  if (details.contains("errors") && details["errors"].is_array())
    for (const auto& err : details["errors"]) line += "\n  " + err.value("path", "") + ": " + err.value("message", "");
  return line;
}

}  // namespace dutyflow
