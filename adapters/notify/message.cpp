#include "adapters/notify/message.h"

#include <algorithm>
#include <array>

namespace dutyflow::notify {

using nlohmann::json;

namespace {

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// An ISO instant from the payload, written the Vietnamese way; empty when absent.
std::string vi_instant(const json& payload, const char* key, std::chrono::minutes offset) {
  const auto text = string_field(payload, key);
  if (text.empty()) return {};
  auto at = parse_instant(text);
  return at ? vietnamese_datetime(*at, offset) : text;
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

template_vars message_vars(const outbox_row& row, const plan& p, const link_signer* links,
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
  v["deadline"] = vi_instant(payload, "deadline", p.utc_offset);
  if (row.reason == "deadline_set" || row.reason == "deadline_changed") {
    if (auto to = vi_instant(payload, "to", p.utc_offset); !to.empty()) v["deadline"] = to;
    v["old_deadline"] = vi_instant(payload, "from", p.utc_offset);
  }
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
  if (links && carries_ack_link(row.reason) && !row.duty.empty()) {
    link_claims claims{row.plan, row.duty, row.unit, "acknowledge",
                       std::chrono::floor<std::chrono::seconds>(row.created_at) + options.link_ttl};
    v["link"] = trim_slash(options.base_url) + "/a/" + links->sign(claims);
    v["link_expires"] = vietnamese_datetime(claims.expires, p.utc_offset);
  }
  return v;
}

std::vector<contact> contacts_of(const plan& p, const std::string& unit) {
  std::vector<contact> out;
  if (const auto* u = p.find_unit(unit); u && u->contacts.is_array())
    for (const auto& c : u->contacts) out.push_back(contact::from_json(c));
  if (out.empty()) out.push_back(contact{"log", "", ""});
  return out;
}

result<message> compose(const outbox_row& row, const plan& p, const template_set& templates, const link_signer* links,
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
