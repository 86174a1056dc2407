// Reads a plan document into its lines of text: UTF-8 (or UTF-16 with a BOM) .txt,
// or a Word .docx (word/document.xml read with libzip and pugixml; paragraphs in body
// order, table cells included, automatic list numbers and bullets written out as
// text). Stateless; any thread may call. Every failure (missing, empty, binary or
// non-UTF-8 text, legacy .doc, PDF, truncated or corrupt .docx) is returned as an
// errc::invalid error whose message names the problem; nothing throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace dutyflow::importer {

struct document_lines {
  std::string format;              // "txt" or "docx"
  std::vector<std::string> lines;  // cleaned (clean_line), blank lines kept as ""
};

// Largest file, and largest word/document.xml once uncompressed, that is read.
inline constexpr std::size_t max_document_bytes = std::size_t{32} << 20;

// The format is decided by content, not by the file name: a zip signature means .docx.
result<document_lines> read_document_file(const std::string& path);
result<document_lines> read_document(std::string_view bytes);

// The pieces, for tests.
result<document_lines> read_text(std::string_view bytes);
result<document_lines> read_docx(std::string_view bytes);

}  // namespace dutyflow::importer
