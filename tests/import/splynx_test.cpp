// The Splynx importer: the CSV reader (quotes, line breaks inside quotes, separators, line-numbered
// errors, limits) and the mapping of tests/import/splynx/ (customers, internet services, tariffs).
#include <fstream>
#include <sstream>
#include <string>

#include "import/file_sources.h"
#include "import/splynx.h"
#include "tests/import/import_test_support.h"

#include <CppUTest/TestHarness.h>

namespace {

using import_test::find;
using import_test::hasWarning;

const std::string kDir = std::string(EDGE_SOURCE_DIR) + "/tests/import/splynx";

importer::ImportPlan mapSplynxFixture(importer::MapOptions options = {}) {
  const importer::FileSource* s = importer::findFileSource("splynx");
  CHECK_TRUE(s != nullptr);
  core::Result<importer::ImportPlan> p = s->read(kDir, options);
  CHECK_TRUE_TEXT(p.isOk(), p.isOk() ? "" : p.status().message().c_str());
  return *p;
}

std::string csvError(const std::string& text) {
  core::Result<importer::CsvTable> r = importer::parseCsv(text);
  CHECK_FALSE(r.isOk());
  return r.isOk() ? "" : r.status().message();
}

importer::CsvTable csv(const std::string& text) {
  core::Result<importer::CsvTable> r = importer::parseCsv(text);
  CHECK_TRUE_TEXT(r.isOk(), r.isOk() ? "" : r.status().message().c_str());
  return *r;
}

}  // namespace

TEST_GROUP(SplynxCsv) {};

TEST(SplynxCsv, QuotesLineBreaksSeparatorsAndBom) {
  importer::CsvTable t = csv("\xEF\xBB\xBFid,name,note\r\n1,\"Smith, J\",\"two\nlines\"\r\n\r\n2,\"say \"\"hi\"\"\",\n");
  LONGS_EQUAL(3, t.header.size());
  STRCMP_EQUAL("id", t.header[0].c_str());
  LONGS_EQUAL(2, t.rows.size());
  STRCMP_EQUAL("Smith, J", t.rows[0][1].c_str());
  STRCMP_EQUAL("two\nlines", t.rows[0][2].c_str());
  LONGS_EQUAL(2, t.lines[0]);
  LONGS_EQUAL(5, t.lines[1]);  // after the quoted line break and a blank line
  STRCMP_EQUAL("say \"hi\"", t.rows[1][1].c_str());
  STRCMP_EQUAL("", t.rows[1][2].c_str());
  importer::CsvTable s = csv("id;name\n1;a,b\n");
  STRCMP_EQUAL("a,b", s.rows[0][1].c_str());
}

TEST(SplynxCsv, ErrorsNameTheLine) {
  STRCMP_EQUAL("line 3: 2 fields where the header has 3", csvError("a,b,c\n1,2,3\n1,2\n").c_str());
  STRCMP_EQUAL("line 2: a quoted field that never ends", csvError("a,b\n1,\"x\n\n").c_str());
  STRCMP_EQUAL("line 2: text after a quoted field's closing quote (double the quotes inside it)",
               csvError("a,b\n1,\"x\"y\n").c_str());
  STRCMP_EQUAL("line 2: a '\"' inside an unquoted field (quote the field and double it)", csvError("a,b\n1,x\"y\n").c_str());
  STRCMP_EQUAL("empty (no header row)", csvError("\n\n").c_str());
  STRCMP_EQUAL("line 3: not UTF-8 (convert the file first, e.g. iconv -f latin1 -t utf-8)",
               csvError("a,b\n1,2\n1,M\xfcller\n").c_str());
  STRCMP_EQUAL("line 2: a field longer than 64 KiB", csvError("a\n" + std::string(70000, 'x') + "\n").c_str());
  std::string wide;
  for (int i = 0; i < 600; ++i) wide += "c,";
  STRCMP_EQUAL("line 1: more than 512 columns", csvError(wide + "\n").c_str());
}

TEST_GROUP(Splynx) {};

