#include "adapters/import/document.h"

#include <zip.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <pugixml.hpp>

#include "adapters/import/text.h"

namespace dutyflow::importer {
namespace {

error invalid(std::string message) {
  return make_error(errc::invalid, std::move(message));
}

bool starts_with_bytes(std::string_view bytes, std::string_view magic) {
  return bytes.substr(0, magic.size()) == magic;
}

void split_into(std::vector<std::string>& lines, std::string_view text) {
  std::size_t start = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    auto piece = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    lines.push_back(clean_line(piece));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
}

bool all_blank(const std::vector<std::string>& lines) {
  for (const auto& l : lines)
    if (!l.empty()) return false;
  return true;
}

// UTF-16 with a byte order mark (what Windows Notepad calls "Unicode") to UTF-8.
std::optional<std::string> utf16_to_utf8(std::string_view bytes, bool big_endian) {
  std::string out;
  auto unit = [&](std::size_t i) -> char32_t {
    auto a = static_cast<unsigned char>(bytes[i]), b = static_cast<unsigned char>(bytes[i + 1]);
    return big_endian ? (char32_t{a} << 8 | b) : (char32_t{b} << 8 | a);
  };
  if (bytes.size() % 2 != 0) return std::nullopt;
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    char32_t cp = unit(i);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (i + 3 >= bytes.size()) return std::nullopt;
      char32_t lo = unit(i + 2);
      if (lo < 0xDC00 || lo > 0xDFFF) return std::nullopt;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      i += 2;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return std::nullopt;
    }
    append_utf8(out, cp);
  }
  return out;
}

// ---- .docx -------------------------------------------------------------------

