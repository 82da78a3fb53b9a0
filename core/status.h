// Status and Result<T>: how every library reports failure on the data path.
//
// Contract: a Status is either ok() or carries a Code and a message written for the person who will
// read the log ("opening /var/lib/edged/edge.db: disk is full"). Libraries do not log; they return a
// Status with context, and the caller logs once with its own label. Exceptions are for the control
// path only (startup, config) and never cross a C callback.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace core {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong (bad config value, malformed packet)
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kFailedPrecondition,  // the system is not in a state where this can run (not running, locked)
  kResourceExhausted,   // disk full, too many connections, queue full
  kUnavailable,         // a peer or resource is temporarily unreachable; retrying may help
  kTimeout,
  kIoError,             // the operating system refused (read-only disk, socket error)
  kCorrupt,             // stored or received data fails its own checks
  kInternal,            // a bug: an invariant of ours did not hold
};

const char* codeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }

  bool isOk() const { return code_ == Code::kOk; }
  explicit operator bool() const { return isOk(); }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "context: message", for adding where the failure happened as it travels up.
  Status withContext(const std::string& context) const;
  // "code-name: message", or "ok".
  std::string toString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status invalidArgument(std::string m) { return Status(Code::kInvalidArgument, std::move(m)); }
inline Status notFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
inline Status alreadyExists(std::string m) { return Status(Code::kAlreadyExists, std::move(m)); }
inline Status permissionDenied(std::string m) { return Status(Code::kPermissionDenied, std::move(m)); }
inline Status failedPrecondition(std::string m) { return Status(Code::kFailedPrecondition, std::move(m)); }
inline Status resourceExhausted(std::string m) { return Status(Code::kResourceExhausted, std::move(m)); }
inline Status unavailable(std::string m) { return Status(Code::kUnavailable, std::move(m)); }
inline Status timeoutError(std::string m) { return Status(Code::kTimeout, std::move(m)); }
inline Status ioError(std::string m) { return Status(Code::kIoError, std::move(m)); }
inline Status corrupt(std::string m) { return Status(Code::kCorrupt, std::move(m)); }
inline Status internalError(std::string m) { return Status(Code::kInternal, std::move(m)); }

// Status from errno, naming what was being done: errnoStatus("opening /x") -> "opening /x: No such
// file or directory", with the Code chosen from the errno value.
Status errnoStatus(const std::string& what, int err);

// Result<T>: a value or a non-ok Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}             // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {       // NOLINT: implicit by design
    if (status_.isOk()) status_ = internalError("Result constructed from an ok Status without a value");
  }

  bool isOk() const { return value_.has_value(); }
  explicit operator bool() const { return isOk(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  // The value, or `fallback` when there is none (for figures where an error may read as zero).
  T valueOr(T fallback) const& { return value_ ? *value_ : std::move(fallback); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace core

// Return early from a function returning Status or Result<T> when `expr` is not ok.
#define EDGE_RETURN_IF_ERROR(expr)              \
  do {                                          \
    ::core::Status edge_status_ = (expr);       \
    if (!edge_status_.isOk()) return edge_status_; \
  } while (0)

// In a function returning Status, Result<U> or ControlReply: `lhs` gets the value of `expr` (a Result), or
// the function returns its Status.
#define EDGE_ASSIGN_OR_RETURN(lhs, expr) EDGE_ASSIGN_OR_RETURN_IMPL_(EDGE_CONCAT_(edge_result_, __LINE__), lhs, expr)
#define EDGE_CONCAT_INNER_(a, b) a##b
#define EDGE_CONCAT_(a, b) EDGE_CONCAT_INNER_(a, b)
#define EDGE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.isOk()) return tmp.status();             \
  lhs = std::move(*tmp)
