// The Vietnamese lunisolar calendar (âm lịch), computed for UTC+7: new moons and the sun's
// longitude by the astronomical method published by Hồ Ngọc Đức, no lookup tables.
// Pure functions, no state; callable from any thread. Accurate for 1900–2100.
#pragma once

#include <optional>

#include "engine/time.h"

namespace dutyflow {

// A day of the lunar calendar. `year` is the lunar year that starts at Tết, written with the
// solar year it starts in (Tết Giáp Thìn, 2024-02-10, is 1/1/2024). `leap` marks the days of
// a leap month (tháng nhuận), which repeats the number of the month before it.
struct lunar_date {
  int day = 0;    // 1..30
  int month = 0;  // 1..12; 1 is tháng Giêng, 12 tháng Chạp
  int year = 0;
  bool leap = false;
  bool operator==(const lunar_date&) const = default;
};

// The lunar date of a solar day. An invalid `solar` (!ok()) gives {0, 0, 0, false}.
lunar_date to_lunar(date solar);

// The solar day of a lunar date; nullopt if that lunar date does not exist (day 30 of a
// 29-day month, a leap month the year does not have, month outside 1..12) or if its year is
// outside 1000–3000, where the method was never meant to be used.
std::optional<date> from_lunar(const lunar_date& lunar);

// The number of the leap month of lunar year `lunar_year` (2023 → 2: a tháng 2 nhuận follows
// tháng 2), or 0 when the year has twelve months.
int leap_month(int lunar_year);

}  // namespace dutyflow
