// The importer's units: which words name a unit or a group, the units every district
// has (their ids and official spellings), and the table of the units one plan names.
// See importer_internal.h.
#include <algorithm>
#include <array>

#include "adapters/import/importer_internal.h"

namespace dutyflow::importer::detail {

namespace {

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

struct known_unit;
const known_unit* known_unit_of(std::string_view name, std::string* level_cut);
const known_unit* known_unit_of(std::string_view name);

}  // namespace

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

namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

std::string unit_table::id_for(const std::string& name) const {
  auto id = unit_id_for(name);
  if (const auto* d = in_directory(id, name)) return d->id;
  return id;
}

const unit_entry& unit_table::add(const unit_name& u) {
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

const unit_entry* unit_table::find(std::string_view id) const {
  for (const auto& e : entries_)
    if (e.id == id) return &e;
  return nullptr;
}

const unit_entry* unit_table::match_at(std::string_view f, std::size_t pos, std::size_t& end) const {
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

const directory_unit* unit_table::in_directory(const std::string& id, const std::string& name) const {
  if (!directory_) return nullptr;
  auto key = unit_key(name);
  for (const auto& d : directory_->units) {
    if (d.id == id || unit_key(d.name) == key) return &d;
    for (const auto& a : d.aliases)
      if (unit_key(a) == key) return &d;
  }
  return nullptr;
}

}  // namespace dutyflow::importer::detail
