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

// Issue 16, finding 9: a note's ESC and CR sequences reached the coordinator's terminal raw
// (`dutyflow show`): they could clear the screen, hide text or rewrite a line.
TEST(TextTable, HostileInputCellsCannotDriveTheTerminal) {
  auto out = render_table({"#", "Ghi chú"}, {{"1", "xong\r\x1b[2K\x1b[31mĐã duyệt\u202Etxt.exe"}, {"2", "ok"}});
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  EXPECT_EQ(out.find("\u202E"), std::string::npos) << out;
  EXPECT_EQ(out,
            "#  Ghi chú\n"
            "1  xong\\r\\x1b[2K\\x1b[31mĐã duyệt\\u202etxt.exe\n"
            "2  ok\n");
}
