#include "adapters/import/text.h"

#include <array>
#include <vector>
#include <unordered_map>

namespace dutyflow::importer {
namespace {

struct letter_info {
  char base;      // lowercase ASCII letter
  bool upper;     // the letter is uppercase
  char32_t pair;  // the same letter in the other case
};

// Vietnamese letters by base, lower and upper spelled in the same order so that the
// i-th code point of one is the i-th of the other.
struct letter_row {
  char base;
  const char* lower;
  const char* upper;
};
constexpr std::array<letter_row, 7> vietnamese_letters = {{
    {'a', "àáảãạăằắẳẵặâầấẩẫậäåā", "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÄÅĀ"},
    {'e', "èéẻẽẹêềếểễệëē", "ÈÉẺẼẸÊỀẾỂỄỆËĒ"},
    {'i', "ìíỉĩịïī", "ÌÍỈĨỊÏĪ"},
    {'o', "òóỏõọôồốổỗộơờớởỡợöō", "ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÖŌ"},
    {'u', "ùúủũụưừứửữựüū", "ÙÚỦŨỤƯỪỨỬỮỰÜŪ"},
    {'y', "ỳýỷỹỵÿ", "ỲÝỶỸỴŸ"},
    {'d', "đ", "Đ"},
}};

const std::unordered_map<char32_t, letter_info>& letter_table() {
  static const auto table = [] {
    std::unordered_map<char32_t, letter_info> t;
    for (const auto& row : vietnamese_letters) {
      std::string_view lo = row.lower, up = row.upper;
      std::size_t i = 0, j = 0;
      while (i < lo.size() && j < up.size()) {
        char32_t l = next_code_point(lo, i);
        char32_t u = next_code_point(up, j);
        t[l] = {row.base, false, u};
        t[u] = {row.base, true, l};
      }
    }
    return t;
  }();
  return table;
}

bool is_combining(char32_t cp) {
  return cp >= 0x300 && cp <= 0x36F;
}

bool is_unicode_space(char32_t cp) {
  return cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

}  // namespace

std::optional<std::size_t> utf8_error(std::string_view text) {
  std::size_t i = 0;
  const auto n = text.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    char32_t cp = 0, min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::nullopt;
}

char32_t next_code_point(std::string_view text, std::size_t& pos) {
  auto c = static_cast<unsigned char>(text[pos]);
  if (c < 0x80) {
    ++pos;
    return c;
  }
  std::size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || pos + len > text.size()) {
    ++pos;
    return 0xFFFD;
  }
  char32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (std::size_t k = 1; k < len; ++k) {
    auto cc = static_cast<unsigned char>(text[pos + k]);
    if ((cc & 0xC0) != 0x80) {
      ++pos;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  pos += len;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

folded_text fold(std::string_view text) {
  folded_text out;
  out.text.reserve(text.size());
  out.offsets.reserve(text.size() + 1);
  const auto& table = letter_table();
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t start = pos;
    char32_t cp = next_code_point(text, pos);
    char folded = ' ';
    if (cp < 0x80) {
      folded = static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp - 'A' + 'a' : cp);
    } else if (is_combining(cp)) {
      continue;  // belongs to the letter before it
    } else if (auto it = table.find(cp); it != table.end()) {
      folded = it->second.base;
    }
    out.text += folded;
    out.offsets.push_back(start);
  }
  out.offsets.push_back(text.size());
  return out;
}

std::string slug(std::string_view name, std::size_t max_len) {
  auto f = fold(name).text;
  std::string out;
  for (char c : f) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum)
      out += c;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > max_len) {
    auto cut = out.rfind('-', max_len);
    out.resize(cut == std::string::npos || cut == 0 ? max_len : cut);
    while (!out.empty() && out.back() == '-') out.pop_back();
  }
  return out;
}

