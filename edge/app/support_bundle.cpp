#include "edge/app/support_bundle.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace edge {

bool isSecretKey(const std::string& key) {
  std::string k = key;
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  // "hash": a subscriber's nt-hash logs in by itself (pass-the-hash), so it is a secret like a password.
  for (const char* word : {"secret", "password", "passphrase", "community", "token", "psk", "private", "hash"})
    if (k.find(word) != std::string::npos) return true;
  return k == "key" || (k.size() > 3 && k.compare(k.size() - 3, 3, "key") == 0);
}

core::Json redactSecrets(const core::Json& document) {
  if (document.is_array()) {
    core::Json out = core::Json::array();
    for (const core::Json& v : document) out.push_back(redactSecrets(v));
    return out;
  }
  if (!document.is_object()) return document;
  core::Json out = core::Json::object();
  for (const auto& [key, value] : document.items()) {
    bool empty = value.is_null() || (value.is_string() && value.get<std::string>().empty()) ||
                 (value.is_array() && value.empty());
    if (isSecretKey(key) && !empty)
      out[key] = kRedacted;
    else
      out[key] = redactSecrets(value);
  }
  return out;
}

namespace {

constexpr size_t kBlock = 512;

// An octal field of `width` bytes: digits, then NUL (POSIX ustar).
void octal(char* field, size_t width, uint64_t value) {
  field[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0; value >>= 3) field[i] = static_cast<char>('0' + (value & 7));
}

}  // namespace

core::Status TarGz::add(const std::string& name, const std::string& content, int64_t mtime) {
  if (name.empty() || name.size() > 99 || name[0] == '/' || name.find("..") != std::string::npos)
    return core::invalidArgument("archive member name '" + name + "' must be 1..99 bytes, relative, without '..'");
  size_t padded = (content.size() + kBlock - 1) / kBlock * kBlock;
  // The two zero blocks that end the archive are counted too.
  if (tar_.size() + kBlock + padded + 2 * kBlock > maxBytes_)
    return core::resourceExhausted("the archive would pass its limit of " + std::to_string(maxBytes_) + " bytes at " + name);
  char h[kBlock];
  std::memset(h, 0, sizeof h);
  std::memcpy(h, name.data(), name.size());                  // name
  octal(h + 100, 8, 0600);                                     // mode
  octal(h + 108, 8, 0);                                        // uid
  octal(h + 116, 8, 0);                                        // gid
  octal(h + 124, 12, content.size());                          // size
  octal(h + 136, 12, static_cast<uint64_t>(std::max<int64_t>(mtime, 0)));  // mtime
  h[156] = '0';                                                // typeflag: regular file
  std::memcpy(h + 257, "ustar", 6);                            // magic "ustar\0"
  std::memcpy(h + 263, "00", 2);                               // version
  std::memcpy(h + 265, "root", 4);                             // uname
  std::memcpy(h + 297, "root", 4);                             // gname
  // The checksum is computed with its own field as eight spaces.
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  octal(h + 148, 7, sum);  // six digits and a NUL, then the space already there
  h[155] = ' ';
  tar_.append(h, kBlock);
  tar_.append(content);
  tar_.append(padded - content.size(), '\0');
  return core::Status::ok();
}

core::Result<std::string> TarGz::finish() {
  tar_.append(2 * kBlock, '\0');
  z_stream z;
  std::memset(&z, 0, sizeof z);
  // windowBits 15 + 16: a gzip header and trailer (RFC 1952) instead of zlib's.
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return core::internalError("zlib: deflateInit2 failed");
  std::string out(deflateBound(&z, tar_.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(tar_.data());
  z.avail_in = static_cast<uInt>(tar_.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  size_t written = out.size() - z.avail_out;
  deflateEnd(&z);
  tar_.clear();
  if (rc != Z_STREAM_END) return core::internalError("zlib: deflate did not finish (" + std::to_string(rc) + ")");
  out.resize(written);
  return out;
}

}  // namespace edge
