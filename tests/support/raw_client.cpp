#include "tests/support/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/http.hpp>

#include <cerrno>

namespace dutyflow::testing {

namespace bhttp = boost::beast::http;
using clock_type = std::chrono::steady_clock;

namespace {

int remaining_ms(clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

raw_client::raw_client(unsigned short port, const std::string& source, int receive_buffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  if (receive_buffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  // A connect that the kernel cannot complete (a full backlog) gives up after this.
  timeval tv{10, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

raw_client::~raw_client() {
  close();
}

raw_client::raw_client(raw_client&& other) noexcept
    : fd_(other.fd_), buffer_(std::move(other.buffer_)), eof_(other.eof_) {
  other.fd_ = -1;
}

void raw_client::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool raw_client::send(std::string_view bytes, ms limit) {
  const auto deadline = clock_type::now() + limit;
  while (!bytes.empty() && fd_ >= 0) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return bytes.empty();
}

bool raw_client::fill(ms limit) {
  if (fd_ < 0 || eof_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
  char chunk[65536];
  auto n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  if (n <= 0) {
    eof_ = true;  // closed or reset
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<raw_response> raw_client::read_response(ms limit) {
  const auto deadline = clock_type::now() + limit;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.eager(true);
  parser.body_limit(64 * 1024 * 1024);
  std::size_t used = 0;
  boost::beast::error_code ec;
  while (!parser.is_done()) {
    if (used < buffer_.size()) {
      auto n = parser.put(boost::asio::buffer(buffer_.data() + used, buffer_.size() - used), ec);
      used += n;
      if (ec == bhttp::error::need_more) {
        ec = {};
      } else if (ec) {
        return std::nullopt;
      }
      if (parser.is_done()) break;
    }
    if (!fill(std::chrono::milliseconds(remaining_ms(deadline)))) {
      if (!eof_ || !parser.got_some()) return std::nullopt;
      parser.put_eof(ec);  // a body that ends with the connection
      if (ec) return std::nullopt;
      break;
    }
  }
  buffer_.erase(0, used);
  auto msg = parser.release();
  raw_response out;
  out.status = static_cast<int>(msg.result_int());
  out.keep_alive = msg.keep_alive();
  for (const auto& f : msg) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  out.body = std::move(msg.body());
  out.json = nlohmann::json::parse(out.body, nullptr, false);
  if (out.json.is_discarded()) out.json = nullptr;
  return out;
}

bool raw_client::wait_closed(ms limit) {
  const auto deadline = clock_type::now() + limit;
  while (!eof_) {
    if (fd_ < 0) return true;
    buffer_.clear();
    if (!fill(std::chrono::milliseconds(remaining_ms(deadline))) && !eof_) {
      if (clock_type::now() >= deadline) return false;
    }
  }
  return true;
}

std::string raw_client::read_some(ms limit) {
  if (buffer_.empty()) fill(limit);
  std::string out;
  out.swap(buffer_);
  return out;
}

bool raw_client::readable_within(ms limit) {
  if (fd_ < 0 || eof_ || !buffer_.empty()) return true;
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(limit.count())) > 0;
}

}  // namespace dutyflow::testing
