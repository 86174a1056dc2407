// What an import produces: the plan file (its header, issuer, milestone, units and
// groups, the leaders who receive escalations), the report entries and the coverage of
// the document's lines. See importer_internal.h.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <utility>

#include "adapters/import/importer_internal.h"

namespace dutyflow::importer::detail {

// ---- the milestone ----

ojson importer_impl::milestone() {
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
std::string importer_impl::issuer_from_org(const std::string& org) {
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
std::string importer_impl::place_name() const {
  auto f = fold(h_.place);
  for (std::string_view level : {"thanh pho", "thi xa", "thi tran", "huyen", "xa", "tinh", "quan", "phuong"}) {
    if (starts_word(f.text, level) && f.text.size() > level.size() + 1)
      return trim(original(h_.place, f, level.size(), f.text.size()));
  }
  return h_.place;
}

std::string importer_impl::issuer() {
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

std::string importer_impl::level_of_place() const {
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

result<import_result> importer_impl::assemble() {
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

std::vector<coverage_line> importer_impl::coverage() const {
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

// "CT, các PCT. UBND huyện" or "Lãnh đạo UBND huyện" among the recipients (Nơi nhận).
std::optional<importer_impl::leaders_def> importer_impl::leaders_unit() {
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

void importer_impl::note(std::string category, std::string where, std::string message) {
  report_.push_back({std::move(category), std::move(where), std::move(message)});
}

}  // namespace dutyflow::importer::detail
