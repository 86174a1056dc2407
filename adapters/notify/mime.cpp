#include "adapters/notify/mime.h"

#include <array>

#include "adapters/notify/codec.h"
#include "adapters/security/codec.h"

namespace dutyflow::notify {

namespace {

bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  static constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
  return specials.find(c) != std::string_view::npos;
}

std::string header(std::string_view name, std::string_view value) {
  return std::string(name) + ": " + std::string(value) + "\r\n";
}

}  // namespace

std::string rfc5322_date(instant at, std::chrono::minutes utc_offset) {
  using namespace std::chrono;
  const auto local = floor<seconds>(at) + utc_offset;
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const weekday wd{day};
  const hh_mm_ss<seconds> tod{local - day};
  static constexpr std::array<const char*, 7> weekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto off = utc_offset.count();
  const auto abs_off = off < 0 ? -off : off;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %u %s %d %02d:%02d:%02d %c%02d%02d", weekdays[wd.c_encoding()],
                static_cast<unsigned>(ymd.day()), months[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(tod.hours().count()),
                static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()), off < 0 ? '-' : '+',
                static_cast<int>(abs_off / 60), static_cast<int>(abs_off % 60));
  return buf;
}

std::string message_id_for(std::string_view key, std::string_view domain) {
  return "<" + security::hex_encode(security::sha256(key)).substr(0, 32) + "@" + std::string(domain.empty() ? "dutyflow.invalid" : domain) +
         ">";
}

bool valid_address(std::string_view address) {
  const auto at = address.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= address.size()) return false;
  if (address.find('@', at + 1) != std::string_view::npos) return false;
  if (address.size() > 254) return false;
  for (char c : address) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return false;
    if (std::string_view("<>()[],;:\"\\").find(c) != std::string_view::npos) return false;
  }
  return true;
}

std::string mailbox(std::string_view name, std::string_view address, std::size_t first_line_used) {
  const std::string addr = "<" + std::string(address) + ">";
  if (name.empty()) return addr;
  bool ascii = true, atoms = true;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || u < 0x20 || u == 0x7F) ascii = false;
    if (!is_atext(c) && c != ' ') atoms = false;
  }
  if (!ascii || name.find("=?") != std::string_view::npos) return rfc2047_encode(name, first_line_used) + " " + addr;
  if (atoms) return std::string(name) + " " + addr;
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return quoted + "\" " + addr;
}

std::string render_mail(const mail& m) {
  std::string out;
  out += header("Date", rfc5322_date(m.date, m.utc_offset));
  out += header("From", mailbox(m.from_name, m.from_address, 6));
  out += header("To", mailbox(m.to_name, m.to_address, 4));
  out += header("Subject", rfc2047_encode(m.subject, 9));
  out += header("Message-ID", m.message_id);
  for (const auto& [name, value] : m.extra_headers) out += header(name, value);
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  if (m.encoding == body_encoding::base64) {
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    out += base64_lines(m.text);
  } else {
    out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += quoted_printable_encode(m.text);
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

std::string smtp_data(std::string_view message) {
  std::string out;
  out.reserve(message.size() + 64);
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (line_start && c == '.') out.push_back('.');
    if (c == '\n' && (i == 0 || message[i - 1] != '\r')) out.push_back('\r');
    out.push_back(c);
    line_start = c == '\n';
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

}  // namespace dutyflow::notify
