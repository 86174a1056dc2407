#include "adapters/import/deadline.h"

#include <array>
#include <chrono>
#include <cstdio>

#include "adapters/import/text.h"

namespace dutyflow::importer {
namespace {

constexpr std::size_t npos = std::string_view::npos;

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string two(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02u", v % 100);
  return buf;
}

std::string day_text(date d) {  // "18/7/2023", as Vietnamese documents write it
  return std::to_string(static_cast<unsigned>(d.day())) + "/" + std::to_string(static_cast<unsigned>(d.month())) + "/" +
         std::to_string(static_cast<int>(d.year()));
}

std::string iso(date d, int hour, int minute) {
  return format_date(d) + "T" + two(static_cast<unsigned>(hour)) + ":" + two(static_cast<unsigned>(minute)) +
         ":00+07:00";
}

date plus_days(date d, int n) {
  return date{std::chrono::sys_days{d} + std::chrono::days{n}};
}

// A cursor over folded text (lowercase ASCII, see fold()).
class scan {
 public:
  explicit scan(std::string_view f) : f_(f) {}

  std::size_t size() const { return f_.size(); }
  char at(std::size_t p) const { return f_[p]; }
  bool word_start(std::size_t p) const { return p < f_.size() && is_alnum(f_[p]) && (p == 0 || !is_alnum(f_[p - 1])); }

  std::size_t spaces(std::size_t p) const {
    while (p < f_.size() && f_[p] == ' ') ++p;
    return p;
  }
  // Spaces and the punctuation that may sit between the words of one phrase.
  std::size_t gap(std::size_t p) const {
    while (p < f_.size() && (f_[p] == ' ' || f_[p] == ',' || f_[p] == '(' || f_[p] == ')')) ++p;
    return p;
  }

  // `w` (words separated by single spaces) at p, ending at a word boundary; the end or npos.
  std::size_t word(std::size_t p, std::string_view w) const {
    std::size_t i = p, k = 0;
    while (k < w.size()) {
      if (w[k] == ' ') {
        if (i >= f_.size() || f_[i] != ' ') return npos;
        i = spaces(i);
        ++k;
        continue;
      }
      if (i >= f_.size() || f_[i] != w[k]) return npos;
      ++i, ++k;
    }
    if (i < f_.size() && is_alnum(f_[i])) return npos;
    return i;
  }
  // The first of `words` at p (after spaces); p itself when none is there.
  std::size_t optional(std::size_t p, std::initializer_list<std::string_view> words) const {
    auto q = spaces(p);
    for (auto w : words)
      if (auto e = word(q, w); e != npos) return e;
    return p;
  }

  // Up to `max` digits at p.
  std::size_t number(std::size_t p, int& value, std::size_t max = 4) const {
    std::size_t i = p;
    value = 0;
    while (i < f_.size() && is_digit(f_[i]) && i - p < max) value = value * 10 + (f_[i++] - '0');
    if (i == p || (i < f_.size() && is_digit(f_[i]))) return npos;
    return i;
  }

  // "18/7/2023", "18/7", "18-7-2023", "18 tháng 7 năm 2023", "18 tháng 7"; the year
  // defaults to `year` (year_given tells). Returns the end or npos.
  std::size_t day(std::size_t p, int year, date& out, bool& year_given) const {
    int d = 0, m = 0, y = 0;
    auto i = number(p, d, 2);
    if (i == npos) return npos;
    auto j = spaces(i);
    std::size_t end = npos;
    year_given = false;
    if (j < f_.size() && (f_[j] == '/' || f_[j] == '-' || f_[j] == '.')) {
      char sep = f_[j];
      auto k = number(spaces(j + 1), m, 2);
      if (k == npos) return npos;
      end = k;
      auto s = spaces(k);
      if (s < f_.size() && f_[s] == sep) {
        if (auto e = number(spaces(s + 1), y, 4); e != npos && y >= 1900) end = e, year_given = true;
      }
    } else if (auto t = word(j, "thang"); t != npos) {
      auto k = number(spaces(t), m, 2);
      if (k == npos) return npos;
      end = k;
      if (auto n = word(spaces(k), "nam"); n != npos) {
        if (auto e = number(spaces(n), y, 4); e != npos && y >= 1900) end = e, year_given = true;
      } else if (auto s = spaces(k); s < f_.size() && f_[s] == '/') {
        if (auto e = number(spaces(s + 1), y, 4); e != npos && y >= 1900) end = e, year_given = true;
      }
    } else {
      return npos;
    }
    date dt{std::chrono::year{year_given ? y : year}, std::chrono::month{static_cast<unsigned>(m)},
            std::chrono::day{static_cast<unsigned>(d)}};
    if (!dt.ok()) return npos;
    out = dt;
    return end;
  }

