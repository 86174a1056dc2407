#include "engine/plan.h"

#include "engine/json_limits.h"
#include "engine/plan_reader.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
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

using detail::checker;
using detail::pending_duty;
using dependency_graph = std::unordered_map<std::string, std::vector<std::string>>;  // written id -> written deps

// Counted before anything is expanded: 1,500 group duties over 700 units would be a
// million duties.
void check_fan_out(checker& c, std::vector<pending_duty>& pending, const plan_limits& limits) {
  std::size_t fanned_out = 0;
  for (const auto& pd : pending) fanned_out += std::max<std::size_t>(pd.owners.size(), 1);
  if (fanned_out > limits.max_duties) {
    c.fail("duties", "expands to " + std::to_string(fanned_out) + " duties after group fan-out; the limit is " +
                         std::to_string(limits.max_duties) + " (dutyflowd's plan_limits.max_duties)");
    pending.clear();
  }
}

// Fan out and resolve dependencies by the ids written in the file: a dependency on a
// group duty means every member's copy.
dependency_graph resolve_dependencies(checker& c, std::vector<pending_duty>& pending) {
  std::unordered_map<std::string, std::vector<std::string>> expanded;  // written id -> duty ids
  expanded.reserve(pending.size());
  for (const auto& pd : pending) {
    auto& ids = expanded[pd.def.id];
    if (pd.def.group.empty()) ids.push_back(pd.def.id);
    else
      for (const auto& u : pd.owners) ids.push_back(pd.def.id + "." + u);
  }
  dependency_graph graph;
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
  return graph;
}

// Cycle detection over the written ids (depth-first, three colours), and the longest
// chain. Iterative: a chain of 200,000 dependencies must not take 200,000 stack frames.
void check_dependency_graph(checker& c, const std::vector<pending_duty>& pending, dependency_graph& graph,
                            const plan_limits& limits) {
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
}

// The error of a plan with findings: every one of them, in the order they were found.
error plan_error(const checker& c) {
  json errs = json::array();
  for (const auto& e : c.errors) errs.push_back(json{{"path", e.path}, {"message", e.message}});
  auto n = c.errors.size();
  return make_error(errc::invalid,
                    "plan has " + std::to_string(n) + (n == 1 ? " error: " : " errors; first: ") + c.errors.front().text(),
                    json{{"errors", errs}});
}

// The plan's duties: one per duty of the file, one per member for a group's.
status fan_out(std::vector<pending_duty>& pending, plan& p) {
  for (auto& pd : pending) {
    if (!pd.links.empty()) pd.def.links = std::make_shared<const duty_links>(std::move(pd.links));
    if (pd.def.group.empty()) {
      pd.def.owner = p.find_unit(pd.owners.front())->id;
      p.duties.push_back(std::move(pd.def));
    } else {
      for (const auto& u : pd.owners) {
        duty_def copy = pd.def;
        copy.id = pd.def.id + "." + u;
        copy.owner = p.find_unit(u)->id;
        p.duties.push_back(std::move(copy));
      }
    }
  }
  std::unordered_set<std::string_view> ids;
  ids.reserve(p.duties.size());
  for (const auto& d : p.duties) {
    if (!ids.insert(d.id).second) {
      return make_error(errc::invalid, "duty id \"" + d.id + "\" appears twice after group fan-out",
                        json{{"errors", json::array({json{{"path", "duties"},
                                                          {"message", "duty id \"" + d.id + "\" appears twice after group fan-out"}}})}});
    }
  }
  return ok_status();
}

// `canonical`: the document's text when the caller has it already as doc.dump() wrote it.
result<plan_load> load_plan(const json& doc, const kind_registry& kinds, const plan_limits& limits,
                            std::optional<std::string> canonical) {
  checker c;
  auto p = std::make_shared<plan>();
  if (!doc.is_object()) {
    return make_error(errc::invalid, "a plan must be a JSON object",
                      json{{"errors", json::array({json{{"path", ""}, {"message", "a plan must be a JSON object"}}})}});
  }
  detail::plan_reader read(doc, kinds, limits, c, *p);
  read.read_header();
  read.read_units();
  read.read_groups();
  read.read_leads();
  read.read_milestones();
  read.read_defaults();
  // Duties: validate each, then fan out groups, then resolve dependencies.
  auto pending = read.read_duties();
  check_fan_out(c, pending, limits);
  auto graph = resolve_dependencies(c, pending);
  check_dependency_graph(c, pending, graph, limits);
  if (!c.errors.empty()) return plan_error(c);
  if (auto s = fan_out(pending, *p); !s) return std::move(s).err();
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