struct zip_closer {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using zip_ptr = std::unique_ptr<zip_t, zip_closer>;

// The uncompressed bytes of one archive member; nullopt (no error) when it is absent.
result<std::optional<std::string>> read_member(zip_t* archive, const char* name) {
  if (zip_name_locate(archive, name, 0) < 0) return std::optional<std::string>{};
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(archive, name, 0, &st) != 0 || (st.valid & ZIP_STAT_SIZE) == 0)
    return invalid(std::string("corrupt .docx: cannot read ") + name + ": " + zip_strerror(archive));
  if (st.size > max_document_bytes)
    return invalid(std::string(name) + " is larger than " + std::to_string(max_document_bytes >> 20) +
                   " MiB once uncompressed: not read");
  zip_file_t* file = zip_fopen(archive, name, 0);
  if (!file) return invalid(std::string("corrupt .docx: cannot open ") + name + ": " + zip_strerror(archive));
  std::string data(static_cast<std::size_t>(st.size), '\0');
  std::size_t got = 0;
  std::string failure;
  while (got < data.size()) {
    auto n = zip_fread(file, data.data() + got, data.size() - got);
    if (n < 0) {
      failure = zip_error_strerror(zip_file_get_error(file));
      break;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  zip_fclose(file);
  if (!failure.empty()) return invalid(std::string("truncated or corrupt .docx: ") + name + ": " + failure);
  if (got != data.size()) return invalid(std::string("truncated .docx: ") + name + " ends early");
  return std::optional<std::string>{std::move(data)};
}

// Element names of WordprocessingML under whatever prefix the document binds it to.
class word_names {
 public:
  explicit word_names(const pugi::xml_node& root) {
    static constexpr std::string_view main_ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    for (auto a : root.attributes()) {
      std::string_view n = a.name();
      if (n.substr(0, 6) == "xmlns:" && main_ns == a.value()) prefix_ = std::string(n.substr(6)) + ":";
    }
  }
  bool is(const pugi::xml_node& node, std::string_view local) const {
    std::string_view n = node.name();
    return n.size() == prefix_.size() + local.size() && n.substr(0, prefix_.size()) == prefix_ &&
           n.substr(prefix_.size()) == local;
  }
  std::string attr(std::string_view local) const { return prefix_ + std::string(local); }
  std::string name(std::string_view local) const { return prefix_ + std::string(local); }

 private:
  std::string prefix_ = "w:";
};

std::string_view local_name(const pugi::xml_node& node) {
  std::string_view n = node.name();
  auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

// Automatic numbering (word/numbering.xml): what Word shows in front of a list paragraph.
class numbering {
 public:
  void load(const pugi::xml_node& root, const word_names& w) {
    std::map<std::string, std::array<level, 9>> abstract;
    for (auto an : root.children()) {
      if (!w.is(an, "abstractNum")) continue;
      auto& levels = abstract[an.attribute(w.attr("abstractNumId").c_str()).value()];
      for (auto lvl : an.children()) {
        if (!w.is(lvl, "lvl")) continue;
        int ilvl = lvl.attribute(w.attr("ilvl").c_str()).as_int(-1);
        if (ilvl < 0 || ilvl > 8) continue;
        auto val = [&](const char* child) {
          return std::string(lvl.child(w.name(child).c_str()).attribute(w.attr("val").c_str()).value());
        };
        auto& l = levels[static_cast<std::size_t>(ilvl)];
        l.format = val("numFmt");
        l.text = val("lvlText");
        auto start = val("start");
        l.start = start.empty() ? 1 : std::atoi(start.c_str());
      }
    }
    for (auto num : root.children()) {
      if (!w.is(num, "num")) continue;
      std::string id = num.attribute(w.attr("numId").c_str()).value();
      std::string aid = num.child(w.name("abstractNumId").c_str()).attribute(w.attr("val").c_str()).value();
      if (auto it = abstract.find(aid); it != abstract.end()) lists_[id].levels = it->second;
    }
  }

  // The label of the next paragraph in list `num_id` at `ilvl` ("1.", "IV.", "-"), or "".
  std::string next(const std::string& num_id, int ilvl) {
    auto it = lists_.find(num_id);
    if (it == lists_.end() || ilvl < 0 || ilvl > 8) return {};
    auto& list = it->second;
    auto lv = static_cast<std::size_t>(ilvl);
    list.counters[lv] = list.counters[lv] == 0 ? list.levels[lv].start : list.counters[lv] + 1;
    for (std::size_t k = lv + 1; k < 9; ++k) list.counters[k] = 0;
    const auto& l = list.levels[lv];
    if (l.format == "bullet") return l.text == "+" ? "+" : "-";
    if (l.format == "none") return {};
    std::string out;
    for (std::size_t i = 0; i < l.text.size(); ++i) {
      if (l.text[i] == '%' && i + 1 < l.text.size() && l.text[i + 1] >= '1' && l.text[i + 1] <= '9') {
        auto k = static_cast<std::size_t>(l.text[i + 1] - '1');
        int value = list.counters[k] == 0 ? list.levels[k].start : list.counters[k];
        out += format_number(value, list.levels[k].format);
        ++i;
      } else {
        out += l.text[i];
      }
    }
    return out;
  }

 private:
  struct level {
    std::string format = "decimal";
    std::string text;
    int start = 1;
  };
  struct list_state {
    std::array<level, 9> levels{};
    std::array<int, 9> counters{};
  };

  static std::string format_number(int n, const std::string& format) {
    if (format == "upperRoman" || format == "lowerRoman") {
      static constexpr std::array<std::pair<int, const char*>, 13> romans = {{{1000, "M"},
                                                                              {900, "CM"},
                                                                              {500, "D"},
                                                                              {400, "CD"},
                                                                              {100, "C"},
                                                                              {90, "XC"},
                                                                              {50, "L"},
                                                                              {40, "XL"},
                                                                              {10, "X"},
                                                                              {9, "IX"},
                                                                              {5, "V"},
                                                                              {4, "IV"},
                                                                              {1, "I"}}};
      std::string out;
      for (auto [v, s] : romans)
        while (n >= v) out += s, n -= v;
      return format == "lowerRoman" ? to_lower(out) : out;
    }
    if ((format == "lowerLetter" || format == "upperLetter") && n >= 1) {
      char base = format == "lowerLetter" ? 'a' : 'A';
      return std::string(static_cast<std::size_t>((n - 1) / 26 + 1), static_cast<char>(base + (n - 1) % 26));
    }
    if (format == "decimalZero" && n < 10) return "0" + std::to_string(n);
    return std::to_string(n);
  }

  std::map<std::string, list_state> lists_;
};

// The next node after `node` in document order below `root`, not entering `node`'s
// children; an empty node at the end. The walks below are loops, not recursion: a
// .docx may nest elements (tables in tables, smart tags, hostile files) deeper than
// any call stack.
pugi::xml_node next_after(pugi::xml_node node, const pugi::xml_node& root) {
  while (node && node != root && !node.next_sibling()) node = node.parent();
  if (!node || node == root) return {};
  return node.next_sibling();
}

// The text of one paragraph: runs in order, tabs as spaces, line breaks as '\n'.
// Deleted text, field instructions and drawings (text boxes) are left out.
void collect_text(const pugi::xml_node& root, const word_names& w, std::string& out) {
  for (auto child = root.first_child(); child;) {
    bool descend = false;
    if (child.type() == pugi::node_element) {
      if (w.is(child, "t")) {
        out += child.text().get();
      } else if (w.is(child, "tab")) {
        out += '\t';
      } else if (w.is(child, "br") || w.is(child, "cr")) {
        out += '\n';
      } else if (w.is(child, "noBreakHyphen")) {
        out += '-';
      } else if (w.is(child, "pPr") || w.is(child, "rPr") || w.is(child, "del") || w.is(child, "delText") ||
                 w.is(child, "instrText") || w.is(child, "drawing") || w.is(child, "pict") || w.is(child, "object") ||
                 local_name(child) == "AlternateContent") {
      } else {
        descend = true;
      }
    }
    child = descend && child.first_child() ? child.first_child() : next_after(child, root);
  }
}

struct style_numbering {
  std::string num_id;
  int ilvl = 0;
};

void collect_paragraphs(const pugi::xml_node& root, const word_names& w, numbering& numbers,
                        const std::map<std::string, style_numbering>& styles, std::vector<std::string>& lines) {
  for (auto child = root.first_child(); child;) {
    bool descend = false;
    if (child.type() != pugi::node_element) {
    } else if (w.is(child, "p")) {
      std::string text;
      auto ppr = child.child(w.name("pPr").c_str());
      auto num_pr = ppr.child(w.name("numPr").c_str());
      std::string num_id;
      int ilvl = 0;
      if (auto st = styles.find(ppr.child(w.name("pStyle").c_str()).attribute(w.attr("val").c_str()).value());
          st != styles.end()) {
        num_id = st->second.num_id;
        ilvl = st->second.ilvl;
      }
      if (num_pr) {
        if (auto id = num_pr.child(w.name("numId").c_str())) num_id = id.attribute(w.attr("val").c_str()).value();
        if (auto lv = num_pr.child(w.name("ilvl").c_str())) ilvl = lv.attribute(w.attr("val").c_str()).as_int();
      }
      std::string body;
      collect_text(child, w, body);
      if (!num_id.empty() && num_id != "0" && body.find_first_not_of(" \t\n") != std::string::npos) {
        auto label = numbers.next(num_id, ilvl);
        if (!label.empty()) text = label + " ";
      }
      text += body;
      split_into(lines, text);
    } else if (w.is(child, "sectPr") || w.is(child, "del") || local_name(child) == "AlternateContent") {
    } else {
      descend = true;
    }
    child = descend && child.first_child() ? child.first_child() : next_after(child, root);
  }
}

result<pugi::xml_document*> parse_xml(pugi::xml_document& doc, const std::string& xml, const char* name) {
  auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata);
  if (!parsed)
    return invalid(std::string("corrupt .docx: ") + name + " is not well-formed XML (" + parsed.description() +
                   " at byte " + std::to_string(parsed.offset) + ")");
  return &doc;
}

}  // namespace

result<document_lines> read_text(std::string_view bytes) {
  std::string converted;
  if (starts_with_bytes(bytes, "\xEF\xBB\xBF")) {
    bytes.remove_prefix(3);
  } else if (starts_with_bytes(bytes, "\xFF\xFE") || starts_with_bytes(bytes, "\xFE\xFF")) {
    auto utf8 = utf16_to_utf8(bytes.substr(2), bytes[0] == '\xFE');
    if (!utf8) return invalid("not a text file: broken UTF-16");
    converted = std::move(*utf8);
    bytes = converted;
  }
  if (auto nul = bytes.find('\0'); nul != std::string_view::npos)
    return invalid("not a text file: binary data (NUL byte at offset " + std::to_string(nul) + ")");
  if (auto bad = utf8_error(bytes))
    return invalid("not UTF-8 text: invalid byte at offset " + std::to_string(*bad) +
                   " (convert legacy TCVN3/VNI encodings to Unicode first)");
  document_lines out{"txt", {}};
  split_into(out.lines, bytes);
  if (all_blank(out.lines)) return invalid("empty document: no text");
  return out;
}

result<document_lines> read_docx(std::string_view bytes) {
  zip_error_t zerr;
  zip_error_init(&zerr);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &zerr);
  if (!source) {
    std::string msg = zip_error_strerror(&zerr);
    zip_error_fini(&zerr);
    return invalid("cannot read .docx: " + msg);
  }
  zip_ptr archive(zip_open_from_source(source, ZIP_RDONLY, &zerr));
  if (!archive) {
    zip_source_free(source);  // not adopted by a failed open
    std::string msg = zip_error_strerror(&zerr);
    zip_error_fini(&zerr);
    return invalid("truncated or corrupt .docx (" + msg + ")");
  }
  zip_error_fini(&zerr);

