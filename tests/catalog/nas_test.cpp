// NAS clients: nas-add's argument table and the one validation of a NAS value.
#include <string>

#include "catalog/nas.h"
#include "tests/catalog/catalog_test_support.h"

#include <CppUTest/TestHarness.h>

using core::Code;
using core::Json;

namespace {

using catalog_test::with;

core::Result<catalog::NasClient> fromArgs(const Json& args) { return catalog::nasFromArgs(core::CommandArgs(args)); }

Json minimal() { return Json{{"name", "bras-1"}, {"address", "192.0.2.0/24"}, {"secret", "a-long-shared-secret"}}; }

}  // namespace

TEST_GROUP(CatalogNas) {};

TEST(CatalogNas, EveryArgumentLandsInItsField) {
  core::Result<catalog::NasClient> n =
      fromArgs(Json{{"name", "bras-1"}, {"address", "2001:db8::/32"}, {"secret", "s3cret"}, {"vendor", "accel-ppp"},
                    {"coa-port", "1700"}, {"nas-identifier", "bras-1.pop"}, {"require-message-authenticator", "no"}});
  CHECK_TRUE_TEXT(n.isOk(), n.status().message().c_str());
  STRCMP_EQUAL("bras-1", n->name.c_str());
  STRCMP_EQUAL("2001:db8::/32", catalog::formatPrefix(n->prefix).c_str());
  STRCMP_EQUAL("s3cret", n->secret.c_str());
  CHECK_TRUE(n->vendor == catalog::VendorProfile::kAccelPpp);
  LONGS_EQUAL(1700, n->coaPort);
  STRCMP_EQUAL("bras-1.pop", n->nasIdentifier.c_str());
  CHECK_TRUE(n->requireMessageAuthenticator.has_value());
  CHECK_FALSE(*n->requireMessageAuthenticator);
}

TEST(CatalogNas, DefaultsForWhatIsNotGiven) {
  core::Result<catalog::NasClient> n = fromArgs(minimal());
  CHECK_TRUE_TEXT(n.isOk(), n.status().message().c_str());
  CHECK_TRUE(n->vendor == catalog::VendorProfile::kGeneric);
  LONGS_EQUAL(3799, n->coaPort);  // RFC 5176 2.3
  STRCMP_EQUAL("", n->nasIdentifier.c_str());
  CHECK_FALSE(n->requireMessageAuthenticator.has_value());
  // "default" is the server's setting too; yes is a per-NAS override.
  CHECK_FALSE(fromArgs(with(minimal(), "require-message-authenticator", "default"))->requireMessageAuthenticator);
  CHECK_TRUE(*fromArgs(with(minimal(), "require-message-authenticator", "yes"))->requireMessageAuthenticator);
}

TEST(CatalogNas, RadsecIdentityIsStoredInOneForm) {
  CHECK_TRUE(fromArgs(minimal())->radsecIdentity.empty());
  STRCMP_EQUAL("ap-17.example.net", fromArgs(with(minimal(), "radsec-identity", "ap-17.example.net"))->radsecIdentity.c_str());
  std::string colons = "sha256:", stored = "sha256:";
  for (int i = 0; i < 32; ++i) {
    colons += (i ? ":" : "") + std::string("AB");  // as openssl x509 -fingerprint prints it
    stored += "ab";
  }
  STRCMP_EQUAL(stored.c_str(), fromArgs(with(minimal(), "radsec-identity", colons))->radsecIdentity.c_str());
  CHECK_STATUS(Code::kInvalidArgument, "radsec-identity: a sha256 fingerprint is 64 hex digits, got 4",
               fromArgs(with(minimal(), "radsec-identity", "sha256:abcd")).status());
}

TEST(CatalogNas, UnknownArgumentsAreRefused) {
  CHECK_STATUS(Code::kInvalidArgument,
               "unknown argument 'port' (known: name, address, secret, vendor, coa-port, nas-identifier, "
               "require-message-authenticator, radsec-identity)",
               fromArgs(with(minimal(), "port", "1812")).status());
  CHECK_STATUS(Code::kInvalidArgument, "arguments must be an object", fromArgs(Json::array()).status());
}

