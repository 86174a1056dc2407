#include "adapters/import/plan_importer.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <utility>

#include "adapters/import/deadline.h"
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

struct known_unit;
const known_unit* known_unit_of(std::string_view name, std::string* level_cut);
const known_unit* known_unit_of(std::string_view name);

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
  if (words == 0 || words > 18) return std::nullopt;
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
  if (!unit_like) return std::nullopt;
  // "Phòng Tài chính - Kế hoạch", "Hội đồng Thi đua - Khen thưởng": a kind's wording
  // inside a unit's name does not make the name a sentence; a verb does.
  if (known_unit_of(name)) return unit_name{name, group};
  if (auto c = classify(name)) {
    auto m = fold(c->matched).text;
    bool in_names = false;
    for (std::string_view safe : {"ke hoach", "thi dua", "khen thuong", "xay dung", "tong hop", "tuyen truyen", "de an"})
      if (m == safe) in_names = true;
    if (!in_names) return std::nullopt;
  }
  for (std::string_view verb : {"bo tri", "thuc hien", "trien khai", "huong dan", "theo doi", "phan cong", "dam bao",
                                "gui", "nop", "tham gia", "tham muu", "chuan bi", "xay dung ke hoach"})
    if (has_word(f, verb)) return std::nullopt;
  return unit_name{name, group};
}

