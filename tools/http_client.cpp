#include "tools/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <charconv>

namespace dutyflow {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

std::string url_encode(const std::string& text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xF]);
    }
  }
  return out;
}

result<http_reply> http_call(const std::string& server, const std::string& method, const std::string& target,
                             const std::string& token, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string rest = server;
  if (!rest.starts_with("http://"))
    return make_error(errc::invalid, "server must be an http:// URL, got \"" + server + "\"");
  rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  std::string host = colon == std::string::npos ? rest : rest.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  if (host.empty() || port.empty()) return make_error(errc::invalid, "bad server URL \"" + server + "\"");
  try {
    net::io_context ioc;
    net::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(60));
    stream.connect(resolver.resolve(host, port));
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, host);
    req.set(bhttp::field::user_agent, "dutyflow-cli");
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty()) {
      if (req[bhttp::field::content_type].empty()) req.set(bhttp::field::content_type, "application/json");
      req.body() = body;
    }
    req.prepare_payload();
    // A server may answer (413) and stop reading before the whole body is sent: the
    // answer is still there to read, so a failed write is reported only if it is not.
    beast::error_code write_error;
    bhttp::write(stream, req, write_error);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    beast::error_code read_error;
    bhttp::read(stream, buffer, parser, read_error);
    if (read_error) throw beast::system_error(write_error ? write_error : read_error);
    auto res = parser.release();
    http_reply out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    beast::error_code ec;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    return out;
  } catch (const beast::system_error& e) {
    // The error's words ("Connection refused"), not Boost's source location that what() adds.
    return make_error(errc::storage, "cannot reach " + server + ": " + e.code().message());
  } catch (const std::exception& e) {
    return make_error(errc::storage, "cannot reach " + server + ": " + e.what());
  }
}

}  // namespace dutyflow
