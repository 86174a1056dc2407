#include "engine/plan.h"

#include "engine/json_limits.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace dutyflow {

using nlohmann::json;

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(id[0])) return false;
  return std::all_of(id.begin() + 1, id.end(), [&](char c) { return alnum(c) || c == '-'; });
}

std::string forbidden_character(std::string_view s) {
  auto hex = [](std::uint32_t cp) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
    return std::string(buf);
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return hex(c);
    if (c == 0xC2 && i + 1 < s.size()) {  // U+0080..U+009F: C1 controls
      const auto n = static_cast<unsigned char>(s[i + 1]);
      if (n >= 0x80 && n <= 0x9F) return hex(n);
    }
    if (c == 0xE2 && i + 2 < s.size()) {  // U+202A..U+202E and U+2066..U+2069
      const auto b1 = static_cast<unsigned char>(s[i + 1]), b2 = static_cast<unsigned char>(s[i + 2]);
      const std::uint32_t cp = 0x2000u | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
      if ((b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9)) return hex(cp);
    }
  }
  return {};
}

const unit_def* plan::find_unit(std::string_view uid) const {
  for (const auto& u : units)
    if (u.id == uid) return &u;
  return nullptr;
}

const milestone_def* plan::find_milestone(std::string_view mid) const {
  for (const auto& m : milestones)
    if (m.id == mid) return &m;
  return nullptr;
}

const duty_def* plan::find_duty(std::string_view did) const {
  for (const auto& d : duties)
    if (d.id == did) return &d;
  return nullptr;
}

json plan::header_json() const {
  return json{{"id", id},         {"number", number},     {"title", title},
              {"issuer", issuer}, {"issued_on", format_date(issued_on)},
              {"timezone", timezone}, {"coordinator", coordinator},
              {"escalate_to", escalate_to.empty() ? json(nullptr) : json(escalate_to)}};
}

json due_spec::to_json(std::chrono::minutes tz) const {
  switch (kind) {
    case type::none: return nullptr;
    case type::at: return json{{"at", format_instant(at, tz)}};
    case type::milestone: return json{{"milestone", milestone}, {"offset", offset.text()}};
    case type::after_assigned: return json{{"after", "assigned"}, {"working_days", working_days}};
  }
  return nullptr;
}

json reminder_policy::to_json() const {
  json out = json::object();
  json b = json::array();
  for (const auto& d : before) b.push_back(d.text());
  out["before"] = b;
  out["overdue_every"] = overdue_every ? json(overdue_every->text()) : json(nullptr);
  out["escalate_after"] = escalate_after ? json(escalate_after->text()) : json(nullptr);
  return out;
}

namespace {

// Collects every finding while the loader walks the document.
class checker {
 public:
  std::vector<plan_issue> errors;
  std::vector<plan_issue> warnings;

  void fail(std::string path, std::string message) { errors.push_back({std::move(path), std::move(message)}); }
  void warn(std::string path, std::string message) { warnings.push_back({std::move(path), std::move(message)}); }

  static std::string quote(const json& v) {
    if (v.is_string()) return "\"" + v.get<std::string>() + "\"";
    auto text = v.dump(-1, ' ', false, json::error_handler_t::replace);
    return text.size() > 80 ? text.substr(0, 77) + "..." : text;
  }

  // Warns about keys the schema does not have (likely typos), without refusing the plan.
  void known_keys(const json& obj, const std::string& path, std::initializer_list<std::string_view> keys) {
    for (const auto& [k, v] : obj.items()) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end())
        warn(join(path, k), "unknown field, ignored");
    }
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  static std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

