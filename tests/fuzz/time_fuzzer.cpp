// The duration, instant, date and timezone parsers of engine/time.h, and the working-day
// arithmetic that consumes their results. Every input goes to every parser; what one
// accepts must format back to text it accepts again with the same meaning, since the
// journal stores instants as text and replay parses them back.
#include "engine/calendar.h"
#include "engine/time.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace dutyflow;
using std::chrono::minutes;

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "\n==fuzz== %s (input \"%.*s\")\n", what.c_str(), static_cast<int>(input.size()), input.data());
  std::abort();
}
#define CHECK(cond, what) \
  if (!(cond)) fail(std::string("check failed: " #cond ": ") + (what), text)

void check_duration(std::string_view text) {
  auto d = parse_duration(text);
  if (!d) {
    CHECK(d.err().code == errc::invalid && !d.err().message.empty(), "a refusal is errc::invalid with a message");
    return;
  }
  // Canonical text parses back to the same spec, and is a fixed point.
  auto again = parse_duration(d->text());
  CHECK(again && *again == *d, "text() parses back: " + d->text());
  CHECK(again->text() == d->text(), "text() is canonical");
  // The length is bounded (ten years), so deadline arithmetic cannot overflow.
  const auto abs_amount = d->amount < 0 ? -d->amount : d->amount;
  switch (d->unit_) {
    case duration_spec::unit::minutes: CHECK(abs_amount / 1440 <= 3660, "bounded"); break;
    case duration_spec::unit::hours: CHECK(abs_amount / 24 <= 3660, "bounded"); break;
    case duration_spec::unit::days:
    case duration_spec::unit::working_days: CHECK(abs_amount <= 3660, "bounded"); break;
  }
  if (d->is_working_days()) {
    CHECK(d->fixed().count() == 0, "working days have no fixed length");
  } else {
    CHECK((d->fixed().count() < 0) == (d->amount < 0), "fixed() keeps the sign");
  }
}

void check_instant(std::string_view text) {
  auto at = parse_instant(text);
  if (!at) {
    CHECK(at.err().code == errc::invalid && !at.err().message.empty(), "a refusal is errc::invalid with a message");
    return;
  }
  const auto year = static_cast<int>(local_date(*at, minutes{0}).year());
  CHECK(year >= 1000 && year <= 8999, "instants stay in years 1000-8999");
  // The offsets dutyflow formats with: UTC (outbox keys), +07:00 (the API, plans), and
  // the extremes a plan's timezone may have.
  for (int off : {0, 420, -720, 840, -(14 * 60 + 59), 14 * 60 + 59}) {
    const auto formatted = format_instant(*at, minutes{off});
    auto back = parse_instant(formatted);
    CHECK(back && *back == *at, "format_instant(" + std::to_string(off) + ") parses back: " + formatted);
    CHECK(format_instant(*back, minutes{off}) == formatted, "formatting is stable: " + formatted);
    auto day = local_date(*at, minutes{off});
    CHECK(day.ok(), "the local date is a real date");
    CHECK(start_of_day(day, minutes{off}) <= *at && *at < start_of_day(day, minutes{off}) + std::chrono::days{1},
          "the instant lies in its local day");
  }
}

void check_date(std::string_view text, const working_calendar& calendar) {
  auto d = parse_date(text);
  if (!d) {
    CHECK(d.err().code == errc::invalid && !d.err().message.empty(), "a refusal is errc::invalid with a message");
    return;
  }
  CHECK(d->ok(), "a parsed date is a real date");
  CHECK(format_date(*d) == text, "format_date gives the text back");
  CHECK(local_date(start_of_day(*d, minutes{420}), minutes{420}) == *d, "start_of_day round trip");
  // Working-day arithmetic from any date a plan may hold: forward and back again.
  for (int n : {1, 3, -3, 22}) {
    auto moved = calendar.add_working_days(*d, n);
    if (!moved.ok()) continue;  // beyond what std::chrono::year holds: documented as invalid
    CHECK(calendar.is_working_day(moved), "add_working_days lands on a working day");
    CHECK(n > 0 ? moved > *d : moved < *d, "add_working_days moves the right way");
    auto back = calendar.add_working_days(moved, -n);
    if (back.ok()) {
      CHECK(back <= *d || !calendar.is_working_day(*d), "and back again");
      if (calendar.is_working_day(*d)) CHECK(back == *d, "back again to the same working day");
    }
  }
  auto next = calendar.next_working_day(*d);
  if (next.ok()) CHECK(next >= *d && calendar.is_working_day(next), "next_working_day");
}

void check_timezone(std::string_view text) {
  auto tz = parse_timezone(text);
  if (!tz) {
    CHECK(tz.err().code == errc::invalid && !tz.err().message.empty(), "a refusal is errc::invalid with a message");
    return;
  }
  CHECK(tz->count() >= -(14 * 60 + 59) && tz->count() <= 14 * 60 + 59, "offset within +-14:59");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const working_calendar calendar;  // the rules; overrides add nothing to these checks
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_duration(text);
  check_instant(text);
  check_date(text, calendar);
  check_timezone(text);
  return 0;
}
