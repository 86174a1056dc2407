// The read model's tables (one per closed set) and the storage form of an idempotent answer.
#include "engine/read_model.h"

#include <array>

namespace dutyflow {

using nlohmann::json;

namespace {

struct entry {
  std::string_view name;
  std::string_view label;
};

// Indexed by the enum's value: the order of each table is its enum's.
constexpr std::array<entry, progress_state_count> progress_table{{
    {"Assigned", "Đã giao"},
    {"Acknowledged", "Đã nhận"},
    {"Returned", "Bị trả lại"},
    {"InProgress", "Đang thực hiện"},
    {"Drafting", "Đang soạn"},
    {"Nominating", "Đang đề xuất"},
    {"Nominated", "Đã đề xuất"},
    {"ReporterNamed", "Đã cử phóng viên"},
    {"Submitted", "Đã nộp"},
    {"Ready", "Đã sẵn sàng"},
    {"Published", "Đã đăng tải"},
    {"Appraised", "Đã thẩm định"},
    {"Approved", "Đã duyệt"},
    {"Decided", "Đã quyết định"},
    {"DelegatesNamed", "Đã cử đại biểu"},
    {"Attended", "Đã dự"},
    {"Done", "Hoàn thành"},
    {"Cancelled", "Đã hủy"},
    {"Absent", "Vắng mặt"},
}};
static_assert(static_cast<int>(progress_state::absent) + 1 == progress_state_count);

constexpr std::array<entry, timeliness_count> timeliness_table{{
    {"OnTrack", "Trong hạn"},
    {"DueSoon", "Sắp đến hạn"},
    {"Overdue", "Quá hạn"},
    {"Escalated", "Đã báo lãnh đạo"},
}};
static_assert(static_cast<int>(timeliness::escalated) + 1 == timeliness_count);

constexpr std::array<entry, duty_status_count> status_table{{
    {"done_on_time", "Hoàn thành đúng hạn"},
    {"done_late", "Hoàn thành quá hạn"},
    {"open_on_time", "Chưa hoàn thành trong hạn"},
    {"open_overdue", "Chưa hoàn thành quá hạn"},
    {"pending", "Chờ ấn định"},
    {"cancelled", "Đã hủy"},
}};
static_assert(static_cast<int>(duty_status::cancelled) + 1 == duty_status_count);

constexpr std::array<std::string_view, notice_reason_count> reason_table{
    "assigned", "deadline_set", "deadline_changed", "reminder", "due_soon",
    "overdue",  "escalation",   "returned",         "approved", "catch_up",
};
static_assert(static_cast<int>(notice_reason::catch_up) + 1 == notice_reason_count);

template <class E, std::size_t N>
std::optional<E> find_name(const std::array<entry, N>& table, std::string_view name) {
  for (std::size_t i = 0; i < N; ++i)
    if (table[i].name == name) return static_cast<E>(i);
  return std::nullopt;
}

template <class E>
std::size_t at(E e) {
  return static_cast<std::size_t>(e);
}

}  // namespace

std::string_view api_name(progress_state s) { return progress_table.at(at(s)).name; }
std::string_view api_name(timeliness t) { return timeliness_table.at(at(t)).name; }
std::string_view api_name(duty_status s) { return status_table.at(at(s)).name; }
std::string_view api_name(notice_reason r) { return reason_table.at(at(r)); }
std::string_view label_vi(progress_state s) { return progress_table.at(at(s)).label; }
std::string_view label_vi(timeliness t) { return timeliness_table.at(at(t)).label; }
std::string_view label_vi(duty_status s) { return status_table.at(at(s)).label; }

std::string_view label_vi(timeliness t, escalation_route route) {
  if (t != timeliness::escalated) return label_vi(t);
  switch (route) {
    case escalation_route::leader: return label_vi(t);  // "Đã báo lãnh đạo"
    case escalation_route::coordinator: return "Đã báo cơ quan chủ trì";
    case escalation_route::nowhere: return "Quá hạn (chưa có nơi nhận báo cáo)";
    case escalation_route::none: break;
  }
  return "Đã báo cơ quan chủ trì";  // journals from before escalations named their receiver
}

std::optional<progress_state> parse_progress_state(std::string_view name) {
  return find_name<progress_state>(progress_table, name);
}
std::optional<timeliness> parse_timeliness(std::string_view name) { return find_name<timeliness>(timeliness_table, name); }
std::optional<duty_status> parse_duty_status(std::string_view code) { return find_name<duty_status>(status_table, code); }
std::optional<notice_reason> parse_notice_reason(std::string_view name) {
  for (std::size_t i = 0; i < reason_table.size(); ++i)
    if (reason_table[i] == name) return static_cast<notice_reason>(i);
  return std::nullopt;
}

progress_state progress_of(const machine_state& ms) {
  if (!ms.progress) return progress_state::assigned;
  return parse_progress_state(ms.progress->name).value_or(progress_state::assigned);
}

timeliness timeliness_of(const machine_state& ms) {
  if (!ms.timeliness) return timeliness::on_track;
  return parse_timeliness(ms.timeliness->name).value_or(timeliness::on_track);
}

}  // namespace dutyflow
