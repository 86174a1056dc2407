// The importer's reading of single lines: folded-text helpers, the line markers of a
// Nghị định 30/2020 document ("IV.", "1.", "1.2.", "a)", "-", "+") and the kind a duty's
// wording decides. See importer_internal.h.
#include <algorithm>
#include <array>
#include <utility>

#include "adapters/import/importer_internal.h"

namespace dutyflow::importer::detail {

error invalid(std::string message) {
  return make_error(errc::invalid, std::move(message));
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::size_t find_word(std::string_view f, std::string_view phrase, std::size_t from) {
  for (auto pos = f.find(phrase, from); pos != npos; pos = f.find(phrase, pos + 1)) {
    auto end = pos + phrase.size();
    if ((pos == 0 || !is_alnum(f[pos - 1])) && (end == f.size() || !is_alnum(f[end]))) return pos;
  }
  return npos;
}
bool has_word(std::string_view f, std::string_view phrase) {
  return find_word(f, phrase) != npos;
}
bool starts_word(std::string_view f, std::string_view phrase) {
  return f.substr(0, phrase.size()) == phrase && (f.size() == phrase.size() || !is_alnum(f[phrase.size()]));
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(' ');
  if (b == npos) return {};
  auto e = s.find_last_not_of(' ');
  return std::string(s.substr(b, e - b + 1));
}

std::string strip_trailing(std::string s, std::string_view chars) {
  while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.pop_back();
  return s;
}

std::string original(std::string_view text, const folded_text& f, std::size_t b, std::size_t e) {
  return std::string(text.substr(f.offsets[b], f.offsets[e] - f.offsets[b]));
}

std::string quote_text(std::string_view s, std::size_t max_bytes) {
  std::string out(s);
  if (out.size() > max_bytes) {
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
    out = out.substr(0, cut) + "…";
  }
  return "\"" + out + "\"";
}

std::size_t word_count(std::string_view folded) {
  std::size_t n = 0;
  bool in = false;
  for (char c : folded) {
    bool a = is_alnum(c);
    if (a && !in) ++n;
    in = a;
  }
  return n;
}

std::string plain_of(const std::string& line) {
  std::string s = line;
  bool changed = true;
  while (changed && !s.empty()) {
    changed = false;
    if (s[0] == '#') {
      s = trim(s.substr(s.find_first_not_of('#') == npos ? s.size() : s.find_first_not_of('#')));
      changed = true;
    }
    for (std::string_view m : {"**", "__"}) {
      if (s.size() >= 2 && s.substr(0, 2) == m) s = trim(s.substr(2)), changed = true;
      if (s.size() >= 2 && s.substr(s.size() - 2) == m) s = trim(s.substr(0, s.size() - 2)), changed = true;
    }
    if (s.size() >= 2 && (s[0] == '*' || s[0] == '_') && s[1] != ' ' && s[1] != s[0]) s = s.substr(1), changed = true;
    if (s.size() >= 2 && (s.back() == '*' || s.back() == '_') && s[s.size() - 2] != ' ' && s[s.size() - 2] != s.back())
      s.pop_back(), changed = true;
  }
  return s;
}

std::size_t skip_spaces(std::string_view s, std::size_t i) {
  while (i < s.size() && s[i] == ' ') ++i;
  return i;
}

// ---- line markers ------------------------------------------------------------

namespace {

std::optional<int> roman_value(std::string_view s) {
  static constexpr std::array<std::pair<int, std::string_view>, 7> digits = {
      {{1000, "M"}, {500, "D"}, {100, "C"}, {50, "L"}, {10, "X"}, {5, "V"}, {1, "I"}}};
  if (s.empty() || s.size() > 6) return std::nullopt;
  int total = 0, prev = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    int v = 0;
    for (auto [value, d] : digits)
      if (d[0] == *it) v = value;
    if (v == 0) return std::nullopt;
    total += v < prev ? -v : v;
    prev = std::max(prev, v);
  }
  if (total < 1 || total > 30) return std::nullopt;
  return total;
}

}  // namespace

// Markers are parsed by hand: std::regex recurses once per character on ".*" and a
// long enough line would overflow the stack.
marked parse_marker(const std::string& plain) {
  std::string_view s = plain;
  auto body_from = [&](std::size_t i) { return std::string(s.substr(i)); };
  // "IV. …", "II) …"
  std::size_t i = 0;
  while (i < s.size() && i < 7 && std::string_view("IVXL").find(s[i]) != std::string_view::npos) ++i;
  if (i > 0 && i <= 6 && roman_value(s.substr(0, i))) {
    auto j = skip_spaces(s, i);
    if (j < s.size() && (s[j] == '.' || s[j] == ')')) {
      j = skip_spaces(s, j + 1);
      if (j < s.size()) return {marker::roman, std::string(s.substr(0, i)), body_from(j)};
    }
  }
  // "1. …", "2) …", "1.2. …", "1.2 …"
  auto digits = [&](std::size_t at) {
    std::size_t k = at;
    while (k < s.size() && is_digit(s[k]) && k - at < 3) ++k;
    return k - at;
  };
  if (auto d = digits(0); d >= 1 && d <= 2) {
    std::size_t k = d;
    bool sub = false;
    while (k + 1 < s.size() && s[k] == '.' && digits(k + 1) >= 1 && digits(k + 1) <= 2) {
      k += 1 + digits(k + 1);
      sub = true;
    }
    auto label = std::string(s.substr(0, k));
    if (sub) {
      auto j = k < s.size() && s[k] == '.' ? k + 1 : k;
      j = skip_spaces(s, j);
      if (j < s.size() && (j > k || !is_digit(s[j]))) return {marker::subnumber, label, body_from(j)};
    } else {
      auto j = skip_spaces(s, k);
      if (j < s.size() && (s[j] == '.' || s[j] == ')')) {
        j = skip_spaces(s, j + 1);
        if (j < s.size()) return {marker::number, label, body_from(j)};
      }
    }
  }
  // "a) …", "đ) …"
  std::size_t letter = 0;
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z')
    letter = 1;
  else if (s.substr(0, 2) == "\u0111")
    letter = 2;  // đ
  if (letter > 0) {
    auto j = skip_spaces(s, letter);
    if (j < s.size() && s[j] == ')') {
      j = skip_spaces(s, j + 1);
      if (j < s.size()) return {marker::letter, std::string(s.substr(0, letter)), body_from(j)};
    }
  }
  for (std::string_view dash : {"-", "\u2013", "\u2014", "\u2022", "\u00B7", "\u25AA", "\u25CF", "\u2212"}) {
    if (s.size() > dash.size() && s.substr(0, dash.size()) == dash) {
      auto body = trim(s.substr(dash.size()));
      if (!body.empty() && body[0] != '-') return {marker::dash, {}, body};
    }
  }
  if (s.size() > 1 && s[0] == '+') {
    auto body = trim(s.substr(1));
    if (!body.empty()) return {marker::plus, {}, body};
  }
  return {marker::none, {}, plain};
}

// ---- kinds -------------------------------------------------------------------

namespace {

struct kind_rule {
  std::string_view phrase;  // folded
  std::string_view kind;
};

// First rule that matches wins, so specific wording comes before generic wording:
// "Cử phóng viên dự và đưa tin" is a reporter, "đăng tải tài liệu" a publish duty.
constexpr std::array<kind_rule, 41> kind_rules = {{
    {"tham luan", "tham_luan"},     {"phong vien", "reporter"},      {"hoi truong", "venue"},
    {"phong hop", "venue"},         {"dia diem to chuc", "venue"},   {"trang tri", "venue"},
    {"khanh tiet", "venue"},        {"am thanh", "venue"},           {"san khau", "venue"},
    {"khen thuong", "awards"},      {"thi dua", "awards"},           {"trao thuong", "awards"},
    {"trao giai", "awards"},        {"giai thuong", "awards"},       {"dang tai", "publish"},
    {"trang thong tin", "publish"}, {"cong thong tin", "publish"},   {"website", "publish"},
    {"dang tin", "publish"},        {"cu dai bieu", "attendance"},   {"cu can bo", "attendance"},
    {"cu lanh dao", "attendance"},  {"cu thanh phan", "attendance"}, {"giay moi", "report"},
    {"moi dai bieu", "report"},     {"tham du", "attendance"},       {"dua tin", "reporter"},
    {"ghi hinh", "reporter"},       {"tuyen truyen", "publish"},     {"bao cao", "report"},
    {"tai lieu", "report"},         {"chuan bi", "report"},          {"cong bo", "report"},
    {"du thao", "report"},          {"xay dung", "report"},          {"tham muu", "report"},
    {"tong hop", "report"},         {"ke hoach", "report"},          {"de an", "report"},
    {"kinh phi", "report"},         {"du toan", "report"},
}};

// Remarks in brackets ("(*có Giấy mời cụ thể gửi sau*)") do not decide the kind.
std::string without_brackets(std::string_view text) {
  std::string out;
  int depth = 0;
  for (char c : text) {
    if (c == '(')
      ++depth;
    else if (c == ')' && depth > 0)
      --depth;
    else if (depth == 0)
      out += c;
  }
  return out;
}

}  // namespace

std::optional<classification> classify(std::string_view text) {
  auto plain = without_brackets(text);
  auto f = fold(plain);
  for (const auto& rule : kind_rules) {
    if (auto pos = find_word(f.text, rule.phrase); pos != npos)
      return classification{std::string(rule.kind), original(plain, f, pos, pos + rule.phrase.size())};
  }
  return std::nullopt;
}

}  // namespace dutyflow::importer::detail
