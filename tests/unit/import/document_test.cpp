#include "adapters/import/document.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/temp_dir.h"
#include "tests/unit/import/docx_builder.h"

namespace dutyflow::importer {
namespace {

using testing::build_docx;
using testing::docx_document;
using testing::docx_paragraph;

std::vector<std::string> non_blank(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  std::copy_if(lines.begin(), lines.end(), std::back_inserter(out), [](const auto& l) { return !l.empty(); });
  return out;
}

std::string message_of(const result<document_lines>& r) {
  return r ? std::string("(no error)") : r.err().message;
}

TEST(ReadText, StripsByteOrderMarkAndCarriageReturns) {
  auto r = read_document("\xEF\xBB\xBFSố: 182/KH-UBND\r\n\r\nKẾ HOẠCH\r\n");
  ASSERT_TRUE(r) << message_of(r);
  EXPECT_EQ(r->format, "txt");
  EXPECT_EQ(non_blank(r->lines), (std::vector<std::string>{"Số: 182/KH-UBND", "KẾ HOẠCH"}));
}

TEST(ReadText, DecodesUtf16WithByteOrderMark) {
  // "Kế" in UTF-16LE, as Notepad's "Unicode" saves it.
  auto r =
      read_document(std::string("\xFF\xFE"
                                "K\x00\xBF\x1E",
                                6));
  ASSERT_TRUE(r) << message_of(r);
  EXPECT_EQ(r->lines.front(), "Kế");
}

TEST(ReadDocument, RejectsEmptyAndBlankFiles) {
  EXPECT_EQ(message_of(read_document("")), "empty file");
  EXPECT_EQ(message_of(read_document(" \r\n\t\n\xEF\xBB\xBF")), "empty document: no text");
}

TEST(ReadDocument, RejectsBinaryData) {
  auto png = std::string("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16);
  auto r = read_document(png);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::invalid);
  EXPECT_NE(r.err().message.find("binary"), std::string::npos) << r.err().message;
}

TEST(ReadDocument, RejectsTextInLegacyVietnameseEncodings) {
  auto r = read_document("Ph\xF2ng N\xE9i v\xF9");  // TCVN3 bytes are not UTF-8
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("not UTF-8"), std::string::npos) << r.err().message;
}

TEST(ReadDocument, NamesFormatsItDoesNotRead) {
  EXPECT_NE(message_of(read_document("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 rest")).find(".doc"), std::string::npos);
  EXPECT_NE(message_of(read_document("%PDF-1.7\n")).find("PDF"), std::string::npos);
  EXPECT_NE(message_of(read_document("{\\rtf1\\ansi}")).find("RTF"), std::string::npos);
}

TEST(ReadDocumentFile, MissingFilesAndDirectoriesAreErrors) {
  testing::temp_dir dir;
  auto missing = read_document_file(dir.file("none.txt"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.err().message.find("no such file"), std::string::npos);
  auto directory = read_document_file(dir.path().string());
  ASSERT_FALSE(directory);
  EXPECT_NE(directory.err().message.find("not a regular file"), std::string::npos);
}

TEST(ReadDocx, ReadsParagraphsRunsTablesAndLineBreaks) {
  std::string body = "<w:tbl><w:tr><w:tc>" + docx_paragraph({"ỦY BAN ", "NHÂN DÂN"}) +
                     docx_paragraph({"Số: 87/KH-UBND"}) + "</w:tc><w:tc>" +
                     docx_paragraph({"Bản Giang, ngày 11 tháng 12 năm 2023"}) + "</w:tc></w:tr></w:tbl>" +
                     docx_paragraph({"K", "Ế HOẠ", "CH"}) +
                     "<w:p><w:r><w:t>TM. ỦY BAN NHÂN DÂN</w:t><w:br/><w:t>CHỦ TỊCH</w:t></w:r></w:p>" +
                     "<w:p><w:r><w:t>a</w:t><w:tab/><w:t xml:space=\"preserve\"> b</w:t></w:r></w:p>";
  auto r = read_document(build_docx({{"word/document.xml", docx_document(body)}}));
  ASSERT_TRUE(r) << message_of(r);
  EXPECT_EQ(r->format, "docx");
  EXPECT_EQ(non_blank(r->lines),
            (std::vector<std::string>{"ỦY BAN NHÂN DÂN", "Số: 87/KH-UBND", "Bản Giang, ngày 11 tháng 12 năm 2023",
                                      "KẾ HOẠCH", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "a  b"}));
}

TEST(ReadDocx, RefusesTextThatIsNotUtf8) {
  // pugixml hands raw bytes and character references to surrogates through as they are.
  for (std::string bad : {std::string("Kế hoạch \xC3\x28 số 1"), std::string("Kế hoạch &#xD800; số 1")}) {
    std::string body = docx_paragraph({"ỦY BAN NHÂN DÂN"}) + "<w:p><w:r><w:t>" + bad + "</w:t></w:r></w:p>";
    auto r = read_document(build_docx({{"word/document.xml", docx_document(body)}}));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.err().code, errc::invalid);
    EXPECT_NE(r.err().message.find("paragraph 2 is not UTF-8"), std::string::npos) << r.err().message;
  }
}

TEST(ReadDocx, WritesOutAutomaticNumberingAndBullets) {
  std::string numbering =
      "<w:numbering xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
      "<w:abstractNum w:abstractNumId=\"0\">"
      "<w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"upperRoman\"/><w:lvlText w:val=\"%1.\"/></w:lvl>"
      "<w:lvl w:ilvl=\"1\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%2.\"/></w:lvl>"
      "<w:lvl w:ilvl=\"2\"><w:numFmt w:val=\"bullet\"/><w:lvlText w:val=\"-\"/></w:lvl>"
      "<w:lvl w:ilvl=\"3\"><w:numFmt w:val=\"bullet\"/><w:lvlText w:val=\"+\"/></w:lvl>"
      "</w:abstractNum>"
      "<w:num w:numId=\"5\"><w:abstractNumId w:val=\"0\"/></w:num>"
      "</w:numbering>";
  std::string body = docx_paragraph({"MỤC ĐÍCH"}, 5, 0) + docx_paragraph({"Mục đích"}, 5, 1) +
                     docx_paragraph({"Yêu cầu"}, 5, 1) + docx_paragraph({"TỔ CHỨC THỰC HIỆN"}, 5, 0) +
                     docx_paragraph({"Phòng Nội vụ"}, 5, 1) + docx_paragraph({"Chuẩn bị báo cáo."}, 5, 2) +
                     docx_paragraph({"Xã A: tham luận."}, 5, 3) + docx_paragraph({"IV. typed by hand"});
  auto r = read_document(build_docx({{"word/document.xml", docx_document(body)}, {"word/numbering.xml", numbering}}));
  ASSERT_TRUE(r) << message_of(r);
  EXPECT_EQ(
      non_blank(r->lines),
      (std::vector<std::string>{"I. MỤC ĐÍCH", "1. Mục đích", "2. Yêu cầu", "II. TỔ CHỨC THỰC HIỆN", "1. Phòng Nội vụ",
                                "- Chuẩn bị báo cáo.", "+ Xã A: tham luận.", "IV. typed by hand"}));
}

TEST(ReadDocx, LeavesOutDeletedTextAndFieldCodes) {
  std::string body =
      "<w:p><w:r><w:t>Đăng tải trên </w:t></w:r><w:del><w:r><w:delText>Trang</w:delText></w:r></w:del>"
      "<w:r><w:instrText> HYPERLINK \"x\" </w:instrText></w:r><w:r><w:t>Cổng thông tin</w:t></w:r></w:p>";
  auto r = read_document(build_docx({{"word/document.xml", docx_document(body)}}));
  ASSERT_TRUE(r) << message_of(r);
  EXPECT_EQ(non_blank(r->lines), (std::vector<std::string>{"Đăng tải trên Cổng thông tin"}));
}

TEST(ReadDocx, RejectsATruncatedArchive) {
  auto bytes = build_docx({{"word/document.xml", docx_document(docx_paragraph({"KẾ HOẠCH"}))}});
  auto r = read_document(bytes.substr(0, bytes.size() / 2));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, errc::invalid);
  EXPECT_NE(r.err().message.find("truncated or corrupt .docx"), std::string::npos) << r.err().message;
}

