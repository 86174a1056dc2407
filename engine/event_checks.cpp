// What an event needs before the engine stages it: who may fire it (may_fire), the data
// it must carry and its caps (check_requirement, with the hand-written URL check), and
// the days-late count shared with the scheduler. Pure functions; any thread.
#include "engine/engine.h"
#include "engine/engine_internal.h"

#include <spdlog/spdlog.h>

#include <cctype>

namespace dutyflow {

using nlohmann::json;

int days_late(instant deadline, instant at, std::chrono::minutes utc_offset) {
  const auto from = std::chrono::sys_days{deadline_date(deadline, utc_offset)};
  const auto to = std::chrono::sys_days{local_date(at, utc_offset)};
  return std::max(0, static_cast<int>((to - from).count()));
}

bool may_fire(const event_spec& spec, const actor& by, const std::string& owner) {
  bool is_owner = (by.role == role::unit || by.role == role::coordinator) && !by.unit.empty() && by.unit == owner;
  bool is_coordinator = by.role == role::coordinator;
  switch (spec.by) {
    case who::owner: return is_owner;
    case who::coordinator: return is_coordinator;
    case who::owner_or_coordinator: return is_owner || is_coordinator;
    case who::system: return by.role == role::system;
  }
  return false;
}

namespace {

// An http(s) URL: the scheme, a host, and no blank or control character anywhere. Written
// out by hand: std::regex recurses per character and a 40,000-character URL overflowed
// the engine thread's stack. The length is capped before anything else is looked at.
bool is_http_url(std::string_view s) {
  if (s.size() > data_caps::string_bytes) return false;
  auto lower_starts = [&](std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    return true;
  };
  std::string_view rest;
  if (lower_starts("https://")) rest = s.substr(8);
  else if (lower_starts("http://")) rest = s.substr(7);
  else return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return false;
  auto host = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
  if (host.empty() || host.front() == '.' || host.front() == '$' || host.front() == ':') return false;
  return true;
}

}  // namespace

// Checks the note and data an event carries against its spec (workflow.h: requirement,
// data_caps); empty string when fine, else the reason. Only the field the event declares
// may be present: anything else is refused by name, so the journal holds only what the
// event means (a comment takes a note, never data).
std::string check_requirement(const event_spec& spec, const command& cmd, const plan& p) {
  const auto field = std::string(spec.field);
  const bool takes_data = spec.needs != requirement::none && spec.needs != requirement::note;
  if (cmd.note.size() > data_caps::note_bytes)
    return "note is longer than " + std::to_string(data_caps::note_bytes) + " bytes";
  if (!cmd.data.is_null() && !cmd.data.is_object()) return "data must be an object";
  if (cmd.data.is_object()) {
    std::string unknown;
    std::size_t named = 0;
    for (const auto& [k, v] : cmd.data.items()) {
      if (takes_data && k == field) continue;
      if (++named > 10) {
        unknown += ", ...";
        break;
      }
      unknown += (unknown.empty() ? "" : ", ") + k.substr(0, 64);
    }
    if (!unknown.empty())
      return "event \"" + std::string(event_name(spec.type)) + "\" takes " +
             (takes_data ? "only data." + field : std::string("no data")) + "; refused: " + unknown;
  }
  auto value = [&]() -> const json* {
    if (!cmd.data.is_object()) return nullptr;
    auto it = cmd.data.find(field);
    return it == cmd.data.end() ? nullptr : &*it;
  };
  auto too_long = [&](const json& v) { return v.is_string() && v.get_ref<const std::string&>().size() > data_caps::string_bytes; };
  const std::string cap = " (at most " + std::to_string(data_caps::string_bytes) + " bytes)";
  switch (spec.needs) {
    case requirement::none: return {};
    case requirement::note:
      return cmd.note.find_first_not_of(" \t\r\n") == std::string::npos
                 ? "event \"" + std::string(event_name(spec.type)) + "\" needs a note (the reason)"
                 : std::string{};
    case requirement::data_string: {
      auto v = value();
      if (!v || !v->is_string() || v->get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos)
        return "data." + field + " must be a non-empty string";
      if (too_long(*v)) return "data." + field + " is too long" + cap;
      return {};
    }
    case requirement::data_url: {
      auto v = value();
      if (v && too_long(*v)) return "data." + field + " is too long" + cap;
      if (!v || !v->is_string() || !is_http_url(v->get_ref<const std::string&>()))
        return "data." + field + " must be an http(s) URL";
      return {};
    }
    case requirement::data_count: {
      auto v = value();
      if (!v || !v->is_number_integer() || v->get<std::int64_t>() < 0)
        return "data." + field + " must be a whole number >= 0";
      return {};
    }
    case requirement::data_unit: {
      auto v = value();
      if (!v || !v->is_string() || !valid_id(v->get_ref<const std::string&>())) return "data." + field + " must be a unit id";
      if (!p.find_unit(v->get<std::string>())) return "data." + field + ": unknown unit \"" + v->get<std::string>() + "\"";
      return {};
    }
    case requirement::data_list: {
      auto v = value();
      if (!v || !v->is_array() || v->empty()) return "data." + field + " must be a non-empty list";
      if (v->size() > data_caps::list_items)
        return "data." + field + " lists more than " + std::to_string(data_caps::list_items) + " items";
      std::size_t total = 0;
      for (const auto& item : *v) {
        if (!item.is_string() || item.get<std::string>().empty())
          return "data." + field + " must list non-empty strings";
        if (too_long(item)) return "data." + field + " has an item that is too long" + cap;
        total += item.get_ref<const std::string&>().size();
      }
      if (total > data_caps::data_bytes)
        return "data is larger than " + std::to_string(data_caps::data_bytes) + " bytes";
      return {};
    }
  }
  return {};
}

}  // namespace dutyflow
