#include "adapters/http/imports.h"
#include "adapters/http/multipart.h"
#include "adapters/import/document.h"

#include <spdlog/spdlog.h>

namespace dutyflow::http {

namespace {

using nlohmann::json;

bool starts_with_type(std::string_view content_type, std::string_view type) {
  if (content_type.size() < type.size()) return false;
  for (std::size_t i = 0; i < type.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(content_type[i])) != type[i]) return false;
  return content_type.size() == type.size() || content_type[type.size()] == ';' || content_type[type.size()] == ' ';
}

// Raw bodies dutyflow reads as a document (the format is decided by content anyway).
bool document_type(std::string_view content_type) {
  return starts_with_type(content_type, "application/vnd.openxmlformats-officedocument.wordprocessingml.document") ||
         starts_with_type(content_type, "text/plain") || starts_with_type(content_type, "application/octet-stream");
}

// The name to show for an uploaded file: its last path component, without control
// characters, at most 200 bytes of whole UTF-8 characters.
std::string display_name(std::string_view name) {
  if (auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  for (std::size_t i = 0; i < name.size();) {
    auto c = static_cast<unsigned char>(name[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + len > name.size() || out.size() + len > 200) break;
    if (len == 1 && (c < 0x20 || c == 0x7f || c >= 0x80)) {
      ++i;
      continue;
    }
    out.append(name.substr(i, len));
    i += len;
  }
  // A name that is not UTF-8 is not shown at all (it would not survive JSON either).
  return invalid_utf8_at(out) == std::string::npos ? out : std::string();
}

}  // namespace

json import_answer(const importer::import_result& imported, const std::vector<plan_issue>& errors,
                   const std::string& format, const std::string& file_name, std::size_t lines) {
  json warnings = json::array();
  for (const auto& e : imported.report) warnings.push_back(e.to_json());
  json errs = json::array();
  for (const auto& p : errors) errs.push_back(json{{"path", p.path}, {"message", p.message}});
  json coverage = json::array();
  std::size_t tracked = 0;
  for (const auto& c : imported.coverage) {
    if (!c.duties.empty()) ++tracked;
    coverage.push_back(json::parse(c.to_json().dump()));
  }
  return json{{"draft", json::parse(imported.plan.dump())},
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

void post_import(context& ctx, const request& req, const actor& caller, const respond_fn& respond) {
  if (caller.role != role::coordinator) {
    respond(error_response(403, "forbidden", "only a coordinator may import a plan document"));
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
  if (ctx.imports) options.directories = *ctx.imports->get();
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