TEST(ReadDocx, RejectsAZipThatIsNotAWordDocument) {
  auto r = read_document(build_docx({{"content.xml", "<office:document/>"}}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("no word/document.xml"), std::string::npos) << r.err().message;
}

TEST(ReadDocx, RejectsMalformedXml) {
  auto r = read_document(build_docx({{"word/document.xml", "<w:document><w:body><w:p>"}}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("not well-formed XML"), std::string::npos) << r.err().message;
}

// A hostile or generated document may nest elements far deeper than any call stack:
// the walks are loops, so this reads its text instead of crashing.
TEST(ImportRegressions, DeeplyNestedDocxXmlDoesNotOverflowTheStack) {
  constexpr int depth = 200000;
  std::string open, close;
  open.reserve(depth * 8);
  close.reserve(depth * 9);
  for (int i = 0; i < depth; ++i) {
    open += "<w:sdt>";
    close += "</w:sdt>";
  }
  std::string in_paragraph;
  for (int i = 0; i < depth; ++i) in_paragraph += "<w:smartTag>";
  in_paragraph += "<w:r><w:t>sâu</w:t></w:r>";
  for (int i = 0; i < depth; ++i) in_paragraph += "</w:smartTag>";
  auto body = open + docx_paragraph({"KẾ HOẠCH"}) + close + "<w:p>" + in_paragraph + "</w:p>";
  auto r = read_docx(build_docx({{"word/document.xml", docx_document(body)}}));
  ASSERT_TRUE(r) << message_of(r);
  EXPECT_EQ(non_blank(r->lines), (std::vector<std::string>{"KẾ HOẠCH", "sâu"}));
}

TEST(ReadDocx, RejectsADocumentWithoutText) {
  auto r = read_document(build_docx({{"word/document.xml", docx_document("<w:p/>")}}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("empty document"), std::string::npos) << r.err().message;
}

}  // namespace
}  // namespace dutyflow::importer