  // A required non-empty string; returns it, or empty after recording the error.
  // (The path is only built for a finding: a large plan has hundreds of thousands of fields.)
  std::string string_field(const json& obj, const std::string& path, std::string_view key, bool required = true) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) fail(join(path, key), "is required");
      return {};
    }
    if (!it->is_string()) {
      fail(join(path, key), "must be a string, got " + quote(*it));
      return {};
    }
    auto s = it->get<std::string>();
    if (required && s.empty()) fail(join(path, key), "must not be empty");
    if (auto bad = forbidden_character(s); !bad.empty())
      fail(join(path, key), "contains the control or bidi character " + bad + "; write it without");
    return s;
  }

  std::string id_field(const json& obj, const std::string& path, std::string_view key = "id") {
    auto s = string_field(obj, path, key);
    if (!s.empty() && !valid_id(s))
      fail(join(path, key), "bad id \"" + s + "\" (use [a-z0-9][a-z0-9-]{0,63})");
    return s;
  }

  std::optional<duration_spec> duration_field(const json& v, const std::string& path) {
    if (!v.is_string()) {
      fail(path, "must be a duration string such as \"3d\", got " + quote(v));
      return std::nullopt;
    }
    auto d = parse_duration(v.get<std::string>());
    if (!d) {
      fail(path, d.err().message);
      return std::nullopt;
    }
    return *d;
  }

  // Positive durations only: "before" offsets and repeat intervals count forward.
  std::optional<duration_spec> positive_duration(const json& v, const std::string& path) {
    auto d = duration_field(v, path);
    if (d && d->amount <= 0) {
      fail(path, "must be a positive duration, got " + quote(v));
      return std::nullopt;
    }
    return d;
  }

  void reminders(const json& v, const std::string& path, reminder_policy& out) {
    if (!v.is_object()) {
      fail(path, "must be an object");
      return;
    }
    known_keys(v, path, {"before", "overdue_every", "escalate_after"});
    if (auto it = v.find("before"); it != v.end()) {
      if (!it->is_array()) {
        fail(join(path, "before"), "must be a list of durations");
      } else {
        out.before.clear();
        for (std::size_t i = 0; i < it->size(); ++i)
          if (auto d = positive_duration((*it)[i], index(join(path, "before"), i))) out.before.push_back(*d);
      }
    }
    if (auto it = v.find("overdue_every"); it != v.end()) {
      if (it->is_null()) out.overdue_every.reset();
      else if (auto d = positive_duration(*it, join(path, "overdue_every"))) out.overdue_every = d;
    }
    if (auto it = v.find("escalate_after"); it != v.end()) {
      if (it->is_null()) {
        out.escalate_after.reset();
      } else if (auto d = duration_field(*it, join(path, "escalate_after"))) {
        if (d->amount < 0) fail(join(path, "escalate_after"), "must not be negative, got " + quote(*it));
        else out.escalate_after = d;
      }
    }
  }
};

