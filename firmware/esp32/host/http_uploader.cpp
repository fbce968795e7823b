#include "http_uploader.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <strings.h>

#include "sentinel/upload.h"

namespace sentinel::host {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

bool wait_for(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  int left = remaining_ms(deadline);
  return left > 0 && ::poll(&p, 1, left) == 1 && (p.revents & (events | POLLHUP | POLLERR));
}

/// A non-blocking TCP connection to host:port made before `deadline`, or -1.
int connect_to(const std::string& host, const std::string& port, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    int error = rc == 0 ? 0 : errno;
    if (error == EINPROGRESS && wait_for(fd, POLLOUT, deadline)) {
      socklen_t size = sizeof error;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
    }
    if (error != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

bool send_all(int fd, const std::string& data, Clock::time_point deadline) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd, POLLOUT, deadline)) return false;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return false;
    }
  }
  return true;
}

/// Everything the server sends until it closes (the request asked for Connection: close).
bool receive_all(int fd, std::string& out, Clock::time_point deadline) {
  char buffer[4096];
  while (out.size() < (1u << 20)) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      out.append(buffer, static_cast<size_t>(n));
    } else if (n == 0) {
      return true;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd, POLLIN, deadline)) return false;
    } else if (errno != EINTR) {
      return false;
    }
  }
  return false;
}

std::string header_value(const std::string& head, const char* name) {
  size_t at = 0, length = std::strlen(name);
  while ((at = head.find("\r\n", at)) != std::string::npos) {
    at += 2;
    if (head.size() > at + length && ::strncasecmp(head.c_str() + at, name, length) == 0 &&
        head[at + length] == ':') {
      size_t start = head.find_first_not_of(' ', at + length + 1);
      size_t end = head.find("\r\n", at);
      return start == std::string::npos ? "" : head.substr(start, end - start);
    }
  }
  return "";
}

std::string dechunk(const std::string& body) {
  std::string out;
  size_t at = 0;
  while (at < body.size()) {
    size_t line_end = body.find("\r\n", at);
    if (line_end == std::string::npos) break;
    size_t size = std::strtoul(body.c_str() + at, nullptr, 16);
    if (size == 0) break;
    out += body.substr(line_end + 2, size);
    at = line_end + 2 + size + 2;
  }
  return out;
}

}  // namespace

bool split_http_url(const std::string& url, std::string& host, std::string& port,
                    std::string& path) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) return false;
  size_t slash = url.find('/', scheme.size());
  std::string authority = url.substr(scheme.size(), slash - scheme.size());
  path = slash == std::string::npos ? "/" : url.substr(slash);
  size_t colon = authority.rfind(':');
  host = authority.substr(0, colon);
  port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  return !host.empty() && !port.empty();
}

bool HttpUploader::upload(const std::string& url, const std::string& device_id,
                          const std::string& location, const std::vector<uint8_t>& jpeg,
                          std::string& filename) {
  std::string host, port, path;
  if (!split_http_url(url, host, port, path)) return false;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms_);
  UploadForm form = upload_form(device_id, location, jpeg);
  std::string request = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port +
                        "\r\nContent-Type: " + form.content_type +
                        "\r\nContent-Length: " + std::to_string(form.body.size()) +
                        "\r\nConnection: close\r\nUser-Agent: sentinel-virtual-device\r\n";
  if (!api_key_.empty()) request += "x-api-key: " + api_key_ + "\r\n";
  request += "\r\n" + form.body;
  int fd = connect_to(host, port, deadline);
  if (fd < 0) return false;
  std::string response;
  bool done = send_all(fd, request, deadline) && receive_all(fd, response, deadline);
  ::close(fd);
  size_t head_end = response.find("\r\n\r\n");
  if (!done || head_end == std::string::npos || response.compare(0, 5, "HTTP/") != 0) return false;
  int status = std::atoi(response.c_str() + response.find(' ') + 1);
  std::string head = response.substr(0, head_end);
  std::string body = response.substr(head_end + 4);
  if (header_value(head, "transfer-encoding").find("chunked") != std::string::npos)
    body = dechunk(body);
  return upload_accepted(status, body, filename);
}

}  // namespace sentinel::host