  auto main = read_member(archive.get(), "word/document.xml");
  if (!main) return std::move(main).err();
  if (!*main) return invalid("not a Word .docx: the zip archive has no word/document.xml");

  pugi::xml_document doc;
  if (auto r = parse_xml(doc, **main, "word/document.xml"); !r) return std::move(r).err();
  auto root = doc.document_element();
  word_names w(root);
  auto body = root.child(w.name("body").c_str());
  if (!w.is(root, "document") || !body) return invalid("not a Word .docx: word/document.xml has no w:body");

  numbering numbers;
  pugi::xml_document numbering_doc;
  auto numbering_xml = read_member(archive.get(), "word/numbering.xml");
  if (!numbering_xml) return std::move(numbering_xml).err();
  if (*numbering_xml) {
    if (auto r = parse_xml(numbering_doc, **numbering_xml, "word/numbering.xml"); !r) return std::move(r).err();
    numbers.load(numbering_doc.document_element(), word_names(numbering_doc.document_element()));
  }

  // Paragraph styles that carry numbering (Word's "List Bullet", numbered headings).
  std::map<std::string, style_numbering> styles;
  auto styles_xml = read_member(archive.get(), "word/styles.xml");
  if (!styles_xml) return std::move(styles_xml).err();
  pugi::xml_document styles_doc;
  if (*styles_xml) {
    if (auto r = parse_xml(styles_doc, **styles_xml, "word/styles.xml"); !r) return std::move(r).err();
    auto sroot = styles_doc.document_element();
    word_names sw(sroot);
    for (auto style : sroot.children()) {
      if (!sw.is(style, "style")) continue;
      auto num_pr = style.child(sw.name("pPr").c_str()).child(sw.name("numPr").c_str());
      auto id = num_pr.child(sw.name("numId").c_str()).attribute(sw.attr("val").c_str()).value();
      if (!num_pr || *id == '\0') continue;
      styles[style.attribute(sw.attr("styleId").c_str()).value()] = {
          id, num_pr.child(sw.name("ilvl").c_str()).attribute(sw.attr("val").c_str()).as_int()};
    }
  }

