#include "tools/text_table.h"

#include "tools/safe_text.h"

#include <algorithm>

namespace dutyflow {

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    char32_t cp = c;
    if (len > 1 && i + len <= text.size()) {
      cp = c & (0xFF >> (len + 1));
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    bool combining = (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x20D0 && cp <= 0x20FF);
    if (!combining) ++width;
    i += len;
  }
  return width;
}

std::string render_table(const std::vector<std::string>& header_in,
                         const std::vector<std::vector<std::string>>& rows_in) {
  // Cells hold titles and notes from plans and units: no ESC, CR or bidi control reaches
  // the terminal (tools/safe_text.h).
  auto safe = [](std::vector<std::string> row) {
    for (auto& cell : row)
      if (has_control(cell)) cell = escape_control(cell);
    return row;
  };
  const auto header = safe(header_in);
  std::vector<std::vector<std::string>> rows;
  rows.reserve(rows_in.size());
  for (const auto& r : rows_in) rows.push_back(safe(r));
  std::vector<std::size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  };
  measure(header);
  for (const auto& r : rows) measure(r);
  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out.append(widths[i] - display_width(row[i]) + 2, ' ');
    }
    out += '\n';
  };
  emit(header);
  for (const auto& r : rows) emit(r);
  return out;
}

}  // namespace dutyflow
