// A bundle read over HTTPS in ranges (edgectl firmware install URL; docs/firmware.md).
//
// Contract:
//  - Each fetch asks for `Range: bytes=A-B` (at most chunkBytes) and accepts only 206 with a
//    Content-Range that names exactly the asked start, an end within the asked range, the body's
//    length, and the same total as the first answer; 416 at the end of the file is the end. Anything
//    else is an error naming what came back, so a server that ignores Range never makes us take a
//    whole file into memory or read bytes at the wrong offset.
//  - skip() moves the next fetch on without downloading (a resumed install asks only for what it
//    still needs).
//  - The client (core/https_client.h) authenticates the server against the CA and presents the
//    device certificate when the options carry them (mutual TLS to mgmt). One HttpsClient serves all
//    the ranges: the identity is parsed once and the TLS session resumed from range to range.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/https_client.h"
#include "firmware/bundle.h"

namespace firmware {

struct ContentRange {
  uint64_t first = 0;
  uint64_t last = 0;   // inclusive
  uint64_t total = 0;
};
// "bytes FIRST-LAST/TOTAL" (RFC 9110 section 14.4); kInvalidArgument naming the header otherwise
// ("*" totals, unsatisfied-range forms and anything after TOTAL are refused).
core::Result<ContentRange> parseContentRange(std::string_view value);

class HttpsRangeSource : public ByteSource {
 public:
  HttpsRangeSource(core::HttpsClientOptions options, std::string path, uint64_t chunkBytes = 8ull << 20);
  core::Result<size_t> read(char* buffer, size_t size) override;
  core::Status skip(uint64_t bytes) override;
  // The file's size as the server's first answer said (0 before it).
  uint64_t total() const { return total_; }

 private:
  core::Status fetch();

  core::HttpsClientOptions options_;
  std::unique_ptr<core::HttpsClient> client_;  // made at the first fetch
  std::string path_;
  uint64_t chunk_;
  uint64_t offset_ = 0;     // the file offset of buffer_[used_]
  uint64_t total_ = 0;      // 0 = not known yet
  bool ended_ = false;
  std::string buffer_;
  size_t used_ = 0;
};

}  // namespace firmware
