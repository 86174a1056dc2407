// The importer's reading of the assignments: each line of the TỔ CHỨC THỰC HIỆN tree
// becomes duties (owner, collaborators, kind, deadline, id) or a reason why it makes none;
// then groups get their members. See importer_internal.h.
#include <algorithm>
#include <array>
#include <utility>

#include "adapters/import/importer_internal.h"

namespace dutyflow::importer::detail {

namespace {

// "Các đơn vị còn lại chủ động …": addressed to units the plan does not name.
bool to_remaining_units(std::string_view folded) {
  if (!starts_word(folded, "cac")) return false;
  auto head = folded.substr(0, std::min<std::size_t>(folded.size(), 60));
  return has_word(head, "con lai");
}

// Splits "…năm 2023; Công bố Chỉ số …" where a new assignment starts after ';': a
// capitalised clause with a kind of its own, or one whose kind differs from the
// clause before ("Cử phóng viên đưa tin; đăng tải tài liệu …").
std::vector<std::string> clauses_of(const std::string& text) {
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

std::string to_lower_first(const std::string& s) {
  if (s.empty()) return s;
  auto lower = to_lower(s);
  // Only the first letter: keep the rest as written.
  std::size_t pos = 0;
  next_code_point(s, pos);
  std::size_t lpos = 0;
  next_code_point(lower, lpos);
  return lower.substr(0, lpos) + s.substr(pos);
}

// An id a person would write: a known task's usual id ("chuan-bi-hoi-truong",
// "tham-luan-<unit>"), else the words of the task from the wording that decided its
// kind. Shared ids of the district's plans stay stable across imports.
std::string duty_stem(const std::string& kind, const std::string& clause, const unit_entry* owner,
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

}  // namespace

// The tree is walked with an explicit stack, not recursion: a document of many
// nested headings ("…:" lines, list levels) must not exhaust the call stack.
void importer_impl::process_all() {
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
importer_impl::context importer_impl::process(std::size_t idx, const context& ctx) {
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

std::optional<std::pair<std::string, std::string>> general_sentence(std::string_view text) {
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

void importer_impl::add_duties(std::size_t idx, const std::string& text, const context& ctx) {
  for (const auto& clause : clauses_of(text)) {
    if (auto why = general_sentence(clause)) {
      skip(idx, why->first, why->second);
      continue;
    }
    add_duty(idx, clause, ctx);
  }
}

void importer_impl::add_duty(std::size_t idx, const std::string& clause, const context& ctx) {
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
std::vector<std::string> importer_impl::collaborators_named(const org_node& n, const std::string& clause,
                                                            const folded_text& f, std::vector<std::string>& unnamed) {
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

void importer_impl::add_owned_duty(std::size_t idx, const std::string& clause, const unit_entry* owner,
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

// The stem, or the stem with the owner when another duty has it, or numbered.
std::string importer_impl::unique_id(const std::string& stem, const std::string& owner) {
  auto base = slug(stem, 60);
  if (base.empty()) base = "nhiem-vu";
  auto id = base;
  if (ids_.contains(id)) id = slug(base + "-" + owner, 60);
  auto with_owner = id;
  for (int k = 2; ids_.contains(id); ++k) id = with_owner + "-" + std::to_string(k);
  ids_.insert(id);
  return id;
}

void importer_impl::skip(std::size_t idx, const std::string& why, const std::string& reason_vi) {
  note("skipped", nodes_[idx].section, why + ": " + quote_text(nodes_[idx].m.body));
  nodes_[idx].reasons.push_back(reason_vi);
}

// Group members are the plan's named units of the kind the group's name describes.
void importer_impl::finish_groups() {
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

}  // namespace dutyflow::importer::detail
