// The importer's walk over a document's layout: the header ("Số: …", the place-and-date
// line, "KẾ HOẠCH" and its title), the sections, and the TỔ CHỨC THỰC HIỆN section as a
// tree of lines with the units it names. See importer_internal.h.
#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

#include "adapters/import/importer_internal.h"

namespace dutyflow::importer::detail {

namespace {

// ", ngày 05 tháng 6 năm 2023" or ", ngày 05/6/2023" (the day may be left blank, as in
// drafts: "ngày    tháng 6 năm 2023"): the day (0 when blank), month, year and where
// the comma is. Scanned by hand: no std::regex on document text.
struct issue_date {
  int day = 0;
  unsigned month = 0;
  int year = 0;
  std::size_t comma = 0;
};
std::optional<issue_date> find_issue_date(std::string_view f) {
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

struct section {
  std::string label;  // roman numeral or ""
  std::string name;
  std::size_t begin = 0, end = 0;  // line range of its body
};

}  // namespace

importer_impl::importer_impl(const std::vector<std::string>& raw, const import_options& options) : options_(options) {
  for (const auto& r : raw) {
    auto p = plain_of(strip_emphasis(r));
    lines_.push_back({p, fold(p)});
  }
}

result<import_result> importer_impl::run() {
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

// The directory whose place is the plan's ("Phong Thổ").
void importer_impl::choose_directory() {
  auto place = unit_key(place_name());
  for (const auto& d : options_.directories)
    if (!place.empty() && unit_key(d.place) == place) {
      units_.use(&d);
      return;
    }
}

// ---- header ----

status importer_impl::read_header() {
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

bool importer_impl::is_header_org_line(const line& l) const {
  const auto& f = l.folded.text;
  if (!is_all_upper(l.plain)) return false;
  for (std::string_view no : {"cong hoa", "doc lap", "so", "ke hoach", "v/v", "dang cong san", "du thao", "mat",
                              "khan", "toi mat", "hoa toc"})
    if (starts_word(f, no)) return false;
  return word_count(f) >= 2 || starts_word(f, "ubnd");
}

bool is_separator(const std::string& plain) {
  return !plain.empty() && plain.find_first_not_of("-_=*~.\u2013\u2014 ") == npos;
}

void importer_impl::read_title(std::size_t type_line, std::string inline_title) {
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

void importer_impl::read_sections() {
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

bool is_closing(const line& l) {
  const auto& f = l.folded.text;
  for (std::string_view c : {"tren day la", "noi nhan", "trong qua trinh", "tm.", "kt.", "tl.", "tuq."})
    if (f.substr(0, c.size()) == c) return true;
  return false;
}

// ---- the TỔ CHỨC THỰC HIỆN section as a tree ----

void importer_impl::build_org_tree() {
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
std::optional<std::pair<std::vector<unit_name>, std::string>> importer_impl::unit_of(const org_node& n) const {
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

void importer_impl::collect_units() {
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

}  // namespace dutyflow::importer::detail
