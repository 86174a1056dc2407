// Aligned text tables for the CLI. Widths count what a terminal shows: one column per
// code point, none for combining marks, so Vietnamese text lines up whether it is
// precomposed (NFC) or not. Plain functions, any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dutyflow {

// Columns a terminal uses for `text` (UTF-8).
std::size_t display_width(std::string_view text);

// Renders rows under a header, columns separated by two spaces; the last column is not padded.
// Control and bidi characters in cells are shown escaped (escape_control).
std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

}  // namespace dutyflow