std::string known_kind_list(const kind_registry& kinds) {
  std::string out;
  for (auto n : kinds.names()) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

namespace {

// `canonical`: the document's text when the caller has it already as doc.dump() wrote it.
result<plan_load> load_plan(const json& doc, const kind_registry& kinds, const plan_limits& limits,
                            std::optional<std::string> canonical) {
  checker c;
  auto p = std::make_shared<plan>();
  if (!doc.is_object()) {
    return make_error(errc::invalid, "a plan must be a JSON object",
                      json{{"errors", json::array({json{{"path", ""}, {"message", "a plan must be a JSON object"}}})}});
  }
  c.known_keys(doc, "", {"id", "number", "title", "issuer", "issued_on", "timezone", "coordinator", "escalate_to", "milestones",
                         "units", "groups", "defaults", "duties", "note"});
  p->id = c.id_field(doc, "");
  p->number = c.string_field(doc, "", "number");
  p->title = c.string_field(doc, "", "title");
  p->issuer = c.string_field(doc, "", "issuer");
  if (auto s = c.string_field(doc, "", "issued_on"); !s.empty()) {
    if (auto d = parse_date(s)) p->issued_on = *d;
    else c.fail("issued_on", d.err().message);
  }
  if (auto tz = c.string_field(doc, "", "timezone", false); !tz.empty()) {
    if (auto off = parse_timezone(tz)) {
      p->timezone = tz;
      p->utc_offset = *off;
    } else {
      c.fail("timezone", off.err().message);
    }
  }

  // Units and groups share one namespace: an owner or collaborator may name either.
  std::map<std::string, std::string, std::less<>> names;  // id -> path of its definition
  auto claim = [&](const std::string& id, const std::string& path) {
    if (id.empty()) return false;
    auto [it, fresh] = names.emplace(id, path);
    if (!fresh) c.fail(path, "duplicate id \"" + id + "\" (first defined at " + it->second + ")");
    return fresh;
  };

  auto too_many = [&](const char* what, std::size_t n, std::size_t limit, const char* key) {
    return "has " + std::to_string(n) + " " + what + "; the limit is " + std::to_string(limit) +
           " (dutyflowd's plan_limits." + key + ")";
  };
  auto units = doc.find("units");
  if (units == doc.end() || !units->is_array() || units->empty()) {
    c.fail("units", "must be a non-empty list of units");
  } else if (units->size() > limits.max_units) {
    c.fail("units", too_many("units", units->size(), limits.max_units, "max_units"));
  } else {
    for (std::size_t i = 0; i < units->size(); ++i) {
      auto path = checker::index("units", i);
      const auto& u = (*units)[i];
      if (!u.is_object()) {
        c.fail(path, "must be an object");
        continue;
      }
      c.known_keys(u, path, {"id", "name", "contacts", "note"});
      unit_def def;
      def.id = c.id_field(u, path);
      def.name = c.string_field(u, path, "name");
      if (auto it = u.find("contacts"); it != u.end()) {
        if (!it->is_array()) {
          c.fail(path + ".contacts", "must be a list");
        } else {
          for (std::size_t k = 0; k < it->size(); ++k) {
            auto cp = checker::index(path + ".contacts", k);
            const auto& ct = (*it)[k];
            if (!ct.is_object()) {
              c.fail(cp, "must be an object");
              continue;
            }
            auto channel = c.string_field(ct, cp, "channel");
            static const std::set<std::string, std::less<>> channels = {"email", "webhook", "file", "log"};
            if (!channel.empty() && !channels.contains(channel))
              c.fail(cp + ".channel", "unknown channel \"" + channel + "\" (known: email, file, log, webhook)");
            c.known_keys(ct, cp, {"channel", "to", "secret_ref", "note"});
            // A plan file is shared and journaled: a signing secret would leak with it.
            if (ct.contains("secret"))
              c.fail(cp + ".secret", "secrets do not belong in plan files; name the entry of the webhook secrets "
                                     "file with \"secret_ref\"");
            const auto to = channel != "log" ? c.string_field(ct, cp, "to") : std::string();
            if (channel == "email" && !to.empty() &&
                (to.find('@') == std::string::npos || to.find_first_of(" <>,;\"") != std::string::npos))
              c.fail(cp + ".to", "not an e-mail address: \"" + to + "\"");
            if (channel == "webhook" && !to.empty() && !to.starts_with("http://") && !to.starts_with("https://"))
              c.fail(cp + ".to", "a webhook needs an http:// or https:// URL: \"" + to + "\"");
            if (ct.contains("secret_ref") && (channel != "webhook" || !ct["secret_ref"].is_string() ||
                                              ct["secret_ref"].get<std::string>().empty()))
              c.fail(cp + ".secret_ref", "must be a non-empty name, and only on a webhook contact");
          }
          def.contacts = *it;
        }
      }
      if (claim(def.id, path + ".id")) p->units.push_back(std::move(def));
    }
  }

  if (auto groups = doc.find("groups"); groups != doc.end()) {
    if (!groups->is_array()) {
      c.fail("groups", "must be a list");
    } else if (groups->size() > limits.max_groups) {
      c.fail("groups", too_many("groups", groups->size(), limits.max_groups, "max_groups"));
    } else {
      for (std::size_t i = 0; i < groups->size(); ++i) {
        auto path = checker::index("groups", i);
        const auto& g = (*groups)[i];
        if (!g.is_object()) {
          c.fail(path, "must be an object");
          continue;
        }
        c.known_keys(g, path, {"id", "name", "members", "note"});
        group_def def;
        def.id = c.id_field(g, path);
        def.name = c.string_field(g, path, "name");
        auto members = g.find("members");
        if (members == g.end() || !members->is_array() || members->empty()) {
          c.fail(path + ".members", "must be a non-empty list of unit ids");
        } else {
          std::set<std::string> seen;
          for (std::size_t k = 0; k < members->size(); ++k) {
            auto mp = checker::index(path + ".members", k);
            const auto& m = (*members)[k];
            if (!m.is_string()) {
              c.fail(mp, "must be a unit id, got " + checker::quote(m));
            } else if (!p->find_unit(m.get<std::string>())) {
              c.fail(mp, "unknown unit " + checker::quote(m));
            } else if (!seen.insert(m.get<std::string>()).second) {
              c.fail(mp, "duplicate member " + checker::quote(m));
            } else {
              def.members.push_back(m.get<std::string>());
            }
          }
        }
        if (claim(def.id, path + ".id")) p->groups.push_back(std::move(def));
      }
    }
  }
  auto find_group = [&](std::string_view gid) -> const group_def* {
    for (const auto& g : p->groups)
      if (g.id == gid) return &g;
    return nullptr;
  };

  if (auto coord = c.string_field(doc, "", "coordinator"); !coord.empty()) {
    if (!p->find_unit(coord)) c.fail("coordinator", "unknown unit \"" + coord + "\"");
    p->coordinator = coord;
  }
  if (auto to = c.string_field(doc, "", "escalate_to", false); !to.empty()) {
    if (!p->find_unit(to)) c.fail("escalate_to", "unknown unit \"" + to + "\"");
    p->escalate_to = to;
  }

  if (auto ms = doc.find("milestones"); ms != doc.end()) {
    if (!ms->is_array()) {
      c.fail("milestones", "must be a list");
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < ms->size(); ++i) {
        auto path = checker::index("milestones", i);
        const auto& m = (*ms)[i];
        if (!m.is_object()) {
          c.fail(path, "must be an object");
          continue;
        }
        c.known_keys(m, path, {"id", "title", "at", "window", "note"});
        milestone_def def;
        def.id = c.id_field(m, path);
        def.title = c.string_field(m, path, "title");
        if (auto at = m.find("at"); at != m.end() && !at->is_null()) {
          if (!at->is_string()) c.fail(path + ".at", "must be an ISO-8601 date-time or null");
          else if (auto t = parse_instant(at->get<std::string>())) def.at = *t;
          else c.fail(path + ".at", t.err().message);
        }
        if (auto w = m.find("window"); w != m.end() && !w->is_null()) {
          if (!w->is_object()) {
            c.fail(path + ".window", "must be an object {\"from\", \"to\"}");
          } else {
            c.known_keys(*w, path + ".window", {"from", "to"});
            auto from = c.string_field(*w, path + ".window", "from");
            auto to = c.string_field(*w, path + ".window", "to");
            if (!from.empty()) {
              if (auto d = parse_date(from)) def.window_from = *d;
              else c.fail(path + ".window.from", d.err().message);
            }
            if (!to.empty()) {
              if (auto d = parse_date(to)) def.window_to = *d;
              else c.fail(path + ".window.to", d.err().message);
            }
            if (def.window_from && def.window_to && *def.window_to < *def.window_from)
              c.fail(path + ".window", "ends before it starts");
          }
        }
        if (def.at && def.window_from && def.window_to) {
          auto day = local_date(*def.at, p->utc_offset);
          if (day < *def.window_from || day > *def.window_to)
            c.warn(path + ".at", "outside the milestone's window");
        }
        if (!def.id.empty() && !seen.insert(def.id).second) {
          c.fail(path + ".id", "duplicate milestone \"" + def.id + "\"");
          continue;
        }
        p->milestones.push_back(std::move(def));
      }
    }
  }

  p->defaults.before = {};
  if (auto d = doc.find("defaults"); d != doc.end()) {
    if (!d->is_object()) {
      c.fail("defaults", "must be an object");
    } else {
      c.known_keys(*d, "defaults", {"reminders"});
      if (auto r = d->find("reminders"); r != d->end()) c.reminders(*r, "defaults.reminders", p->defaults);
    }
  }
  const auto shared_defaults = std::make_shared<const reminder_policy>(p->defaults);

  // Duties: validate each, then fan out groups, then resolve dependencies.
  struct pending_duty {
    duty_def def;
    std::string path;
    std::vector<std::pair<std::string, std::string>> deps;  // (id, path)
    std::vector<std::string> owners;                        // >1 for a group
    duty_links links;
  };
  std::vector<pending_duty> pending;
  auto duties = doc.find("duties");
  if (duties == doc.end() || !duties->is_array() || duties->empty()) {
    c.fail("duties", "must be a non-empty list of duties");
  } else if (duties->size() > limits.max_duties) {
    c.fail("duties", too_many("duties", duties->size(), limits.max_duties, "max_duties"));
  } else {
    std::unordered_map<std::string, std::string> seen;  // duty id -> where it was first defined
    seen.reserve(duties->size());
    pending.reserve(duties->size());
    for (std::size_t i = 0; i < duties->size(); ++i) {
      auto path = checker::index("duties", i);
      const auto& d = (*duties)[i];
      if (!d.is_object()) {
        c.fail(path, "must be an object");
        continue;
      }
      c.known_keys(d, path, {"id", "kind", "title", "owner", "collaborators", "due", "depends_on", "reminders",
                             "source", "note"});
      pending_duty pd;
      pd.path = path;
      auto& def = pd.def;
      def.id = c.id_field(d, path);
      if (!def.id.empty()) {
        auto [it, fresh] = seen.emplace(def.id, path);
        if (!fresh) c.fail(path + ".id", "duplicate duty \"" + def.id + "\" (first defined at " + it->second + ")");
      }
      if (const auto kind = c.string_field(d, path, "kind"); !kind.empty()) {
        def.machine_kind = kinds.find(kind);
        if (def.machine_kind) def.kind = def.machine_kind->name();
        else c.fail(path + ".kind", "unknown kind \"" + kind + "\" (known: " + known_kind_list(kinds) + ")");
      }
      def.title = c.string_field(d, path, "title");

      auto owner = d.find("owner");
      if (owner == d.end() || owner->is_null()) {
        c.fail(path + ".owner", "is required");
      } else if (owner->is_string()) {
        auto uid = owner->get<std::string>();
        if (p->find_unit(uid)) pd.owners.push_back(uid);
        else if (find_group(uid)) c.fail(path + ".owner", "\"" + uid + "\" is a group; write {\"group\": \"" + uid + "\"}");
        else c.fail(path + ".owner", "unknown unit \"" + uid + "\"");
      } else if (owner->is_object() && owner->contains("group") && (*owner)["group"].is_string()) {
        auto gid = (*owner)["group"].get<std::string>();
        if (auto g = find_group(gid)) {
          pd.owners = g->members;
          def.group = g->id;
        } else {
          c.fail(path + ".owner.group", "unknown group \"" + gid + "\"");
        }
      } else {
        c.fail(path + ".owner", "must be a unit id or {\"group\": id}, got " + checker::quote(*owner));
      }

      if (auto col = d.find("collaborators"); col != d.end() && !col->is_null()) {
        if (!col->is_array()) {
          c.fail(path + ".collaborators", "must be a list of unit or group ids");
        } else {
          for (std::size_t k = 0; k < col->size(); ++k) {
            auto cp = checker::index(path + ".collaborators", k);
            const auto& v = (*col)[k];
            if (!v.is_string()) {
              c.fail(cp, "must be a unit or group id, got " + checker::quote(v));
              continue;
            }
            auto id = v.get<std::string>();
            if (p->find_unit(id)) {
              pd.links.collaborators.push_back(id);
            } else if (auto g = find_group(id)) {
              pd.links.collaborators.insert(pd.links.collaborators.end(), g->members.begin(), g->members.end());
            } else {
              c.fail(cp, "unknown unit \"" + id + "\"");
            }
          }
        }
      }

      auto due = d.find("due");
      if (due == d.end() || due->is_null()) {
        c.fail(path + ".due", "is required ({\"at\"}, {\"milestone\", \"offset\"} or {\"after\", \"working_days\"})");
      } else if (!due->is_object()) {
        c.fail(path + ".due", "must be an object, got " + checker::quote(*due));
      } else if (due->contains("at")) {
        c.known_keys(*due, path + ".due", {"at"});
        const auto& at = (*due)["at"];
        if (!at.is_string()) c.fail(path + ".due.at", "must be an ISO-8601 date-time, got " + checker::quote(at));
        else if (auto t = parse_instant(at.get<std::string>())) { def.due.kind = due_spec::type::at; def.due.at = *t; }
        else c.fail(path + ".due.at", t.err().message);
      } else if (due->contains("milestone")) {
        c.known_keys(*due, path + ".due", {"milestone", "offset"});
        def.due.kind = due_spec::type::milestone;
        const auto milestone = c.string_field(*due, path + ".due", "milestone");
        if (const auto* m = milestone.empty() ? nullptr : p->find_milestone(milestone)) def.due.milestone = m->id;
        else if (!milestone.empty()) c.fail(path + ".due.milestone", "unknown milestone \"" + milestone + "\"");
        if (auto off = due->find("offset"); off != due->end()) {
          if (auto dur = c.duration_field(*off, path + ".due.offset")) def.due.offset = *dur;
        } else {
          def.due.offset = duration_spec{0, duration_spec::unit::days};
        }
      } else if (due->contains("after")) {
        c.known_keys(*due, path + ".due", {"after", "working_days"});
        const auto& after = (*due)["after"];
        if (after != "assigned") c.fail(path + ".due.after", "must be \"assigned\", got " + checker::quote(after));
        auto wd = due->find("working_days");
        if (wd == due->end() || !wd->is_number_integer() || wd->get<std::int64_t>() < 0 ||
            wd->get<std::int64_t>() > 1000) {
          c.fail(path + ".due.working_days", "must be a whole number of working days from 0 to 1000");
        } else {
          def.due.kind = due_spec::type::after_assigned;
          def.due.working_days = wd->get<int>();
        }
      } else {
        c.fail(path + ".due", "must have \"at\", \"milestone\" or \"after\"");
      }

      if (auto dep = d.find("depends_on"); dep != d.end() && !dep->is_null()) {
        if (!dep->is_array()) {
          c.fail(path + ".depends_on", "must be a list of duty ids");
        } else {
          for (std::size_t k = 0; k < dep->size(); ++k) {
            const auto& v = (*dep)[k];
            if (!v.is_string()) c.fail(checker::index(path + ".depends_on", k), "must be a duty id, got " + checker::quote(v));
            else pd.deps.emplace_back(v.get<std::string>(), checker::index(path + ".depends_on", k));
          }
        }
      }

      def.reminders = shared_defaults;
      if (auto r = d.find("reminders"); r != d.end()) {
        reminder_policy own = p->defaults;
        c.reminders(*r, path + ".reminders", own);
        if (own != p->defaults) def.reminders = std::make_shared<const reminder_policy>(std::move(own));
      }
      if (auto s = d.find("source"); s != d.end()) pd.links.source = *s;
      pending.push_back(std::move(pd));
    }
  }

  // Counted before anything is expanded: 1,500 group duties over 700 units would be a
  // million duties.
  std::size_t fanned_out = 0;
  for (const auto& pd : pending) fanned_out += std::max<std::size_t>(pd.owners.size(), 1);
  if (fanned_out > limits.max_duties) {
    c.fail("duties", "expands to " + std::to_string(fanned_out) + " duties after group fan-out; the limit is " +
                         std::to_string(limits.max_duties) + " (dutyflowd's plan_limits.max_duties)");
    pending.clear();
  }

  // Fan out and resolve dependencies by the ids written in the file: a dependency on a
  // group duty means every member's copy.
  std::unordered_map<std::string, std::vector<std::string>> expanded;  // written id -> duty ids
  expanded.reserve(pending.size());
  for (const auto& pd : pending) {
    auto& ids = expanded[pd.def.id];
    if (pd.def.group.empty()) ids.push_back(pd.def.id);
    else
      for (const auto& u : pd.owners) ids.push_back(pd.def.id + "." + u);
  }
  std::unordered_map<std::string, std::vector<std::string>> graph;  // written id -> written deps
  for (auto& pd : pending) {
    std::vector<std::string> deps;
    for (const auto& [dep, dpath] : pd.deps) {
      if (dep == pd.def.id) {
        c.fail(dpath, "a duty cannot depend on itself");
        continue;
      }
      auto it = expanded.find(dep);
      if (it == expanded.end()) {
        c.fail(dpath, "unknown duty \"" + dep + "\"");
        continue;
      }
      graph[pd.def.id].push_back(dep);
      deps.insert(deps.end(), it->second.begin(), it->second.end());
    }
    pd.links.depends_on = std::move(deps);
  }
  // Cycle detection over the written ids (depth-first, three colours), and the longest
  // chain. Iterative: a chain of 200,000 dependencies must not take 200,000 stack frames.
  std::unordered_map<std::string, int> colour;
  std::unordered_map<std::string, std::size_t> chain;  // written id -> duties in its longest chain
  std::unordered_map<std::string, std::string> path_of;
  for (const auto& pd : pending) path_of.emplace(pd.def.id, pd.path);
  std::set<std::string> reported;
  bool cyclic = false;
  struct frame {
    const std::string* id;
    std::size_t next = 0;
  };
  std::vector<frame> stack;
  for (const auto& pd : pending) {
    if (!graph.contains(pd.def.id) || colour[pd.def.id] != 0) continue;  // a cycle needs an edge
    stack.clear();
    colour[pd.def.id] = 1;
    stack.push_back({&pd.def.id});
    while (!stack.empty()) {
      frame& f = stack.back();
      const auto& edges = graph[*f.id];
      if (f.next < edges.size()) {
        const std::string& next = edges[f.next++];
        int& col = colour[next];
        if (col == 1) {
          std::string cycle;
          bool on = false;
          for (const auto& s : stack) {
            on = on || *s.id == next;
            if (on) cycle += *s.id + " -> ";
          }
          cycle += next;
          cyclic = true;
          if (reported.insert(next).second) {
            for (const auto& other : pending)
              if (other.def.id == next) c.fail(other.path + ".depends_on", "dependency cycle: " + cycle);
          }
          stack.clear();  // as before: one cycle per starting duty is enough
          break;
        }
        if (col == 0) {
          col = 1;
          stack.push_back({&next});
        }
        continue;
      }
      std::size_t longest = 0;
      for (const auto& e : edges) longest = std::max(longest, chain[e]);
      chain[*f.id] = longest + 1;
      colour[*f.id] = 2;
      stack.pop_back();
    }
  }
  if (!cyclic) {
    const std::string* deepest = nullptr;
    for (const auto& pd : pending)
      if (auto it = chain.find(pd.def.id); it != chain.end() && (!deepest || it->second > chain[*deepest]))
        deepest = &pd.def.id;
    if (deepest && chain[*deepest] > limits.max_dependency_depth)
      c.fail(path_of[*deepest] + ".depends_on",
             "starts a chain of " + std::to_string(chain[*deepest]) + " dependent duties; the limit is " +
                 std::to_string(limits.max_dependency_depth) + " (dutyflowd's plan_limits.max_dependency_depth)");
  }

  if (!c.errors.empty()) {
    json errs = json::array();
    for (const auto& e : c.errors) errs.push_back(json{{"path", e.path}, {"message", e.message}});
    auto n = c.errors.size();
    return make_error(errc::invalid,
                      "plan has " + std::to_string(n) + (n == 1 ? " error: " : " errors; first: ") + c.errors.front().text(),
                      json{{"errors", errs}});
  }

  for (auto& pd : pending) {
    if (!pd.links.empty()) pd.def.links = std::make_shared<const duty_links>(std::move(pd.links));
    if (pd.def.group.empty()) {
      pd.def.owner = p->find_unit(pd.owners.front())->id;
      p->duties.push_back(std::move(pd.def));
    } else {
      for (const auto& u : pd.owners) {
        duty_def copy = pd.def;
        copy.id = pd.def.id + "." + u;
        copy.owner = p->find_unit(u)->id;
        p->duties.push_back(std::move(copy));
      }
    }
  }
  std::unordered_set<std::string_view> ids;
  ids.reserve(p->duties.size());
  for (const auto& d : p->duties) {
    if (!ids.insert(d.id).second) {
      return make_error(errc::invalid, "duty id \"" + d.id + "\" appears twice after group fan-out",
                        json{{"errors", json::array({json{{"path", "duties"},
                                                          {"message", "duty id \"" + d.id + "\" appears twice after group fan-out"}}})}});
    }
  }
  // Exact size: a growth-doubled vector would leave up to one unused duty_def per duty.
  p->duties.shrink_to_fit();
  std::string text = canonical ? std::move(*canonical) : doc.dump();
  p->canonical_hash = canonical_hash(text);
  return plan_load{std::move(p), std::move(c.warnings), std::move(text)};
}

}  // namespace

