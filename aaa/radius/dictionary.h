// Dictionary: the FreeRADIUS attribute dictionaries shipped by Debian (/usr/share/freeradius),
// loaded once at startup, and AttrRef, a resolved attribute handle.
//
// Contract
// - Dictionary::load() runs once per process, at startup, before any thread encodes or decodes
//   (the dictionary is process-global inside libfreeradius). Loading the same folder again is a
//   no-op; another folder, or any load after unload(), fails (libfreeradius 3.2.1 cannot reload
//   safely). After load, find()/nameOf() and the codec in packet.h may be used from any number of
//   threads. Tests load it in setup and leave it loaded.
// - Attributes are resolved to AttrRef once, at startup: a missing attribute fails startup, never a
//   packet (find() names the attribute in its message).
// - (vendor, attr) follow FreeRADIUS numbering: vendor 0 for RFC attributes, the IANA enterprise
//   number for Vendor-Specific ones, RFC 6929 extended attributes with the parent type in the top
//   octet of vendor (241.1 is vendor 0xF1000000, attr 1).
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace aaa::radius {

// Value types as the dictionary declares them (FreeRADIUS type names in attrTypeName()).
enum class AttrType : uint8_t {
  kString = 1,
  kOctets,
  kInteger,
  kByte,
  kShort,
  kDate,
  kIpAddr,
  kIpv6Addr,
  kIpv6Prefix,
  kIpv4Prefix,
  kInteger64,
  kEther,
  kSigned,
  kOther,  // ifid, abinary, combo-ip, tlv, ...: carried as raw bytes, decode only for now
};

const char* attrTypeName(AttrType type);

// A resolved attribute. Cheap to copy; build it with Dictionary::find() rather than by hand, so
// the type is the dictionary's.
struct AttrRef {
  uint32_t vendor = 0;
  uint32_t attr = 0;
  AttrType type = AttrType::kOctets;

  bool operator==(const AttrRef& o) const {
    return vendor == o.vendor && attr == o.attr && type == o.type;
  }
  bool operator!=(const AttrRef& o) const { return !(*this == o); }
};

class Dictionary {
 public:
  // Loads `dir`/dictionary (and every file it $INCLUDEs) after checking that the FreeRADIUS
  // library matches the headers we were built with. Fails with the folder and the library's reason.
  static core::Result<Dictionary> load(const std::string& dir);

  // Frees the process-global dictionary at shutdown (clean valgrind runs). No other thread may use
  // the codec any more, and no dictionary can be loaded again in this process.
  static void unload();

  // The attribute called `name` (case-insensitive, as in FreeRADIUS). Not found: kNotFound with
  // the name in the message.
  core::Result<AttrRef> find(const std::string& name) const;

  // The dictionary name of (vendor, attr), kNotFound for attributes the dictionary lacks.
  core::Result<std::string> nameOf(uint32_t vendor, uint32_t attr) const;
  core::Result<std::string> nameOf(const AttrRef& ref) const { return nameOf(ref.vendor, ref.attr); }

  const std::string& dir() const { return dir_; }

 private:
  explicit Dictionary(std::string dir) : dir_(std::move(dir)) {}

  std::string dir_;
};

}  // namespace aaa::radius
