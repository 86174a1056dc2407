#include "engine/plan_reader.h"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace dutyflow::detail {

using nlohmann::json;

std::string checker::quote(const json& v) {
  if (v.is_string()) return "\"" + v.get<std::string>() + "\"";
  auto text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return text.size() > 80 ? text.substr(0, 77) + "..." : text;
}

void checker::known_keys(const json& obj, const std::string& path, std::initializer_list<std::string_view> keys) {
  for (const auto& [k, v] : obj.items()) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end())
      warn(join(path, k), "unknown field, ignored");
  }
}

std::string checker::string_field(const json& obj, const std::string& path, std::string_view key, bool required) {
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

std::string checker::id_field(const json& obj, const std::string& path, std::string_view key) {
  auto s = string_field(obj, path, key);
  if (!s.empty() && !valid_id(s))
    fail(join(path, key), "bad id \"" + s + "\" (use [a-z0-9][a-z0-9-]{0,63})");
  return s;
}

std::optional<duration_spec> checker::duration_field(const json& v, const std::string& path) {
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

std::optional<duration_spec> checker::positive_duration(const json& v, const std::string& path) {
  auto d = duration_field(v, path);
  if (d && d->amount <= 0) {
    fail(path, "must be a positive duration, got " + quote(v));
    return std::nullopt;
  }
  return d;
}

void checker::reminders(const json& v, const std::string& path, reminder_policy& out) {
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

namespace {

std::string known_kind_list(const kind_registry& kinds) {
  std::string out;
  for (auto n : kinds.names()) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string too_many(const char* what, std::size_t n, std::size_t limit, const char* key) {
  return "has " + std::to_string(n) + " " + what + "; the limit is " + std::to_string(limit) +
         " (dutyflowd's plan_limits." + key + ")";
}

}  // namespace

void plan_reader::read_header() {
  c_.known_keys(doc_, "", {"id", "number", "title", "issuer", "issued_on", "timezone", "coordinator", "escalate_to",
                           "milestones", "units", "groups", "defaults", "duties", "note"});
  p_.id = c_.id_field(doc_, "");
  p_.number = c_.string_field(doc_, "", "number");
  p_.title = c_.string_field(doc_, "", "title");
  p_.issuer = c_.string_field(doc_, "", "issuer");
  if (auto s = c_.string_field(doc_, "", "issued_on"); !s.empty()) {
    if (auto d = parse_date(s)) p_.issued_on = *d;
    else c_.fail("issued_on", d.err().message);
  }
  if (auto tz = c_.string_field(doc_, "", "timezone", false); !tz.empty()) {
    if (auto off = parse_timezone(tz)) {
      p_.timezone = tz;
      p_.utc_offset = *off;
    } else {
      c_.fail("timezone", off.err().message);
    }
  }
}

bool plan_reader::claim(const std::string& id, const std::string& path) {
  if (id.empty()) return false;
  auto [it, fresh] = names_.emplace(id, path);
  if (!fresh) c_.fail(path, "duplicate id \"" + id + "\" (first defined at " + it->second + ")");
  return fresh;
}

const group_def* plan_reader::find_group(std::string_view gid) const {
  for (const auto& g : p_.groups)
    if (g.id == gid) return &g;
  return nullptr;
}

void plan_reader::read_units() {
  auto units = doc_.find("units");
  if (units == doc_.end() || !units->is_array() || units->empty()) {
    c_.fail("units", "must be a non-empty list of units");
  } else if (units->size() > limits_.max_units) {
    c_.fail("units", too_many("units", units->size(), limits_.max_units, "max_units"));
  } else {
    for (std::size_t i = 0; i < units->size(); ++i) {
      auto path = checker::index("units", i);
      const auto& u = (*units)[i];
      if (!u.is_object()) {
        c_.fail(path, "must be an object");
        continue;
      }
      c_.known_keys(u, path, {"id", "name", "contacts", "note"});
      unit_def def;
      def.id = c_.id_field(u, path);
      def.name = c_.string_field(u, path, "name");
      if (auto it = u.find("contacts"); it != u.end()) {
        if (!it->is_array()) {
          c_.fail(path + ".contacts", "must be a list");
        } else {
          read_contacts(*it, path + ".contacts");
          def.contacts = *it;
        }
      }
      if (claim(def.id, path + ".id")) p_.units.push_back(std::move(def));
    }
  }
}

void plan_reader::read_contacts(const json& contacts, const std::string& path) {
  for (std::size_t k = 0; k < contacts.size(); ++k) {
    auto cp = checker::index(path, k);
    const auto& ct = contacts[k];
    if (!ct.is_object()) {
      c_.fail(cp, "must be an object");
      continue;
    }
    auto channel = c_.string_field(ct, cp, "channel");
    static const std::set<std::string, std::less<>> channels = {"email", "webhook", "file", "log"};
    if (!channel.empty() && !channels.contains(channel))
      c_.fail(cp + ".channel", "unknown channel \"" + channel + "\" (known: email, file, log, webhook)");
    c_.known_keys(ct, cp, {"channel", "to", "secret_ref", "note"});
    // A plan file is shared and journaled: a signing secret would leak with it.
    if (ct.contains("secret"))
      c_.fail(cp + ".secret", "secrets do not belong in plan files; name the entry of the webhook secrets "
                              "file with \"secret_ref\"");
    const auto to = channel != "log" ? c_.string_field(ct, cp, "to") : std::string();
    if (channel == "email" && !to.empty() &&
        (to.find('@') == std::string::npos || to.find_first_of(" <>,;\"") != std::string::npos))
      c_.fail(cp + ".to", "not an e-mail address: \"" + to + "\"");
    if (channel == "webhook" && !to.empty() && !to.starts_with("http://") && !to.starts_with("https://"))
      c_.fail(cp + ".to", "a webhook needs an http:// or https:// URL: \"" + to + "\"");
    if (ct.contains("secret_ref") && (channel != "webhook" || !ct["secret_ref"].is_string() ||
                                      ct["secret_ref"].get<std::string>().empty()))
      c_.fail(cp + ".secret_ref", "must be a non-empty name, and only on a webhook contact");
  }
}

void plan_reader::read_groups() {
  if (auto groups = doc_.find("groups"); groups != doc_.end()) {
    if (!groups->is_array()) {
      c_.fail("groups", "must be a list");
    } else if (groups->size() > limits_.max_groups) {
      c_.fail("groups", too_many("groups", groups->size(), limits_.max_groups, "max_groups"));
    } else {
      for (std::size_t i = 0; i < groups->size(); ++i) {
        auto path = checker::index("groups", i);
        const auto& g = (*groups)[i];
        if (!g.is_object()) {
          c_.fail(path, "must be an object");
          continue;
        }
        c_.known_keys(g, path, {"id", "name", "members", "note"});
        group_def def;
        def.id = c_.id_field(g, path);
        def.name = c_.string_field(g, path, "name");
        auto members = g.find("members");
        if (members == g.end() || !members->is_array() || members->empty()) {
          c_.fail(path + ".members", "must be a non-empty list of unit ids");
        } else {
          std::set<std::string> seen;
          for (std::size_t k = 0; k < members->size(); ++k) {
            auto mp = checker::index(path + ".members", k);
            const auto& m = (*members)[k];
            if (!m.is_string()) {
              c_.fail(mp, "must be a unit id, got " + checker::quote(m));
            } else if (!p_.find_unit(m.get<std::string>())) {
              c_.fail(mp, "unknown unit " + checker::quote(m));
            } else if (!seen.insert(m.get<std::string>()).second) {
              c_.fail(mp, "duplicate member " + checker::quote(m));
            } else {
              def.members.push_back(m.get<std::string>());
            }
          }
        }
        if (claim(def.id, path + ".id")) p_.groups.push_back(std::move(def));
      }
    }
  }
}

void plan_reader::read_leads() {
  if (auto coord = c_.string_field(doc_, "", "coordinator"); !coord.empty()) {
    if (!p_.find_unit(coord)) c_.fail("coordinator", "unknown unit \"" + coord + "\"");
    p_.coordinator = coord;
  }
  if (auto to = c_.string_field(doc_, "", "escalate_to", false); !to.empty()) {
    if (!p_.find_unit(to)) c_.fail("escalate_to", "unknown unit \"" + to + "\"");
    p_.escalate_to = to;
  }
}

void plan_reader::read_milestones() {
  if (auto ms = doc_.find("milestones"); ms != doc_.end()) {
    if (!ms->is_array()) {
      c_.fail("milestones", "must be a list");
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < ms->size(); ++i) {
        auto path = checker::index("milestones", i);
        const auto& m = (*ms)[i];
        if (!m.is_object()) {
          c_.fail(path, "must be an object");
          continue;
        }
        c_.known_keys(m, path, {"id", "title", "at", "window", "note"});
        milestone_def def;
        def.id = c_.id_field(m, path);
        def.title = c_.string_field(m, path, "title");
        if (auto at = m.find("at"); at != m.end() && !at->is_null()) {
          if (!at->is_string()) c_.fail(path + ".at", "must be an ISO-8601 date-time or null");
          else if (auto t = parse_instant(at->get<std::string>())) def.at = *t;
          else c_.fail(path + ".at", t.err().message);
        }
        if (auto w = m.find("window"); w != m.end() && !w->is_null()) {
          if (!w->is_object()) {
            c_.fail(path + ".window", "must be an object {\"from\", \"to\"}");
          } else {
            c_.known_keys(*w, path + ".window", {"from", "to"});
            auto from = c_.string_field(*w, path + ".window", "from");
            auto to = c_.string_field(*w, path + ".window", "to");
            if (!from.empty()) {
              if (auto d = parse_date(from)) def.window_from = *d;
              else c_.fail(path + ".window.from", d.err().message);
            }
            if (!to.empty()) {
              if (auto d = parse_date(to)) def.window_to = *d;
              else c_.fail(path + ".window.to", d.err().message);
            }
            if (def.window_from && def.window_to && *def.window_to < *def.window_from)
              c_.fail(path + ".window", "ends before it starts");
          }
        }
        if (def.at && def.window_from && def.window_to) {
          auto day = local_date(*def.at, p_.utc_offset);
          if (day < *def.window_from || day > *def.window_to)
            c_.warn(path + ".at", "outside the milestone's window");
        }
        if (!def.id.empty() && !seen.insert(def.id).second) {
          c_.fail(path + ".id", "duplicate milestone \"" + def.id + "\"");
          continue;
        }
        p_.milestones.push_back(std::move(def));
      }
    }
  }
}

void plan_reader::read_defaults() {
  p_.defaults.before = {};
  if (auto d = doc_.find("defaults"); d != doc_.end()) {
    if (!d->is_object()) {
      c_.fail("defaults", "must be an object");
    } else {
      c_.known_keys(*d, "defaults", {"reminders"});
      if (auto r = d->find("reminders"); r != d->end()) c_.reminders(*r, "defaults.reminders", p_.defaults);
    }
  }
}

std::vector<pending_duty> plan_reader::read_duties() {
  const auto shared_defaults = std::make_shared<const reminder_policy>(p_.defaults);
  std::vector<pending_duty> pending;
  auto duties = doc_.find("duties");
  if (duties == doc_.end() || !duties->is_array() || duties->empty()) {
    c_.fail("duties", "must be a non-empty list of duties");
  } else if (duties->size() > limits_.max_duties) {
    c_.fail("duties", too_many("duties", duties->size(), limits_.max_duties, "max_duties"));
  } else {
    std::unordered_map<std::string, std::string> seen;  // duty id -> where it was first defined
    seen.reserve(duties->size());
    pending.reserve(duties->size());
    for (std::size_t i = 0; i < duties->size(); ++i) {
      auto path = checker::index("duties", i);
      const auto& d = (*duties)[i];
      if (!d.is_object()) {
        c_.fail(path, "must be an object");
        continue;
      }
      c_.known_keys(d, path, {"id", "kind", "title", "owner", "collaborators", "due", "depends_on", "reminders",
                              "source", "note"});
      pending_duty pd;
      pd.path = path;
      auto& def = pd.def;
      def.id = c_.id_field(d, path);
      if (!def.id.empty()) {
        auto [it, fresh] = seen.emplace(def.id, path);
        if (!fresh) c_.fail(path + ".id", "duplicate duty \"" + def.id + "\" (first defined at " + it->second + ")");
      }
      if (const auto kind = c_.string_field(d, path, "kind"); !kind.empty()) {
        def.machine_kind = kinds_.find(kind);
        if (def.machine_kind) def.kind = def.machine_kind->name();
        else c_.fail(path + ".kind", "unknown kind \"" + kind + "\" (known: " + known_kind_list(kinds_) + ")");
      }
      def.title = c_.string_field(d, path, "title");
      read_owner(d, path, pd);
      read_collaborators(d, path, pd);
      read_due(d, path, def);
      read_depends_on(d, path, pd);

      def.reminders = shared_defaults;
      if (auto r = d.find("reminders"); r != d.end()) {
        reminder_policy own = p_.defaults;
        c_.reminders(*r, path + ".reminders", own);
        if (own != p_.defaults) def.reminders = std::make_shared<const reminder_policy>(std::move(own));
      }
      if (auto s = d.find("source"); s != d.end()) pd.links.source = *s;
      pending.push_back(std::move(pd));
    }
  }
  return pending;
}

void plan_reader::read_owner(const json& d, const std::string& path, pending_duty& pd) {
  auto& def = pd.def;
  auto owner = d.find("owner");
  if (owner == d.end() || owner->is_null()) {
    c_.fail(path + ".owner", "is required");
  } else if (owner->is_string()) {
    auto uid = owner->get<std::string>();
    if (p_.find_unit(uid)) pd.owners.push_back(uid);
    else if (find_group(uid)) c_.fail(path + ".owner", "\"" + uid + "\" is a group; write {\"group\": \"" + uid + "\"}");
    else c_.fail(path + ".owner", "unknown unit \"" + uid + "\"");
  } else if (owner->is_object() && owner->contains("group") && (*owner)["group"].is_string()) {
    auto gid = (*owner)["group"].get<std::string>();
    if (auto g = find_group(gid)) {
      pd.owners = g->members;
      def.group = g->id;
    } else {
      c_.fail(path + ".owner.group", "unknown group \"" + gid + "\"");
    }
  } else {
    c_.fail(path + ".owner", "must be a unit id or {\"group\": id}, got " + checker::quote(*owner));
  }
}

void plan_reader::read_collaborators(const json& d, const std::string& path, pending_duty& pd) {
  if (auto col = d.find("collaborators"); col != d.end() && !col->is_null()) {
    if (!col->is_array()) {
      c_.fail(path + ".collaborators", "must be a list of unit or group ids");
    } else {
      for (std::size_t k = 0; k < col->size(); ++k) {
        auto cp = checker::index(path + ".collaborators", k);
        const auto& v = (*col)[k];
        if (!v.is_string()) {
          c_.fail(cp, "must be a unit or group id, got " + checker::quote(v));
          continue;
        }
        auto id = v.get<std::string>();
        if (p_.find_unit(id)) {
          pd.links.collaborators.push_back(id);
        } else if (auto g = find_group(id)) {
          pd.links.collaborators.insert(pd.links.collaborators.end(), g->members.begin(), g->members.end());
        } else {
          c_.fail(cp, "unknown unit \"" + id + "\"");
        }
      }
    }
  }
}

void plan_reader::read_due(const json& d, const std::string& path, duty_def& def) {
  auto due = d.find("due");
  if (due == d.end() || due->is_null()) {
    c_.fail(path + ".due", "is required ({\"at\"}, {\"milestone\", \"offset\"} or {\"after\", \"working_days\"})");
  } else if (!due->is_object()) {
    c_.fail(path + ".due", "must be an object, got " + checker::quote(*due));
  } else if (due->contains("at")) {
    c_.known_keys(*due, path + ".due", {"at"});
    const auto& at = (*due)["at"];
    if (!at.is_string()) c_.fail(path + ".due.at", "must be an ISO-8601 date-time, got " + checker::quote(at));
    else if (auto t = parse_instant(at.get<std::string>())) { def.due.kind = due_spec::type::at; def.due.at = *t; }
    else c_.fail(path + ".due.at", t.err().message);
  } else if (due->contains("milestone")) {
    c_.known_keys(*due, path + ".due", {"milestone", "offset"});
    def.due.kind = due_spec::type::milestone;
    const auto milestone = c_.string_field(*due, path + ".due", "milestone");
    if (const auto* m = milestone.empty() ? nullptr : p_.find_milestone(milestone)) def.due.milestone = m->id;
    else if (!milestone.empty()) c_.fail(path + ".due.milestone", "unknown milestone \"" + milestone + "\"");
    if (auto off = due->find("offset"); off != due->end()) {
      if (auto dur = c_.duration_field(*off, path + ".due.offset")) def.due.offset = *dur;
    } else {
      def.due.offset = duration_spec{0, duration_spec::unit::days};
    }
  } else if (due->contains("after")) {
    c_.known_keys(*due, path + ".due", {"after", "working_days"});
    const auto& after = (*due)["after"];
    if (after != "assigned") c_.fail(path + ".due.after", "must be \"assigned\", got " + checker::quote(after));
    auto wd = due->find("working_days");
    if (wd == due->end() || !wd->is_number_integer() || wd->get<std::int64_t>() < 0 ||
        wd->get<std::int64_t>() > 1000) {
      c_.fail(path + ".due.working_days", "must be a whole number of working days from 0 to 1000");
    } else {
      def.due.kind = due_spec::type::after_assigned;
      def.due.working_days = wd->get<int>();
    }
  } else {
    c_.fail(path + ".due", "must have \"at\", \"milestone\" or \"after\"");
  }
}

void plan_reader::read_depends_on(const json& d, const std::string& path, pending_duty& pd) {
  if (auto dep = d.find("depends_on"); dep != d.end() && !dep->is_null()) {
    if (!dep->is_array()) {
      c_.fail(path + ".depends_on", "must be a list of duty ids");
    } else {
      for (std::size_t k = 0; k < dep->size(); ++k) {
        const auto& v = (*dep)[k];
        if (!v.is_string()) c_.fail(checker::index(path + ".depends_on", k), "must be a duty id, got " + checker::quote(v));
        else pd.deps.emplace_back(v.get<std::string>(), checker::index(path + ".depends_on", k));
      }
    }
  }
}

}  // namespace dutyflow::detail
