// The method is the one Hồ Ngọc Đức publishes for the Vietnamese calendar ("Lịch Việt Nam",
// calrules): mean new moon plus the main periodic terms from Jean Meeus, "Astronomical
// Algorithms" (1998), and the sun's longitude at local midnight to find the month holding the
// winter solstice (tháng 11) and the leap month (the first month after tháng 11 with no major
// solar term, trung khí). Everything is reckoned at UTC+7, which is what makes the Vietnamese
// calendar differ from the Chinese one in some years (Tết 1985: 21 January in Viet Nam).
#include "engine/lunar.h"

#include <chrono>
#include <cmath>
#include <numbers>

namespace dutyflow {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr double pi = std::numbers::pi;
constexpr double rad_per_deg = pi / 180.0;
constexpr double utc_offset_days = 7.0 / 24.0;
constexpr double synodic_month = 29.530588853;
// Julian date of the new moon of 1900-01-01 13:52 UT, the k = 0 of new_moon().
constexpr double new_moon_epoch = 2415021.076998695;
// Julian day number of 1970-01-01, the epoch of sys_days.
constexpr long jdn_of_unix_epoch = 2440588;

long floor_to_long(double x) {
  return static_cast<long>(std::floor(x));
}

long jdn_of(date d) {
  return sys_days{d}.time_since_epoch().count() + jdn_of_unix_epoch;
}

date date_of(long jdn) {
  return year_month_day{sys_days{days{jdn - jdn_of_unix_epoch}}};
}

// Julian date (UT) of the k-th new moon after the one of 1900-01-01.
double new_moon(long k) {
  const double kk = static_cast<double>(k);
  const double t = kk / 1236.85;  // Julian centuries since 1900-01-00.5
  const double t2 = t * t;
  const double t3 = t2 * t;
  double jd = 2415020.75933 + 29.53058868 * kk + 0.0001178 * t2 - 0.000000155 * t3;
  jd += 0.00033 * std::sin((166.56 + 132.87 * t - 0.009173 * t2) * rad_per_deg);
  const double sun_anomaly = (359.2242 + 29.10535608 * kk - 0.0000333 * t2 - 0.00000347 * t3) * rad_per_deg;
  const double moon_anomaly = (306.0253 + 385.81691806 * kk + 0.0107306 * t2 + 0.00001236 * t3) * rad_per_deg;
  const double latitude_arg = (21.2964 + 390.67050646 * kk - 0.0016528 * t2 - 0.00000239 * t3) * rad_per_deg;
  const double m = sun_anomaly;
  const double mp = moon_anomaly;
  const double f = latitude_arg;
  double correction = (0.1734 - 0.000393 * t) * std::sin(m) + 0.0021 * std::sin(2 * m);
  correction += -0.4068 * std::sin(mp) + 0.0161 * std::sin(2 * mp) - 0.0004 * std::sin(3 * mp);
  correction += 0.0104 * std::sin(2 * f) - 0.0051 * std::sin(m + mp) - 0.0074 * std::sin(m - mp);
  correction += 0.0004 * std::sin(2 * f + m) - 0.0004 * std::sin(2 * f - m) - 0.0006 * std::sin(2 * f + mp);
  correction += 0.0010 * std::sin(2 * f - mp) + 0.0005 * std::sin(2 * mp + m);
  // ΔT (TT − UT) in days, two polynomial fits split at 1900 − 11 centuries.
  const double delta_t = t < -11 ? 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
                                 : -0.000278 + 0.000265 * t + 0.000262 * t2;
  return jd + correction - delta_t;
}

// The sun's apparent longitude in radians, in [0, 2π), at Julian date `jd`.
double sun_longitude(double jd) {
  const double t = (jd - 2451545.0) / 36525;  // Julian centuries since J2000.0
  const double t2 = t * t;
  const double mean_anomaly = (357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2) * rad_per_deg;
  const double mean_longitude = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
  const double centre = (1.914600 - 0.004817 * t - 0.000014 * t2) * std::sin(mean_anomaly) +
                        (0.019993 - 0.000101 * t) * std::sin(2 * mean_anomaly) + 0.000290 * std::sin(3 * mean_anomaly);
  const double longitude = (mean_longitude + centre) * rad_per_deg;
  return longitude - 2 * pi * std::floor(longitude / (2 * pi));
}

// The local (UTC+7) day, as a Julian day number, on which new moon k falls.
long new_moon_day(long k) {
  return floor_to_long(new_moon(k) + 0.5 + utc_offset_days);
}

// Which 30° sector of the ecliptic the sun is in at local midnight starting day `jdn`: 0 from
// the March equinox (Xuân phân), 9 from the winter solstice (Đông chí). A month whose first
// day and the next month's first day share a sector contains no major solar term.
int sun_sector(long jdn) {
  return static_cast<int>(std::floor(sun_longitude(static_cast<double>(jdn) - 0.5 - utc_offset_days) / pi * 6));
}

// First day (Julian day number) of tháng 11, the lunar month containing the winter solstice of
// solar year y.
long month11_start(int y) {
  const long dec31 = jdn_of(year_month_day{std::chrono::year{y}, std::chrono::December, std::chrono::day{31}});
  const long k = floor_to_long(static_cast<double>(dec31 - 2415021) / synodic_month);
  const long candidate = new_moon_day(k);
  // A month starting after the solstice (sun already in sector 9) is tháng 12, not tháng 11.
  return sun_sector(candidate) >= 9 ? new_moon_day(k - 1) : candidate;
}

// For a 13-month span starting with tháng 11 on day a11: how many months after it the leap
// month comes (1 = the month right after tháng 11).
int leap_month_offset(long a11) {
  const long k = floor_to_long((static_cast<double>(a11) - new_moon_epoch) / synodic_month + 0.5);
  int i = 1;
  int sector = sun_sector(new_moon_day(k + i));
  int previous = 0;
  do {
    previous = sector;
    ++i;
    sector = sun_sector(new_moon_day(k + i));
  } while (sector != previous && i < 14);
  return i - 1;
}

// The leap month number (11, 12, 1..10) of the 13-month span starting with tháng 11 on a11.
int leap_month_number(long a11) {
  const int n = leap_month_offset(a11) - 2;
  return n < 0 ? n + 12 : n;
}

bool has_leap_month(long a11, long next_a11) {
  return next_a11 - a11 > 365;
}

}  // namespace

