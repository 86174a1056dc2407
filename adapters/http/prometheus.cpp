#include "adapters/http/prometheus.h"

#include <charconv>
#include <cmath>

namespace dutyflow::http {

std::string prometheus_escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

std::string prometheus_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::trunc(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[64];
  // Plain decimals read best ("0.0001", not "1e-04"); tiny values keep the exponent.
  const bool plain = std::fabs(v) >= 1e-9;
  auto [end, ec] = plain ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                         : std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : std::string("NaN");
}

namespace {

// HELP text escapes only backslash and newline.
std::string escape_help(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

std::string label_text(const metric_labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += labels[i].first + "=\"" + prometheus_escape_label(labels[i].second) + "\"";
  }
  return out + "}";
}

}  // namespace

void metrics_text::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += " " + escape_help(help) + "\n# TYPE ";
  out_ += name;
  out_ += " ";
  out_ += type;
  out_ += "\n";
}

void metrics_text::sample(std::string_view name, const metric_labels& labels, double value) {
  out_ += name;
  out_ += label_text(labels) + " " + prometheus_value(value) + "\n";
}

void metrics_text::histogram(std::string_view name, std::string_view help, const dutyflow::histogram::snapshot& s,
                             const metric_labels& labels) {
  family(name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < s.bounds.size(); ++i) {
    auto l = labels;
    l.emplace_back("le", prometheus_value(s.bounds[i]));
    sample(bucket, l, static_cast<double>(s.cumulative[i]));
  }
  auto inf = labels;
  inf.emplace_back("le", "+Inf");
  sample(bucket, inf, static_cast<double>(s.count));
  sample(std::string(name) + "_sum", labels, s.sum);
  sample(std::string(name) + "_count", labels, static_cast<double>(s.count));
}

}  // namespace dutyflow::http
