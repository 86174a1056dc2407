// Builds small Word .docx files in memory for the importer's tests, with libzip: the
// parts given (word/document.xml, word/numbering.xml, …) plus [Content_Types].xml.
// Plain functions; failures end the test with a fatal gtest failure.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dutyflow::testing {

// XML text escaping for w:t content.
std::string xml_escape(std::string_view text);

// One paragraph <w:p>; `runs` become separate <w:r><w:t> runs, so words may be split
// across runs as Word does. `num_id`/`ilvl` add automatic numbering (0: none).
std::string docx_paragraph(const std::vector<std::string>& runs, int num_id = 0, int ilvl = 0);

// A <w:document> whose <w:body> holds `body_xml`.
std::string docx_document(const std::string& body_xml);

// The bytes of a .docx holding `parts` (member name -> content).
std::string build_docx(const std::map<std::string, std::string>& parts);

}  // namespace dutyflow::testing
