// The answer of a command, whoever asked (control socket, web UI, HTTP API).
//
//   {"result": 0, "text": "...", "arguments": {...}}                      success
//   {"result": 1, "code": "not-found", "text": "no plan named 'x'"}       failure
//
// result codes (Kea's): 0 success, 1 error, 2 unsupported command, 3 empty (nothing to report).
// A failure carries a core::Code; the answer names its public code (core/command/command.h), which
// the CLIs turn into exit statuses and the HTTP APIs into statuses.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "core/config.h"
#include "core/status.h"

namespace core {

enum ControlResult { kControlSuccess = 0, kControlError = 1, kControlUnsupported = 2, kControlEmpty = 3 };

struct ControlReply {
  int result = kControlSuccess;
  std::string text;
  Json arguments;  // null when there are none
  Code code = Code::kOk;  // why it failed (kOk on success)
  // Set by later(): the rest of the command, run with no lock held (see core/command/command.h).
  std::function<ControlReply()> wait;

  ControlReply() = default;
  ControlReply(int result, std::string text, Json arguments = nullptr, std::function<ControlReply()> wait = nullptr)
      : result(result), text(std::move(text)), arguments(std::move(arguments)), wait(std::move(wait)) {
    if (this->result == kControlError) code = Code::kInvalidArgument;
    if (this->result == kControlUnsupported) code = Code::kNotFound;
  }
  // A failed command answers with its Status: code and message. (So a handler may
  // `EDGE_RETURN_IF_ERROR(s)`: a Status converts to the failure it describes.)
  ControlReply(const Status& failure)  // NOLINT: implicit by design
      : result(failure.isOk() ? kControlSuccess : kControlError), text(failure.message()), code(failure.code()) {}

  static ControlReply success(std::string text, Json arguments = nullptr) {
    return ControlReply(kControlSuccess, std::move(text), std::move(arguments));
  }
  // A failure with its code; error(text) is invalid-argument (the caller's input is wrong).
  static ControlReply error(const Status& failure) { return ControlReply(failure); }
  static ControlReply error(std::string text) { return ControlReply(invalidArgument(std::move(text))); }
  // Same, keeping data for the caller (a partial import's errors, a disconnect's per-session results).
  static ControlReply error(const Status& failure, Json arguments) {
    ControlReply r(failure);
    r.arguments = std::move(arguments);
    return r;
  }
  // A handler's answer that waits on the network: `wait` runs after the handler, outside the
  // handlers' lock, and returns the answer (it must not return another later()).
  static ControlReply later(std::function<ControlReply()> wait) {
    return ControlReply(kControlSuccess, "", nullptr, std::move(wait));
  }
  bool ok() const { return result == kControlSuccess || result == kControlEmpty; }
  Json toJson() const;
};

}  // namespace core
