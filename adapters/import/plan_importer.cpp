#include "adapters/import/plan_importer.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <regex>
#include <set>
#include <utility>

#include "adapters/import/text.h"

namespace dutyflow::importer {
namespace {

using ojson = nlohmann::ordered_json;

constexpr std::size_t npos = std::string::npos;

error invalid(std::string message) {
  return make_error(errc::invalid, std::move(message));
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// `phrase` (folded) in folded text `f` at word boundaries, from `from`; npos if absent.
std::size_t find_word(std::string_view f, std::string_view phrase, std::size_t from = 0) {
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

std::string strip_trailing(std::string s, std::string_view chars = " .;,:") {
  while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.pop_back();
  return s;
}

// The original text behind folded range [b, e).
std::string original(std::string_view text, const folded_text& f, std::size_t b, std::size_t e) {
  return std::string(text.substr(f.offsets[b], f.offsets[e] - f.offsets[b]));
}

std::string quote_text(std::string_view s, std::size_t max_bytes = 90) {
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

// Emphasis and heading marks that text exports of Word documents leave at the ends of
// a line ("**TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH**", "# KẾ HOẠCH").
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

// ---- line markers ------------------------------------------------------------

enum class marker { none, roman, number, subnumber, letter, dash, plus };

struct marked {
  marker kind = marker::none;
  std::string label;  // "IV", "1", "1.2", "a"; empty for dash, plus and none
  std::string body;   // the line without its marker
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::size_t skip_spaces(std::string_view s, std::size_t i) {
  while (i < s.size() && s[i] == ' ') ++i;
  return i;
}

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

struct kind_rule {
  std::string_view phrase;  // folded
  std::string_view kind;
};

// First rule that matches wins, so specific wording comes before generic wording:
// "Cử phóng viên dự và đưa tin" is a reporter, "đăng tải tài liệu" a publish duty.
constexpr std::array<kind_rule, 39> kind_rules = {{
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
}};

struct classification {
  std::string kind;
  std::string matched;  // the deciding phrase as the document writes it
};

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

std::optional<classification> classify(std::string_view text) {
  auto plain = without_brackets(text);
  auto f = fold(plain);
  for (const auto& rule : kind_rules) {
    if (auto pos = find_word(f.text, rule.phrase); pos != npos)
      return classification{std::string(rule.kind), original(plain, f, pos, pos + rule.phrase.size())};
  }
  return std::nullopt;
}

// ---- units -------------------------------------------------------------------

constexpr std::array<std::string_view, 48> unit_starts = {
    "cong chuc", "phong",       "van phong", "trung tam", "ban",        "ubnd",          "uy ban",    "hdnd",
    "hoi dong",  "xa",          "thi tran",  "phuong",    "thon",       "cong an",       "doi",       "hat",
    "chi cuc",   "benh vien",   "truong",    "hoi",       "huyen doan", "huyen uy",      "lien doan", "mat tran",
    "dai",       "kho bac",     "chi nhanh", "bao hiem",  "toa an",     "vien kiem sat", "so",        "tram",
    "cong ty",   "nha van hoa", "thu vien",  "bchqs",     "mttq",       "doan",          "chi doan",  "tong doi",
    "buu dien",  "ngan hang",   "de nghi",   "cac",       "to",         "khoi",          "dang uy",   "chi bo"};

constexpr std::array<std::string_view, 30> not_unit_starts = {
    "ban hanh",    "phong chong",  "phong ngua",   "truong hop",    "hoi nghi",     "hoi thao",
    "hoi thi",     "hoi truong",   "xa hoi",       "doi voi",       "doi moi",      "so luong",
    "so lieu",     "dai bieu",     "cac noi dung", "cac hoat dong", "cac nhiem vu", "cac giai phap",
    "cac van ban", "cac tai lieu", "cac chi so",   "cac tap the",   "cac ca nhan",  "to chuc",
    "tong hop",    "tong ket",     "so ket",       "ban chap",      "cac muc",      "cac tieu chi"};

constexpr std::array<std::string_view, 19> group_starts = {
    "cac co quan",  "cac don vi",   "cac phong",           "cac ban",        "cac nganh",
    "cac xa",       "cac thi tran", "cac phuong",          "cac truong",     "cac hoi",
    "cac doan the", "cac to chuc",  "cac dia phuong",      "cac thanh vien", "cac thon",
    "cac co so",    "ubnd cac",     "uy ban nhan dan cac", "cac cap"};

struct unit_name {
  std::string name;  // as the document writes it, "Đề nghị" and brackets removed
  bool group = false;
};

// Whether `text` is the name of a unit or group (as in "Phòng Nội vụ" or
// "Các cơ quan, đơn vị huyện; UBND các xã, thị trấn"), not a sentence.
std::optional<unit_name> as_unit_name(std::string_view text) {
  auto name = trim(strip_trailing(std::string(text)));
  auto f = fold(name).text;
  if (starts_word(f, "de nghi")) {
    auto fo = fold(name);
    std::size_t cut = 7;
    while (cut < fo.text.size() && fo.text[cut] == ' ') ++cut;
    name = original(name, fo, cut, fo.text.size());
    f = fold(name).text;
  }
  if (!name.empty() && name.back() == ')') {
    if (auto open = name.rfind('('); open != npos && open > 0) name = trim(name.substr(0, open));
    f = fold(name).text;
  }
  if (name.empty() || !starts_upper(name)) return std::nullopt;
  auto words = word_count(f);
  if (words == 0 || words > 14) return std::nullopt;
  if (has_word(f, "con lai") || has_word(f, "chu tri") || has_word(f, "phoi hop")) return std::nullopt;
  for (auto no : not_unit_starts)
    if (starts_word(f, no)) return std::nullopt;
  bool group = name.find(';') != npos;
  for (auto g : group_starts)
    if (starts_word(f, g)) group = true;
  if (!group && starts_word(f, "cac")) return std::nullopt;
  bool unit_like = group;
  for (auto u : unit_starts)
    if (starts_word(f, u)) unit_like = true;
  if (!unit_like || classify(name)) return std::nullopt;
  return unit_name{name, group};
}

// "Ủy ban MTTQ huyện, Liên đoàn Lao động huyện" names two units; "Trung tâm Văn hóa,
// Thể thao và Truyền thông" one: a part after ", " starts a new unit only when it
// starts like one.
std::vector<unit_name> split_units(const unit_name& u) {
  if (u.group) return {u};
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (auto pos = u.name.find(", "); pos != npos; pos = u.name.find(", ", pos + 1)) {
    auto next = u.name.substr(pos + 2);
    auto f = fold(next).text;
    bool starts_unit = false;
    for (auto w : unit_starts)
      if (starts_word(f, w) && w != "cac" && w != "de nghi") starts_unit = true;
    for (auto no : not_unit_starts)
      if (starts_word(f, no)) starts_unit = false;
    if (starts_unit && starts_upper(next)) {
      parts.push_back(u.name.substr(start, pos - start));
      start = pos + 2;
    }
  }
  parts.push_back(u.name.substr(start));
  std::vector<unit_name> out;
  for (auto& p : parts) out.push_back({trim(p), false});
  return out;
}

// Which units a group's name covers, by the kind of unit its name describes.
enum class tier : std::uint8_t { body, commune, village, school };

tier tier_of(std::string_view name) {
  auto f = fold(name).text;
  auto lower = to_lower(name);
  for (std::string_view w : {"xa", "thi tran", "phuong", "ubnd xa", "ubnd thi tran", "ubnd phuong",
                             "uy ban nhan dan xa", "uy ban nhan dan thi tran", "uy ban nhan dan phuong"})
    if (starts_word(f, w)) return tier::commune;
  if (starts_word(f, "thon") || lower.rfind("bản ", 0) == 0 || starts_word(f, "to dan pho") ||
      starts_word(f, "khu pho"))
    return tier::village;
  if (starts_word(f, "truong")) return tier::school;
  return tier::body;
}

struct unit_entry {
  std::string id;
  std::string name;
  std::string folded;  // for finding mentions
  bool group = false;
  tier level = tier::body;
};

class unit_table {
 public:
  const unit_entry& add(const unit_name& u) {
    auto id = slug(u.name);
    for (const auto& e : entries_)
      if (e.id == id) return e;
    entries_.push_back({id, u.name, fold(u.name).text, u.group, tier_of(u.name)});
    return entries_.back();
  }
  const unit_entry* find(std::string_view id) const {
    for (const auto& e : entries_)
      if (e.id == id) return &e;
    return nullptr;
  }
  // The longest unit or group name starting at folded position `pos`.
  const unit_entry* match_at(std::string_view f, std::size_t pos, std::size_t& end) const {
    const unit_entry* best = nullptr;
    for (const auto& e : entries_) {
      if (f.substr(pos, e.folded.size()) != e.folded) continue;
      auto stop = pos + e.folded.size();
      if (stop < f.size() && is_alnum(f[stop])) continue;
      if (!best || e.folded.size() > best->folded.size()) best = &e, end = stop;
    }
    return best;
  }
  const std::vector<unit_entry>& entries() const { return entries_; }

 private:
  std::vector<unit_entry> entries_;
};

// ---- the document ---------------------------------------------------------------

struct line {
  std::string plain;  // the line without emphasis marks
  folded_text folded;
};

struct org_node {
  marked m;
  int depth = 0;
  std::string section;  // "IV.1"
  std::vector<std::size_t> children;
};

struct header {
  std::string number;
  std::string place;
  std::optional<date> issued_on;
  std::size_t date_line = npos;
  std::size_t type_line = npos;  // the "KẾ HOẠCH" line
  std::string title;
  std::size_t body_start = 0;
  std::string header_org;  // "ỦY BAN NHÂN DÂN HUYỆN PHONG THỔ" from the top-left block
};

class importer_impl {
 public:
  importer_impl(const std::vector<std::string>& raw, const import_options& options) : options_(options) {
    for (const auto& r : raw) {
      auto p = plain_of(strip_emphasis(r));
      lines_.push_back({p, fold(p)});
    }
  }

  result<import_result> run() {
    if (auto s = read_header(); !s) return std::move(s).err();
    read_sections();
    if (org_begin_ == npos)
      return invalid("no \"TỔ CHỨC THỰC HIỆN\" section: nothing to assign (the plan's assignments are read from it)");
    build_org_tree();
    collect_units();
    if (units_.entries().empty())
      return invalid("no unit named in \"TỔ CHỨC THỰC HIỆN\": expected numbered headings such as \"1. Phòng Nội vụ\"");
    for (auto child : roots_) process(child, {});
    finish_groups();
    if (duties_.empty()) return invalid("no duty could be assigned from \"TỔ CHỨC THỰC HIỆN\"");
    return assemble();
  }

 private:
  // ---- header ----
  status read_header() {
    static const std::regex date_re(
        R"(,\s*ngay\s*(\d{1,2})?\s*(?:thang\s*(\d{1,2})\s*nam\s*(\d{4})|/\s*(\d{1,2})\s*/\s*(\d{4})))");
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      const auto& l = lines_[i];
      const auto& f = l.folded.text;
      if (h_.type_line == npos && starts_word(f, "ke hoach")) {
        auto end = l.folded.offsets[8];
        if (is_all_upper(l.plain.substr(0, end))) {
          h_.type_line = i;
          read_title(i, trim(l.plain.substr(end)));
        }
      }
      std::smatch m;
      if (h_.number.empty() && starts_word(f, "so")) {
        auto colon = skip_spaces(f, 2);
        if (colon < f.size() && f[colon] == ':') {
          auto rest = trim(original(l.plain, l.folded, colon + 1, f.size()));
          auto end = rest.find(' ');
          std::string number = rest.substr(0, end);
          if (end != npos) {  // "45 /KH-UBND"
            auto next = rest.find_first_not_of(' ', end);
            if (next != npos && rest[next] == '/') number += rest.substr(next, rest.find(' ', next) - next);
          }
          if (number.find_first_of("0123456789/") != npos) h_.number = number;
        }
      }
      // A date line is short; a bounded input also keeps std::regex's recursion shallow.
      if (f.size() > 400) continue;
      if (!h_.issued_on && std::regex_search(f, m, date_re)) {
        int day = m[1].matched ? std::stoi(m[1].str()) : 0;
        int month = std::stoi(m[2].matched ? m[2].str() : m[4].str());
        int year = std::stoi(m[3].matched ? m[3].str() : m[5].str());
        if (day == 0) {
          day = 1;
          note("check", "issued_on",
               "the date line leaves the day blank: issued_on uses the 1st, " + quote_text(l.plain));
        }
        date d{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
               std::chrono::day{static_cast<unsigned>(day)}};
        if (d.ok()) {
          h_.issued_on = d;
          auto place = original(l.plain, l.folded, 0, static_cast<std::size_t>(m.position(0)));
          if (starts_word(f, "so") && !h_.number.empty()) {
            // "Số: 182/KH-UBND   Phong Thổ, ngày …" on one line: the place follows the number.
            auto suffix = h_.number.substr(h_.number.rfind('/') == npos ? 0 : h_.number.rfind('/'));
            if (auto at = place.find(suffix); at != npos) place = place.substr(at + suffix.size());
          }
          h_.place = trim(place);
        }
      }
      if (h_.type_line == npos && is_header_org_line(l)) {
        h_.header_org += (h_.header_org.empty() ? "" : " ") + l.plain;
      }
    }
    if (h_.type_line == npos)
      return invalid("not a plan: no \"KẾ HOẠCH\" heading (the document type line of a Kế hoạch)");
    if (!h_.issued_on) return invalid("no issue date: expected a line like \"Phong Thổ, ngày 05 tháng 6 năm 2023\"");
    if (h_.title.empty()) return invalid("the plan has no title after \"KẾ HOẠCH\"");
    return ok_status();
  }

  bool is_header_org_line(const line& l) const {
    const auto& f = l.folded.text;
    if (!is_all_upper(l.plain)) return false;
    for (std::string_view no : {"cong hoa", "doc lap", "so", "ke hoach", "v/v", "dang cong san", "du thao", "mat",
                                "khan", "toi mat", "hoa toc"})
      if (starts_word(f, no)) return false;
    return word_count(f) >= 2 || starts_word(f, "ubnd");
  }

  static bool is_separator(const std::string& plain) {
    return !plain.empty() && plain.find_first_not_of("-_=*~.\u2013\u2014 ") == npos;
  }

  void read_title(std::size_t type_line, std::string inline_title) {
    std::string title = std::move(inline_title);
    std::size_t i = type_line + 1;
    if (title.empty()) {
      while (i < lines_.size() && lines_[i].plain.empty()) ++i;
      if (i < lines_.size() && !is_separator(lines_[i].plain) && parse_marker(lines_[i].plain).kind == marker::none)
        title = lines_[i++].plain;
    }
    // A title Word wraps into several paragraphs continues in lowercase ("năm 2023").
    while (i < lines_.size() && !lines_[i].plain.empty() && !is_separator(lines_[i].plain) &&
           !starts_upper(lines_[i].plain) && parse_marker(lines_[i].plain).kind == marker::none) {
      title += " " + lines_[i++].plain;
    }
    h_.title = trim(title);
    h_.body_start = i;
  }

  // ---- sections ----
  struct section {
    std::string label;  // roman numeral or ""
    std::string name;
    std::size_t begin = 0, end = 0;  // line range of its body
  };

  void read_sections() {
    // Sections are numbered with Roman numerals (ND 30/2020); some plans number them
    // 1., 2., … in capitals instead, or leave the numbers out.
    bool roman = false;
    for (std::size_t i = h_.body_start; i < lines_.size(); ++i) {
      auto m = parse_marker(lines_[i].plain);
      if (m.kind == marker::roman && starts_upper(m.body)) roman = true;
    }
    std::vector<section> found;
    for (std::size_t i = h_.body_start; i < lines_.size(); ++i) {
      const auto& l = lines_[i];
      if (is_closing(l)) {
        if (!found.empty()) found.back().end = i;
        break;
      }
      auto m = parse_marker(l.plain);
      bool heading = false;
      auto f = fold(m.body).text;
      bool capitals = is_all_upper(m.body) && word_count(f) >= 2;
      if (m.kind == marker::roman && starts_upper(m.body)) heading = true;
      if (!heading && capitals && m.kind == marker::none &&
          (starts_word(f, "to chuc thuc hien") || starts_word(f, "thoi gian") || starts_word(f, "phan cong")))
        heading = true;
      if (!heading && !roman && capitals && m.kind == marker::number) heading = true;
      if (heading) {
        if (!found.empty()) found.back().end = i;
        found.push_back({m.kind == marker::roman ? m.label : (m.kind == marker::number ? m.label : ""), m.body, i + 1,
                         lines_.size()});
      }
    }
    for (const auto& s : found) {
      auto f = fold(s.name).text;
      bool org = has_word(f, "to chuc thuc hien") || starts_word(f, "phan cong");
      if (org && org_begin_ == npos) {
        org_begin_ = s.begin;
        org_end_ = s.end;
        org_label_ = s.label;
      } else if (!org && has_word(f, "thoi gian") && time_begin_ == npos) {
        time_begin_ = s.begin;
        time_end_ = s.end;
      }
    }
  }

  static bool is_closing(const line& l) {
    const auto& f = l.folded.text;
    for (std::string_view c : {"tren day la", "noi nhan", "trong qua trinh", "tm.", "kt.", "tl.", "tuq."})
      if (f.substr(0, c.size()) == c) return true;
    return false;
  }

  // ---- the TỔ CHỨC THỰC HIỆN section as a tree ----
  void build_org_tree() {
    std::vector<marker> order;  // marker kinds by first appearance: their nesting depth
    std::vector<std::size_t> stack;
    std::map<marker, std::string> last_label;
    for (std::size_t i = org_begin_; i < org_end_; ++i) {
      const auto& l = lines_[i];
      if (l.plain.empty() || is_separator(l.plain)) continue;
      if (is_closing(l)) break;
      org_node n;
      n.m = parse_marker(l.plain);
      if (n.m.kind == marker::roman) n.m = {marker::none, {}, l.plain};  // stray numeral: keep as text
      if (n.m.kind != marker::none) {
        auto it = std::find(order.begin(), order.end(), n.m.kind);
        if (it == order.end()) it = order.insert(order.end(), n.m.kind);
        n.depth = static_cast<int>(it - order.begin()) + 1;
      } else if (stack.empty()) {
        n.depth = 1;
      } else {
        const auto& top = nodes_[stack.back()];
        auto body = strip_trailing(top.m.body, " ");
        bool heading = (!body.empty() && body.back() == ':') || as_unit_name(body).has_value();
        n.depth = heading ? top.depth + 1 : top.depth;
      }
      while (!stack.empty() && nodes_[stack.back()].depth >= n.depth) stack.pop_back();
      std::string parent_section = stack.empty() ? org_label_ : nodes_[stack.back()].section;
      bool labelled = n.m.kind == marker::number || n.m.kind == marker::subnumber || n.m.kind == marker::letter;
      n.section = labelled ? (parent_section.empty() ? n.m.label : parent_section + "." + n.m.label) : parent_section;
      if (labelled && n.m.kind == marker::subnumber)
        n.section = org_label_.empty() ? n.m.label : org_label_ + "." + n.m.label;
      nodes_.push_back(std::move(n));
      auto idx = nodes_.size() - 1;
      if (stack.empty())
        roots_.push_back(idx);
      else
        nodes_[stack.back()].children.push_back(idx);
      stack.push_back(idx);
    }
  }

  // "Phòng Nội vụ", "Trung tâm …: Cử phóng viên …" -> the unit and the text after ':'.
  std::optional<std::pair<std::vector<unit_name>, std::string>> unit_of(const org_node& n) const {
    const auto& body = n.m.body;
    if (auto colon = body.find(':'); colon != npos) {
      if (auto u = as_unit_name(body.substr(0, colon))) return std::pair{split_units(*u), trim(body.substr(colon + 1))};
    }
    bool heading_position = n.depth == 1 || !n.children.empty();
    if (heading_position) {
      if (auto u = as_unit_name(body)) return std::pair{split_units(*u), std::string{}};
    }
    return std::nullopt;
  }

  void collect_units() {
    for (const auto& n : nodes_) {
      if (auto u = unit_of(n)) {
        for (const auto& one : u->first) units_.add(one);
        continue;
      }
      // "Phòng Văn hóa và Thông tin chủ trì, phối hợp với …": a unit named only as the lead.
      auto f = fold(n.m.body);
      if (auto pos = find_word(f.text, "chu tri"); pos != npos && pos > 0) {
        auto prefix = strip_trailing(original(n.m.body, f, 0, pos), " ,(");
        if (auto lead = as_unit_name(prefix))
          for (const auto& one : split_units(*lead)) units_.add(one);
      }
    }
  }

  // ---- duties ----
  using owners = std::vector<const unit_entry*>;

  // `hint`: the kind of the "…, cụ thể:" line above, for lines whose own wording decides none.
  void process(std::size_t idx, const owners& ctx, const std::optional<classification>& hint = std::nullopt) {
    const auto& n = nodes_[idx];
    if (auto u = unit_of(n)) {
      owners here;
      for (const auto& one : u->first) here.push_back(units_.find(slug(one.name)));
      if (!u->second.empty()) add_duties(n, u->second, here, hint);
      for (auto c : n.children) process(c, here, hint);
      return;
    }
    auto body = strip_trailing(n.m.body, " ");
    if (!n.children.empty() && !body.empty() && body.back() == ':') {
      note("skipped", n.section, "heading of the lines below it, not a duty: " + quote_text(n.m.body));
      auto own = classify(n.m.body);
      for (auto c : n.children) process(c, ctx, own ? own : hint);
      return;
    }
    add_duties(n, n.m.body, ctx, hint);
    for (auto c : n.children) process(c, ctx, hint);
  }

  // Splits "…năm 2023; Công bố Chỉ số …" where a new assignment starts after ';'.
  static std::vector<std::string> clauses_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (auto pos = text.find("; "); pos != npos; pos = text.find("; ", pos + 1)) {
      auto next = trim(text.substr(pos + 1));
      auto head = trim(text.substr(start, pos - start));
      if (!next.empty() && starts_upper(next) && classify(next) && !head.empty()) {
        out.push_back(head);
        start = pos + 1;
      }
    }
    out.push_back(trim(text.substr(start)));
    return out;
  }

  void add_duties(const org_node& n, const std::string& text, const owners& ctx,
                  const std::optional<classification>& hint) {
    for (const auto& clause : clauses_of(text)) add_duty(n, clause, ctx, hint);
  }

  void add_duty(const org_node& n, const std::string& clause, const owners& ctx,
                const std::optional<classification>& hint) {
    auto f = fold(clause);
    static const std::regex remaining(
        R"(^cac (co quan|don vi|xa|phong|ban|nganh|thanh vien|dia phuong|truong)[a-z ,]{0,40}con lai)");
    if (std::regex_search(f.text, remaining)) {
      note("skipped", n.section,
           "addressed to the remaining units (\"còn lại\") without naming them: no duty; add one per unit if it "
           "should be tracked: " +
               quote_text(n.m.body));
      return;
    }
    // "<unit> chủ trì" / "<unit> (chủ trì)": that unit leads, the heading's units help.
    const unit_entry* lead = nullptr;
    for (auto pos = find_word(f.text, "chu tri"); pos != npos && !lead; pos = find_word(f.text, "chu tri", pos + 1)) {
      for (const auto& e : units_.entries()) {
        auto at = f.text.rfind(e.folded, pos);
        if (at == npos || at + e.folded.size() > pos) continue;
        auto between = f.text.substr(at + e.folded.size(), pos - at - e.folded.size());
        if (between.find_first_not_of(" (,") == npos) {
          lead = &e;
          break;
        }
      }
    }
    auto named = collaborators_named(n, clause, f);
    if (lead) {
      std::vector<std::string> helpers;
      for (const auto* o : ctx)
        if (o != lead) helpers.push_back(o->id);
      for (const auto& c : named)
        if (std::find(helpers.begin(), helpers.end(), c) == helpers.end()) helpers.push_back(c);
      add_owned_duty(n, clause, lead, helpers, hint);
      return;
    }
    if (ctx.empty()) {
      note("unassigned", n.section, "no unit named for this line; not a duty in the output: " + quote_text(clause));
      return;
    }
    for (const auto* owner : ctx) add_owned_duty(n, clause, owner, named, hint);
  }

  // "phối hợp với <units>": the collaborators, when the plan names them.
  std::vector<std::string> collaborators_named(const org_node& n, const std::string& clause, const folded_text& f) {
    std::vector<std::string> out;
    for (auto pos = find_word(f.text, "phoi hop voi"); pos != npos; pos = find_word(f.text, "phoi hop voi", pos + 1)) {
      std::size_t at = pos + 12;
      bool any = false;
      while (true) {
        while (at < f.text.size() && (f.text[at] == ' ' || f.text[at] == ',' || f.text[at] == ';')) ++at;
        if (starts_word(f.text.substr(at), "va")) at += 2;
        while (at < f.text.size() && f.text[at] == ' ') ++at;
        std::size_t end = 0;
        const auto* u = units_.match_at(f.text, at, end);
        if (!u) break;
        if (std::find(out.begin(), out.end(), u->id) == out.end()) out.push_back(u->id);
        any = true;
        at = end;
      }
      if (!any) {
        auto phrase_end = at;
        for (int words = 0; phrase_end < f.text.size() && words < 5; ++words) {
          phrase_end = f.text.find(' ', phrase_end + 1);
          if (phrase_end == npos) phrase_end = f.text.size();
        }
        auto phrase = original(clause, f, pos, phrase_end);
        bool generic = starts_word(f.text.substr(at), "cac");
        note("check", n.section,
             quote_text(phrase) + (generic ? " names no unit: no collaborators set"
                                           : " is not a unit of this plan: no collaborators set"));
      }
    }
    return out;
  }

  void add_owned_duty(const org_node& n, const std::string& clause, const unit_entry* owner,
                      std::vector<std::string> collaborators, const std::optional<classification>& hint) {
    std::erase(collaborators, owner->id);
    ojson duty;
    auto kind = classify(clause);
    bool inherited = !kind && hint;
    if (inherited) kind = hint;
    auto title = upper_first(strip_trailing(clause, " .;,:"));
    if (title.empty()) {  // a clause of punctuation only (found by fuzzing): a duty needs a title
      note("check", n.section, "a clause for " + owner->id + " has no text: no duty made");
      return;
    }
    std::string id_stem = kind ? slug(kind->matched, 24) : std::string("nhiem-vu");
    duty["id"] = unique_id(id_stem + "-" + owner->id);
    duty["kind"] = kind ? kind->kind : std::string("report");
    duty["title"] = title;
    duty["owner"] = owner->group ? ojson{{"group", owner->id}} : ojson(owner->id);
    duty["collaborators"] = collaborators;
    auto offset = options_.offset ? options_.offset->text() : default_offset(duty["kind"].get<std::string>());
    duty["due"] = {{"milestone", options_.milestone}, {"offset", offset}};
    duty["depends_on"] = ojson::array();
    ojson source = {{"section", n.section}, {"text", n.m.body}};
    if (kind) source["matched"] = kind->matched;
    if (inherited) source["matched_in"] = "the heading above";
    duty["source"] = source;
    auto where = "duties[" + std::to_string(duties_.size()) + "]";
    if (!kind) {
      duty["note"] = "kind not recognised from the wording; set to report";
      note("unclassified", where + " (" + n.section + ")",
           "no wording decides the kind; set to \"report\": " + quote_text(clause));
    }
    if (owner->group) used_groups_.insert(owner->id);
    for (const auto& c : collaborators)
      if (auto* e = units_.find(c); e && e->group) used_groups_.insert(c);
    duties_.push_back(std::move(duty));
  }

  std::string unique_id(const std::string& stem) {
    auto base = slug(stem, 60);
    auto id = base;
    for (int k = 2; ids_.contains(id); ++k) id = base + "-" + std::to_string(k);
    ids_.insert(id);
    return id;
  }

  // Group members are the plan's named units of the kind the group's name describes.
  void finish_groups() {
    for (const auto& gid : used_groups_) {
      const auto* g = units_.find(gid);
      auto f = g->folded;
      std::string lower(1, ' ');  // padded so " ban " finds the word at either end
      lower += to_lower(g->name);
      lower += ' ';
      std::set<tier> tiers;
      if (has_word(f, "xa") || has_word(f, "thi tran") || has_word(f, "phuong")) tiers.insert(tier::commune);
      if (has_word(f, "thon") || lower.find(" bản") != npos || has_word(f, "to dan pho")) tiers.insert(tier::village);
      if (has_word(f, "cac truong") || has_word(f, "truong hoc")) tiers.insert(tier::school);
      if (has_word(f, "co quan") || has_word(f, "don vi") || has_word(f, "phong") || has_word(f, "nganh") ||
          has_word(f, "doan the") || lower.find(" ban ") != npos || lower.find(" ban,") != npos)
        tiers.insert(tier::body);
      bool all = tiers.empty() || (has_word(f, "don vi") && tiers.size() == 1 && !has_word(f, "co quan"));
      std::vector<std::string> members;
      for (const auto& e : units_.entries())
        if (!e.group && (all || tiers.contains(e.level))) members.push_back(e.id);
      group_members_[gid] = members;
    }
    // A group with no named member cannot own anything: drop its duties and say so.
    std::vector<ojson> kept;
    for (auto& d : duties_) {
      if (d["owner"].is_object()) {
        auto gid = d["owner"]["group"].get<std::string>();
        if (group_members_[gid].empty()) {
          note("unassigned", d["source"]["section"].get<std::string>(),
               "the group " + quote_text(units_.find(gid)->name) +
                   " has no member named in the plan; not a duty in the output: " +
                   quote_text(d["title"].get<std::string>()));
          continue;
        }
      }
      auto& cols = d["collaborators"];
      ojson fixed = ojson::array();
      for (const auto& c : cols)
        if (!group_members_.contains(c.get<std::string>()) || !group_members_[c.get<std::string>()].empty())
          fixed.push_back(c);
      cols = fixed;
      kept.push_back(std::move(d));
    }
    duties_ = std::move(kept);
  }

  // ---- the milestone ----
  ojson milestone() {
    ojson m;
    m["id"] = options_.milestone;
    auto event = h_.title;
    if (auto f = fold(event); starts_word(f.text, "to chuc")) {
      std::size_t cut = 7;
      while (cut < f.text.size() && f.text[cut] == ' ') ++cut;
      // A title of "Tổ chức" alone names no event after the verb: the title is the
      // milestone's name then (a milestone needs one; found by fuzzing).
      if (cut < f.text.size()) event = upper_first(original(event, f, cut, f.text.size()));
    }
    m["title"] = event;
    m["at"] = nullptr;
    std::string where = "milestones[0]";
    if (time_begin_ == npos) {
      note("check", where,
           "no \"THỜI GIAN\" section: the event has no date or window; set it with `dutyflow milestone`");
      return m;
    }
    std::string text;
    for (std::size_t i = time_begin_; i < time_end_ && i < lines_.size(); ++i) {
      if (is_closing(lines_[i])) break;
      text += (text.empty() ? "" : " ") + lines_[i].plain;
    }
    auto f = fold(text).text;
    if (f.size() > 2000) f.resize(2000);  // the date is near the top; keeps std::regex shallow
    auto issued = *h_.issued_on;
    static const std::regex full_date(
        R"((?:ngay\s*)?(\d{1,2})\s*(?:thang\s*(\d{1,2})\s*nam\s*(\d{4})|/\s*(\d{1,2})\s*/\s*(\d{4})))");
    static const std::regex clock_time(R"((?:^|[^\d])(\d{1,2})\s*(?:gio|h)(?![a-z])\s*(\d{2})?)");
    static const std::regex month_only(R"(thang\s*(\d{1,2})(?:\s*(?:nam|/)\s*(\d{4}))?)");
    std::smatch md;
    if (std::regex_search(f, md, full_date)) {
      date d{std::chrono::year{std::stoi(md[3].matched ? md[3].str() : md[5].str())},
             std::chrono::month{static_cast<unsigned>(std::stoi(md[2].matched ? md[2].str() : md[4].str()))},
             std::chrono::day{static_cast<unsigned>(std::stoi(md[1].str()))}};
      if (d.ok()) {
        m["window"] = {{"from", format_date(d)}, {"to", format_date(d)}};
        std::smatch mt;
        if (std::regex_search(f, mt, clock_time)) {
          int hour = std::stoi(mt[1].str()), minute = mt[2].matched ? std::stoi(mt[2].str()) : 0;
          if (hour < 24 && minute < 60) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "T%02d:%02d:00+07:00", hour, minute);
            m["at"] = format_date(d) + buf;
            note("check", where, "event set to " + m["at"].get<std::string>() + " from " + quote_text(text));
            return m;
          }
        }
        note("check", where, "the day is known but not the hour: set the milestone's time, from " + quote_text(text));
        return m;
      }
    }
    if (std::regex_search(f, md, month_only)) {
      unsigned month = static_cast<unsigned>(std::stoi(md[1].str()));
      int year = static_cast<int>(issued.year());
      if (md[2].matched)
        year = std::stoi(md[2].str());
      else if (month < static_cast<unsigned>(issued.month()))
        ++year;  // "tháng 1" in a December plan
      std::chrono::year_month ym{std::chrono::year{year}, std::chrono::month{month}};
      if (ym.ok()) {
        date from{ym / std::chrono::day{1}};
        date to{ym / std::chrono::last};
        m["window"] = {{"from", format_date(from)}, {"to", format_date(to)}};
        note("check", where,
             "only the month is known (" + quote_text(text) +
                 "): the date is pending until set with `dutyflow milestone`");
        return m;
      }
    }
    note("check", where, "no date found in " + quote_text(text) + ": the event has no window");
    return m;
  }

  // ---- issuer ----
  // "ỦY BAN NHÂN DÂN HUYỆN PHONG THỔ" -> "UBND huyện Phong Thổ".
  std::string issuer_from_org(const std::string& org) {
    auto lower = to_lower(org);
    auto f = fold(lower);
    std::string out = lower;
    if (starts_word(f.text, "uy ban nhan dan"))
      out = "UBND" + original(lower, f, 15, f.text.size());
    else if (starts_word(f.text, "ubnd"))
      out = "UBND" + original(lower, f, 4, f.text.size());
    else
      out = upper_first(lower);
    if (auto place = place_name(); !place.empty()) {
      auto of = fold(out);
      auto pf = fold(place).text;
      if (auto pos = find_word(of.text, pf); pos != npos)
        out = original(out, of, 0, pos) + place + original(out, of, pos + pf.size(), of.text.size());
    }
    return out;
  }

  // "Thành phố Lai Châu" -> "Lai Châu": the place without its administrative level.
  std::string place_name() const {
    auto f = fold(h_.place);
    for (std::string_view level : {"thanh pho", "thi xa", "thi tran", "huyen", "xa", "tinh", "quan", "phuong"}) {
      if (starts_word(f.text, level) && f.text.size() > level.size() + 1)
        return trim(original(h_.place, f, level.size(), f.text.size()));
    }
    return h_.place;
  }

  std::string issuer() {
    if (!h_.header_org.empty()) return issuer_from_org(h_.header_org);
    // The signature block: "TM. ỦY BAN NHÂN DÂN" with the level ("huyện") taken from
    // how the text names the place ("huyện Phong Thổ").
    for (std::size_t i = lines_.size(); i-- > 0;) {
      const auto& l = lines_[i];
      if (l.folded.text.substr(0, 3) != "tm.") continue;
      auto org = trim(l.plain.substr(l.folded.offsets[3]));
      auto of = fold(org).text;
      if (!starts_word(of, "uy ban nhan dan") || of.size() > 15) {
        note("check", "issuer", "taken from the signature " + quote_text(l.plain) + "; check its spelling");
        return issuer_from_org(org);
      }
      std::string level = level_of_place();
      if (level.empty()) {
        note("check", "issuer", "the level (huyện, xã, …) of " + quote_text(h_.place) + " is not in the text");
        return h_.place.empty() ? std::string("UBND") : "UBND " + h_.place;
      }
      return "UBND " + level + " " + place_name();
    }
    auto dash = h_.number.find('-');
    if (dash != npos) {
      note("check", "issuer",
           "no header or signature names the issuer; taken from the number " + quote_text(h_.number));
      return h_.number.substr(dash + 1) + (h_.place.empty() ? "" : " " + h_.place);
    }
    note("check", "issuer", "no header, signature or number names the issuer: fill it in");
    return h_.place.empty() ? std::string("UBND") : "UBND " + h_.place;
  }

  std::string level_of_place() const {
    auto place = place_name();
    if (place.empty()) return {};
    auto pf = fold(place).text;
    std::map<std::string, int> counts;
    for (const auto& l : lines_) {
      for (auto pos = find_word(l.folded.text, pf); pos != npos; pos = find_word(l.folded.text, pf, pos + 1)) {
        for (std::string_view level : {"thanh pho", "thi xa", "thi tran", "huyen", "xa", "tinh", "quan", "phuong"}) {
          if (pos >= level.size() + 1 &&
              l.folded.text.substr(pos - level.size() - 1, level.size() + 1) == std::string(level) + " " &&
              (pos == level.size() + 1 || !is_alnum(l.folded.text[pos - level.size() - 2]))) {
            counts[to_lower(original(l.plain, l.folded, pos - level.size() - 1, pos - 1))]++;
            break;
          }
        }
      }
    }
    std::string best;
    int n = 0;
    for (const auto& [level, c] : counts)
      if (c > n) best = level, n = c;
    return best;
  }

  // ---- output ----
  result<import_result> assemble() {
    import_result out;
    auto& p = out.plan;
    auto year = static_cast<int>(h_.issued_on->year());
    std::string id;
    if (!h_.number.empty()) {
      id = slug(h_.number, 58) + "-" + std::to_string(year);
    } else {
      id = slug("kh-" + h_.title, 58) + "-" + std::to_string(year);
      note("check", "number", "no \"Số: …\" line: the plan id is made from the title");
    }
    p["id"] = slug(id);
    p["number"] = h_.number.empty() ? std::string("(chưa có số)") : h_.number;
    p["title"] = h_.title;
    p["issuer"] = issuer();
    p["issued_on"] = format_date(*h_.issued_on);
    p["timezone"] = "Asia/Ho_Chi_Minh";
    const unit_entry* coordinator = nullptr;
    for (const auto& e : units_.entries())
      if (!e.group) {
        coordinator = &e;
        break;
      }
    if (!coordinator) return invalid("no single unit named in \"TỔ CHỨC THỰC HIỆN\" to coordinate the plan");
    p["coordinator"] = coordinator->id;
    note("check", "coordinator",
         quote_text(coordinator->name) + " (the first unit in TỔ CHỨC THỰC HIỆN) coordinates the plan");
    p["milestones"] = ojson::array({milestone()});
    ojson units = ojson::array();
    for (const auto& e : units_.entries())
      if (!e.group)
        units.push_back({{"id", e.id}, {"name", e.name}, {"contacts", ojson::array({{{"channel", "log"}}})}});
    p["units"] = units;
    note("check", "units",
         "no contact addresses in the document: every unit notifies the log only; add each unit's email");
    ojson groups = ojson::array();
    for (const auto& e : units_.entries()) {
      if (!e.group || !used_groups_.contains(e.id) || group_members_[e.id].empty()) continue;
      groups.push_back({{"id", e.id}, {"name", e.name}, {"members", group_members_[e.id]}});
      std::string names;
      for (const auto& mid : group_members_[e.id]) names += (names.empty() ? "" : ", ") + mid;
      note("check", "groups",
           quote_text(e.name) + " has as members the units the plan names that fit it: " + names + "; add the others");
    }
    if (!groups.empty()) p["groups"] = groups;
    p["defaults"] = {{"reminders", {{"before", {"3d", "1d"}}, {"overdue_every", "1d"}, {"escalate_after", "1d"}}}};
    p["duties"] = duties_;
    p["note"] = "Drafted by dutyflow import-plan from the document; check the points its report lists.";
    // Report entries in document order are easier to follow; keep the header checks first.
    out.report = std::move(report_);
    return out;
  }

  void note(std::string category, std::string where, std::string message) {
    report_.push_back({std::move(category), std::move(where), std::move(message)});
  }

  const import_options& options_;
  std::vector<line> lines_;
  header h_;
  std::size_t org_begin_ = npos, org_end_ = npos, time_begin_ = npos, time_end_ = npos;
  std::string org_label_;
  std::vector<org_node> nodes_;
  std::vector<std::size_t> roots_;
  unit_table units_;
  std::vector<ojson> duties_;
  std::set<std::string> ids_;
  std::set<std::string> used_groups_;
  std::map<std::string, std::vector<std::string>> group_members_;
  std::vector<report_entry> report_;
};

}  // namespace

nlohmann::json report_entry::to_json() const {
  return {{"category", category}, {"where", where}, {"message", message}};
}

std::string report_entry::text() const {
  return category + (where.empty() ? "" : " " + where) + ": " + message;
}

std::string default_offset(std::string_view kind) {
  if (kind == "awards") return "-5wd";
  if (kind == "tham_luan") return "-2wd";
  if (kind == "publish") return "-1wd";
  if (kind == "venue" || kind == "attendance") return "-1d";
  if (kind == "reporter") return "+1d";
  return "-3wd";
}

result<import_result> import_plan(const std::vector<std::string>& lines, const import_options& options) {
  try {
    return importer_impl(lines, options).run();
  } catch (const std::exception& e) {  // std::regex and nlohmann may throw; nothing escapes
    return make_error(errc::internal, std::string("import failed: ") + e.what());
  }
}

result<import_result> import_plan_file(const std::string& path, const import_options& options) {
  auto doc = read_document_file(path);
  if (!doc) return std::move(doc).err();
  auto out = import_plan(doc->lines, options);
  if (!out) return make_error(out.err().code, path + ": " + out.err().message);
  return out;
}

std::string format_report(const import_result& imported) {
  const auto& p = imported.plan;
  std::size_t units = p.contains("units") ? p["units"].size() : 0;
  std::size_t groups = p.contains("groups") ? p["groups"].size() : 0;
  std::size_t duties = p.contains("duties") ? p["duties"].size() : 0;
  std::map<std::string, int> counts;
  for (const auto& e : imported.report) counts[e.category]++;
  std::string out = "imported " + p.value("number", std::string()) + " (" + p.value("id", std::string()) +
                    "): " + std::to_string(duties) + " duties, " + std::to_string(units) + " units, " +
                    std::to_string(groups) + " groups; " + std::to_string(counts["unclassified"]) + " unclassified, " +
                    std::to_string(counts["unassigned"]) + " unassigned, " + std::to_string(counts["skipped"]) +
                    " skipped, " + std::to_string(counts["check"]) + " to check\n";
  for (const auto& e : imported.report) out += e.text() + "\n";
  return out;
}

}  // namespace dutyflow::importer
