#include "aaa/radius/dictionary.h"

#include <array>

#include "aaa/radius/fr_shim.h"

namespace aaa::radius {

// AttrType mirrors frs_type value for value, so conversions across the shim are casts.
static_assert(static_cast<int>(AttrType::kString) == FRS_TYPE_STRING);
static_assert(static_cast<int>(AttrType::kOctets) == FRS_TYPE_OCTETS);
static_assert(static_cast<int>(AttrType::kInteger) == FRS_TYPE_INTEGER);
static_assert(static_cast<int>(AttrType::kByte) == FRS_TYPE_BYTE);
static_assert(static_cast<int>(AttrType::kShort) == FRS_TYPE_SHORT);
static_assert(static_cast<int>(AttrType::kDate) == FRS_TYPE_DATE);
static_assert(static_cast<int>(AttrType::kIpAddr) == FRS_TYPE_IPADDR);
static_assert(static_cast<int>(AttrType::kIpv6Addr) == FRS_TYPE_IPV6ADDR);
static_assert(static_cast<int>(AttrType::kIpv6Prefix) == FRS_TYPE_IPV6PREFIX);
static_assert(static_cast<int>(AttrType::kIpv4Prefix) == FRS_TYPE_IPV4PREFIX);
static_assert(static_cast<int>(AttrType::kInteger64) == FRS_TYPE_INTEGER64);
static_assert(static_cast<int>(AttrType::kEther) == FRS_TYPE_ETHER);
static_assert(static_cast<int>(AttrType::kSigned) == FRS_TYPE_SIGNED);
static_assert(static_cast<int>(AttrType::kOther) == FRS_TYPE_OTHER);

const char* attrTypeName(AttrType type) {
  switch (type) {
    case AttrType::kString: return "string";
    case AttrType::kOctets: return "octets";
    case AttrType::kInteger: return "integer";
    case AttrType::kByte: return "byte";
    case AttrType::kShort: return "short";
    case AttrType::kDate: return "date";
    case AttrType::kIpAddr: return "ipaddr";
    case AttrType::kIpv6Addr: return "ipv6addr";
    case AttrType::kIpv6Prefix: return "ipv6prefix";
    case AttrType::kIpv4Prefix: return "ipv4prefix";
    case AttrType::kInteger64: return "integer64";
    case AttrType::kEther: return "ether";
    case AttrType::kSigned: return "signed";
    case AttrType::kOther: return "other";
  }
  return "invalid";
}

core::Result<Dictionary> Dictionary::load(const std::string& dir) {
  std::array<char, 512> err{};
  int rc = frs_dict_init(dir.c_str(), err.data(), err.size());
  if (rc == FRS_OK) return Dictionary(dir);
  std::string message = std::string("RADIUS dictionary: ") + err.data();
  switch (rc) {
    case FRS_ERR_ARGUMENT: return core::invalidArgument(message);
    case FRS_ERR_STATE: return core::failedPrecondition(message);
    default: return core::failedPrecondition(message);  // library mismatch, unreadable files
  }
}

void Dictionary::unload() { frs_dict_free(); }

core::Result<AttrRef> Dictionary::find(const std::string& name) const {
  std::array<char, 512> err{};
  uint32_t vendor = 0;
  uint32_t attr = 0;
  frs_type type = FRS_TYPE_OCTETS;
  int rc = frs_attr_by_name(name.c_str(), &vendor, &attr, &type, err.data(), err.size());
  if (rc == FRS_OK) return AttrRef{vendor, attr, static_cast<AttrType>(type)};
  if (rc == FRS_ERR_NOT_FOUND) return core::notFound(err.data());
  return core::failedPrecondition(err.data());
}

core::Result<std::string> Dictionary::nameOf(uint32_t vendor, uint32_t attr) const {
  std::array<char, 256> name{};
  int rc = frs_attr_name(vendor, attr, name.data(), name.size());
  if (rc == FRS_OK) return std::string(name.data());
  std::string what = "attribute (vendor " + std::to_string(vendor) + ", attr " + std::to_string(attr) + ")";
  if (rc == FRS_ERR_NOT_FOUND) return core::notFound(what + " is not in the dictionary " + dir_);
  return core::failedPrecondition(what + ": no dictionary loaded");
}

}  // namespace aaa::radius
