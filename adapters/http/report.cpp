#include "adapters/http/report.h"
#include "adapters/http/csv.h"

namespace dutyflow::http {

using nlohmann::json;

// ---------------------------------------------------------------------------------------
// CSV report

std::string plan_report(const json& plan, const std::vector<json>& duties) {
  return csv_plan_report(plan, duties);
}

void get_report_csv(services& ctx, const std::string& plan, const respond_fn& respond) {
  ctx.runner.post([plan, respond](engine& e) {
    auto p = e.plan_json(plan);
    if (!p) {
      respond(error_response(p.err()));
      return;
    }
    duty_filter f;
    f.plan = plan;
    response r;
    r.content_type = "text/csv; charset=utf-8";
    r.body = plan_report(*p, e.duties_json(f, nullptr));
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + plan + "-bao-cao.csv\"");
    respond(std::move(r));
  });
}

}  // namespace dutyflow::http