// "Ủy ban MTTQ huyện, Liên đoàn Lao động huyện" names two units; "Trung tâm Văn hóa,
// Thể thao và Truyền thông" one: a part after ", " starts a new unit only when it
// starts like one.
std::vector<unit_name> split_units(const unit_name& u) {
  if (u.group || known_unit_of(u.name)) return {u};
  // "Ủy ban MTTQ Việt Nam huyện và các tổ chức chính trị - xã hội huyện": a unit and a group.
  {
    auto f = fold(u.name);
    if (auto pos = find_word(f.text, "va cac"); pos != npos && pos > 0) {
      auto head = trim(original(u.name, f, 0, pos));
      auto rest = trim(original(u.name, f, pos + 3, f.text.size()));
      if (auto one = as_unit_name(head); one && !one->group)
        return {unit_name{one->name, false}, unit_name{upper_first(rest), true}};
    }
  }
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
    bool commune = false;  // "Thị trấn Phong Thổ, xã Sin Suối Hồ"
    for (std::string_view level : {"xa", "thi tran", "phuong", "thon", "ubnd xa", "ubnd thi tran", "ubnd phuong"})
      if (starts_word(f, level)) commune = true;
    if (starts_unit && (starts_upper(next) || commune)) {
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
  std::string name;                    // the official spelling
  std::string folded;                  // the document's spelling, folded, for finding mentions
  std::vector<std::string> spellings;  // every folded spelling seen or known
  bool group = false;
  tier level = tier::body;
  const directory_unit* known = nullptr;  // its entry in the district's units directory
};

// "Phòng Tài chính - Kế hoạch huyện" -> "phong tai chinh ke hoach huyen": folded, every
// run of punctuation one space. Two spellings of one unit differ only in these.
std::string unit_key(std::string_view name) {
  auto f = fold(name).text;
  std::string out;
  for (char c : f) {
    if (is_alnum(c))
      out += c;
    else if (!out.empty() && out.back() != ' ')
      out += ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Units every district has, with the id and spelling dutyflow uses for them (the
// shipped plans and the units directories use these ids). Keys are unit_key()s.
struct known_unit {
  std::string_view id;
  std::string_view name;
  std::array<std::string_view, 5> keys;
};
constexpr std::array<known_unit, 27> district_units = {{
    {"phong-noi-vu", "Phòng Nội vụ", {"phong noi vu"}},
    {"van-phong-hdnd-va-ubnd-huyen", "Văn phòng HĐND và UBND huyện",
     {"van phong hdnd va ubnd huyen", "van phong hdnd ubnd huyen", "van phong hoi dong nhan dan va uy ban nhan dan huyen",
      "vp hdnd va ubnd huyen", "van phong hdnd ubnd"}},
    {"phong-tai-chinh-ke-hoach", "Phòng Tài chính - Kế hoạch",
     {"phong tai chinh ke hoach", "phong tc kh", "phong tckh", "phong tai chinh va ke hoach"}},
    {"phong-tu-phap", "Phòng Tư pháp", {"phong tu phap"}},
    {"phong-van-hoa-va-thong-tin", "Phòng Văn hóa và Thông tin",
     {"phong van hoa va thong tin", "phong van hoa thong tin", "phong vh tt", "phong vhtt"}},
    {"phong-giao-duc-va-dao-tao", "Phòng Giáo dục và Đào tạo",
     {"phong giao duc va dao tao", "phong giao duc dao tao", "phong gd dt", "phong gddt"}},
    {"phong-tai-nguyen-va-moi-truong", "Phòng Tài nguyên và Môi trường",
     {"phong tai nguyen va moi truong", "phong tai nguyen moi truong", "phong tn mt", "phong tnmt"}},
    {"phong-nong-nghiep-va-ptnt", "Phòng Nông nghiệp và Phát triển nông thôn",
     {"phong nong nghiep va phat trien nong thon", "phong nong nghiep va ptnt", "phong nn ptnt", "phong nnptnt",
      "phong nong nghiep ptnt"}},
    {"phong-kinh-te-va-ha-tang", "Phòng Kinh tế và Hạ tầng",
     {"phong kinh te va ha tang", "phong kinh te ha tang", "phong kt ht", "phong ktht"}},
    {"phong-lao-dong-thuong-binh-va-xa-hoi", "Phòng Lao động - Thương binh và Xã hội",
     {"phong lao dong thuong binh va xa hoi", "phong ld tb xh", "phong ldtbxh", "phong lao dong tb xh"}},
    {"phong-y-te", "Phòng Y tế", {"phong y te"}},
    {"phong-dan-toc", "Phòng Dân tộc", {"phong dan toc"}},
    {"thanh-tra-huyen", "Thanh tra huyện", {"thanh tra huyen"}},
    {"cong-an-huyen", "Công an huyện", {"cong an huyen"}},
    {"ban-chi-huy-quan-su-huyen", "Ban Chỉ huy Quân sự huyện",
     {"ban chi huy quan su huyen", "ban chqs huyen", "bchqs huyen", "ban chi huy quan su"}},
    {"huyen-doan", "Huyện đoàn",
     {"huyen doan", "doan tncs ho chi minh huyen", "doan thanh nien cong san ho chi minh huyen", "doan thanh nien huyen"}},
    {"hoi-lien-hiep-phu-nu-huyen", "Hội Liên hiệp Phụ nữ huyện",
     {"hoi lien hiep phu nu huyen", "hoi lhpn huyen", "hoi phu nu huyen"}},
    {"hoi-nong-dan-huyen", "Hội Nông dân huyện", {"hoi nong dan huyen"}},
    {"hoi-cuu-chien-binh-huyen", "Hội Cựu chiến binh huyện", {"hoi cuu chien binh huyen", "hoi ccb huyen"}},
    {"uy-ban-mttq-viet-nam-huyen", "Ủy ban Mặt trận Tổ quốc Việt Nam huyện",
     {"uy ban mttq viet nam huyen", "uy ban mttq huyen", "uy ban mat tran to quoc viet nam huyen", "ubmttq viet nam huyen",
      "ubmttq huyen"}},
    {"lien-doan-lao-dong-huyen", "Liên đoàn Lao động huyện", {"lien doan lao dong huyen", "ldld huyen"}},
    {"trung-tam-van-hoa-the-thao-va-truyen-thong", "Trung tâm Văn hóa, Thể thao và Truyền thông",
     {"trung tam van hoa the thao va truyen thong", "trung tam vh tt tt", "trung tam vhtttt",
      "trung tam van hoa the thao truyen thong"}},
    {"trung-tam-y-te-huyen", "Trung tâm Y tế huyện", {"trung tam y te huyen"}},
    {"trung-tam-chinh-tri-huyen", "Trung tâm Chính trị huyện", {"trung tam chinh tri huyen"}},
    {"bao-hiem-xa-hoi-huyen", "Bảo hiểm xã hội huyện", {"bao hiem xa hoi huyen", "bhxh huyen"}},
    {"kho-bac-nha-nuoc-huyen", "Kho bạc Nhà nước huyện", {"kho bac nha nuoc huyen"}},
    {"chi-cuc-thong-ke-huyen", "Chi cục Thống kê huyện", {"chi cuc thong ke huyen"}},
}};

// The level a name may end with ("Phòng Tư pháp huyện", "… thành phố").
constexpr std::array<std::string_view, 4> trailing_levels = {" huyen", " thanh pho", " thi xa", " quan"};

// The level cut off `name` to find it among the known units ("thành phố"), or "".
const known_unit* known_unit_of(std::string_view name, std::string* level_cut) {
  auto key = unit_key(name);
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& u : district_units)
      for (auto k : u.keys)
        if (!k.empty() && k == key) return &u;
    bool cut = false;
    for (auto level : trailing_levels)
      if (key.ends_with(level)) {
        key.resize(key.size() - level.size());
        if (level_cut) {  // the level as the name writes it
          auto f = fold(name);
          auto words = std::count(level.begin(), level.end(), ' ');
          std::size_t at = f.text.size();
          for (long w = 0; w < words && at != npos; ++w) at = f.text.rfind(' ', at - 1);
          *level_cut = at == npos ? std::string(level.substr(1)) : trim(original(name, f, at, f.text.size()));
        }
        cut = true;
        break;
      }
    if (!cut) break;
  }
  return nullptr;
}
const known_unit* known_unit_of(std::string_view name) {
  return known_unit_of(name, nullptr);
}

// The commune levels a unit's name may start with, longest first ("UBND xã Ma Li Pho").
constexpr std::array<std::string_view, 10> commune_levels = {
    "uy ban nhan dan thi tran", "uy ban nhan dan phuong", "uy ban nhan dan xa", "ubnd thi tran", "ubnd phuong",
    "ubnd xa", "thi tran", "phuong", "xa", "thon"};

// "Xã Ma Li pho" -> "Xã Ma Li Pho": place names are written with every word capitalised.
std::string official_spelling(const std::string& name) {
  std::string cut;
  if (const auto* k = known_unit_of(name, &cut)) {
    // Known names are the district's; a city's or town's unit keeps its level.
    bool district = cut.empty() || fold(cut).text == "huyen";
    auto out = std::string(k->name);
    if (!district && out.ends_with(" huyện")) out.resize(out.size() - std::string(" huyện").size());
    return district || fold(out).text.ends_with(fold(cut).text) ? out : out + " " + cut;
  }
  auto f = fold(name);
  for (auto level : commune_levels) {
    if (!starts_word(f.text, level) || f.text.size() <= level.size() + 1) continue;
    return original(name, f, 0, level.size()) + " " + upper_words(trim(original(name, f, level.size(), f.text.size())));
  }
  if (to_lower(name).rfind("bản ", 0) == 0) return "Bản " + upper_words(trim(name.substr(std::string("Bản").size())));
  return name;
}

// The id of a unit: its known id, "xa-…" for a commune however it is written (the
// commune and its UBND are one unit here), else the slug of its full name.
std::string unit_id_for(const std::string& name) {
  if (const auto* k = known_unit_of(name)) return std::string(k->id);
  auto key = unit_key(name);
  for (std::string_view ubnd : {"uy ban nhan dan ", "ubnd "}) {
    for (std::string_view level : {"xa ", "thi tran ", "phuong "}) {
      auto prefix = std::string(ubnd) + std::string(level);
      if (key.rfind(prefix, 0) == 0 && key.size() > prefix.size()) return slug(key.substr(ubnd.size()));
    }
  }
  return slug(name);
}

class unit_table {
 public:
  void use(const unit_directory* directory) { directory_ = directory; }

  // The id `name` gets in this plan: the directory's, when the directory knows the unit.
  std::string id_for(const std::string& name) const {
    auto id = unit_id_for(name);
    if (const auto* d = in_directory(id, name)) return d->id;
    return id;
  }

  const unit_entry& add(const unit_name& u) {
    auto id = u.group ? slug(u.name) : id_for(u.name);
    auto folded = fold(u.name).text;
    for (auto& e : entries_) {
      if (e.id != id) continue;
      if (std::find(e.spellings.begin(), e.spellings.end(), folded) == e.spellings.end()) e.spellings.push_back(folded);
      return e;
    }
    unit_entry e{id, u.group ? u.name : official_spelling(u.name), folded, {folded}, u.group, tier_of(u.name)};
    if (!u.group) {
      e.known = in_directory(unit_id_for(u.name), u.name);
      if (e.known) e.name = e.known->name;
      for (auto s : {fold(e.name).text}) {
        if (std::find(e.spellings.begin(), e.spellings.end(), s) == e.spellings.end()) e.spellings.push_back(s);
      }
    }
    entries_.push_back(std::move(e));
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
    std::size_t best_len = 0;
    for (const auto& e : entries_) {
      for (const auto& s : e.spellings) {
        if (s.empty() || f.substr(pos, s.size()) != s) continue;
        auto stop = pos + s.size();
        if (stop < f.size() && is_alnum(f[stop])) continue;
        if (!best || s.size() > best_len) best = &e, end = stop, best_len = s.size();
      }
    }
    return best;
  }
  const std::vector<unit_entry>& entries() const { return entries_; }
  const unit_directory* directory() const { return directory_; }

  const directory_unit* in_directory(const std::string& id, const std::string& name) const {
    if (!directory_) return nullptr;
    auto key = unit_key(name);
    for (const auto& d : directory_->units) {
      if (d.id == id || unit_key(d.name) == key) return &d;
      for (const auto& a : d.aliases)
        if (unit_key(a) == key) return &d;
    }
    return nullptr;
  }

 private:
  const unit_directory* directory_ = nullptr;
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
  std::size_t line = 0;              // index in the document's lines
  std::vector<std::string> reasons;  // why (a clause of) it made no duty, in Vietnamese
};

// What the coverage says about a duty beside its id.
struct duty_info {
  std::size_t node = 0;  // the org_node it came from
  std::string due_from;  // "text", "heading", "default", "recurring"
  std::string matched;   // the wording that decided its kind, or ""
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
    closing_begin_ = lines_.size();
    for (std::size_t i = org_begin_; i < lines_.size(); ++i)
      if (is_closing(lines_[i])) {
        closing_begin_ = i;
        break;
      }
    choose_directory();
    build_org_tree();
    collect_units();
    if (units_.entries().empty())
      return invalid("no unit named in \"TỔ CHỨC THỰC HIỆN\": expected numbered headings such as \"1. Phòng Nội vụ\"");
    process_all();
    finish_groups();
    if (duties_.empty()) return invalid("no duty could be assigned from \"TỔ CHỨC THỰC HIỆN\"");
    return assemble();
  }

 private:
  // The directory whose place is the plan's ("Phong Thổ").
  void choose_directory() {
    auto place = unit_key(place_name());
    for (const auto& d : options_.directories)
      if (!place.empty() && unit_key(d.place) == place) {
        units_.use(&d);
        return;
      }
  }

  // ---- header ----
  // ", ngày 05 tháng 6 năm 2023" or ", ngày 05/6/2023" (the day may be left blank, as in
  // drafts: "ngày    tháng 6 năm 2023"): the day (0 when blank), month, year and where
  // the comma is. Scanned by hand: no std::regex on document text.
  struct issue_date {
    int day = 0;
    unsigned month = 0;
    int year = 0;
    std::size_t comma = 0;
  };
  static std::optional<issue_date> find_issue_date(std::string_view f) {
    for (auto comma = f.find(','); comma != npos; comma = f.find(',', comma + 1)) {
      auto p = skip_spaces(f, comma + 1);
      if (f.substr(p, 4) != "ngay" || (p + 4 < f.size() && is_alnum(f[p + 4]))) continue;
      p = skip_spaces(f, p + 4);
      issue_date out;
      out.comma = comma;
      std::size_t q = p;
      while (q < f.size() && is_digit(f[q]) && q - p < 2) out.day = out.day * 10 + (f[q++] - '0');
      if (q < f.size() && is_digit(f[q])) continue;
      if (q > p) {  // "05/6/2023" or "05 tháng 6 năm 2023"
        auto m = find_day(f.substr(p), 0);
        if (m && m->begin == 0 && m->year_given) {
          out.month = static_cast<unsigned>(m->day.month());
          out.year = static_cast<int>(m->day.year());
          return out;
        }
        continue;
      }
      // Blank day: "tháng 6 năm 2023".
      auto m = find_month(f.substr(p));
      if (m && m->begin == 0 && m->year) {
        out.month = m->month;
        out.year = *m->year;
        return out;
      }
    }
    return std::nullopt;
  }

  status read_header() {
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
      if (f.size() > 400) continue;  // a date line is short
      if (!h_.issued_on) {
        if (auto m = find_issue_date(f)) {
          int day = m->day;
          if (day == 0) {
            day = 1;
            note("check", "issued_on",
                 "the date line leaves the day blank: issued_on uses the 1st, " + quote_text(l.plain));
          }
          date d{std::chrono::year{m->year}, std::chrono::month{m->month}, std::chrono::day{static_cast<unsigned>(day)}};
          if (d.ok()) {
            h_.issued_on = d;
            auto place = original(l.plain, l.folded, 0, m->comma);
            if (starts_word(f, "so") && !h_.number.empty()) {
              // "Số: 182/KH-UBND   Phong Thổ, ngày …" on one line: the place follows the number.
              auto suffix = h_.number.substr(h_.number.rfind('/') == npos ? 0 : h_.number.rfind('/'));
              if (auto at = place.find(suffix); at != npos) place = place.substr(at + suffix.size());
            }
            h_.place = trim(place);
          }
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
      n.line = i;
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

  // What a line passes to the lines below it.
  struct context {
    owners who;
    std::optional<classification> kind;       // of a "…, cụ thể:" line, for lines whose wording decides none
    std::optional<stated_deadline> deadline;  // of a heading that states one ("… trước ngày 20/7/2023, cụ thể:")
  };

  // The tree is walked with an explicit stack, not recursion: a document of many
  // nested headings ("…:" lines, list levels) must not exhaust the call stack.
  void process_all() {
    std::vector<std::pair<std::size_t, context>> stack;
    for (auto it = roots_.rbegin(); it != roots_.rend(); ++it) stack.emplace_back(*it, context{});
    while (!stack.empty()) {
      auto [idx, ctx] = std::move(stack.back());
      stack.pop_back();
      auto below = process(idx, ctx);
      const auto& children = nodes_[idx].children;
      for (auto it = children.rbegin(); it != children.rend(); ++it) stack.emplace_back(*it, below);
    }
  }

  // Makes the duties of one line; returns the context of the lines below it.
  context process(std::size_t idx, const context& ctx) {
    const auto& n = nodes_[idx];
    if (auto u = unit_of(n)) {
      context here = ctx;
      here.who.clear();
      for (const auto& one : u->first) here.who.push_back(units_.find(one.group ? slug(one.name) : units_.id_for(one.name)));
      auto text = strip_trailing(u->second, " ");
      if (!text.empty() && text.back() == ':' && !n.children.empty()) {
        // "Trưởng các thôn: Cử đại diện … tham dự Hội nghị, cụ thể:" leads the lines below.
        skip(idx, "heading of the lines below it, not a duty", "dòng dẫn của các dòng dưới, không phải nhiệm vụ");
        if (auto own = classify(text)) here.kind = own;
        if (auto d = find_deadline(text, *h_.issued_on)) here.deadline = d;
      } else if (!u->second.empty())
        add_duties(idx, u->second, here);
      else
        skip(idx, "heading naming the unit of the lines below it", "tên đơn vị: nhiệm vụ ở các dòng dưới");
      return here;
    }
    if (auto why = general_sentence(n.m.body)) {
      skip(idx, why->first, why->second);
      return ctx;
    }
    auto body = strip_trailing(n.m.body, " ");
    if (!n.children.empty() && !body.empty() && body.back() == ':') {
      skip(idx, "heading of the lines below it, not a duty", "dòng dẫn của các dòng dưới, không phải nhiệm vụ");
      context below = ctx;
      if (auto own = classify(n.m.body)) below.kind = own;
      if (auto d = find_deadline(n.m.body, *h_.issued_on)) below.deadline = d;
      return below;
    }
    add_duties(idx, n.m.body, ctx);
    return ctx;
  }

  // A line that assigns nothing although it sits among the assignments: the closing
  // formula, a general request to carry out the plan, what to do about difficulties.
  // Returns the reason (English for the report, Vietnamese for the coverage).
  static std::optional<std::pair<std::string, std::string>> general_sentence(std::string_view text) {
    auto t = strip_trailing(trim(text), " ");
    auto f = fold(t).text;
    if (starts_word(f, "tren day la"))
      return std::pair{"the closing summary of the plan (\"Trên đây là…\"), not a duty", "câu kết của văn bản"};
    if (starts_word(f, "noi nhan")) return std::pair{"the list of recipients, not a duty", "nơi nhận văn bản"};
    if (starts_word(f, "trong qua trinh"))
      return std::pair{"what to do about difficulties, not a duty", "hướng dẫn khi có vướng mắc, không giao việc"};
    if (t.ends_with("./.") || t.ends_with("/."))
      return std::pair{"the document's closing sentence (ends with \"./.\"), not a duty", "câu kết của văn bản"};
    // "Yêu cầu các cơ quan, đơn vị triển khai thực hiện.", "UBND huyện yêu cầu …",
    // "Đề nghị các đơn vị nghiêm túc thực hiện Kế hoạch này."
    auto g = f;
    for (std::string_view issuer : {"ubnd huyen", "ubnd thanh pho", "ubnd thi xa", "ubnd tinh", "ubnd xa",
                                    "uy ban nhan dan huyen", "uy ban nhan dan thanh pho"})
      if (starts_word(g, issuer)) g = trim(g.substr(issuer.size()));
    if (starts_word(g, "yeu cau") || starts_word(g, "de nghi cac")) {
      bool generic = has_word(g, "trien khai") || has_word(g, "thuc hien") || has_word(g, "nghiem tuc");
      if (generic && word_count(g) <= 40)
        return std::pair{"a general request to carry out the plan, not a duty of any unit",
                         "yêu cầu chung triển khai kế hoạch, không giao việc cụ thể"};
    }
    return std::nullopt;
  }

  // "Các đơn vị còn lại chủ động …": addressed to units the plan does not name.
  static bool to_remaining_units(std::string_view folded) {
    if (!starts_word(folded, "cac")) return false;
    auto head = folded.substr(0, std::min<std::size_t>(folded.size(), 60));
    return has_word(head, "con lai");
  }

  // Splits "…năm 2023; Công bố Chỉ số …" where a new assignment starts after ';': a
  // capitalised clause with a kind of its own, or one whose kind differs from the
  // clause before ("Cử phóng viên đưa tin; đăng tải tài liệu …").
  static std::vector<std::string> clauses_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (auto pos = text.find("; "); pos != npos; pos = text.find("; ", pos + 1)) {
      auto next = trim(text.substr(pos + 1));
      auto head = trim(text.substr(start, pos - start));
      auto next_kind = next.empty() ? std::nullopt : classify(next);
      auto head_kind = head.empty() ? std::nullopt : classify(head);
      bool new_task = next_kind && (starts_upper(next) || (head_kind && head_kind->kind != next_kind->kind));
      if (new_task && !head.empty()) {
        out.push_back(head);
        start = pos + 1;
      }
    }
    out.push_back(trim(text.substr(start)));
    return out;
  }

  void add_duties(std::size_t idx, const std::string& text, const context& ctx) {
    for (const auto& clause : clauses_of(text)) {
      if (auto why = general_sentence(clause)) {
        skip(idx, why->first, why->second);
        continue;
      }
      add_duty(idx, clause, ctx);
    }
  }

  void add_duty(std::size_t idx, const std::string& clause, const context& ctx) {
    const auto& n = nodes_[idx];
    auto f = fold(clause);
    if (to_remaining_units(f.text)) {
      skip(idx,
           "addressed to the remaining units (\"còn lại\") without naming them: no duty; add one per unit if it "
           "should be tracked",
           "giao cho các đơn vị còn lại, không nêu tên đơn vị");
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
    std::vector<std::string> unnamed;
    auto named = collaborators_named(n, clause, f, unnamed);
    if (lead) {
      std::vector<std::string> helpers;
      for (const auto* o : ctx.who)
        if (o != lead) helpers.push_back(o->id);
      for (const auto& c : named)
        if (std::find(helpers.begin(), helpers.end(), c) == helpers.end()) helpers.push_back(c);
      add_owned_duty(idx, clause, lead, helpers, unnamed, ctx);
      return;
    }
    if (ctx.who.empty()) {
      note("unassigned", n.section, "no unit named for this line; not a duty in the output: " + quote_text(clause));
      nodes_[idx].reasons.push_back("không nêu đơn vị thực hiện");
      return;
    }
    for (const auto* owner : ctx.who) add_owned_duty(idx, clause, owner, named, unnamed, ctx);
  }

  // "phối hợp với <units>": the collaborators, when the plan names them; `unnamed` gets
  // the phrases that name none ("phối hợp với các cơ quan, đơn vị").
  std::vector<std::string> collaborators_named(const org_node& n, const std::string& clause, const folded_text& f,
                                               std::vector<std::string>& unnamed) {
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
      if (any) continue;
      // The phrase that names no unit: the words of a generic group ("các cơ quan, đơn vị").
      static constexpr std::array<std::string_view, 22> group_words = {
          "cac", "co", "quan", "don", "vi", "phong", "ban", "nganh", "lien", "huyen", "xa", "thi",
          "tran", "doan", "the", "to", "chuc", "chuyen", "mon", "thanh", "pho", "dia"};
      std::size_t end = at, k = at;
      while (k < f.text.size()) {
        while (k < f.text.size() && (f.text[k] == ' ' || f.text[k] == ',')) ++k;
        auto w = k;
        while (w < f.text.size() && is_alnum(f.text[w])) ++w;
        if (w == k) break;
        auto word = f.text.substr(k, w - k);
        if (std::find(group_words.begin(), group_words.end(), word) == group_words.end()) break;
        end = w;
        k = w;
      }
      if (end == at) {  // not even a group: up to five words
        end = at;
        for (int words = 0; end < f.text.size() && words < 5; ++words) {
          end = f.text.find(' ', end + 1);
          if (end == npos) end = f.text.size();
        }
      }
      auto phrase = original(clause, f, pos, end);
      bool generic = starts_word(f.text.substr(at), "cac");
      note("check", n.section,
           quote_text(phrase) + (generic ? " names no unit: no collaborators set"
                                         : " is not a unit of this plan: no collaborators set"));
      unnamed.push_back(quote_text(to_lower_first(phrase)) +
                        (generic ? " names no unit" : " is not a unit of this plan"));
    }
    return out;
  }

  static std::string to_lower_first(const std::string& s) {
    if (s.empty()) return s;
    auto lower = to_lower(s);
    // Only the first letter: keep the rest as written.
    std::size_t pos = 0;
    next_code_point(s, pos);
    std::size_t lpos = 0;
    next_code_point(lower, lpos);
    return lower.substr(0, lpos) + s.substr(pos);
  }

  void add_owned_duty(std::size_t idx, const std::string& clause, const unit_entry* owner,
                      std::vector<std::string> collaborators, const std::vector<std::string>& unnamed,
                      const context& ctx) {
    const auto& n = nodes_[idx];
    std::erase(collaborators, owner->id);
    ojson duty;
    auto kind = classify(clause);
    bool inherited = !kind && ctx.kind;
    if (inherited) kind = ctx.kind;
    auto title = upper_first(strip_trailing(clause, " .;,:"));
    if (title.empty()) {  // a clause of punctuation only (found by fuzzing): a duty needs a title
      note("check", n.section, "a clause for " + owner->id + " has no text: no duty made");
      nodes_[idx].reasons.push_back("không có nội dung");
      return;
    }
    auto kind_name = kind ? kind->kind : std::string("report");
    duty["id"] = unique_id(duty_stem(kind_name, clause, owner, kind), owner->id);
    duty["kind"] = kind_name;
    duty["title"] = title;
    duty["owner"] = owner->group ? ojson{{"group", owner->id}} : ojson(owner->id);
    duty["collaborators"] = collaborators;
    auto where = "duties[" + std::to_string(duties_.size()) + "] " + duty["id"].get<std::string>() + " (" + n.section + ")";

    // The deadline: the duty's own words, else the heading's, else the default.
    auto stated = find_deadline(clause, *h_.issued_on);
    bool from_heading = false;
    if (!stated && ctx.deadline) stated = ctx.deadline, from_heading = true;
    std::string due_from;
    std::vector<std::string> notes;
    if (stated && stated->kind != stated_deadline::type::recurring) {
      duty["due"] = stated->due(options_.milestone);
      note("deadline", where,
           std::string(from_heading ? "from the heading above, " : "") + quote_text(stated->phrase) + ": " +
               stated->meaning);
      if (!stated->assumption.empty()) note("check", where, quote_text(stated->phrase) + ": " + stated->assumption);
      if (stated->kind == stated_deadline::type::at && stated->at.substr(0, 10) <= format_date(*h_.issued_on))
        note("check", where,
             quote_text(stated->phrase) + ": the deadline is not after the plan's issue date " +
                 format_date(*h_.issued_on) + "; check the date (a year to add?)");
      due_from = from_heading ? "heading" : "text";
    } else {
      auto offset = options_.offset ? options_.offset->text() : default_offset(kind_name);
      duty["due"] = {{"milestone", options_.milestone}, {"offset", offset}};
      std::string which = options_.offset ? "the --offset given" : "the default for " + kind_name;
      if (stated) {  // recurring
        note("recurring", where,
             quote_text(stated->phrase) + " is a recurring deadline: dutyflow tracks one deadline per duty, so it is "
                                          "not set from the text; the due is " + which + ", " + options_.milestone +
                 " " + offset + " — set it by hand, or make one duty per period");
        notes.push_back("recurring deadline in the text (" + quote_text(stated->phrase) +
                        "): the due is a placeholder; set it by hand");
        due_from = "recurring";
      } else {
        note("default", where, "no deadline in its text: due " + options_.milestone + " " + offset + ", " + which);
        due_from = "default";
      }
    }
    duty["depends_on"] = ojson::array();
    duty["source"] = {{"section", n.section}, {"text", n.m.body}};
    if (!kind) {
      notes.push_back("kind not recognised from the wording; set to report");
      note("unclassified", where, "no wording decides the kind; set to \"report\": " + quote_text(clause));
    } else {
      note("kind", where,
           kind->kind + (inherited ? " from the heading above (" : " from ") + quote_text(kind->matched) +
               (inherited ? ")" : ""));
    }
    for (const auto& u : unnamed) notes.push_back(u + ": no collaborators are listed; the coordinator adds them if needed.");
    if (!notes.empty()) {
      std::string all;
      for (const auto& s : notes) all += (all.empty() ? "" : " ") + s;
      duty["note"] = all;
    }
    if (owner->group) used_groups_.insert(owner->id);
    for (const auto& c : collaborators)
      if (auto* e = units_.find(c); e && e->group) used_groups_.insert(c);
    duty_info_.push_back({idx, due_from, kind ? kind->matched : std::string()});
    duties_.push_back(std::move(duty));
  }

  // An id a person would write: a known task's usual id ("chuan-bi-hoi-truong",
  // "tham-luan-<unit>"), else the words of the task from the wording that decided its
  // kind. Shared ids of the district's plans stay stable across imports.
  static std::string duty_stem(const std::string& kind, const std::string& clause, const unit_entry* owner,
                               const std::optional<classification>& matched) {
    if (kind == "tham_luan") return "tham-luan-" + owner->id;
    struct known_task {
      std::string_view phrase;  // folded
      std::string_view stem;
    };
    static constexpr std::array<known_task, 16> known = {{
        {"chuan bi cac tai lieu, bao cao", "chuan-bi-tai-lieu-bao-cao"},
        {"chuan bi tai lieu, bao cao", "chuan-bi-tai-lieu-bao-cao"},
        {"cong bo chi so cai cach hanh chinh cua ubnd cac xa, thi tran", "cong-bo-chi-so-cchc-xa-thi-tran"},
        {"cong bo chi so cai cach hanh chinh", "cong-bo-chi-so-cchc"},
        {"thi dua, khen thuong", "thi-dua-khen-thuong"},
        {"thi dua khen thuong", "thi-dua-khen-thuong"},
        {"dang tai tai lieu hoi nghi", "dang-tai-tai-lieu-hoi-nghi"},
        {"chuan bi hoi truong", "chuan-bi-hoi-truong"},
        {"chuan bi dia diem", "chuan-bi-dia-diem"},
        {"hoi truong", "chuan-bi-hoi-truong"},
        {"cu phong vien", "cu-phong-vien-dua-tin"},
        {"cu dai bieu", "cu-dai-bieu-tham-du"},
        {"cu lanh dao", "cu-dai-bieu-tham-du"},
        {"cu can bo", "cu-dai-bieu-tham-du"},
        {"bo tri kinh phi", "bo-tri-kinh-phi"},
        {"du toan kinh phi", "du-toan-kinh-phi"},
    }};
    auto f = fold(clause).text;
    // The task named first wins ("đăng tải tài liệu Hội nghị; … Công bố Chỉ số …").
    const known_task* first = nullptr;
    std::size_t first_at = npos;
    for (const auto& k : known)
      if (auto at = find_word(f, k.phrase); at != npos && (first_at == npos || at < first_at)) first = &k, first_at = at;
    if (first) return std::string(first->stem);
    // The words from the deciding phrase on, up to the end of the phrase or five words.
    auto start = matched ? find_word(f, fold(matched->matched).text) : npos;
    if (start == npos) {  // past the lead-in "Chủ trì, phối hợp với …" when nothing decided the kind
      start = 0;
      for (std::string_view lead : {"chu tri", "phoi hop"})
        if (starts_word(f, lead)) start = std::min(f.size(), f.find_first_of(",", 0) == npos ? 0 : f.find(',') + 1);
    }
    std::string words;
    int count = 0;
    for (std::size_t k = start; k < f.size() && count < 5;) {
      if (f[k] == ',' || f[k] == ';' || f[k] == '.' || f[k] == '(' || f[k] == ':') break;
      if (!is_alnum(f[k])) {
        ++k;
        continue;
      }
      auto w = k;
      while (w < f.size() && is_alnum(f[w])) ++w;
      auto word = f.substr(k, w - k);
      if (word != "cac" && word != "nhung" && word != "cua") {
        words += (words.empty() ? "" : "-") + word;
        ++count;
      }
      k = w;
    }
    return words.empty() ? std::string("nhiem-vu") : words;
  }

  // The stem, or the stem with the owner when another duty has it, or numbered.
  std::string unique_id(const std::string& stem, const std::string& owner) {
    auto base = slug(stem, 60);
    if (base.empty()) base = "nhiem-vu";
    auto id = base;
    if (ids_.contains(id)) id = slug(base + "-" + owner, 60);
    auto with_owner = id;
    for (int k = 2; ids_.contains(id); ++k) id = with_owner + "-" + std::to_string(k);
    ids_.insert(id);
    return id;
  }

  void skip(std::size_t idx, const std::string& why, const std::string& reason_vi) {
    note("skipped", nodes_[idx].section, why + ": " + quote_text(nodes_[idx].m.body));
    nodes_[idx].reasons.push_back(reason_vi);
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
    std::vector<duty_info> kept_info;
    for (std::size_t k = 0; k < duties_.size(); ++k) {
      auto& d = duties_[k];
      if (d["owner"].is_object()) {
        auto gid = d["owner"]["group"].get<std::string>();
        if (group_members_[gid].empty()) {
          note("unassigned", d["source"]["section"].get<std::string>(),
               "the group " + quote_text(units_.find(gid)->name) +
                   " has no member named in the plan; not a duty in the output: " +
                   quote_text(d["title"].get<std::string>()));
          nodes_[duty_info_[k].node].reasons.push_back("nhóm \"" + units_.find(gid)->name +
                                                       "\" không có đơn vị nào được nêu tên trong kế hoạch");
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
      kept_info.push_back(duty_info_[k]);
    }
    duties_ = std::move(kept);
    duty_info_ = std::move(kept_info);
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
    auto issued = *h_.issued_on;
    if (auto day = find_day(f, static_cast<int>(issued.year())); day && day->year_given) {
      date d = day->day;
      m["window"] = {{"from", format_date(d)}, {"to", format_date(d)}};
      if (auto clock = find_clock(f)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "T%02d:%02d:00+07:00", clock->hour, clock->minute);
        m["at"] = format_date(d) + buf;
        note("check", where, "event set to " + m["at"].get<std::string>() + " from " + quote_text(text));
        return m;
      }
      note("check", where, "the day is known but not the hour: set the milestone's time, from " + quote_text(text));
      return m;
    }
    if (auto month = find_month(f)) {
      int year = static_cast<int>(issued.year());
      if (month->year)
        year = *month->year;
      else if (month->month < static_cast<unsigned>(issued.month()))
        ++year;  // "tháng 1" in a December plan
      std::chrono::year_month ym{std::chrono::year{year}, std::chrono::month{month->month}};
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
    auto leaders = leaders_unit();
    if (leaders) {
      p["escalate_to"] = leaders->id;
      note("check", "escalate_to",
           quote_text(leaders->recipient) + " in Nơi nhận: escalations go to " + leaders->id + " (" + leaders->name + ")");
    } else {
      note("check", "escalate_to",
           "Nơi nhận names no leader (\"CT, các PCT UBND …\"): no escalate_to, escalations go to the coordinator");
    }
    p["milestones"] = ojson::array({milestone()});
    ojson units = ojson::array();
    std::string from_directory, not_in_directory;
    for (const auto& e : units_.entries()) {
      if (e.group) continue;
      ojson contacts = e.known && e.known->contacts.is_array() && !e.known->contacts.empty()
                           ? e.known->contacts
                           : ojson::array({{{"channel", "log"}}});
      units.push_back({{"id", e.id}, {"name", e.name}, {"contacts", contacts}});
      auto& list = e.known ? from_directory : not_in_directory;
      list += (list.empty() ? "" : ", ") + e.id;
    }
    // A plan that names the leaders among its units already has them.
    if (leaders && !units_.find(leaders->id))
      units.push_back({{"id", leaders->id}, {"name", leaders->name}, {"contacts", leaders->contacts}});
    p["units"] = units;
    if (const auto* dir = units_.directory()) {
      if (!from_directory.empty())
        note("units", "units", "names and contacts from " + dir->file + ": " + from_directory);
      if (!not_in_directory.empty())
        note("check", "units",
             "not in " + dir->file + ", so they notify the log only; add them there or give their email: " +
                 not_in_directory);
    } else {
      note("check", "units",
           "no units directory for " + quote_text(h_.place) +
               " (config/units/*.json): every unit notifies the log only; add each unit's email");
    }
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
    for (const auto& d : duties_) {
      if (d["owner"].is_object())
        out.fanned_out_duties += group_members_[d["owner"]["group"].get<std::string>()].size();
      else
        ++out.fanned_out_duties;
    }
    out.coverage = coverage();
    out.report = std::move(report_);
    return out;
  }

  // ---- coverage ----
  std::vector<coverage_line> coverage() const {
    std::vector<coverage_line> out;
    if (org_begin_ > 0 && org_begin_ - 1 < lines_.size())
      out.push_back({org_begin_, "", lines_[org_begin_ - 1].plain, {}, "tiêu đề mục tổ chức thực hiện"});
    std::vector<std::vector<std::string>> made(nodes_.size());
    for (std::size_t k = 0; k < duties_.size(); ++k) made[duty_info_[k].node].push_back(duties_[k]["id"].get<std::string>());
    for (std::size_t idx = 0; idx < nodes_.size(); ++idx) {
      const auto& n = nodes_[idx];
      coverage_line c{n.line + 1, n.section, lines_[n.line].plain, std::move(made[idx]), {}};
      for (const auto& r : n.reasons)
        if (c.reason.find(r) == npos) c.reason += (c.reason.empty() ? "" : "; ") + r;
      if (c.duties.empty() && c.reason.empty()) c.reason = "không tạo nhiệm vụ";
      out.push_back(std::move(c));
    }
    // The closing lines after the assignments: none is a duty, each says why.
    enum class part { closing, recipients, signature } at = part::closing;
    for (std::size_t i = closing_begin_; i < lines_.size(); ++i) {
      const auto& l = lines_[i];
      if (l.plain.empty() || is_separator(l.plain)) continue;
      const auto& f = l.folded.text;
      if (starts_word(f, "noi nhan")) at = part::recipients;
      for (std::string_view sig : {"tm.", "kt.", "tl.", "tuq.", "q."})
        if (f.substr(0, sig.size()) == sig) at = part::signature;
      std::string reason;
      switch (at) {
        case part::closing:
          reason = general_sentence(l.plain) ? general_sentence(l.plain)->second : "câu kết của văn bản";
          break;
        case part::recipients:
          reason = starts_word(f, "noi nhan") ? "nơi nhận văn bản" : "nơi nhận văn bản, không giao việc";
          if (leaders_line_ == i) reason = "nơi nhận: lãnh đạo nhận báo cáo quá hạn (escalate_to)";
          break;
        case part::signature: reason = "thể thức ký văn bản"; break;
      }
      out.push_back({i + 1, "", l.plain, {}, reason});
    }
    return out;
  }

  // ---- the leaders who receive escalations ----
  struct leaders_def {
    std::string id, name, recipient;
    ojson contacts;
  };
  // "CT, các PCT. UBND huyện" or "Lãnh đạo UBND huyện" among the recipients (Nơi nhận).
  std::optional<leaders_def> leaders_unit() {
    bool in_recipients = false;
    for (std::size_t i = closing_begin_; i < lines_.size(); ++i) {
      const auto& f = lines_[i].folded.text;
      if (starts_word(f, "noi nhan")) in_recipients = true;
      if (!in_recipients) continue;
      if (f.substr(0, 3) == "tm." || f.substr(0, 3) == "kt.") break;
      auto ubnd = find_word(f, "ubnd");
      std::size_t after = ubnd == npos ? npos : ubnd + 4;
      if (ubnd == npos) {
        ubnd = find_word(f, "uy ban nhan dan");
        after = ubnd == npos ? npos : ubnd + 15;
      }
      if (ubnd == npos) continue;
      auto head = f.substr(0, ubnd);
      bool chair = has_word(head, "ct") || has_word(head, "chu tich") || has_word(head, "lanh dao") ||
                   has_word(head, "tt") || has_word(head, "thuong truc");
      if (!chair || has_word(head, "hdnd") || has_word(head, "huyen uy")) continue;
      // The level after "UBND": "huyện", "thành phố", "thị xã".
      auto rest = trim(f.substr(after));
      std::string level;
      for (std::string_view l : {"huyen", "thanh pho", "thi xa", "quan", "tinh", "xa", "thi tran", "phuong"})
        if (starts_word(rest, l)) {
          level = std::string(l);
          break;
        }
      if (level.empty()) level = "huyen";
      auto level_vi = trim(original(lines_[i].plain, lines_[i].folded, after, std::min(f.size(), after + 1 + level.size())));
      leaders_def out;
      out.id = "lanh-dao-ubnd-" + slug(level);
      out.name = "Chủ tịch, các Phó Chủ tịch UBND " + to_lower(level_vi);
      out.recipient = strip_trailing(trim(lines_[i].plain.substr(lines_[i].plain.find_first_not_of("-+• ") == npos
                                                                     ? 0
                                                                     : lines_[i].plain.find_first_not_of("-+• "))),
                                     " ;.,");
      out.contacts = ojson::array({{{"channel", "log"}}});
      if (const auto* dir = units_.directory()) {
        for (const auto& d : dir->units)
          if (d.id == out.id) {
            out.name = d.name;
            if (d.contacts.is_array() && !d.contacts.empty()) out.contacts = d.contacts;
          }
      }
      leaders_line_ = i;
      return out;
    }
    return std::nullopt;
  }

  void note(std::string category, std::string where, std::string message) {
    report_.push_back({std::move(category), std::move(where), std::move(message)});
  }

  const import_options& options_;
  std::vector<line> lines_;
  header h_;
  std::size_t org_begin_ = npos, org_end_ = npos, time_begin_ = npos, time_end_ = npos;
  std::size_t closing_begin_ = npos;  // the first closing line ("Trên đây là…", "Nơi nhận") after the assignments
  std::size_t leaders_line_ = npos;
  std::string org_label_;
  std::vector<org_node> nodes_;
  std::vector<std::size_t> roots_;
  unit_table units_;
  std::vector<ojson> duties_;
  std::vector<duty_info> duty_info_;  // beside duties_
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
  // The engine counts a group's duty once per member: say both, so the count matches
  // what `dutyflow validate` and the dashboard show.
  std::string out = "imported " + p.value("number", std::string()) + " (" + p.value("id", std::string()) +
                    "): " + std::to_string(imported.fanned_out_duties) + " duties (" + std::to_string(duties) +
                    " in the file, groups fanned out), " + std::to_string(units) + " units, " +
                    std::to_string(groups) + " groups; deadlines: " + std::to_string(counts["deadline"]) +
                    " from the text, " + std::to_string(counts["default"]) + " by default, " +
                    std::to_string(counts["recurring"]) + " recurring; " + std::to_string(counts["unclassified"]) +
                    " unclassified, " + std::to_string(counts["unassigned"]) + " unassigned, " +
                    std::to_string(counts["skipped"]) + " skipped, " + std::to_string(counts["check"]) + " to check\n";
  for (const auto& e : imported.report) out += e.text() + "\n";
  return out;
}

nlohmann::ordered_json coverage_line::to_json() const {
  nlohmann::ordered_json j;
  j["line"] = line;
  j["section"] = section;
  j["text"] = text;
  j["duties"] = duties;
  if (duties.empty()) j["status"] = "không theo dõi";
  if (!reason.empty()) j["reason"] = reason;
  return j;
}

std::string coverage_line::text_line() const {
  char num[16];
  std::snprintf(num, sizeof num, "%4zu", line);
  std::string out = std::string(num) + " " + (section.empty() ? std::string("-") : section) + "  " + quote_text(text, 70) +
                    " -> ";
  if (duties.empty()) return out + "không theo dõi: " + reason;
  for (std::size_t i = 0; i < duties.size(); ++i) out += (i ? ", " : "") + duties[i];
  if (!reason.empty()) out += " (còn: " + reason + ")";
  return out;
}

std::string format_coverage(const import_result& imported) {
  std::size_t tracked = 0;
  for (const auto& c : imported.coverage)
    if (!c.duties.empty()) ++tracked;
  std::string out = "coverage: " + std::to_string(imported.coverage.size()) + " lines, " + std::to_string(tracked) +
                    " made duties, " + std::to_string(imported.coverage.size() - tracked) + " không theo dõi\n";
  for (const auto& c : imported.coverage) out += c.text_line() + "\n";
  return out;
}

result<std::vector<unit_directory>> load_unit_directories(const std::string& dir) {
  std::vector<unit_directory> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    auto name = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) return invalid(name + ": cannot read");
    nlohmann::ordered_json doc;
    try {
      doc = nlohmann::ordered_json::parse(in);
    } catch (const std::exception& e) {
      return invalid(name + ": not JSON (" + e.what() + ")");
    }
    unit_directory d;
    d.file = name;
    if (!doc.is_object() || !doc.contains("place") || !doc["place"].is_string() || doc["place"].get<std::string>().empty())
      return invalid(name + ": place: must be the place name of the district (\"Phong Thổ\")");
    d.place = doc["place"].get<std::string>();
    if (!doc.contains("units") || !doc["units"].is_array()) return invalid(name + ": units: must be a list");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < doc["units"].size(); ++i) {
      const auto& u = doc["units"][i];
      auto at = name + ": units[" + std::to_string(i) + "]";
      if (!u.is_object() || !u.contains("id") || !u["id"].is_string() || slug(u["id"].get<std::string>()) != u["id"])
        return invalid(at + ".id: must be an id ([a-z0-9-])");
      if (!u.contains("name") || !u["name"].is_string() || u["name"].get<std::string>().empty())
        return invalid(at + ".name: must be the unit's official name");
      directory_unit du{u["id"].get<std::string>(), u["name"].get<std::string>(), {}, nlohmann::ordered_json::array()};
      if (!seen.insert(du.id).second) return invalid(at + ".id: \"" + du.id + "\" appears twice");
      if (u.contains("aliases")) {
        if (!u["aliases"].is_array()) return invalid(at + ".aliases: must be a list of names");
        for (const auto& a : u["aliases"]) {
          if (!a.is_string()) return invalid(at + ".aliases: must be a list of names");
          du.aliases.push_back(a.get<std::string>());
        }
      }
      if (u.contains("contacts")) {
        if (!u["contacts"].is_array()) return invalid(at + ".contacts: must be a list as in a plan file");
        du.contacts = u["contacts"];
      }
      d.units.push_back(std::move(du));
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace dutyflow::importer