TEST(CatalogNas, RequiredArgumentsAreNamed) {
  Json args = minimal();
  args.erase("name");
  CHECK_STATUS(Code::kInvalidArgument, "name is required", fromArgs(args).status());
  args = minimal();
  args.erase("address");
  CHECK_STATUS(Code::kInvalidArgument, "address is required", fromArgs(args).status());
  args = minimal();
  args.erase("secret");
  CHECK_STATUS(Code::kInvalidArgument, "secret is required", fromArgs(args).status());
  CHECK_STATUS(Code::kInvalidArgument, "secret is required", fromArgs(with(minimal(), "secret", "")).status());
}

TEST(CatalogNas, EachArgumentsFormIsChecked) {
  CHECK_STATUS(Code::kInvalidArgument, "address: '10.0.0.1/33' has a prefix length over 32",
               fromArgs(with(minimal(), "address", "10.0.0.1/33")).status());
  CHECK_STATUS(Code::kInvalidArgument, "address: '10.0.0.1/24' has host bits set (did you mean 10.0.0.1/32?)",
               fromArgs(with(minimal(), "address", "10.0.0.1/24")).status());
  CHECK_STATUS(Code::kInvalidArgument,
               "vendor: 'juniper' is not one of: generic, mikrotik, wispr, chillispot, cisco, accel-ppp",
               fromArgs(with(minimal(), "vendor", "juniper")).status());
  CHECK_STATUS(Code::kInvalidArgument, "require-message-authenticator: expected yes or no",
               fromArgs(with(minimal(), "require-message-authenticator", "maybe")).status());
  CHECK_STATUS(Code::kInvalidArgument, "nas-identifier: expected text, got list",
               fromArgs(with(minimal(), "nas-identifier", Json::array())).status());
}

TEST(CatalogNas, Limits) {
  CHECK_TRUE(fromArgs(with(minimal(), "secret", std::string(catalog::kMaxNasSecretOctets, 'x'))).isOk());
  CHECK_STATUS(Code::kInvalidArgument, "secret: longer than 128 characters",
               fromArgs(with(minimal(), "secret", std::string(129, 'x'))).status());
  CHECK_TRUE(fromArgs(with(minimal(), "coa-port", 65535)).isOk());
  CHECK_TRUE(fromArgs(with(minimal(), "coa-port", "1")).isOk());
  CHECK_STATUS(Code::kInvalidArgument, "coa-port: 0 is out of range 1..65535",
               fromArgs(with(minimal(), "coa-port", "0")).status());
  CHECK_STATUS(Code::kInvalidArgument, "coa-port: 65536 is out of range 1..65535",
               fromArgs(with(minimal(), "coa-port", 65536)).status());
}

TEST(CatalogNas, AValueBuiltInCodeIsValidatedTheSameWay) {
  catalog::NasClient n = *fromArgs(minimal());
  CHECK_TRUE(catalog::validateNas(n).isOk());
  catalog::NasClient noName = n;
  noName.name.clear();
  CHECK_STATUS(Code::kInvalidArgument, "name is required", catalog::validateNas(noName));
  catalog::NasClient longSecret = n;
  longSecret.secret.assign(129, 's');
  CHECK_STATUS(Code::kInvalidArgument, "secret: longer than 128 characters", catalog::validateNas(longSecret));
  catalog::NasClient noPort = n;
  noPort.coaPort = 0;
  CHECK_STATUS(Code::kInvalidArgument, "coa-port: 0 is out of range 1..65535", catalog::validateNas(noPort));
}

TEST(CatalogNas, VendorProfileNamesRoundTrip) {
  for (catalog::VendorProfile v : {catalog::VendorProfile::kGeneric, catalog::VendorProfile::kMikrotik,
                                   catalog::VendorProfile::kWispr, catalog::VendorProfile::kChillispot,
                                   catalog::VendorProfile::kCisco, catalog::VendorProfile::kAccelPpp})
    CHECK_TRUE(catalog::parseVendorProfile(catalog::vendorProfileName(v)) == v);
  CHECK_FALSE(catalog::parseVendorProfile("MikroTik").has_value());
}
