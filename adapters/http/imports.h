// POST /api/v1/imports (coordinator): a plan document (.docx or .txt) in, a draft plan
// out, for the dashboard's review table and `dutyflow plan upload`. The document comes as
// multipart/form-data field `file` (what browsers and `curl -F` send) or as the raw body
// with a document Content-Type. Nothing is stored and nothing is journaled: the answer is
// {"draft": <plan file>, "coverage": [...], "warnings": [...], "errors": [...],
//  "valid": bool, "summary": {...}}, and the coordinator publishes the (edited) draft
// with POST /api/v1/plans. Runs on the I/O thread that read the request (the importer is
// pure and takes milliseconds); never on the engine's.
#pragma once

#include "adapters/http/handlers.h"
#include "adapters/import/plan_importer.h"

#include <memory>
#include <optional>
#include <mutex>
#include <vector>

namespace dutyflow::http {

// What an import needs from the daemon: the units directories (config/units) whose
// ids, names and contacts an imported plan takes. Owned by the daemon, read-only.
// Thread-safe: the I/O threads read, SIGHUP replaces.
class import_services {
 public:
  using directories = std::vector<importer::unit_directory>;
  explicit import_services(directories d) : dirs_(std::make_shared<const directories>(std::move(d))) {}
  std::shared_ptr<const directories> get() const {
    std::lock_guard lock(mutex_);
    return dirs_;
  }
  void set(directories d) {
    auto fresh = std::make_shared<const directories>(std::move(d));
    std::lock_guard lock(mutex_);
    dirs_ = std::move(fresh);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const directories> dirs_;
};

void post_import(services& ctx, const request& req, const actor& caller, const respond_fn& respond);

// The 403 for a caller who may not import (anyone but a coordinator), or nullopt. The
// session asks it too, before it reads a large upload's body.
std::optional<response> import_refusal(const actor& caller);

// The answer's body for an imported document (the handler's, and the tests').
nlohmann::ordered_json import_answer(const importer::import_result& imported, const std::vector<plan_issue>& errors,
                             const std::string& format, const std::string& file_name, std::size_t lines);

}  // namespace dutyflow::http
