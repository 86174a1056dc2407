// Reads a multipart/form-data body (RFC 7578 over RFC 2046's multipart syntax): what
// browsers send for <input type=file> and `curl -F file=@plan.docx`. Pure and bounded:
// the parts are views into the body (no copies of a file's bytes), at most
// `max_parts` of them, each part's headers at most 8 KiB. Any malformation (no or bad
// boundary, a part without Content-Disposition: form-data or without a name, a body
// that ends before the closing delimiter) is errc::invalid naming it; nothing throws.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace dutyflow::http {

struct form_part {
  std::string name;          // the field name
  std::string filename;      // the file's name as the client sent it ("" when not a file)
  std::string content_type;  // the part's Content-Type ("" when absent)
  std::string_view data;     // the content, a view into the body
};

// The media type of a Content-Type value, lower-cased, without its parameters
// ("Text/Plain; charset=utf-8" -> "text/plain").
std::string media_type(std::string_view content_type);

// True when `content_type` is multipart/form-data (parameters allowed, case-insensitive).
bool is_multipart_form(std::string_view content_type);

// The parts of `body`, in order.
result<std::vector<form_part>> parse_multipart(std::string_view content_type, std::string_view body,
                                               std::size_t max_parts = 16);

// The first part named `name`, if any.
const form_part* find_part(const std::vector<form_part>& parts, std::string_view name);

}  // namespace dutyflow::http
