#include "tests/unit/import/docx_builder.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <cstdio>

namespace dutyflow::testing {

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string docx_paragraph(const std::vector<std::string>& runs, int num_id, int ilvl) {
  std::string p = "<w:p>";
  if (num_id != 0)
    p += "<w:pPr><w:numPr><w:ilvl w:val=\"" + std::to_string(ilvl) + "\"/><w:numId w:val=\"" + std::to_string(num_id) +
         "\"/></w:numPr></w:pPr>";
  for (const auto& r : runs)
    p += "<w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">" + xml_escape(r) + "</w:t></w:r>";
  return p + "</w:p>";
}

std::string docx_document(const std::string& body_xml) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
         "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "
         "xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\">"
         "<w:body>" +
         body_xml + "<w:sectPr/></w:body></w:document>";
}

std::string build_docx(const std::map<std::string, std::string>& parts) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &err);
  EXPECT_NE(out, nullptr) << zip_error_strerror(&err);
  if (!out) return {};
  zip_t* archive = zip_open_from_source(out, ZIP_TRUNCATE, &err);
  EXPECT_NE(archive, nullptr) << zip_error_strerror(&err);
  if (!archive) {
    zip_source_free(out);
    return {};
  }
  zip_source_keep(out);  // still needed after zip_close() writes into it
  std::map<std::string, std::string> all = parts;
  all.emplace("[Content_Types].xml",
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
              "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>");
  for (const auto& [name, content] : all) {
    // The archive reads `content` at zip_close(); `all` outlives that call.
    zip_source_t* src = zip_source_buffer(archive, content.data(), content.size(), 0);
    EXPECT_NE(src, nullptr);
    if (zip_file_add(archive, name.c_str(), src, ZIP_FL_ENC_UTF_8) < 0) {
      ADD_FAILURE() << "zip_file_add " << name << ": " << zip_strerror(archive);
      zip_source_free(src);
    }
  }
  EXPECT_EQ(zip_close(archive), 0);
  std::string bytes;
  if (zip_source_open(out) == 0) {
    char buf[4096];
    for (zip_int64_t n; (n = zip_source_read(out, buf, sizeof buf)) > 0;)
      bytes.append(buf, static_cast<std::size_t>(n));
    zip_source_close(out);
  }
  zip_source_free(out);
  zip_error_fini(&err);
  EXPECT_FALSE(bytes.empty());
  return bytes;
}

}  // namespace dutyflow::testing
