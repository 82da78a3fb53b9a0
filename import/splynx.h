// Splynx (issue 30): its CSV exports onto our model.
//
// `--from DIR` holds the exports of Splynx's lists (Customers -> List, Customers -> Services ->
// Internet, Tariff plans -> Internet; "Export" -> CSV), named customers.csv, internet_services.csv
// and, optional, tariffs.csv. Columns are found by their header, case, blanks, '_' and '-' ignored,
// under Splynx's API field name or its list label (docs/migration.md lists both):
//   customers.csv          id, name|full name, email, phone, street|street 1, zip|zip code, city,
//                          status (new|active|inactive|blocked|disabled), category
//   internet_services.csv  id, customer id, login, password, status (active|disabled|stopped|pending),
//                          tariff|tariff plan|tariff id|plan, ipv4|ip, mac, end date, price|unit price
//   tariffs.csv            id, title|name, download speed|speed download (Kbps), upload speed|speed
//                          upload (Kbps), price, burst limit (%), burst threshold (%), burst time (s)
// Each internet service is a subscriber (its login and cleartext password: PPPoE/hotspot
// credentials), on the plan made from its tariff (speeds, bursts, price with --currency), its
// customer's details as the customer record, status from the customer's and the service's (blocked
// -> suspended; inactive, disabled, stopped -> disabled), ipv4 -> static-ip, mac -> MAC binding,
// end date -> expires (the end of that day, UTC).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "import/mapping.h"

namespace importer {

// RFC 4180 CSV with the header as its first row: fields separated by ',' (or ';' or a tab, when the
// header has that and no ','), optional double quotes with "" inside, line breaks inside quotes,
// CRLF or LF, a UTF-8 BOM skipped, blank lines skipped. Errors: InvalidArgument "line N: ...".
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as long as the header
  std::vector<int> lines;                      // the line each row starts on
};
core::Result<CsvTable> parseCsv(std::string_view text);

inline constexpr size_t kMaxCsvOctets = 256u << 20;
inline constexpr size_t kMaxCsvFieldOctets = 64u << 10;
inline constexpr size_t kMaxCsvColumns = 512;

struct SplynxExport {
  CsvTable customers, services, tariffs;
  bool haveTariffs = false;
};

// InvalidArgument naming the file and the column when a needed column is missing
// ("internet_services.csv: no 'login' column").
core::Result<ImportPlan> mapSplynx(const SplynxExport& data, const MapOptions& options);

}  // namespace importer
