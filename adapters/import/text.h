// Vietnamese text helpers for the plan importer: UTF-8 decoding, diacritic folding
// (for ids and for matching wording regardless of case, NFC/NFD or old/new tone
// placement), and case changes. Pure functions on UTF-8 strings; any thread may call.
// Nothing here throws: invalid UTF-8 is reported by utf8_error() and otherwise each
// bad byte is treated as one unknown character.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dutyflow::importer {

// Byte offset of the first invalid UTF-8 sequence (overlong, surrogate, truncated,
// above U+10FFFF), or nullopt when `text` is valid UTF-8.
std::optional<std::size_t> utf8_error(std::string_view text);

// Decodes one code point at `pos` and advances `pos`; a bad byte yields U+FFFD.
char32_t next_code_point(std::string_view text, std::size_t& pos);
void append_utf8(std::string& out, char32_t cp);

// Text folded for matching: lowercase ASCII, Vietnamese diacritics removed ("đ" -> "d"),
// combining marks dropped, every other non-ASCII character -> ' '. `offsets[i]` is
// the byte in the original text where folded byte i came from; offsets.back() is
// the original length, so a folded range [b, e) maps to [offsets[b], offsets[e]).
struct folded_text {
  std::string text;
  std::vector<std::size_t> offsets;
};
folded_text fold(std::string_view text);

// The ASCII id of a Vietnamese name: folded, non-alphanumerics -> '-', runs of '-'
// collapsed, trimmed; cut at a '-' to at most `max_len` bytes.
// "Văn phòng HĐND và UBND huyện" -> "van-phong-hdnd-va-ubnd-huyen".
std::string slug(std::string_view name, std::size_t max_len = 64);

// Upper-cases the first letter ("phát biểu" -> "Phát biểu"), Vietnamese letters included.
std::string upper_first(std::string_view text);
// Lower-cases every Vietnamese letter ("HUYỆN PHONG THỔ" -> "huyện phong thổ").
std::string to_lower(std::string_view text);

// True when `text` has at least one letter and no lowercase letter.
bool is_all_upper(std::string_view text);
// True when the first letter of `text` is uppercase.
bool starts_upper(std::string_view text);

// The text without Markdown emphasis, as text exports of Word documents write bold and
// italics: "(*có Giấy mời cụ thể gửi sau*)" -> "(có Giấy mời cụ thể gửi sau)",
// "**TM. ỦY BAN NHÂN DÂN" -> "TM. ỦY BAN NHÂN DÂN". A '*' or '_' run is a mark when it
// pairs with another of the same character, or when it is two or more '*'/'_' at
// all; a lone "*" ("(*)", "a * b") and '_' inside a word ("ma_so") stay. Spaces are
// kept as they are. One pass, no recursion.
std::string strip_emphasis(std::string_view text);

// Upper-cases the first letter of every word ("Ma Li pho" -> "Ma Li Pho").
std::string upper_words(std::string_view text);

// Trims ASCII/Unicode spaces at both ends; turns no-break and other Unicode spaces, tabs
// and other control characters into ' '; drops bidi controls; keeps everything else verbatim.
std::string clean_line(std::string_view line);

}  // namespace dutyflow::importer
