// GET /api/v1/plans/{plan}/report.csv: a plan's report for a spreadsheet (csv.h writes it).
// The handler reads the plan on the engine thread; the builder is pure.
#pragma once

#include "adapters/http/handlers.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dutyflow::http {

void get_report_csv(services& ctx, const std::string& plan, const respond_fn& respond);

// The report: a header row and one row per duty, UTF-8 with a BOM, CRLF rows. `plan` is the
// plan JSON (units give the names).
std::string plan_report(const nlohmann::json& plan, const std::vector<nlohmann::json>& duties);

}  // namespace dutyflow::http