namespace {

// Re-encodes `text` with the case of letters changed; `first_only` stops after the
// first letter.
std::string change_case(std::string_view text, bool to_upper, bool first_only) {
  const auto& table = letter_table();
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  bool done = false;
  while (pos < text.size()) {
    std::size_t start = pos;
    char32_t cp = next_code_point(text, pos);
    if (done) {
      out.append(text.substr(start, pos - start));
      continue;
    }
    if (cp < 0x80) {
      bool lower = cp >= 'a' && cp <= 'z', upper = cp >= 'A' && cp <= 'Z';
      if (to_upper && lower) cp = cp - 'a' + 'A';
      if (!to_upper && upper) cp = cp - 'A' + 'a';
      if ((lower || upper) && first_only) done = true;
      out += static_cast<char>(cp);
    } else if (auto it = table.find(cp); it != table.end()) {
      append_utf8(out, it->second.upper == to_upper ? cp : it->second.pair);
      if (first_only) done = true;
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
  return out;
}

// -1 lowercase letter, +1 uppercase letter, 0 not a letter.
int letter_case(char32_t cp) {
  if (cp >= 'a' && cp <= 'z') return -1;
  if (cp >= 'A' && cp <= 'Z') return 1;
  if (cp < 0x80) return 0;
  const auto& table = letter_table();
  if (auto it = table.find(cp); it != table.end()) return it->second.upper ? 1 : -1;
  return 0;
}

}  // namespace

std::string upper_first(std::string_view text) {
  return change_case(text, true, true);
}
std::string to_lower(std::string_view text) {
  return change_case(text, false, false);
}

std::string upper_words(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto space = text.find(' ', start);
    if (space == std::string_view::npos) space = text.size();
    out += upper_first(text.substr(start, space - start));
    if (space < text.size()) out += ' ';
    start = space + 1;
  }
  return out;
}

std::string strip_emphasis(std::string_view text) {
  struct run {
    std::size_t at, len;
    char c;
    bool open, close;
    bool drop = false;
  };
  auto wordish = [](unsigned char c) { return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); };
  std::vector<run> runs;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c != '*' && c != '_') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && text[j] == c) ++j;
    bool before = i > 0 && text[i - 1] != ' ';
    bool after = j < text.size() && text[j] != ' ';
    run r{i, j - i, c, after, before};
    // '_' inside a word ("ma_so_thue") is part of the word.
    if (c == '_' && i > 0 && j < text.size() && wordish(static_cast<unsigned char>(text[i - 1])) &&
        wordish(static_cast<unsigned char>(text[j])))
      r.open = r.close = false;
    runs.push_back(r);
    i = j;
  }
  // Pairs: a closing run takes the nearest open run of the same character before it.
  std::vector<std::size_t> openers;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    auto& r = runs[k];
    bool paired = false;
    if (r.close) {
      for (std::size_t o = openers.size(); o-- > 0;) {
        if (runs[openers[o]].c != r.c) continue;
        runs[openers[o]].drop = r.drop = paired = true;
        openers.resize(o);
        break;
      }
    }
    if (!paired && r.open) openers.push_back(k);
    if (!paired && r.len >= 2 && (r.open || r.close)) r.drop = true;  // "**" is never text
  }
  std::string out;
  out.reserve(text.size());
  std::size_t from = 0;
  for (const auto& r : runs) {
    if (!r.drop) continue;
    out.append(text.substr(from, r.at - from));
    from = r.at + r.len;
  }
  out.append(text.substr(from));
  return out;
}

bool is_all_upper(std::string_view text) {
  bool any = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    int c = letter_case(next_code_point(text, pos));
    if (c < 0) return false;
    if (c > 0) any = true;
  }
  return any;
}

bool starts_upper(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    int c = letter_case(next_code_point(text, pos));
    if (c != 0) return c > 0;
  }
  return false;
}

std::string clean_line(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  std::size_t pos = 0;
  while (pos < line.size()) {
    std::size_t start = pos;
    char32_t cp = next_code_point(line, pos);
    if (cp == '\t' || cp == '\r' || cp == '\v' || cp == '\f' || is_unicode_space(cp)) {
      if (cp != 0xFEFF && cp != 0x200B) out += ' ';
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      // Other C0/C1 controls (a .docx field code, a stray form byte): a plan refuses them in
      // its strings, and a person never meant them; they separate words.
      out += ' ';
    } else if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F) {
      // Bidi controls reorder what a reader sees (issue 16): dropped.
    } else {
      out.append(line.substr(start, pos - start));
    }
  }
  auto b = out.find_first_not_of(' ');
  if (b == std::string::npos) return {};
  auto e = out.find_last_not_of(' ');
  return out.substr(b, e - b + 1);
}

}  // namespace dutyflow::importer
