// Every type of the device API (core/sync_wire.h) parsed from a body as the two ends receive it
// (parseBody: the depth- and size-limited JSON entry point, then fromJson), and claim tokens.
// Input: a selector octet, then the body (or the token text).
// Properties: what parses survives the round trip: fromJson(toJson(v)) succeeds and renders the
// same JSON; a decoded claim token encodes and decodes to itself; a token encoded from any fields
// (UTF-8 text) decodes to them when its fingerprint has 64 characters.
#include <cstdint>
#include <string>
#include <string_view>

#include <fuzzer/FuzzedDataProvider.h>

#include "aaa/auth/credentials.h"
#include "core/sync_wire.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr const char* kTarget = "sync_wire";
using namespace core::sync;

template <class T>
void roundTrip(std::string_view body, const char* name) {
  core::Result<T> v = parseBody<T>(body);
  if (!v.isOk()) return;
  core::Json j = toJson(*v);
  core::Result<T> again = fromJson<T>(j);
  FUZZ_CHECK(again.isOk(), std::string(name) + ": its own JSON does not parse: " + again.status().message());
  FUZZ_CHECK(toJson(*again).dump() == j.dump(), std::string(name) + ": round trip changed it");
}

bool sameToken(const ClaimToken& a, const ClaimToken& b) {
  return a.url == b.url && a.caFingerprint == b.caFingerprint && a.secret == b.secret;
}

void claimToken(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  core::Result<ClaimToken> t = decodeClaimToken(text);
  if (t.isOk()) {
    core::Result<ClaimToken> again = decodeClaimToken(encodeClaimToken(*t));
    FUZZ_CHECK(again.isOk() && sameToken(*again, *t), "a decoded claim token does not survive encoding");
  }
  FuzzedDataProvider in(data, size);
  ClaimToken made;
  made.url = in.ConsumeRandomLengthString(100);
  made.caFingerprint = in.ConsumeRandomLengthString(80);
  made.secret = in.ConsumeRandomLengthString(80);
  if (!aaa::auth::isValidUtf8(made.url) || !aaa::auth::isValidUtf8(made.caFingerprint) ||
      !aaa::auth::isValidUtf8(made.secret))
    return;  // JSON text is UTF-8; mgmtctl only ever encodes its own URL, hex and hex
  core::Result<ClaimToken> back = decodeClaimToken(encodeClaimToken(made));
  FUZZ_CHECK(back.isOk() == (made.caFingerprint.size() == 64),
             "an encoded claim token does not decode: " + back.status().message());
  if (back.isOk()) FUZZ_CHECK(sameToken(*back, made), "an encoded claim token decodes to other fields");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 18) {
    case 0: roundTrip<EnrollRequest>(body, "EnrollRequest"); break;
    case 1: roundTrip<EnrollResponse>(body, "EnrollResponse"); break;
    case 2: roundTrip<RenewRequest>(body, "RenewRequest"); break;
    case 3: roundTrip<RenewResponse>(body, "RenewResponse"); break;
    case 4: roundTrip<CheckinRequest>(body, "CheckinRequest"); break;
    case 5: roundTrip<Command>(body, "Command"); break;
    case 6: roundTrip<CheckinResponse>(body, "CheckinResponse"); break;
    case 7: roundTrip<Change>(body, "Change"); break;
    case 8: roundTrip<ChangePage>(body, "ChangePage"); break;
    case 9: roundTrip<UsageRow>(body, "UsageRow"); break;
    case 10: roundTrip<SessionSummary>(body, "SessionSummary"); break;
    case 11: roundTrip<UsageBatch>(body, "UsageBatch"); break;
    case 12: roundTrip<UsageAck>(body, "UsageAck"); break;
    case 13: roundTrip<Event>(body, "Event"); break;
    case 14: roundTrip<EventBatch>(body, "EventBatch"); break;
    case 15: roundTrip<EventAck>(body, "EventAck"); break;
    case 16: roundTrip<CommandResult>(body, "CommandResult"); break;
    default: claimToken(data + 1, size - 1); break;
  }
  return 0;
}