  // "10 giờ", "10 giờ 30", "10 giờ 30 phút", "10h", "10h30", "10:30".
  std::size_t clock(std::size_t p, int& hour, int& minute) const {
    auto i = number(p, hour, 2);
    if (i == npos) return npos;
    minute = 0;
    std::size_t e = npos;
    if (i < f_.size() && f_[i] == 'h') {
      e = i + 1;
      if (auto m = number(e, minute, 2); m != npos) e = m;
      else if (e < f_.size() && is_alnum(f_[e])) return npos;
    } else if (i < f_.size() && f_[i] == ':') {
      e = number(i + 1, minute, 2);
      if (e == npos) return npos;
    } else if (auto g = word(spaces(i), "gio"); g != npos) {
      e = g;
      if (auto m = number(spaces(g), minute, 2); m != npos) {
        e = m;
        if (auto ph = word(spaces(m), "phut"); ph != npos) e = ph;
      }
    } else {
      return npos;
    }
    if (hour > 24 || minute > 59) return npos;
    return e;
  }

  // "ngày" (optional) then a day.
  std::size_t on_day(std::size_t p, int year, date& out, bool& year_given) const {
    auto q = gap(p);
    if (auto n = word(q, "ngay"); n != npos) q = spaces(n);
    return day(q, year, out, year_given);
  }

