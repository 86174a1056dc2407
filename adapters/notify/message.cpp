#include "adapters/notify/message.h"

#include <algorithm>
#include <array>
#include <optional>

namespace dutyflow::notify {

using nlohmann::json;

namespace {

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A deadline (ISO instant) from the payload as every channel shows it ("hết ngày 16/6/2023",
// "17:00 ngày 15/6/2023"); empty when absent.
std::string vi_deadline(const json& payload, const char* key, std::chrono::minutes offset) {
  const auto text = string_field(payload, key);
  if (text.empty()) return {};
  auto at = parse_instant(text);
  return at ? vietnamese_deadline(*at, offset) : text;
}

std::optional<std::int64_t> int_field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

// Whole days between the deadline and the point (0 on the first day late), from the payload
// when the engine says it, else counted here from the row.
std::optional<std::int64_t> days_overdue(const outbox_row& row, const json& payload) {
  if (auto n = int_field(payload, "days_overdue")) return *n;
  auto deadline = parse_instant(string_field(payload, "deadline"));
  if (!deadline || row.point < *deadline) return std::nullopt;
  return std::chrono::floor<std::chrono::days>(row.point - *deadline).count();
}

// "3 ngày làm việc", "1 ngày", "12 giờ": the length of a duration, without its sign.
std::string duration_words(const duration_spec& d) {
  const auto n = std::to_string(d.amount < 0 ? -d.amount : d.amount);
  std::string unit;
  switch (d.unit_) {
    case duration_spec::unit::minutes:
      unit = " phút";
      break;
    case duration_spec::unit::hours:
      unit = " giờ";
      break;
    case duration_spec::unit::days:
      unit = " ngày";
      break;
    case duration_spec::unit::working_days:
      unit = " ngày làm việc";
      break;
  }
  return n + unit;
}

// "3 ngày làm việc trước", "1 ngày sau": a milestone offset in words.
std::string offset_vi(const duration_spec& d) {
  if (d.amount == 0) return "đúng vào";
  return duration_words(d) + (d.amount < 0 ? " trước" : " sau");
}

std::string unit_name(const plan& p, const std::string& id) {
  const auto* u = p.find_unit(id);
  return u && !u->name.empty() ? u->name : id;
}

// What a point missed while dutyflowd was stopped was, in the words of the messages.
std::string missed_label(const std::string& kind) {
  if (kind == "reminder") return "nhắc việc trước hạn";
  if (kind == "due_soon") return "sắp đến hạn";
  if (kind == "overdue") return "quá hạn";
  if (kind == "overdue_repeat") return "nhắc việc quá hạn";
  if (kind == "escalation") return "báo cáo quá hạn với cơ quan chủ trì";
  return kind;
}

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

contact contact::from_json(const json& j) {
  contact c;
  if (!j.is_object()) return c;
  c.channel = string_field(j, "channel");
  c.to = string_field(j, "to");
  c.secret_ref = string_field(j, "secret_ref");
  return c;
}

bool carries_ack_link(std::string_view reason) {
  static constexpr std::array<std::string_view, 7> with_link = {
      "assigned", "deadline_set", "deadline_changed", "reminder", "due_soon", "overdue", "catch_up"};
  for (auto r : with_link)
    if (r == reason) return true;
  return false;
}

template_vars message_vars(const outbox_row& row, const plan& p, const security::link_tokens* links,
                           const compose_options& options) {
  const auto& payload = row.payload.is_object() ? row.payload : json::object();
  const auto* duty = p.find_duty(row.duty);
  template_vars v;
  v["id"] = row.key;
  v["reason"] = row.reason;
  v["unit_name"] = unit_name(p, row.unit);
  v["plan_number"] = p.number;
  v["plan_title"] = p.title;
  v["plan_issuer"] = p.issuer;
  v["plan_date"] = vietnamese_date(p.issued_on);
  v["duty_title"] = duty ? duty->title : string_field(payload, "title");
  if (v["duty_title"].empty()) v["duty_title"] = row.duty;
  std::string owner = string_field(payload, "owner");
  if (owner.empty() && duty) owner = duty->owner;
  v["owner_name"] = owner.empty() ? std::string() : unit_name(p, owner);
  v["deadline"] = vi_deadline(payload, "deadline", p.utc_offset);
  if (row.reason == "deadline_set" || row.reason == "deadline_changed") {
    if (auto to = vi_deadline(payload, "to", p.utc_offset); !to.empty()) v["deadline"] = to;
    v["old_deadline"] = vi_deadline(payload, "from", p.utc_offset);
    // The milestone the deadline counts from: the engine's payload names it with its date;
    // without it the plan still names the milestone (its date is then only in the deadline).
    std::string milestone_id;
    if (auto it = payload.find("milestone"); it != payload.end() && it->is_object()) {
      milestone_id = string_field(*it, "id");
      v["milestone_title"] = string_field(*it, "title");
      if (auto ms_at = parse_instant(string_field(*it, "at"))) v["milestone_at"] = vietnamese_datetime(*ms_at, p.utc_offset);
    }
    if (duty && duty->due.kind == due_spec::type::milestone &&
        (milestone_id.empty() || milestone_id == duty->due.milestone)) {
      for (const auto& m : p.milestones) {
        if (m.id != duty->due.milestone) continue;
        if (v["milestone_title"].empty()) v["milestone_title"] = m.title.empty() ? m.id : m.title;
        if (v["milestone_at"].empty() && m.at) v["milestone_at"] = vietnamese_datetime(*m.at, p.utc_offset);
      }
      if (!v["milestone_title"].empty()) v["milestone_offset"] = offset_vi(duty->due.offset);
    }
  }
  if (row.reason == "returned") v["new_deadline"] = vi_deadline(payload, "to", p.utc_offset);
  if (row.reason == "overdue" || row.reason == "escalation") {
    // Day 0 is the day the deadline passed: "đã quá hạn" says it without a number.
    if (auto n = days_overdue(row, payload); n && *n > 0) v["days_overdue"] = std::to_string(*n);
  }
  if (auto k = int_field(payload, "coalesced"); k && *k > 1) v["coalesced"] = std::to_string(*k);
  if (auto b = string_field(payload, "before"); !b.empty()) {
    if (auto spec = parse_duration(b)) v["before"] = duration_words(*spec);
  }
  // The engine records the duty's progress when the row was queued; once the unit has
  // acknowledged, the message offers no acknowledge link. Rows from before that field
  // keep the link with its "if you have not acknowledged yet" wording.
  const auto progress = string_field(payload, "progress");
  const bool offers_ack = progress.empty() || progress == "Assigned";
  if (progress == "Assigned") v["unacknowledged"] = "1";
  v["point"] = vietnamese_datetime(row.point, p.utc_offset);
  v["note"] = string_field(payload, "note");
  v["actor"] = string_field(payload, "actor");
  if (auto it = payload.find("missed"); it != payload.end()) {
    if (it->is_array()) {
      std::string missed;
      std::vector<std::string> seen;
      for (const auto& m : *it) {
        const auto text = missed_label(m.is_string() ? m.get<std::string>() : m.dump());
        if (std::find(seen.begin(), seen.end(), text) != seen.end()) continue;
        seen.push_back(text);
        missed += (missed.empty() ? "" : ", ") + text;
      }
      v["missed"] = missed;
    } else if (it->is_string()) {
      v["missed"] = it->get<std::string>();
    } else if (it->is_number_integer()) {
      v["missed"] = std::to_string(it->get<std::int64_t>());
    }
  }
  if (links && offers_ack && carries_ack_link(row.reason) && !row.duty.empty()) {
    security::link_claims claims{row.plan, row.duty, row.unit, "acknowledge",
                       std::chrono::floor<std::chrono::seconds>(row.created_at) + options.link_ttl};
    v["link"] = trim_slash(options.base_url) + "/a/" + links->sign(claims);
    v["link_expires"] = vietnamese_datetime(claims.expires, p.utc_offset);
  }
  return v;
}

std::vector<contact> contacts_of(const plan& p, const std::string& unit, std::string_view fallback) {
  std::vector<contact> out;
  if (const auto* u = p.find_unit(unit); u && u->contacts.is_array())
    for (const auto& c : u->contacts) out.push_back(contact::from_json(c));
  if (!out.empty()) return out;
  // Unit ids are plan-file ids (lowercase letters, digits, dashes): a safe file name.
  if (fallback == "file" && !unit.empty()) out.push_back(contact{"file", unit + ".jsonl", ""});
  else out.push_back(contact{"log", "", ""});
  return out;
}

result<message> compose(const outbox_row& row, const plan& p, const template_set& templates, const security::link_tokens* links,
                        const compose_options& options) {
  const auto* t = templates.find(row.reason);
  if (!t) return make_error(errc::not_found, "no template for reason \"" + row.reason + "\"");
  auto vars = message_vars(row, p, links, options);
  auto r = t->render(vars);
  message m;
  m.id = row.key;
  m.plan = row.plan;
  m.duty = row.duty;
  m.unit = row.unit;
  m.reason = row.reason;
  m.unit_name = vars["unit_name"];
  m.subject = r.subject;
  m.text = r.text;
  m.utc_offset = p.utc_offset;
  const auto deadline =
      string_field(row.payload, row.reason == "deadline_changed" || row.reason == "deadline_set" ? "to" : "deadline");
  m.document = json{{"id", row.key},
                    {"reason", row.reason},
                    {"plan", {{"id", p.id}, {"number", p.number}, {"title", p.title}}},
                    {"duty", {{"id", row.duty}, {"title", vars["duty_title"]}}},
                    {"unit", {{"id", row.unit}, {"name", vars["unit_name"]}}},
                    {"point", p.format(row.point)},
                    {"deadline", deadline.empty() ? json(nullptr) : json(deadline)},
                    {"subject", m.subject},
                    {"text", m.text},
                    {"link", vars["link"].empty() ? json(nullptr) : json(vars["link"])},
                    {"data", row.payload.is_object() ? row.payload : json::object()}};
  return m;
}

}  // namespace dutyflow::notify
