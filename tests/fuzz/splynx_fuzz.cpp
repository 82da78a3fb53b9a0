// The Splynx importer (import/splynx.h): the CSV reader and the mapping. The input is up to three
// CSV files separated by a form feed: customers, internet services, tariffs (the last optional).
// Properties: a CSV error names a line within its file ("line N: ", 1 <= N <= lines); every row has
// the header's width and starts on a line within the file, in order; the mapping either names a file
// and column it misses or gives at most one subscriber per service row, each importable one on a
// plan with a password (or a MAC-named one without); the JSON report never carries a password and is
// the same on a second run.
#include <cstdint>
#include <string>

#include "import/splynx.h"
#include "tests/fuzz/fuzz_support.h"

namespace {
constexpr const char* kTarget = "splynx";

bool readCsv(const std::string& text, importer::CsvTable* out) {
  int lines = 1;
  for (char c : text) lines += c == '\n';
  core::Result<importer::CsvTable> r = importer::parseCsv(text);
  if (!r.isOk()) {
    const std::string& m = r.status().message();
    if (m.rfind("line ", 0) == 0) {
      int n = std::atoi(m.c_str() + 5);
      FUZZ_CHECK(n >= 1 && n <= lines, "error names a line outside the file: " + m);
    } else {
      FUZZ_CHECK(m == "empty (no header row)", "error without a line: " + m);
    }
    return false;
  }
  int last = 0;
  for (size_t i = 0; i < r->rows.size(); ++i) {
    FUZZ_CHECK(r->rows[i].size() == r->header.size(), "a row not as wide as the header");
    FUZZ_CHECK(r->lines[i] > last && r->lines[i] <= lines, "row line out of order or range");
    last = r->lines[i];
  }
  *out = std::move(*r);
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string parts[3];
  int k = 0;
  for (char c : text) {
    if (c == '\f' && k < 2) ++k;
    else parts[k].push_back(c);
  }
  importer::SplynxExport e;
  if (!readCsv(parts[0], &e.customers) || !readCsv(parts[1], &e.services)) return 0;
  e.haveTariffs = k == 2 && readCsv(parts[2], &e.tariffs);
  core::Result<importer::ImportPlan> p = importer::mapSplynx(e, {"", "EUR"});
  if (!p.isOk()) {
    const std::string& m = p.status().message();
    FUZZ_CHECK(m.find(".csv: no '") != std::string::npos, "a mapping error that names no file and column: " + m);
    return 0;
  }
  FUZZ_CHECK(p->subscribers.size() <= e.services.rows.size(), "more subscribers than service rows");
  for (const importer::MappedSubscriber& s : p->subscribers) {
    if (!s.importable) continue;
    FUZZ_CHECK(s.args.contains("plan"), "importable without a plan");
    FUZZ_CHECK(s.args.contains("password") || s.passwordForm == "none", "importable without a password");
  }
  core::Json j = importer::reportJson(*p);
  for (const core::Json& s : j["subscribers"])
    if (s.contains("maps-to")) FUZZ_CHECK(!s["maps-to"].contains("password"), "a password in the report");
  FUZZ_CHECK(j.dump() == importer::reportJson(*importer::mapSplynx(e, {"", "EUR"})).dump(), "mapping not deterministic");
  (void)importer::reportText(*p);
  return 0;
}