namespace {
const duty_links no_links;
}  // namespace

const std::vector<std::string>& duty_def::collaborators() const {
  return (links ? *links : no_links).collaborators;
}
const std::vector<std::string>& duty_def::depends_on() const { return (links ? *links : no_links).depends_on; }
const nlohmann::json& duty_def::source() const { return (links ? *links : no_links).source; }

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : bytes) h = (h ^ ch) * 1099511628211ull;
  return h;
}

result<plan_load> load_plan(const json& doc, const kind_registry& kinds, const plan_limits& limits) {
  return load_plan(doc, kinds, limits, std::nullopt);
}

result<plan_load> load_stored_plan(std::string canonical, const kind_registry& kinds) {
  // Our own dump() of a document that parse_json() accepted when it came in: nlohmann's
  // plain parser is enough, and the fastest at restart.
  json doc = json::parse(canonical, nullptr, false);
  if (doc.is_discarded()) return make_error(errc::invalid, "stored plan is not valid JSON");
  return load_plan(doc, kinds, plan_limits::none(), std::move(canonical));
}

result<plan_load> load_plan_file(const std::string& path, const kind_registry& kinds, const plan_limits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(errc::not_found, "cannot read " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  auto doc = parse_json(buf.str());
  if (!doc) {
    const auto message = (doc.err().message.starts_with("has ") ? "the file " : "the file is ") + doc.err().message;
    auto where = doc.err().details.value("path", std::string());
    if (where == "$") where.clear();
    return make_error(errc::invalid, message,
                      json{{"errors", json::array({json{{"path", where}, {"message", message}}})}});
  }
  return load_plan(*doc, kinds, limits);
}

std::vector<plan_issue> plan_errors(const error& err) {
  std::vector<plan_issue> out;
  if (auto it = err.details.find("errors"); it != err.details.end() && it->is_array())
    for (const auto& e : *it) out.push_back({e.value("path", ""), e.value("message", "")});
  return out;
}

}  // namespace dutyflow
