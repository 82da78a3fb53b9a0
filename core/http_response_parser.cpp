#include "core/http_response_parser.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "core/http_syntax.h"

namespace core {

namespace {




// Quotes of the response in error messages: bytes outside printable ASCII as \xNN. The message ends
// up in JSON (the sync agent's last-error in `edgectl sync` answers), which cannot carry bytes that
// are not UTF-8 (found by tests/fuzz/https_response_fuzz.cpp).
std::string quote(const std::string& text, size_t max) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < text.size() && i < max; ++i) {
    auto b = static_cast<unsigned char>(text[i]);
    if (b >= 0x20 && b < 0x7f) {
      out += text[i];
    } else {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

}  // namespace

Status HttpResponseParser::feed(const char* p, size_t n) {
  buf_.append(p, n);
  return advance();
}

Status HttpResponseParser::finish() {
  if (done_) return Status::ok();
  if (headDone_ && body_ == Body::kUntilClose) {
    response_.body.append(buf_, pos_, std::string::npos);
    done_ = true;
    return Status::ok();
  }
  return corrupt(headDone_ ? "the connection closed before the end of the response body"
                           : "the connection closed before a complete response header");
}

Status HttpResponseParser::advance() {
  while (!headDone_) {
    size_t end = buf_.find("\r\n\r\n", pos_);
    if (end == std::string::npos) {
      if (buf_.size() - pos_ > kMaxHeaderBytes) return corrupt("the response header exceeds 64 KiB");
      return Status::ok();
    }
    EDGE_RETURN_IF_ERROR(parseHead(buf_.substr(pos_, end - pos_)));
    pos_ = end + 4;
    // Interim responses (100 Continue) come before the real one; 101 would switch protocols.
    if (response_.status >= 100 && response_.status < 200 && response_.status != 101) {
      response_ = HttpsResponse();
      continue;
    }
    headDone_ = true;
  }
  switch (body_) {
    case Body::kNone:
      done_ = true;
      return Status::ok();
    case Body::kUntilClose:
      return Status::ok();
    case Body::kLength:
      if (buf_.size() - pos_ >= length_) {
        response_.body = buf_.substr(pos_, length_);
        done_ = true;
      }
      return Status::ok();
    case Body::kChunked:
      return advanceChunks();
  }
  return Status::ok();
}

Status HttpResponseParser::parseHead(const std::string& head) {
  size_t eol = head.find("\r\n");
  std::string statusLine = head.substr(0, eol);
  // "HTTP/1.1 200 OK": version, one space, three digits, then a space or the end.
  if (statusLine.size() < 12 || statusLine.compare(0, 7, "HTTP/1.") != 0 || statusLine[8] != ' ' ||
      !std::isdigit(static_cast<unsigned char>(statusLine[9])) ||
      !std::isdigit(static_cast<unsigned char>(statusLine[10])) ||
      !std::isdigit(static_cast<unsigned char>(statusLine[11])) || (statusLine.size() > 12 && statusLine[12] != ' '))
    return corrupt("not an HTTP/1.x status line: \"" + quote(statusLine, 80) + "\"");
  response_.status = std::stoi(statusLine.substr(9, 3));
  // RFC 9110 section 15: status codes outside 100..599 are invalid ("021" would pass as a final
  // response without a body; found by tests/fuzz/https_response_fuzz.cpp).
  if (response_.status < 100 || response_.status > 599)
    return corrupt("status " + statusLine.substr(9, 3) + " is outside 100..599 (RFC 9110 section 15)");
  response_.headers.clear();
  bool haveLength = false;
  bool chunked = false;
  bool transferEncoding = false;
  size_t length = 0;
  size_t start = eol == std::string::npos ? head.size() : eol + 2;
  while (start < head.size()) {
    size_t end = head.find("\r\n", start);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(start, end - start);
    start = end + 2;
    if (line.empty()) continue;
    if (line[0] == ' ' || line[0] == '\t') return corrupt("obsolete folded header line in the response");
    size_t colon = line.find(':');
    if (colon == std::string::npos || !http::isToken(line.substr(0, colon)))
      return corrupt("malformed response header line: \"" + quote(line, 80) + "\"");
    std::string name = http::asciiLower(line.substr(0, colon));
    std::string value = trim(line.substr(colon + 1));
    if (name == "content-length") {
      if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string::npos)
        return corrupt("invalid Content-Length \"" + quote(value, 80) + "\"");
      size_t v = std::stoull(value);
      // Two different lengths are how responses get smuggled (RFC 7230 section 3.3.3).
      if (haveLength && v != length) return corrupt("conflicting Content-Length headers");
      haveLength = true;
      length = v;
    } else if (name == "transfer-encoding") {
      transferEncoding = true;
      std::string codings = http::asciiLower(value);
      size_t comma = codings.rfind(',');
      chunked = trim(comma == std::string::npos ? codings : codings.substr(comma + 1)) == "chunked";
    }
    auto it = response_.headers.find(name);
    if (it == response_.headers.end())
      response_.headers.emplace(name, value);
    else if (name != "content-length")
      it->second += ", " + value;
  }
  // RFC 7230 section 3.3.3, in its order.
  if (headRequest_ || response_.status < 200 || response_.status == 204 || response_.status == 304) {
    body_ = Body::kNone;
  } else if (transferEncoding) {
    body_ = chunked ? Body::kChunked : Body::kUntilClose;
  } else if (haveLength) {
    if (length > maxBytes_) return resourceExhausted("the response body (" + std::to_string(length) +
                                                     " bytes) exceeds the limit of " + std::to_string(maxBytes_));
    body_ = Body::kLength;
    length_ = length;
  } else {
    body_ = Body::kUntilClose;
  }
  return Status::ok();
}

Status HttpResponseParser::advanceChunks() {
  for (;;) {
    switch (chunk_) {
      case Chunk::kSize: {
        size_t eol = buf_.find("\r\n", pos_);
        if (eol == std::string::npos) {
          if (buf_.size() - pos_ > kMaxLineBytes) return corrupt("a chunk size line exceeds 4 KiB");
          return Status::ok();
        }
        std::string line = buf_.substr(pos_, eol - pos_);
        std::string hex = trim(line.substr(0, line.find(';')));  // chunk extensions are ignored
        if (hex.empty() || hex.size() > 15 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
          return corrupt("invalid chunk size \"" + quote(line, 40) + "\"");
        chunkLeft_ = std::stoull(hex, nullptr, 16);
        pos_ = eol + 2;
        if (chunkLeft_ == 0) {
          chunk_ = Chunk::kTrailer;
        } else {
          if (response_.body.size() + chunkLeft_ > maxBytes_)
            return resourceExhausted("the response body exceeds the limit of " + std::to_string(maxBytes_) +
                                     " bytes");
          chunk_ = Chunk::kData;
        }
        break;
      }
      case Chunk::kData: {
        size_t n = std::min(chunkLeft_, buf_.size() - pos_);
        response_.body.append(buf_, pos_, n);
        pos_ += n;
        chunkLeft_ -= n;
        if (chunkLeft_ > 0) {
          compact();
          return Status::ok();
        }
        chunk_ = Chunk::kDataEnd;
        break;
      }
      case Chunk::kDataEnd:
        if (buf_.size() - pos_ < 2) return Status::ok();
        if (buf_.compare(pos_, 2, "\r\n") != 0) return corrupt("a chunk does not end with CRLF");
        pos_ += 2;
        chunk_ = Chunk::kSize;
        break;
      case Chunk::kTrailer: {
        size_t eol = buf_.find("\r\n", pos_);
        if (eol == std::string::npos) {
          if (buf_.size() - pos_ > kMaxLineBytes) return corrupt("a trailer line exceeds 4 KiB");
          return Status::ok();
        }
        bool last = eol == pos_;
        pos_ = eol + 2;  // trailer fields are not kept
        if (last) {
          done_ = true;
          return Status::ok();
        }
        break;
      }
    }
  }
}

void HttpResponseParser::compact() {
  if (pos_ > 64 * 1024) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
}

}  // namespace core
