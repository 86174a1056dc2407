#include "engine/json_limits.h"

#include <optional>
#include <unordered_set>
#include <vector>

namespace dutyflow {

namespace {

// A SAX handler that builds the document with nlohmann's own DOM builder and watches the
// structure on the way: it stops the parse (returns false) at the first container past
// the depth limit or the first repeated key, so nothing deeper is ever allocated.
template <class Json>
class limited_sax {
 public:
  using dom = nlohmann::detail::json_sax_dom_parser<Json>;
  using string_t = typename Json::string_t;

  limited_sax(Json& root, const json_limits& limits) : dom_(root, true), limits_(limits) {}

  bool null() { return value() && dom_.null(); }
  bool boolean(bool v) { return value() && dom_.boolean(v); }
  bool number_integer(typename Json::number_integer_t v) { return value() && dom_.number_integer(v); }
  bool number_unsigned(typename Json::number_unsigned_t v) { return value() && dom_.number_unsigned(v); }
  bool number_float(typename Json::number_float_t v, const string_t& s) { return value() && dom_.number_float(v, s); }
  bool string(string_t& v) { return value() && dom_.string(v); }
  bool binary(typename Json::binary_t& v) { return value() && dom_.binary(v); }

  bool start_object(std::size_t n) { return open(true) && dom_.start_object(n); }
  bool start_array(std::size_t n) { return open(false) && dom_.start_array(n); }
  bool end_object() { return close() && dom_.end_object(); }
  bool end_array() { return close() && dom_.end_array(); }

  bool key(string_t& k) {
    frame& f = frames_.back();
    if (!f.insert(k)) {
      f.key = k;
      failure_ = make_error(errc::invalid, "has the key \"" + printable(k) + "\" twice (at " + path() + ")",
                            nlohmann::json{{"path", path()}, {"key", printable(k)}});
      return false;
    }
    f.key = k;
    return dom_.key(k);
  }

  template <class Exception>
  bool parse_error(std::size_t position, const std::string& token, const Exception& ex) {
    return dom_.parse_error(position, token, ex);
  }

  std::optional<error> failure_;

 private:
  struct frame {
    bool object = false;
    std::size_t index = 0;  // arrays: the element being read
    std::string key;        // objects: the key being read
    // Small objects are searched in place; a large one (a hostile body with 100k keys)
    // moves to a hash set so the check stays linear.
    std::vector<std::string> few;
    std::unordered_set<std::string> many;

    bool insert(const std::string& k) {
      if (many.empty()) {
        for (const auto& s : few)
          if (s == k) return false;
        few.push_back(k);
        if (few.size() > 16) {
          many.insert(few.begin(), few.end());
          few.clear();
        }
        return true;
      }
      return many.insert(k).second;
    }
  };

  // Keys are quoted in messages; a key that is all control bytes should not forge a line.
  static std::string printable(const std::string& s) {
    std::string out;
    for (char c : s.substr(0, 80)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    return s.size() > 80 ? out + "..." : out;
  }

  std::string path() const {
    std::string out;
    for (const auto& f : frames_) {
      if (f.object) out += (out.empty() ? "" : ".") + printable(f.key);
      else out += "[" + std::to_string(f.index) + "]";
    }
    return out.empty() ? "$" : out;
  }

  bool value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    return true;
  }

  bool open(bool object) {
    if (static_cast<int>(frames_.size()) >= limits_.max_depth) {
      const auto where = path();
      failure_ = make_error(errc::invalid,
                            "nested deeper than " + std::to_string(limits_.max_depth) + " levels (at " + where + ")",
                            nlohmann::json{{"path", where}, {"limit", limits_.max_depth}});
      return false;
    }
    // The element index counts from the array's first element; it is bumped when this
    // container is closed, like a plain value's is when it is read.
    frames_.push_back(frame{object, 0, {}, {}, {}});
    return true;
  }

  bool close() {
    frames_.pop_back();
    return value();
  }

  dom dom_;
  const json_limits& limits_;
  std::vector<frame> frames_;
};

template <class Json>
result<Json> parse_limited(std::string_view text, const json_limits& limits) {
  Json out;
  limited_sax<Json> sax(out, limits);
  try {
    if (!Json::sax_parse(text.begin(), text.end(), &sax, nlohmann::json::input_format_t::json, true)) {
      if (sax.failure_) return std::move(*sax.failure_);
      return make_error(errc::invalid, "not valid JSON");
    }
  } catch (const nlohmann::json::parse_error& e) {
    return make_error(errc::invalid, "not valid JSON (at byte " + std::to_string(e.byte) + ")",
                      nlohmann::json{{"offset", e.byte}});
  } catch (const nlohmann::json::exception& e) {
    // Out-of-range numbers and the like.
    return make_error(errc::invalid, std::string("not valid JSON: ") + e.what());
  }
  return out;
}

}  // namespace

result<nlohmann::json> parse_json(std::string_view text, const json_limits& limits) {
  return parse_limited<nlohmann::json>(text, limits);
}

result<nlohmann::ordered_json> parse_ordered_json(std::string_view text, const json_limits& limits) {
  return parse_limited<nlohmann::ordered_json>(text, limits);
}

}  // namespace dutyflow
