// Message templates (config/templates/<lang>/<reason>.txt): plain text whose first line
// is "Subject: ...", then a blank line, then the body. Placeholders are {{name}};
// {{#name}}...{{/name}} is kept only when `name` is not empty and {{^name}}...{{/name}}
// only when it is; a line holding nothing but a section tag disappears with its line
// end. Parsed once at start-up; a loaded template_set is immutable, any thread may render.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"
#include "engine/time.h"

namespace dutyflow::notify {

// The outbox reasons, each of which needs a template.
std::span<const std::string_view> notification_reasons();
// The placeholders a template may use (see README "Templates").
std::span<const std::string_view> template_placeholders();

// engine/time.h's: an instant that is not a deadline (a link's expiry, a milestone) as
// messages write it. Deadlines are written with vietnamese_deadline, never with this.
using dutyflow::vietnamese_datetime;

using template_vars = std::map<std::string, std::string, std::less<>>;

struct rendered_message {
  std::string subject;  // one line
  std::string text;     // "\n" line ends, ends with one "\n"
};

class message_template {
 public:
  // Fails with errc::invalid naming `name` and the line for: no "Subject:" line, an
  // unknown placeholder, an unclosed or stray section.
  static result<message_template> parse(std::string_view source, const std::string& name);
  rendered_message render(const template_vars& vars) const;

  struct node;

 private:
  std::shared_ptr<const std::vector<node>> subject_, body_;
};

class template_set {
 public:
  // Reads <dir>/<reason>.txt for every reason. Fails with errc::not_found for a missing
  // file and errc::invalid for a bad one (every problem listed in the message).
  static result<template_set> load(const std::string& dir);
  void add(std::string reason, message_template t) { templates_.insert_or_assign(std::move(reason), std::move(t)); }
  // nullptr for a reason with no template.
  const message_template* find(std::string_view reason) const;

 private:
  std::map<std::string, message_template, std::less<>> templates_;
};

}  // namespace dutyflow::notify
