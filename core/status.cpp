#include "core/status.h"

#include <cerrno>
#include <cstring>

namespace core {

const char* codeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid-argument";
    case Code::kNotFound: return "not-found";
    case Code::kAlreadyExists: return "already-exists";
    case Code::kPermissionDenied: return "permission-denied";
    case Code::kFailedPrecondition: return "failed-precondition";
    case Code::kResourceExhausted: return "resource-exhausted";
    case Code::kUnavailable: return "unavailable";
    case Code::kTimeout: return "timeout";
    case Code::kIoError: return "io-error";
    case Code::kCorrupt: return "corrupt";
    case Code::kInternal: return "internal";
  }
  return "unknown";
}

Status Status::withContext(const std::string& context) const {
  if (isOk()) return *this;
  return Status(code_, context + ": " + message_);
}

std::string Status::toString() const {
  if (isOk()) return "ok";
  return std::string(codeName(code_)) + ": " + message_;
}

Status errnoStatus(const std::string& what, int err) {
  Code code = Code::kIoError;
  switch (err) {
    case ENOENT: code = Code::kNotFound; break;
    case EEXIST: code = Code::kAlreadyExists; break;
    case EACCES:
    case EPERM:
    case EROFS: code = Code::kPermissionDenied; break;
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
    case ENOMEM: code = Code::kResourceExhausted; break;
    case ETIMEDOUT:
    case EAGAIN: code = Code::kTimeout; break;
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH: code = Code::kUnavailable; break;
    case EINVAL: code = Code::kInvalidArgument; break;
    default: break;
  }
  return Status(code, what + ": " + std::strerror(err));
}

}  // namespace core
