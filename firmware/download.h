// A bundle downloaded into a local file with resume, verified whole before an install writes a byte
// (docs/firmware.md "Rollouts from the box's side", ADR 0061).
//
// Contract:
//  - download() appends to `path` what the server holds after the bytes already there, in ranges
//    (firmware/https_source.h: 206 with the exact Content-Range, mutual TLS). Progress is durable:
//    every `syncBytes` the file is synced and its length recorded in `path`.length; a restart (kill -9,
//    power cut, a reboot) cuts the file back to the recorded length and asks only for the rest, so a
//    torn tail never reaches the verification as if it were the server's bytes.
//  - As soon as the header is in (magic, manifest and signature), `checkHeader` is asked about it:
//    a bundle with a bad signature, for other hardware or below the security floor is refused there,
//    before the payload is fetched.
//  - A file already complete costs one request (416 past its end).
//  - The file is verified whole (firmware/bundle.h verifyBundleFile) before an install writes a byte
//    (firmware/installer.h installFile).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/https_client.h"
#include "firmware/bundle.h"

namespace firmware {

struct DownloadOptions {
  core::HttpsClientOptions https;  // mgmt's endpoint, its CA and server name, the device certificate
  std::string urlPath;             // "/v1/firmware/2.1.0"
  uint64_t rangeBytes = 8ull << 20;
  uint64_t syncBytes = 8ull << 20;  // sync and record the length this often
  Progress progress;                // bytes in the file and the total, after each range
  // The header as soon as it is in the file; an error stops the download with that error.
  std::function<core::Status(const std::string& path)> checkHeader;
};

struct DownloadResult {
  uint64_t size = 0;         // the whole file
  uint64_t resumedAt = 0;    // bytes already in the file (0 = from the start)
};

core::Result<DownloadResult> download(const DownloadOptions& options, const std::string& path);

}  // namespace firmware
