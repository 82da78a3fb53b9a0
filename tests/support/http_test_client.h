// A few lines of plain HTTP/1.1 over loopback for unit tests of our servers (no TLS, no keep-alive):
// one request, the raw answer back. Header-only; include it before CppUTest's header.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

namespace testing_http {

struct Reply {
  int status = 0;                              // 0: no answer
  std::map<std::string, std::string> headers;  // names in lower case; a repeated header: the values joined by "\n"
  std::string body;                            // de-chunked
  std::string raw;
};

// An open connection, for streams: send a request, then read what arrives.
class Connection {
 public:
  explicit Connection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) close();
  }
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool ok() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool send(const std::string& bytes) {
    size_t done = 0;
    while (fd_ >= 0 && done < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return fd_ >= 0;
  }
  // Reads until `until` appears in what was read so far (or, with "", until the peer closes), or
  // `ms` pass. Everything read is kept in received().
  bool readUntil(const std::string& until, int ms = 3000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (fd_ >= 0) {
      if (!until.empty() && received_.find(until) != std::string::npos) return true;
      int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closedByPeer_ = true;
        return until.empty();
      }
      received_.append(buf, static_cast<size_t>(n));
    }
    return false;
  }
  const std::string& received() const { return received_; }
  bool closedByPeer() const { return closedByPeer_; }

 private:
  int fd_ = -1;
  std::string received_;
  bool closedByPeer_ = false;
};

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

// Parses a whole answer (status line, headers, body plain or chunked).
inline Reply parse(const std::string& raw) {
  Reply r;
  r.raw = raw;
  size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return r;
  r.status = std::atoi(raw.c_str() + 9);
  size_t pos = raw.find("\r\n") + 2;
  while (pos < end) {
    size_t eol = raw.find("\r\n", pos);
    std::string line = raw.substr(pos, eol - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = lower(line.substr(0, colon));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      auto& slot = r.headers[name];
      slot = slot.empty() ? value : slot + "\n" + value;
    }
    pos = eol + 2;
  }
  std::string body = raw.substr(end + 4);
  if (lower(r.headers["transfer-encoding"]).find("chunked") != std::string::npos) {
    size_t p = 0;
    while (p < body.size()) {
      size_t eol = body.find("\r\n", p);
      if (eol == std::string::npos) break;
      size_t n = std::strtoul(body.substr(p, eol - p).c_str(), nullptr, 16);
      if (n == 0) break;
      r.body += body.substr(eol + 2, n);
      p = eol + 2 + n + 2;
    }
  } else {
    r.body = body;
  }
  return r;
}

// One request ("Connection: close"), the whole answer. `headers` are extra lines without CRLF.
inline Reply request(uint16_t port, const std::string& method, const std::string& path, const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {}) {
  Connection c(port);
  std::string req = method + " " + path + " HTTP/1.1\r\nConnection: close\r\n";
  if (headers.count("Host") == 0) req += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST")
    req += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  if (!c.send(req)) return Reply{};
  c.readUntil("", 5000);
  return parse(c.received());
}

}  // namespace testing_http
