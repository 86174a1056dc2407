#include "adapters/http/imports.h"
#include "adapters/http/multipart.h"
#include "adapters/import/document.h"
#include "adapters/import/text.h"

#include <spdlog/spdlog.h>

namespace dutyflow::http {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Raw bodies dutyflow reads as a document (the format is decided by content anyway).
bool document_type(std::string_view content_type) {
  const auto type = media_type(content_type);
  return type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document" ||
         type == "text/plain" || type == "application/octet-stream";
}

// The name to show for an uploaded file: its last path component as the importer cleans a
// line (no control or bidi characters), at most 200 bytes of whole characters; nothing
// for a name that is not UTF-8.
std::string display_name(std::string_view name) {
  if (invalid_utf8_at(name) != std::string_view::npos) return {};
  if (auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  auto out = importer::clean_line(name);
  if (out.size() > 200) {
    std::size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    out.resize(cut);
  }
  return out;
}

}  // namespace

ordered_json import_answer(const importer::import_result& imported, const std::vector<plan_issue>& errors,
                           const std::string& format, const std::string& file_name, std::size_t lines) {
  ordered_json warnings = ordered_json::array();
  for (const auto& e : imported.report)
    warnings.push_back(ordered_json{{"category", e.category}, {"where", e.where}, {"message", e.message}});
  ordered_json errs = ordered_json::array();
  for (const auto& p : errors) errs.push_back(ordered_json{{"path", p.path}, {"message", p.message}});
  ordered_json coverage = ordered_json::array();
  std::size_t tracked = 0;
  for (const auto& c : imported.coverage) {
    if (!c.duties.empty()) ++tracked;
    coverage.push_back(c.to_json());
  }
  // The draft keeps the plan file's key order (DESIGN.md), as `import-plan` writes it: it is
  // what a coordinator edits when the review table is not enough.
  return ordered_json{{"draft", imported.plan},
                      {"coverage", coverage},
                      {"warnings", warnings},
                      {"errors", errs},
                      {"valid", errors.empty()},
                      {"summary",
                       {{"file", file_name},
                        {"format", format},
                        {"lines", lines},
                        {"plan", imported.plan.value("id", "")},
                        {"duties", imported.fanned_out_duties},
                        {"duties_in_file", imported.plan.contains("duties") ? imported.plan["duties"].size() : 0},
                        {"lines_covered", imported.coverage.size()},
                        {"lines_with_duties", tracked}}}};
}

std::optional<response> import_refusal(const actor& caller) {
  if (caller.role == role::coordinator) return std::nullopt;
  return error_response(403, "forbidden", "only a coordinator may import a plan document");
}

void post_import(services& ctx, const request& req, const actor& caller, const respond_fn& respond) {
  if (auto refusal = import_refusal(caller)) {
    respond(std::move(*refusal));
    return;
  }
  std::string_view bytes;
  std::string file_name;
  std::vector<form_part> parts;
  if (is_multipart_form(req.content_type)) {
    auto parsed = parse_multipart(req.content_type, req.body);
    if (!parsed) {
      respond(error_response(parsed.err()));
      return;
    }
    parts = std::move(*parsed);
    const auto* file = find_part(parts, "file");
    if (!file) {
      respond(error_response(400, "invalid",
                             "multipart/form-data needs a field \"file\" holding the plan document (.docx or .txt)"));
      return;
    }
    bytes = file->data;
    file_name = display_name(file->filename);
  } else if (document_type(req.content_type)) {
    bytes = req.body;
  } else {
    respond(error_response(415, "unsupported_media_type",
                           "send the document as multipart/form-data (field \"file\") or as the body with "
                           "Content-Type application/vnd.openxmlformats-officedocument.wordprocessingml.document "
                           "or text/plain"));
    return;
  }
  if (bytes.empty()) {
    respond(error_response(400, "invalid", "the uploaded file is empty"));
    return;
  }
  auto document = importer::read_document(bytes);
  if (!document) {
    respond(error_response(document.err()));
    return;
  }
  importer::import_options options;
  options.directories = *ctx.imports.get();
  auto imported = importer::import_plan(document->lines, options);
  if (!imported) {
    respond(error_response(imported.err()));
    return;
  }
  // The draft as POST /api/v1/plans would judge it (identity with a loaded plan aside:
  // the dashboard's dry run tells that).
  std::vector<plan_issue> errors;
  auto loaded = load_plan(json::parse(imported->plan.dump()), ctx.kinds, ctx.plan_size);
  if (!loaded) {
    errors = plan_errors(loaded.err());
    if (errors.empty()) errors.push_back({"", loaded.err().message});
  }
  spdlog::info("http: {} imported a {} document ({} lines) into a draft of plan {} with {} duties{}", caller.name,
               document->format, document->lines.size(), log_safe(imported->plan.value("id", "")),
               imported->fanned_out_duties, errors.empty() ? "" : " (not valid yet)");
  respond(json_response(200, import_answer(*imported, errors, document->format, file_name, document->lines.size())));
}

}  // namespace dutyflow::http
