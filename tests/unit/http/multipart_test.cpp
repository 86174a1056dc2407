// http::parse_multipart: what browsers and curl send for a file field, and every way such
// a body can be wrong (each an error value, never a crash or a part read past its end).
#include "adapters/http/multipart.h"

#include <gtest/gtest.h>

namespace dutyflow::http {
namespace {

const std::string type = "multipart/form-data; boundary=----WebKitFormBoundaryx8FhR2";

std::string body_of(const std::string& content, const std::string& disposition =
                                                     "form-data; name=\"file\"; filename=\"Kế hoạch 215.docx\"") {
  return "------WebKitFormBoundaryx8FhR2\r\nContent-Disposition: " + disposition +
         "\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\n\r\n" + content +
         "\r\n------WebKitFormBoundaryx8FhR2--\r\n";
}

TEST(Multipart, ReadsAFileFieldAsChromiumSendsIt) {
  const std::string content("PK\x03\x04\r\n--not-the-boundary\r\n\0\xff", 26);
  const auto body = body_of(content);
  auto parts = parse_multipart(type, body);
  ASSERT_TRUE(parts) << parts.err().message;
  ASSERT_EQ(parts->size(), 1u);
  const auto& p = parts->front();
  EXPECT_EQ(p.name, "file");
  EXPECT_EQ(p.filename, "Kế hoạch 215.docx");
  EXPECT_EQ(p.content_type, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  EXPECT_EQ(p.data, content);  // CRLFs and dashes inside the content are the content's
  EXPECT_EQ(find_part(*parts, "file"), &p);
  EXPECT_EQ(find_part(*parts, "other"), nullptr);
}

TEST(Multipart, QuotedBoundaryPreambleSeveralFieldsAndEmptyContent) {
  const std::string body =
      "preamble to ignore\r\n--b1\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nxin chào\r\n"
      "--b1\r\ncontent-disposition: FORM-DATA; name=\"empty\"\r\n\r\n\r\n"
      "--b1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\\\"b.txt\"\r\n\r\nKẾ HOẠCH\r\n--b1--";
  auto parts = parse_multipart("Multipart/Form-Data; charset=utf-8; boundary=\"b1\"", body);
  ASSERT_TRUE(parts) << parts.err().message;
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].data, "xin chào");
  EXPECT_EQ((*parts)[1].name, "empty");
  EXPECT_EQ((*parts)[1].data, "");
  EXPECT_EQ((*parts)[2].filename, "a\"b.txt");
  EXPECT_EQ((*parts)[2].data, "KẾ HOẠCH");
}

TEST(Multipart, AWindowsPathKeepsItsBackslashes) {
  auto parts = parse_multipart(type, body_of("x", "form-data; name=\"file\"; filename=\"C:\\Tài liệu\\KH.docx\""));
  ASSERT_TRUE(parts) << parts.err().message;
  EXPECT_EQ(parts->front().filename, "C:\\Tài liệu\\KH.docx");
}

TEST(Multipart, FilenameStarInUtf8WinsOverThePlainName) {
  auto parts = parse_multipart(
      type, body_of("x", "form-data; name=\"file\"; filename=\"ke-hoach.docx\"; filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch.docx"));
  ASSERT_TRUE(parts) << parts.err().message;
  EXPECT_EQ(parts->front().filename, "Kế hoạch.docx");
  // A bad escape keeps the plain name.
  parts = parse_multipart(type, body_of("x", "form-data; name=\"file\"; filename=\"a.docx\"; filename*=UTF-8''%zz"));
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->front().filename, "a.docx");
}

TEST(Multipart, EveryMalformationIsAnErrorNamingIt) {
  auto message = [](const std::string& content_type, const std::string& body) {
    auto r = parse_multipart(content_type, body);
    EXPECT_FALSE(r) << body;
    return r ? std::string() : r.err().message;
  };
  EXPECT_NE(message("application/json", "{}").find("not multipart/form-data"), std::string::npos);
  EXPECT_NE(message("multipart/form-data", body_of("x")).find("boundary"), std::string::npos);
  EXPECT_NE(message("multipart/form-data; boundary=" + std::string(71, 'a'), "").find("boundary"), std::string::npos);
  EXPECT_NE(message(type, "no boundary line at all").find("no part"), std::string::npos);
  // Cut short: the closing delimiter never comes.
  const auto full = body_of("content");
  EXPECT_NE(message(type, full.substr(0, full.size() - 40)).find("cut short"), std::string::npos);
  EXPECT_NE(message(type, "------WebKitFormBoundaryx8FhR2\r\nContent-Disposition: form-data; name=\"f\"").find("never end"),
            std::string::npos);
  EXPECT_NE(message(type, body_of("x", "attachment; name=\"file\"")).find("form-data"), std::string::npos);
  EXPECT_NE(message(type, body_of("x", "form-data; filename=\"a\"")).find("name"), std::string::npos);
  EXPECT_NE(message(type, "------WebKitFormBoundaryx8FhR2garbage").find("line break"), std::string::npos);
  std::string many;
  for (int i = 0; i < 17; ++i) many += "------WebKitFormBoundaryx8FhR2\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n";
  many += "------WebKitFormBoundaryx8FhR2--";
  EXPECT_NE(message(type, many).find("more than 16 parts"), std::string::npos);
  const std::string huge_header = "------WebKitFormBoundaryx8FhR2\r\nContent-Disposition: form-data; name=\"f\"\r\nX: " +
                                  std::string(9000, 'a') + "\r\n\r\nx\r\n------WebKitFormBoundaryx8FhR2--";
  EXPECT_NE(message(type, huge_header).find("8 KiB"), std::string::npos);
}

TEST(Multipart, RecognisesTheMediaType) {
  EXPECT_TRUE(is_multipart_form("multipart/form-data; boundary=x"));
  EXPECT_TRUE(is_multipart_form("MULTIPART/FORM-DATA"));
  EXPECT_FALSE(is_multipart_form("multipart/mixed; boundary=x"));
  EXPECT_FALSE(is_multipart_form("text/plain"));
  EXPECT_FALSE(is_multipart_form(""));
}

}  // namespace
}  // namespace dutyflow::http