  document_lines out{"docx", {}};
  collect_paragraphs(body, w, numbers, styles, out.lines);
  // pugixml passes bytes through as they are, and decodes character references even to
  // surrogates: a damaged document.xml can yield text that is not UTF-8 (found by fuzzing).
  for (std::size_t i = 0; i < out.lines.size(); ++i)
    if (utf8_error(out.lines[i]))
      return invalid("not a valid .docx: the text of paragraph " + std::to_string(i + 1) + " is not UTF-8");
  if (all_blank(out.lines)) return invalid("empty document: the .docx has no text");
  return out;
}

result<document_lines> read_document(std::string_view bytes) {
  if (bytes.empty()) return invalid("empty file");
  if (starts_with_bytes(bytes, "PK\x03\x04") || starts_with_bytes(bytes, "PK\x05\x06")) return read_docx(bytes);
  if (starts_with_bytes(bytes, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"))
    return invalid("a Word 97-2003 .doc (binary) file is not supported: save it as .docx");
  if (starts_with_bytes(bytes, "%PDF")) return invalid("a PDF is not supported: export it as .docx or .txt");
  if (starts_with_bytes(bytes, "{\\rtf")) return invalid("an RTF file is not supported: save it as .docx");
  return read_text(bytes);
}

result<document_lines> read_document_file(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return invalid("cannot open " + path + ": no such file");
  if (!std::filesystem::is_regular_file(status)) return invalid(path + " is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid("cannot open " + path);
  in.seekg(0, std::ios::end);
  auto size = in.tellg();
  if (size < 0) return invalid("cannot read " + path);
  if (static_cast<std::size_t>(size) > max_document_bytes)
    return invalid(path + " is larger than " + std::to_string(max_document_bytes >> 20) + " MiB");
  in.seekg(0);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (!in.read(bytes.data(), size)) return invalid("cannot read " + path);
  auto doc = read_document(bytes);
  if (!doc) return make_error(errc::invalid, path + ": " + doc.err().message);
  return doc;
}

}  // namespace dutyflow::importer