 private:
  std::string_view f_;
};

// Words that name the plan's event in "trước Hội nghị 03 ngày".
constexpr std::array<std::string_view, 14> event_words = {
    "hoi nghi", "hoi thi", "hoi thao", "dai hoi", "le ky niem", "buoi le", "le", "ngay hoi",
    "chuong trinh", "dot kiem tra", "buoi lam viec", "su kien", "dot ra quan", "ra quan"};

std::size_t event_at(const scan& s, std::size_t p) {
  auto q = s.spaces(p);
  for (auto verb : {"to chuc", "dien ra", "khai mac"})
    if (auto e = s.word(q, verb); e != npos) q = s.spaces(e);
  for (auto w : event_words)
    if (auto e = s.word(q, w); e != npos) return e;
  return npos;
}

// "03 ngày", "03 ngày làm việc", "năm (05) ngày": the count and whether it is working days.
std::size_t days_count(const scan& s, std::size_t p, int& n, bool& working) {
  auto q = s.gap(p);
  auto e = s.number(q, n, 3);
  if (e == npos) {  // a number in words before the digits: "năm (05) ngày"
    auto w = q;
    while (w < s.size() && is_alnum(s.at(w)) && !is_digit(s.at(w))) ++w;
    if (w == q || w - q > 6) return npos;
    e = s.number(s.gap(w), n, 3);
    if (e == npos) return npos;
  }
  auto d = s.word(s.gap(e), "ngay");
  if (d == npos) return npos;
  working = false;
  if (auto w = s.word(s.spaces(d), "lam viec"); w != npos) {
    working = true;
    d = w;
  }
  return d;
}

// The first match at or after `from` that starts a word with a digit: `read(s, p, m)`
// fills `m` for the text at p and returns where it ends, or npos when it does not match.
template <class Match, class Read>
std::optional<Match> first_at_number(std::string_view folded, std::size_t from, Read read) {
  scan s(folded);
  for (auto p = from; p < folded.size(); ++p) {
    if (!s.word_start(p) || !is_digit(folded[p])) continue;
    Match m;
    if (auto e = read(s, p, m); e != npos) {
      m.begin = p;
      m.end = e;
      return m;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<day_match> find_day(std::string_view folded, int default_year, std::size_t from) {
  return first_at_number<day_match>(folded, from, [&](const scan& s, std::size_t p, day_match& m) {
    return s.day(p, default_year, m.day, m.year_given);
  });
}

std::optional<clock_match> find_clock(std::string_view folded, std::size_t from) {
  return first_at_number<clock_match>(folded, from, [](const scan& s, std::size_t p, clock_match& m) {
    auto e = s.clock(p, m.hour, m.minute);
    // "24 giờ" ends a deadline's day (find_deadline); a time of day stops at 23:59.
    return m.hour < 24 ? e : npos;
  });
}

std::optional<month_match> find_month(std::string_view folded, std::size_t from) {
  scan s(folded);
  for (auto p = from; p < folded.size(); ++p) {
    if (!s.word_start(p)) continue;
    auto t = s.word(p, "thang");
    if (t == npos) continue;
    int m = 0, y = 0;
    auto e = s.number(s.spaces(t), m, 2);
    if (e == npos || m < 1 || m > 12) continue;
    month_match out;
    out.month = static_cast<unsigned>(m);
    out.begin = p;
    if (auto sl = s.spaces(e); sl < folded.size() && folded[sl] == '/') {
      if (auto ye = s.number(s.spaces(sl + 1), y, 4); ye != npos && y >= 1900) e = ye, out.year = y;
    } else if (auto n = s.word(s.spaces(e), "nam"); n != npos) {
      if (auto ye = s.number(s.spaces(n), y, 4); ye != npos && y >= 1900) e = ye, out.year = y;
    }
    out.end = e;
    return out;
  }
  return std::nullopt;
}

nlohmann::ordered_json stated_deadline::due(const std::string& milestone) const {
  switch (kind) {
    case type::at: return {{"at", at}};
    case type::milestone: return {{"milestone", milestone}, {"offset", offset}};
    case type::after_assigned: return {{"after", "assigned"}, {"working_days", working_days}};
    case type::recurring: return nullptr;
  }
  return nullptr;
}

namespace {

// One assignment's text, folded, and what each family of deadline phrases needs. The
// families are tried in find_deadline()'s order at each word; each returns the deadline
// its phrase states at that word, or nothing.
struct deadline_reader {
  deadline_reader(std::string_view original, date issued)
      : text(original), folded(fold(original)), f(folded.text), s(f), plan_date(issued),
        year(static_cast<int>(issued.year())) {}

  std::optional<stated_deadline> recurring() const;
  std::optional<stated_deadline> at_clock_on_day(std::size_t p) const;
  std::optional<stated_deadline> before_day(std::size_t p) const;
  std::optional<stated_deadline> by_end_of_day(std::size_t p) const;
  std::optional<stated_deadline> relative_to_event(std::size_t p) const;
  std::optional<stated_deadline> within_days(std::size_t p) const;
  std::optional<stated_deadline> month_window(std::size_t p) const;

  // The original text of folded positions [b, e).
  std::string phrase(std::size_t b, std::size_t e) const {
    return std::string(text.substr(folded.offsets[b], folded.offsets[e] - folded.offsets[b]));
  }
  std::string year_note(bool given, date d) const {
    if (given) return {};
    return "the year is not written: " + std::to_string(static_cast<int>(d.year())) + ", the plan's year";
  }

  std::string_view text;
  folded_text folded;
  std::string_view f;  // the folded text
  scan s;              // a cursor over it
  date plan_date;
  int year;  // the plan's: a date written without one gets it
};

// Recurring wording decides first: "Báo cáo hằng tháng trước ngày 15" is not a deadline
// on the 15th of the plan's month.
std::optional<stated_deadline> deadline_reader::recurring() const {
  for (std::size_t p = 0; p < f.size(); ++p) {
    if (!s.word_start(p)) continue;
    for (auto w : {"hang thang", "hang quy", "hang tuan", "hang nam", "dinh ky", "moi thang", "moi quy", "moi tuan"}) {
      auto e = s.word(p, w);
      if (e == npos) continue;
      // The phrase runs to the end of its clause.
      auto stop = e;  // at most a sentence's length: a hostile line must not make this quadratic
      while (stop < f.size() && stop - e < 200 && f[stop] != ';' && f[stop] != '.' && f[stop] != ':' && f[stop] != ')')
        ++stop;
      bool dated = false;
      for (auto q = e; q < stop; ++q)
        if (s.word_start(q) && (s.word(q, "truoc") != npos || s.word(q, "ngay") != npos || s.word(q, "cham nhat") != npos ||
                                s.word(q, "vao") != npos || s.word(q, "bao cao") != npos || s.word(q, "gui") != npos))
          dated = true;
      if (!dated && std::string_view(w) != "hang thang" && std::string_view(w) != "hang quy" &&
          std::string_view(w) != "hang tuan")
        continue;
      stated_deadline d;
      d.kind = stated_deadline::type::recurring;
      d.phrase = phrase(p, stop);
      d.meaning = "a recurring deadline (\"" + d.phrase +
                  "\"): dutyflow tracks one deadline per duty, so none is set from it";
      return d;
    }
  }
  return std::nullopt;
}

// "trước 10 giờ ngày 15/6/2023", "chậm nhất 17h00 ngày 15/6", "trước 10 giờ, ngày …"
std::optional<stated_deadline> deadline_reader::at_clock_on_day(std::size_t p) const {
  date d{};
  bool given = false;
  int hour = 0, minute = 0;
  for (auto cue : {"truoc", "cham nhat", "cham nhat la", "cham nhat vao", "han chot"}) {
    auto c = s.word(p, cue);
    if (c == npos) continue;
    auto q = s.optional(c, {"luc"});
    if (auto t = s.clock(s.spaces(q), hour, minute); t != npos) {
      if (auto e = s.on_day(t, year, d, given); e != npos) {
        stated_deadline out;
        out.kind = stated_deadline::type::at;
        out.at = iso(d, hour, minute);
        out.phrase = phrase(p, e);
        out.meaning = "due at " + two(static_cast<unsigned>(hour)) + ":" + two(static_cast<unsigned>(minute)) +
                      " on " + day_text(d);
        out.assumption = year_note(given, d);
        return out;
      }
    }
  }
  return std::nullopt;
}

// "trước ngày 18/7/2023": before the day begins.
std::optional<stated_deadline> deadline_reader::before_day(std::size_t p) const {
  date d{};
  bool given = false;
  if (auto c = s.word(p, "truoc ngay"); c != npos) {
    if (auto e = s.day(s.spaces(c), year, d, given); e != npos) {
      stated_deadline out;
      out.kind = stated_deadline::type::at;
      out.at = iso(d, 0, 0);
      out.phrase = phrase(p, e);
      out.meaning = "due before " + day_text(d) + ", i.e. by the end of " + day_text(plus_days(d, -1));
      out.assumption = year_note(given, d);
      return out;
    }
  }
  return std::nullopt;
}

// "chậm nhất ngày 20/7/2023", "chậm nhất là ngày …", "hạn chót ngày …", "trong ngày …",
// "đến hết ngày …", "hoàn thành ngày …": by the end of that day.
std::optional<stated_deadline> deadline_reader::by_end_of_day(std::size_t p) const {
  date d{};
  bool given = false;
  for (auto cue : {"cham nhat", "han chot", "han cuoi", "trong ngay", "den het ngay", "het ngay", "xong truoc ngay",
                   "hoan thanh ngay", "hoan thanh vao ngay", "den ngay"}) {
    auto c = s.word(p, cue);
    if (c == npos) continue;
    // "số liệu tính đến ngày 30/6" dates the figures, it is no deadline.
    if (std::string_view(cue) == "den ngay" && p >= 5 && f.substr(p - 5, 4) == "tinh") continue;
    auto q = s.optional(c, {"la", "vao"});
    std::size_t e = std::string_view(cue).ends_with("ngay") ? s.day(s.spaces(q), year, d, given)
                                                             : s.on_day(q, year, d, given);
    if (e == npos) continue;
    stated_deadline out;
    out.kind = stated_deadline::type::at;
    out.at = iso(plus_days(d, 1), 0, 0);
    out.phrase = phrase(p, e);
    out.meaning = "due by the end of " + day_text(d);
    out.assumption = year_note(given, d);
    return out;
  }
  return std::nullopt;
}

// "xong trước Hội nghị 03 ngày", "trước Hội nghị ít nhất 02 ngày làm việc",
// "trước khi tổ chức Hội nghị 05 ngày", "trước 03 ngày tổ chức Hội nghị",
// "sau Hội nghị 02 ngày" / "sau khi kết thúc Hội nghị 02 ngày".
std::optional<stated_deadline> deadline_reader::relative_to_event(std::size_t p) const {
  for (auto cue : {"truoc", "truoc khi", "sau", "sau khi", "sau khi ket thuc"}) {
    auto c = s.word(p, cue);
    if (c == npos) continue;
    bool before = std::string_view(cue).starts_with("truoc");
    int n = 0;
    bool working = false;
    std::size_t e = npos;
    if (auto ev = event_at(s, c); ev != npos) {  // "trước Hội nghị 03 ngày", "sau Lễ ra quân 30 ngày"
      // The event's name may run a few words before the count ("Lễ ra quân").
      for (int words = 0; words <= 4 && ev != npos && e == npos; ++words) {
        auto q = s.optional(ev, {"it nhat", "toi thieu"});
        e = days_count(s, q, n, working);
        auto w = s.spaces(ev);
        if (w >= f.size() || !is_alnum(f[w]) || is_digit(f[w])) break;
        while (w < f.size() && is_alnum(f[w])) ++w;
        ev = w;
      }
    } else if (auto dc = days_count(s, c, n, working); dc != npos) {  // "trước 03 ngày tổ chức Hội nghị"
      auto q = s.optional(dc, {"so voi", "ke tu"});
      q = s.optional(q, {"ngay"});
      if (event_at(s, q) != npos) e = event_at(s, q);
    }
    if (e == npos || n > 365) continue;
    stated_deadline out;
    out.kind = stated_deadline::type::milestone;
    out.offset = (before ? "-" : "+") + std::to_string(n) + (working ? "wd" : "d");
    out.phrase = phrase(p, e);
    out.meaning = std::to_string(n) + (working ? " working" : "") + " days " + (before ? "before" : "after") +
                  " the event";
    return out;
  }
  return std::nullopt;
}

// "trong 05 ngày làm việc (kể từ ngày …)", "trong thời hạn 10 ngày kể từ ngày ban hành",
// "trong vòng 07 ngày kể từ ngày nhận được Kế hoạch".
std::optional<stated_deadline> deadline_reader::within_days(std::size_t p) const {
  if (auto c = s.word(p, "trong"); c != npos) {
    auto q = s.optional(c, {"vong", "thoi han", "thoi gian"});
    int n = 0;
    bool working = false;
    if (auto e = days_count(s, q, n, working); e != npos && n <= 1000) {
      // What the count starts from, within the next few words.
      std::size_t from = s.spaces(e);
      std::size_t anchor_end = npos;
      bool from_issue = false, from_receipt = false;
      // "… sau khi kết thúc đợt kiểm tra", "… sau Hội nghị": after the event.
      for (auto cue : {"sau khi ket thuc", "sau khi", "ke tu khi ket thuc", "sau"}) {
        auto a = s.word(from, cue);
        if (a == npos) continue;
        auto ev = event_at(s, a);
        if (ev == npos) continue;
        stated_deadline out;
        out.kind = stated_deadline::type::milestone;
        out.offset = "+" + std::to_string(n) + (working ? "wd" : "d");
        out.phrase = phrase(p, ev);
        out.meaning = std::to_string(n) + (working ? " working" : "") + " days after the event";
        return out;
      }
      for (auto cue : {"ke tu", "tinh tu", "sau khi"}) {
        auto a = s.word(from, cue);
        if (a == npos) continue;
        auto stop = a;
        while (stop < f.size() && f[stop] != ';' && f[stop] != '.' && f[stop] != ',' && f[stop] != ')' &&
               stop - a < 80)
          ++stop;
        anchor_end = stop;
        for (auto k = a; k < stop; ++k) {
          if (!s.word_start(k)) continue;
          if (s.word(k, "ban hanh") != npos || s.word(k, "ky") != npos) from_issue = true;
          if (s.word(k, "nhan") != npos || s.word(k, "giao") != npos || s.word(k, "duoc") != npos)
            from_receipt = true;
        }
        break;
      }
      if (anchor_end == npos && !working) return std::nullopt;  // "trong 02 ngày" alone may be a duration
      auto end = anchor_end == npos ? e : anchor_end;
      stated_deadline out;
      out.phrase = phrase(p, end);
      if (working && !from_issue) {
        out.kind = stated_deadline::type::after_assigned;
        out.working_days = n;
        out.meaning = std::to_string(n) + " working days from when the duty is assigned";
        if (!from_receipt)
          out.assumption = "the text does not say from when the days count: counted from the assignment";
        return out;
      }
      if (working) {  // from the issue date, in working days: counted from the assignment too
        out.kind = stated_deadline::type::after_assigned;
        out.working_days = n;
        out.meaning = std::to_string(n) + " working days";
        out.assumption = "counted from when the plan is loaded and the duty assigned, not from the issue date " +
                         day_text(plan_date) + "; load the plan the day it is issued or set the date by hand";
        return out;
      }
      // Calendar days from the issue date (or, said as from receipt, from the issue date too).
      auto last = plus_days(plan_date, n);
      out.kind = stated_deadline::type::at;
      out.at = iso(plus_days(last, 1), 0, 0);
      out.meaning = std::to_string(n) + " days from " + day_text(plan_date) + ": by the end of " + day_text(last);
      if (!from_issue)
        out.assumption = "counted from the issue date " + day_text(plan_date) + " (the text counts from receipt)";
      return out;
    }
  }
  return std::nullopt;
}

// "trong tháng 7/2023", "trong Tháng 6": by the end of the month; "trước tháng 8": before it.
std::optional<stated_deadline> deadline_reader::month_window(std::size_t p) const {
  for (auto cue : {"trong thang", "truoc thang"}) {
    auto c = s.word(p, cue);
    if (c == npos) continue;
    int m = 0, y = 0;
    auto e = s.number(s.spaces(c), m, 2);
    if (e == npos || m < 1 || m > 12) continue;
    bool ygiven = false;
    if (auto sl = s.spaces(e); sl < f.size() && f[sl] == '/') {
      if (auto ye = s.number(s.spaces(sl + 1), y, 4); ye != npos && y >= 1900) e = ye, ygiven = true;
    } else if (auto n = s.word(s.spaces(e), "nam"); n != npos) {
      if (auto ye = s.number(s.spaces(n), y, 4); ye != npos && y >= 1900) e = ye, ygiven = true;
    }
    if (!ygiven) y = year;
    std::chrono::year_month ym{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)}};
    stated_deadline out;
    out.kind = stated_deadline::type::at;
    out.phrase = phrase(p, e);
    if (std::string_view(cue) == "trong thang") {
      date last{ym / std::chrono::last};
      out.at = iso(plus_days(last, 1), 0, 0);
      out.meaning = "within the month: by the end of " + day_text(last);
    } else {
      date first{ym / std::chrono::day{1}};
      out.at = iso(first, 0, 0);
      out.meaning = "before the month: by the end of " + day_text(plus_days(first, -1));
    }
    if (!ygiven) out.assumption = "the year is not written: " + std::to_string(y) + ", the plan's year";
    return out;
  }
  return std::nullopt;
}

}  // namespace

std::optional<stated_deadline> find_deadline(std::string_view text, date plan_date) {
  const deadline_reader r(text, plan_date);
  if (auto d = r.recurring()) return d;
  for (std::size_t p = 0; p < r.f.size(); ++p) {
    if (!r.s.word_start(p)) continue;
    for (auto family : {&deadline_reader::at_clock_on_day, &deadline_reader::before_day,
                        &deadline_reader::by_end_of_day, &deadline_reader::relative_to_event,
                        &deadline_reader::within_days, &deadline_reader::month_window})
      if (auto d = (r.*family)(p)) return d;
  }
  return std::nullopt;
}

}  // namespace dutyflow::importer
