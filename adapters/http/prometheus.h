// Prometheus text exposition format (version 0.0.4) for GET /metrics: families with HELP
// and TYPE lines, label values escaped, histograms as cumulative _bucket/_sum/_count.
// A plain value builder; one thread uses an instance.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/metrics.h"

namespace dutyflow::http {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

// A label value with backslash, double quote and newline escaped.
std::string prometheus_escape_label(std::string_view value);
// A sample value: integers without a fraction, "+Inf", "-Inf", "NaN", otherwise the
// shortest text that reads back as the same double.
std::string prometheus_value(double v);

class metrics_text {
 public:
  // Starts a family; `type` is "counter", "gauge" or "histogram". Call once per name,
  // then add its samples.
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const metric_labels& labels, double value);
  // A whole histogram family (HELP, TYPE, buckets with le, +Inf, _sum, _count).
  void histogram(std::string_view name, std::string_view help, const dutyflow::histogram::snapshot& s,
                 const metric_labels& labels = {});
  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

}  // namespace dutyflow::http
