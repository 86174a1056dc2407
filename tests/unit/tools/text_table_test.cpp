#include "tools/text_table.h"

#include <gtest/gtest.h>

using namespace dutyflow;

TEST(TextTable, CountsVietnameseLettersAsOneColumnEach) {
  EXPECT_EQ(display_width("Phòng Nội vụ"), 12u);
  EXPECT_EQ(display_width("Xã Sin Suối Hồ"), 14u);
  // The same word decomposed: base letters plus combining marks.
  EXPECT_EQ(display_width("Ho\xcc\x82\xcc\x80"), 2u);
}

TEST(TextTable, AlignsColumnsByDisplayWidth) {
  auto out = render_table({"Đơn vị", "Trạng thái"}, {{"Xã Sin Suối Hồ", "Đã nhận"}, {"Phòng Nội vụ", "Đã giao"}});
  EXPECT_EQ(out,
            "Đơn vị          Trạng thái\n"
            "Xã Sin Suối Hồ  Đã nhận\n"
            "Phòng Nội vụ    Đã giao\n");
}
