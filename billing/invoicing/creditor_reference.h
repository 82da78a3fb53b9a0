// ISO 11649 structured creditor references ("RF" + two check digits + up to 21 letters or digits),
// the check digits by ISO 7064 MOD 97-10 as for an IBAN.
#pragma once

#include <string>

#include "core/status.h"

namespace billing {

// The reference for `body` (1..21 characters A-Z, 0-9; lower case is upper-cased): "RF18539007547034"
// for "539007547034". kInvalidArgument naming the body otherwise.
core::Result<std::string> creditorReference(const std::string& body);
// The reference as typed (spaces allowed, any case), normalized ("RF18539007547034"), when its
// format and check digits are right; kInvalidArgument otherwise.
core::Result<std::string> parseCreditorReference(const std::string& text);
// "RF18 5390 0754 7034": blocks of four for print.
std::string formatCreditorReference(const std::string& reference);

}  // namespace billing
