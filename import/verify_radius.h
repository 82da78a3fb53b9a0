// The shadow check's RadiusAsk (import/verify.h) on the repository's RADIUS codec (aaa/radius) and
// CHAP (aaa/auth/chap.h): Access-Requests with Message-Authenticator first, User-Password (PAP) or
// CHAP-Password + CHAP-Challenge, NAS-IP-Address, Service-Type Framed-User and the bound MAC as
// Calling-Station-Id; three tries within the timeout on one UDP socket; an answer is taken only
// with the request's identifier, a valid Response Authenticator and, when present, a valid
// Message-Authenticator. In its own library (importer_radius) because it links `aaa`, which mgmt's
// programs must not (ADR 0015).
#pragma once

#include <string>

#include "core/status.h"
#include "import/verify.h"

namespace importer {

// Loads the FreeRADIUS dictionaries from `dictionaryDir` (once per process) and resolves the
// attributes the check sends and compares; the error names what is missing.
core::Result<RadiusAsk> radiusAsker(const std::string& dictionaryDir);

}  // namespace importer
