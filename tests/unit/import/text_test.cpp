#include "adapters/import/text.h"

#include <gtest/gtest.h>

namespace dutyflow::importer {
namespace {

TEST(Slug, SeedUnitNamesGiveThePlanFileIds) {
  EXPECT_EQ(slug("Phòng Nội vụ"), "phong-noi-vu");
  EXPECT_EQ(slug("Văn phòng HĐND và UBND huyện"), "van-phong-hdnd-va-ubnd-huyen");
  EXPECT_EQ(slug("Trung tâm Văn hóa, Thể thao và Truyền thông"), "trung-tam-van-hoa-the-thao-va-truyen-thong");
  EXPECT_EQ(slug("Thị trấn Phong Thổ"), "thi-tran-phong-tho");
  EXPECT_EQ(slug("Xã Ma Li pho"), "xa-ma-li-pho");
  EXPECT_EQ(slug("Xã Sin Suối Hồ"), "xa-sin-suoi-ho");
  EXPECT_EQ(slug("Các cơ quan, đơn vị huyện; UBND các xã, thị trấn"), "cac-co-quan-don-vi-huyen-ubnd-cac-xa-thi-tran");
}

TEST(Slug, DecomposedTextAndOldToneMarksGiveTheSameId) {
  // "Văn hoá" (old tone placement) and "Văn hóa" in NFD: a + combining acute.
  EXPECT_EQ(slug("Văn hoá"), "van-hoa");
  EXPECT_EQ(slug("Va\u0306n ho\u0301a"), "van-hoa");
  EXPECT_EQ(slug("ĐÀ NẴNG"), "da-nang");
}

TEST(Slug, TrimsCollapsesAndCutsAtADash) {
  EXPECT_EQ(slug("  --Số: 182/KH-UBND--  "), "so-182-kh-ubnd");
  EXPECT_EQ(slug("«Lễ» — kỷ niệm"), "le-ky-niem");
  auto long_id = slug("Trung tâm Văn hóa, Thể thao và Truyền thông thành phố Lai Châu tỉnh Lai Châu", 30);
  EXPECT_LE(long_id.size(), 30u);
  EXPECT_NE(long_id.back(), '-');
  EXPECT_EQ(long_id, "trung-tam-van-hoa-the-thao-va");
}

TEST(Fold, MapsFoldedRangesBackToTheOriginalText) {
  std::string text = "Chuẩn bị hội trường";
  auto f = fold(text);
  EXPECT_EQ(f.text, "chuan bi hoi truong");
  auto pos = f.text.find("hoi truong");
  EXPECT_EQ(text.substr(f.offsets[pos], f.offsets[pos + 10] - f.offsets[pos]), "hội trường");
}

TEST(Case, ChangesVietnameseLetters) {
  EXPECT_EQ(upper_first("phát biểu tham luận"), "Phát biểu tham luận");
  EXPECT_EQ(upper_first("ủy ban"), "Ủy ban");
  EXPECT_EQ(upper_first("(đã ký)"), "(Đã ký)");
  EXPECT_EQ(to_lower("ỦY BAN NHÂN DÂN HUYỆN PHONG THỔ"), "ủy ban nhân dân huyện phong thổ");
  EXPECT_TRUE(is_all_upper("TỔ CHỨC THỰC HIỆN"));
  EXPECT_FALSE(is_all_upper("Tổ chức thực hiện"));
  EXPECT_FALSE(is_all_upper("2023 - 2024"));
  EXPECT_TRUE(starts_upper("Đề nghị"));
  EXPECT_FALSE(starts_upper("(thời gian)"));
}

TEST(Utf8, ReportsTheFirstInvalidByte) {
  EXPECT_FALSE(utf8_error("Phòng Nội vụ").has_value());
  EXPECT_EQ(utf8_error("ab\xC3"), 2u);                 // truncated sequence
  EXPECT_EQ(utf8_error("a\xC0\xAF"), 1u);              // overlong '/'
  EXPECT_EQ(utf8_error("\xED\xA0\x80"), 0u);           // surrogate
  EXPECT_EQ(utf8_error("Ph\xF2ng N\xE9i v\xF9"), 2u);  // TCVN3-era single bytes
}

TEST(CleanLine, TurnsUnicodeSpacesIntoSpacesAndTrims) {
  EXPECT_EQ(clean_line("\u00A0\tSố:\u00A0182/KH-UBND \r"), "Số: 182/KH-UBND");
  EXPECT_EQ(clean_line("\uFEFFKẾ HOẠCH"), "KẾ HOẠCH");
  EXPECT_EQ(clean_line("   "), "");
}

// The import fuzzer's find: a control character in a document reached a duty title, which
// the plan loader (rightly) refuses, so the imported draft did not load.
TEST(CleanLine, ControlAndBidiCharactersNeverReachATitle) {
  EXPECT_EQ(clean_line("Chuẩn bị\x13hội trường"), "Chuẩn bị hội trường");
  EXPECT_EQ(clean_line("Báo cáo\x7f\u0085 kết quả"), "Báo cáo   kết quả");
  EXPECT_EQ(clean_line("Xã\u202E Ma Li Pho\u2066"), "Xã Ma Li Pho");
}

TEST(StripEmphasis, RemovesMarkdownBoldAndItalicsFromTheSeed) {
  EXPECT_EQ(strip_emphasis("thời gian (*có Giấy mời cụ thể gửi sau*)."), "thời gian (có Giấy mời cụ thể gửi sau).");
  EXPECT_EQ(strip_emphasis("**TM. ỦY BAN NHÂN DÂN"), "TM. ỦY BAN NHÂN DÂN");
  EXPECT_EQ(strip_emphasis("CHỦ TỊCH**"), "CHỦ TỊCH");
  EXPECT_EQ(strip_emphasis("Hội nghị **quan trọng** và _khẩn_"), "Hội nghị quan trọng và khẩn");
  EXPECT_EQ(strip_emphasis("__Gạch chân__"), "Gạch chân");
}

TEST(StripEmphasis, KeepsStarsAndUnderscoresThatAreText) {
  EXPECT_EQ(strip_emphasis("Các tiêu chí có dấu (*) bắt buộc"), "Các tiêu chí có dấu (*) bắt buộc");
  EXPECT_EQ(strip_emphasis("a * b"), "a * b");
  EXPECT_EQ(strip_emphasis("tệp ke_hoach_182.docx"), "tệp ke_hoach_182.docx");
  EXPECT_EQ(strip_emphasis(""), "");
}

TEST(UpperWords, CapitalisesEveryWordOfACommuneName) {
  EXPECT_EQ(upper_words("Ma Li pho"), "Ma Li Pho");
  EXPECT_EQ(upper_words("sin suối hồ"), "Sin Suối Hồ");
}

}  // namespace
}  // namespace dutyflow::importer