TEST(Splynx, ServicesBecomeSubscribersOnTariffPlans) {
  importer::ImportPlan p = mapSplynxFixture({"", "USD"});
  STRCMP_EQUAL("splynx", p.source.c_str());
  LONGS_EQUAL(6, p.subscribers.size());
  LONGS_EQUAL(2, p.plans.size());
  STRCMP_EQUAL(
      "{\"name\":\"Fiber 50\",\"down\":\"50M\",\"up\":\"20M\",\"burst-down\":\"75M\",\"burst-up\":\"30M\","
      "\"burst-threshold\":\"80\",\"burst-time\":\"10\",\"price\":\"29.00\",\"currency\":\"USD\"}",
      p.plans[0].args.dump().c_str());
  LONGS_EQUAL(4, p.plans[0].subscribers);
  STRCMP_EQUAL("{\"name\":\"Business 100\",\"down\":\"100M\",\"up\":\"100M\",\"price\":\"99.00\",\"currency\":\"USD\"}",
               p.plans[1].args.dump().c_str());

  const auto& js = find(p, "jsmith-pppoe");
  STRCMP_EQUAL("js-secret", js.args["password"].get<std::string>().c_str());
  CHECK_FALSE(js.args.contains("expires"));  // 0000-00-00 is none
  CHECK_FALSE(js.args.contains("status"));
  STRCMP_EQUAL("John Smith", js.customer["name"].get<std::string>().c_str());
  STRCMP_EQUAL("12 Main St, Apt 4, 12345 Springfield", js.customer["address"].get<std::string>().c_str());
  STRCMP_EQUAL("Splynx customer 101 (person)", js.customer["notes"].get<std::string>().c_str());
  STRCMP_EQUAL("john@example.com", js.customer["email"].get<std::string>().c_str());
  LONGS_EQUAL(2, js.line);
  const auto& acme = find(p, "acme-pppoe");
  STRCMP_EQUAL("203.0.113.10", acme.args["static-ip"].get<std::string>().c_str());
  STRCMP_EQUAL("2027-06-30T23:59:59Z", acme.args["expires"].get<std::string>().c_str());
  STRCMP_EQUAL("ACME \"Widgets\" Ltd", acme.customer["name"].get<std::string>().c_str());
  STRCMP_EQUAL("disabled", find(p, "acme-backup").args["status"].get<std::string>().c_str());
  CHECK_TRUE(hasWarning(find(p, "acme-backup").warnings, "service stopped in Splynx: imported as disabled"));
  CHECK_TRUE(hasWarning(find(p, "acme-backup").warnings, "service price 25.00 differs from its tariff's 29.00"));
  const auto& ml = find(p, "mlate-pppoe");
  STRCMP_EQUAL("suspended", ml.args["status"].get<std::string>().c_str());
  STRCMP_EQUAL("aa:bb:cc:00:11:22", ml.args["mac"].get<std::string>().c_str());
  STRCMP_EQUAL("disabled", find(p, "gone-pppoe").args["status"].get<std::string>().c_str());
  const auto& orphan = find(p, "orphan-pppoe");
  CHECK_FALSE(orphan.importable);
  STRCMP_EQUAL("tariff 'Legacy 2' is not in tariffs.csv (export Tariff plans -> Internet too, or name a default plan)",
               orphan.refusal.c_str());
  CHECK_TRUE(hasWarning(orphan.warnings, "customer 105 is not in customers.csv"));
  std::string report = importer::reportJson(p).dump() + importer::reportText(p);
  CHECK_TRUE(report.find("js-secret") == std::string::npos);
  CHECK_TRUE(report.find("John Smith") != std::string::npos);  // customer details are not secrets
}

TEST(Splynx, PricesNeedACurrencyAndMissingColumnsAreNamed) {
  importer::ImportPlan p = mapSplynxFixture();
  CHECK_FALSE(p.plans[0].args.contains("price"));
  CHECK_TRUE(hasWarning(p.warnings, "tariff 'Fiber 50' price 29.00: dropped (give --currency)"));
  importer::SplynxExport e;
  e.customers = csv("id,name\n1,a\n");
  e.services = csv("customer id,login,tariff\n1,u,t\n");
  core::Result<importer::ImportPlan> r = importer::mapSplynx(e, {});
  CHECK_FALSE(r.isOk());
  STRCMP_EQUAL("internet_services.csv: no 'password' column", r.status().message().c_str());
  const importer::FileSource* s = importer::findFileSource("splynx");
  core::Result<importer::ImportPlan> notDir = s->read(kDir + "/customers.csv", {});
  CHECK_TRUE(notDir.status().message().find("customers.csv: not a folder") != std::string::npos);
}