lunar_date to_lunar(date solar) {
  if (!solar.ok()) return {};
  const long jdn = jdn_of(solar);
  const long k = floor_to_long((static_cast<double>(jdn) - new_moon_epoch) / synodic_month);
  // The mean lunation only brackets the true new moon: step back until the month has begun.
  // (Taking at most one step back, as the published code does, leaves 2054-05-07 and
  // 2062-04-09 on a "day 0".)
  long month_start = new_moon_day(k + 1);
  for (long back = k; month_start > jdn; --back) month_start = new_moon_day(back);

  const int y = static_cast<int>(solar.year());
  long a11 = month11_start(y);  // tháng 11 that opens the span holding `solar`
  long b11 = a11;               // the next tháng 11
  int lunar_year = 0;
  if (a11 >= month_start) {
    lunar_year = y;
    a11 = month11_start(y - 1);
  } else {
    lunar_year = y + 1;
    b11 = month11_start(y + 1);
  }

  lunar_date out;
  out.day = static_cast<int>(jdn - month_start + 1);
  const int months_after_a11 = static_cast<int>((month_start - a11) / 29);
  out.month = months_after_a11 + 11;
  if (has_leap_month(a11, b11)) {
    const int leap_offset = leap_month_offset(a11);
    if (months_after_a11 >= leap_offset) {
      out.month = months_after_a11 + 10;
      out.leap = months_after_a11 == leap_offset;
    }
  }
  if (out.month > 12) out.month -= 12;
  // Tháng 11 and 12 right after a11 still belong to the lunar year that began before it.
  if (out.month >= 11 && months_after_a11 < 4) lunar_year -= 1;
  out.year = lunar_year;
  return out;
}

std::optional<date> from_lunar(const lunar_date& lunar) {
  if (lunar.month < 1 || lunar.month > 12 || lunar.day < 1 || lunar.day > 30) return std::nullopt;
  if (lunar.year < 1000 || lunar.year > 3000) return std::nullopt;

  // Months 11 and 12 of lunar year Y lie in the span opened by tháng 11 of solar year Y.
  const int span_year = lunar.month < 11 ? lunar.year - 1 : lunar.year;
  const long a11 = month11_start(span_year);
  const long b11 = month11_start(span_year + 1);
  const long k = floor_to_long(0.5 + (static_cast<double>(a11) - new_moon_epoch) / synodic_month);

  int offset = lunar.month - 11;
  if (offset < 0) offset += 12;
  if (has_leap_month(a11, b11)) {
    const int leap_offset = leap_month_offset(a11);
    if (lunar.leap && lunar.month != leap_month_number(a11)) return std::nullopt;
    if (lunar.leap || offset >= leap_offset) ++offset;
  } else if (lunar.leap) {
    return std::nullopt;
  }

  const long start = new_moon_day(k + offset);
  const long length = new_moon_day(k + offset + 1) - start;
  if (lunar.day > length) return std::nullopt;
  return date_of(start + lunar.day - 1);
}

int leap_month(int lunar_year) {
  // Leap 1..10 sits in the span opened by tháng 11 of lunar_year − 1; leap 11 or 12 in the
  // span opened by tháng 11 of lunar_year itself.
  const long before = month11_start(lunar_year - 1);
  const long opening = month11_start(lunar_year);
  if (has_leap_month(before, opening)) {
    const int n = leap_month_number(before);
    if (n <= 10) return n;
  }
  const long closing = month11_start(lunar_year + 1);
  if (has_leap_month(opening, closing)) {
    const int n = leap_month_number(opening);
    if (n >= 11) return n;
  }
  return 0;
}

}  // namespace dutyflow
