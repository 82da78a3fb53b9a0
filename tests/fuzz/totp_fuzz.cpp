// What people type into the technician UI's TOTP forms and the events filter: an enrollment secret in
// base32 (edge/webui/totp.h fromBase32), a six-digit code (totpStep), and the "since" time of the
// events page (edge/app/event_log.h normalizeSince).
// Input: a selector octet, then the text.
// Properties: fromBase32 of its own toBase32 gives the bytes back, and whatever it accepts re-encodes
// to a text it accepts with the same bytes; a code totpStep accepts is 6 digits and belongs to a step
// within one of now's; normalizeSince either refuses or gives exactly "YYYY-MM-DDTHH:MM:SSZ" of digits,
// which it accepts again unchanged.
#include <cctype>
#include <cstdint>
#include <string>

#include "edge/app/event_log.h"
#include "core/identity/totp.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "totp";
const std::string kSecret = "12345678901234567890";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      core::Result<std::string> bytes = core::identity::fromBase32(text);
      if (bytes.isOk()) {
        core::Result<std::string> again = core::identity::fromBase32(core::identity::toBase32(*bytes));
        FUZZ_CHECK(again.isOk() && *again == *bytes, "base32 does not round-trip: '" + text + "'");
      }
      std::string raw = text.substr(0, 64);
      if (!raw.empty()) {
        core::Result<std::string> back = core::identity::fromBase32(core::identity::toBase32(raw));
        FUZZ_CHECK(back.isOk() && *back == raw, "toBase32 of raw bytes does not decode back");
      }
      break;
    }
    case 1: {
      const int64_t now = 1700000000;
      std::optional<int64_t> step = core::identity::totpStep(kSecret, text, now);
      if (step) {
        FUZZ_CHECK(text.size() == 6, "a code of " + std::to_string(text.size()) + " characters was accepted");
        for (char c : text) FUZZ_CHECK(std::isdigit(static_cast<unsigned char>(c)), "a code with a non-digit was accepted");
        FUZZ_CHECK(*step >= now / 30 - 1 && *step <= now / 30 + 1, "a code of a far step was accepted");
        core::Result<std::string> code = core::identity::totpCode(kSecret, *step * 30);
        FUZZ_CHECK(code.isOk() && *code == text, "the accepted code is not the code of its step");
      }
      break;
    }
    default: {
      core::Result<std::string> since = edge::normalizeSince(text);
      if (since.isOk()) {
        static const char* shape = "dddd-dd-ddTdd:dd:ddZ";
        FUZZ_CHECK(since->size() == 20, "normalised time of the wrong length: '" + *since + "'");
        for (size_t i = 0; i < 20; ++i)
          FUZZ_CHECK(shape[i] == 'd' ? std::isdigit(static_cast<unsigned char>((*since)[i])) != 0 : (*since)[i] == shape[i],
                     "normalised time of the wrong shape: '" + *since + "'");
        core::Result<std::string> again = edge::normalizeSince(*since);
        FUZZ_CHECK(again.isOk() && *again == *since, "a normalised time is not accepted unchanged");
      }
      break;
    }
  }
  return 0;
}
