#include "adapters/notify/templates.h"

#include "engine/read_model.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

namespace dutyflow::notify {

namespace {

// Every notice_reason, by its API name (engine/read_model.h), in the enum's order.
const std::array<std::string_view, notice_reason_count> reasons = [] {
  std::array<std::string_view, notice_reason_count> names{};
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = api_name(static_cast<notice_reason>(i));
  return names;
}();

constexpr std::array<std::string_view, 25> placeholders = {
    "id",           "reason",          "unit_name",        "plan_number",  "plan_title",     "plan_issuer",
    "plan_date",    "duty_title",      "owner_name",       "deadline",     "old_deadline",   "new_deadline",
    "point",        "note",            "actor",            "link",         "link_expires",   "missed",
    "days_overdue", "coalesced",       "before",           "unacknowledged", "milestone_title", "milestone_at",
    "milestone_offset"};

bool known_placeholder(std::string_view name) {
  return std::find(placeholders.begin(), placeholders.end(), name) != placeholders.end();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_section_tag(std::string_view line) {
  line = trim(line);
  if (line.size() < 6 || !line.starts_with("{{") || !line.ends_with("}}")) return false;
  if (line[2] != '#' && line[2] != '^' && line[2] != '/') return false;
  return line.find("{{", 2) == std::string_view::npos;
}

// Drops the line end (and indentation) of lines that hold only a section tag, so that
// sections do not leave blank lines behind.
std::string strip_standalone_tags(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    const bool has_newline = end != std::string_view::npos;
    if (!has_newline) end = text.size();
    const auto line = text.substr(start, end - start);
    if (is_section_tag(line)) {
      out += trim(line);
    } else {
      out += line;
      if (has_newline) out += '\n';
    }
    start = end + 1;
  }
  return out;
}

}  // namespace

struct message_template::node {
  enum class type : std::uint8_t { text, var, section, inverted };
  type kind = type::text;
  std::string value;  // text, or the placeholder name
  std::vector<node> children;
};

namespace {

using node = message_template::node;

// Parses text with its tags into a tree; every problem found goes to `problems`.
std::vector<node> parse_all(std::string_view text, std::vector<std::string>& problems) {
  struct frame {
    node n;
    std::size_t opened_line;
  };
  std::vector<node> top;
  std::vector<frame> stack;
  auto sink = [&]() -> std::vector<node>& { return stack.empty() ? top : stack.back().n.children; };
  auto line_at = [&](std::size_t p) {
    return 1 + std::count(text.begin(), text.begin() + std::min(p, text.size()), '\n');
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto tag = text.find("{{", pos);
    if (tag == std::string_view::npos) {
      sink().push_back(node{node::type::text, std::string(text.substr(pos)), {}});
      break;
    }
    if (tag > pos) sink().push_back(node{node::type::text, std::string(text.substr(pos, tag - pos)), {}});
    const auto close = text.find("}}", tag + 2);
    if (close == std::string_view::npos) {
      problems.push_back("line " + std::to_string(line_at(tag)) + ": \"{{\" without \"}}\"");
      break;
    }
    auto inner = trim(text.substr(tag + 2, close - tag - 2));
    pos = close + 2;
    const char sigil = inner.empty() ? '\0' : inner.front();
    if (sigil == '#' || sigil == '^' || sigil == '/') inner = trim(inner.substr(1));
    const std::string name(inner);
    if (!known_placeholder(name)) {
      problems.push_back("line " + std::to_string(line_at(tag)) + ": unknown placeholder \"" + name + "\"");
      continue;
    }
    if (sigil == '/') {
      if (stack.empty() || stack.back().n.value != name) {
        problems.push_back("line " + std::to_string(line_at(tag)) + ": \"{{/" + name + "}}\" closes no open section");
        continue;
      }
      auto done = std::move(stack.back().n);
      stack.pop_back();
      sink().push_back(std::move(done));
      continue;
    }
    if (sigil == '#' || sigil == '^') {
      stack.push_back(frame{node{sigil == '#' ? node::type::section : node::type::inverted, name, {}},
                            static_cast<std::size_t>(line_at(tag))});
      continue;
    }
    sink().push_back(node{node::type::var, name, {}});
  }
  for (const auto& f : stack)
    problems.push_back("line " + std::to_string(f.opened_line) + ": section \"" + f.n.value + "\" is not closed");
  return top;
}

const std::string& lookup(const template_vars& vars, const std::string& name) {
  static const std::string empty;
  auto it = vars.find(name);
  return it == vars.end() ? empty : it->second;
}

void render_nodes(const std::vector<node>& nodes, const template_vars& vars, std::string& out) {
  for (const auto& n : nodes) {
    switch (n.kind) {
      case node::type::text:
        out += n.value;
        break;
      case node::type::var:
        out += lookup(vars, n.value);
        break;
      case node::type::section:
        if (!lookup(vars, n.value).empty()) render_nodes(n.children, vars, out);
        break;
      case node::type::inverted:
        if (lookup(vars, n.value).empty()) render_nodes(n.children, vars, out);
        break;
    }
  }
}

}  // namespace

std::span<const std::string_view> notification_reasons() {
  return reasons;
}
std::span<const std::string_view> template_placeholders() {
  return placeholders;
}

result<message_template> message_template::parse(std::string_view source, const std::string& name) {
  if (source.starts_with("\xEF\xBB\xBF")) source.remove_prefix(3);  // a BOM from a Windows editor
  const auto first_end = source.find('\n');
  auto first = trim(source.substr(0, first_end));
  if (!first.starts_with("Subject:")) return make_error(errc::invalid, name + ": line 1: must start with \"Subject:\"");
  auto subject = trim(first.substr(8));
  std::string_view body = first_end == std::string_view::npos ? std::string_view() : source.substr(first_end + 1);
  // One blank line separates the subject from the body.
  if (!body.empty()) {
    const auto second_end = body.find('\n');
    if (trim(body.substr(0, second_end)).empty())
      body = second_end == std::string_view::npos ? std::string_view() : body.substr(second_end + 1);
  }
  std::vector<std::string> problems;
  auto subject_nodes = parse_all(subject, problems);
  const auto body_text = strip_standalone_tags(body);
  auto body_nodes = parse_all(body_text, problems);
  if (!problems.empty()) {
    std::string message = name + ": ";
    for (std::size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    return make_error(errc::invalid, message);
  }
  message_template t;
  t.subject_ = std::make_shared<const std::vector<node>>(std::move(subject_nodes));
  t.body_ = std::make_shared<const std::vector<node>>(std::move(body_nodes));
  return t;
}

rendered_message message_template::render(const template_vars& vars) const {
  rendered_message out;
  std::string subject;
  render_nodes(*subject_, vars, subject);
  // A header is one line: any line break or run of spaces a value brought becomes one space.
  bool space = false;
  for (char c : subject) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.subject.empty();
      continue;
    }
    if (space) out.subject.push_back(' ');
    space = false;
    out.subject.push_back(c);
  }
  render_nodes(*body_, vars, out.text);
  while (!out.text.empty() && (out.text.back() == '\n' || out.text.back() == ' ')) out.text.pop_back();
  out.text.push_back('\n');
  return out;
}

result<template_set> template_set::load(const std::string& dir) {
  template_set set;
  std::vector<std::string> problems;
  for (auto reason : reasons) {
    const std::string path = dir + "/" + std::string(reason) + ".txt";
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(errc::not_found, "templates: cannot read " + path);
    std::stringstream buf;
    buf << in.rdbuf();
    auto t = message_template::parse(buf.str(), path);
    if (!t) {
      problems.push_back(t.err().message);
      continue;
    }
    set.add(std::string(reason), std::move(*t));
  }
  if (!problems.empty()) {
    std::string message = "templates: ";
    for (std::size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    return make_error(errc::invalid, message);
  }
  return set;
}

const message_template* template_set::find(std::string_view reason) const {
  auto it = templates_.find(reason);
  return it == templates_.end() ? nullptr : &it->second;
}

}  // namespace dutyflow::notify
