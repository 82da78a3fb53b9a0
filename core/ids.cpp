#include "core/ids.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>

namespace core {

void secureRandom(uint8_t* out, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = getrandom(out + done, len - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::abort();
    }
    done += static_cast<size_t>(n);
  }
}

std::string toHex(const uint8_t* data, size_t len) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (size_t i = 0; i < len; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

namespace {
std::string formatUuid(const uint8_t b[16]) {
  std::string hex = toHex(b, 16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}
}  // namespace

std::string uuidV4() {
  uint8_t b[16];
  secureRandom(b, sizeof b);
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10
  return formatUuid(b);
}

std::string uuidV7(const Clock& clock) {
  // RFC 9562 6.2 method 1: a 12-bit counter in rand_a keeps ids ordered within one millisecond.
  static std::mutex mu;
  static uint64_t lastMillis = 0;
  static uint16_t counter = 0;

  uint64_t millis = static_cast<uint64_t>(clock.unixMillis());
  uint16_t seq;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (millis <= lastMillis) {
      millis = lastMillis;  // clock stepped back or same millisecond: stay ordered
      if (++counter > 0x0fff) {
        counter = 0;
        millis = ++lastMillis;
      }
    } else {
      lastMillis = millis;
      uint8_t r[2];
      secureRandom(r, 2);
      counter = static_cast<uint16_t>(((r[0] << 8) | r[1]) & 0x07ff);  // leave headroom to count up
    }
    seq = counter;
  }

  uint8_t b[16];
  secureRandom(b, sizeof b);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(millis >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | ((seq >> 8) & 0x0f));
  b[7] = static_cast<uint8_t>(seq & 0xff);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  return formatUuid(b);
}

bool isUuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace core
