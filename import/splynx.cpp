#include "import/splynx.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <map>
#include <set>
#include <tuple>

#include "aaa/auth/credentials.h"
#include "core/units.h"
#include "core/text.h"

namespace importer {
namespace {

core::Status csvErrorAt(int line, const std::string& what) {
  return core::invalidArgument("line " + std::to_string(line) + ": " + what);
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// "Customer ID", "customer_id", "customer-id" -> "customerid"
std::string headerKey(const std::string& h) {
  std::string k;
  for (char c : h)
    if (std::isalnum(static_cast<unsigned char>(c))) k.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return k;
}

// Column indexes of one table by the names it may carry.
class Columns {
 public:
  Columns(const CsvTable& t, std::string file) : file_(std::move(file)) {
    for (size_t i = 0; i < t.header.size(); ++i) index_.emplace(headerKey(t.header[i]), i);
  }
  // The first of `names` present, or -1.
  int find(std::initializer_list<const char*> names) const {
    for (const char* n : names) {
      auto it = index_.find(headerKey(n));
      if (it != index_.end()) return static_cast<int>(it->second);
    }
    return -1;
  }
  core::Result<int> need(std::initializer_list<const char*> names) const {
    int i = find(names);
    if (i < 0) return core::invalidArgument(file_ + ": no '" + std::string(*names.begin()) + "' column");
    return i;
  }

 private:
  std::string file_;
  std::map<std::string, size_t> index_;
};

std::string cell(const std::vector<std::string>& row, int i) { return i < 0 ? std::string() : trim(row[static_cast<size_t>(i)]); }

std::optional<uint64_t> number(const std::string& v) {
  if (v.empty() || v.size() > 12 || v.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoull(v);
}

// "2027-01-31" (or "2027-01-31 10:00:00"): the end of that day, UTC; "0000-00-00" and "" are none.
std::optional<std::string> endOfDay(const std::string& v) {
  int y = 0, m = 0, d = 0;
  if (v.size() < 10 || std::sscanf(v.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3 || v[4] != '-' || v[7] != '-') return std::nullopt;
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT23:59:59Z", y, m, d);
  return std::string(buf);
}

struct Tariff {
  std::string name;
  uint64_t down = 0, up = 0;  // bit/s
  uint64_t burstLimit = 0, burstThreshold = 0, burstTime = 0;
  std::string price;
  int line = 0;
  std::vector<std::string> notes;
};

}  // namespace

core::Result<CsvTable> parseCsv(std::string_view text) {
  if (text.size() > kMaxCsvOctets) return core::invalidArgument("larger than " + std::to_string(kMaxCsvOctets >> 20) + " MiB");
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  // Every line UTF-8 (the report is JSON, and names are shown as they are).
  for (size_t start = 0, n = 1; start <= text.size(); ++n) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (!aaa::auth::isValidUtf8(text.substr(start, end - start)))
      return csvErrorAt(static_cast<int>(n), "not UTF-8 (convert the file first, e.g. iconv -f latin1 -t utf-8)");
    start = end + 1;
  }

  char sep = ',';
  {
    std::string_view first = text.substr(0, text.find('\n'));
    if (first.find(',') == std::string_view::npos) {
      if (first.find(';') != std::string_view::npos) sep = ';';
      else if (first.find('\t') != std::string_view::npos) sep = '\t';
    }
  }
  CsvTable out;
  size_t i = 0;
  int line = 1;
  while (i < text.size()) {
    // One record.
    int start = line;
    std::vector<std::string> fields(1);
    bool blankRecord = true;
    for (;;) {
      if (i >= text.size()) break;
      char c = text[i];
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
        continue;
      }
      if (c == '\n') {
        ++i;
        ++line;
        break;
      }
      blankRecord = false;
      if (c == sep) {
        if (fields.size() == kMaxCsvColumns) return csvErrorAt(start, "more than " + std::to_string(kMaxCsvColumns) + " columns");
        fields.emplace_back();
        ++i;
        continue;
      }
      std::string& f = fields.back();
      if (c == '"' && f.empty()) {
        int opened = line;
        ++i;
        for (;;) {
          if (i >= text.size()) return csvErrorAt(opened, "a quoted field that never ends");
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              f.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          f.push_back(text[i++]);
          if (f.size() > kMaxCsvFieldOctets) return csvErrorAt(opened, "a field longer than 64 KiB");
        }
        if (i < text.size() && text[i] != sep && text[i] != '\n' && text[i] != '\r')
          return csvErrorAt(line, "text after a quoted field's closing quote (double the quotes inside it)");
        continue;
      }
      if (c == '"') return csvErrorAt(line, "a '\"' inside an unquoted field (quote the field and double it)");
      f.push_back(c);
      ++i;
      if (f.size() > kMaxCsvFieldOctets) return csvErrorAt(start, "a field longer than 64 KiB");
    }
    if (blankRecord) continue;
    if (out.header.empty()) {
      out.header = std::move(fields);
      continue;
    }
    if (fields.size() != out.header.size())
      return csvErrorAt(start, std::to_string(fields.size()) + " fields where the header has " + std::to_string(out.header.size()));
    out.rows.push_back(std::move(fields));
    out.lines.push_back(start);
  }
  if (out.header.empty()) return core::invalidArgument("empty (no header row)");
  return out;
}

core::Result<ImportPlan> mapSplynx(const SplynxExport& data, const MapOptions& options) {
  ImportPlan out;
  out.source = "splynx";

  // Tariffs by id and by title.
  std::map<std::string, size_t> tariffByKey;
  std::vector<Tariff> tariffs;
  if (data.haveTariffs) {
    Columns tc(data.tariffs, "tariffs.csv");
    int id = tc.find({"id"});
    EDGE_ASSIGN_OR_RETURN(int title, tc.need({"title", "name"}));
    EDGE_ASSIGN_OR_RETURN(int down, tc.need({"speed_download", "download speed", "download speed (kbps)", "download"}));
    EDGE_ASSIGN_OR_RETURN(int up, tc.need({"speed_upload", "upload speed", "upload speed (kbps)", "upload"}));
    int price = tc.find({"price"}), bl = tc.find({"burst_limit", "burst limit"}),
        bt = tc.find({"burst_threshold", "burst threshold"}), btime = tc.find({"burst_time", "burst time"});
    for (size_t r = 0; r < data.tariffs.rows.size(); ++r) {
      const auto& row = data.tariffs.rows[r];
      Tariff t;
      t.name = cell(row, title);
      t.line = data.tariffs.lines[r];
      std::string where = "tariffs.csv line " + std::to_string(t.line) + ": ";
      std::optional<uint64_t> d = number(cell(row, down)), u = number(cell(row, up));
      if (t.name.empty() || !d || !u) {
        out.warnings.push_back(where + "a tariff without a title or whole Kbps speeds: ignored");
        continue;
      }
      t.down = *d * 1000;
      t.up = *u * 1000;
      for (auto [col, field] : {std::pair{bl, &Tariff::burstLimit}, std::pair{bt, &Tariff::burstThreshold},
                                std::pair{btime, &Tariff::burstTime}}) {
        std::string v = cell(row, col);
        if (v.empty() || v == "0") continue;
        std::optional<uint64_t> n = number(v);
        if (n) t.*field = *n;
        else t.notes.push_back("tariff '" + t.name + "' burst value '" + v + "' is not a whole number: dropped");
      }
      t.price = cell(row, price);
      size_t index = tariffs.size();
      tariffs.push_back(t);
      if (!tariffByKey.emplace(core::asciiLower(t.name), index).second)
        out.warnings.push_back(where + "a second tariff titled '" + t.name + "': the first is used by title");
      if (std::string k = cell(row, id); !k.empty()) tariffByKey.emplace("#" + k, index);
    }
  }

  // Customers by id.
  Columns cc(data.customers, "customers.csv");
  EDGE_ASSIGN_OR_RETURN(int cid, cc.need({"id", "customer id"}));
  int cname = cc.find({"full_name", "full name", "name"}), cemail = cc.find({"email"}), cphone = cc.find({"phone"}),
      cstreet = cc.find({"street_1", "street 1", "street", "address"}), czip = cc.find({"zip_code", "zip code", "zip"}),
      ccity = cc.find({"city"}), cstatus = cc.find({"status"}), ccat = cc.find({"category"});
  std::map<std::string, size_t> customerRow;
  for (size_t r = 0; r < data.customers.rows.size(); ++r) {
    std::string id = cell(data.customers.rows[r], cid);
    if (id.empty() || !customerRow.emplace(id, r).second)
      out.warnings.push_back("customers.csv line " + std::to_string(data.customers.lines[r]) +
                             (id.empty() ? ": a customer without an id: ignored" : ": a second customer " + id + ": ignored"));
  }

  Columns sc(data.services, "internet_services.csv");
  EDGE_ASSIGN_OR_RETURN(int scust, sc.need({"customer_id", "customer id", "customer"}));
  EDGE_ASSIGN_OR_RETURN(int slogin, sc.need({"login"}));
  EDGE_ASSIGN_OR_RETURN(int spass, sc.need({"password"}));
  EDGE_ASSIGN_OR_RETURN(int stariff, sc.need({"tariff", "tariff plan", "tariff_id", "tariff id", "plan"}));
  int sstatus = sc.find({"status"}), sip = sc.find({"ipv4", "ip", "ip address"}), smac = sc.find({"mac", "macs", "mac address"}),
      send = sc.find({"end_date", "end date"}), sprice = sc.find({"unit_price", "unit price", "price"});

  std::map<size_t, size_t> planOfTariff;  // tariff index -> plan index
  std::set<std::string> seen;
  for (size_t r = 0; r < data.services.rows.size(); ++r) {
    const auto& row = data.services.rows[r];
    MappedSubscriber sub;
    sub.line = data.services.lines[r];
    sub.username = cell(row, slogin);
    if (sub.username.empty()) {
      out.warnings.push_back("internet_services.csv line " + std::to_string(sub.line) + ": a service without a login: ignored");
      continue;
    }
    if (!seen.insert(sub.username).second) {
      out.warnings.push_back("internet_services.csv line " + std::to_string(sub.line) + ": a second service with login '" +
                             sub.username + "': only the first is imported");
      continue;
    }
    core::Json args = {{"username", sub.username}};
    std::string password = row[static_cast<size_t>(spass)];  // as it is: blanks may be part of it
    if (!password.empty()) {
      args["password"] = password;
      sub.passwordForm = "cleartext";
      sub.methods = {"PAP", "CHAP", "MS-CHAPv2", "EAP (PEAP/TTLS)"};
    } else {
      sub.passwordForm = "none";
      if (!looksLikeMac(sub.username)) {
        sub.importable = false;
        sub.refusal = "no password";
      }
    }
    out.passwordForms[sub.passwordForm]++;

    // The customer.
    std::string customerId = cell(row, scust);
    std::string customerStatus;
    if (auto it = customerRow.find(customerId); it != customerRow.end()) {
      const auto& c = data.customers.rows[it->second];
      // The customer record's fields (name, email, phone, address, notes; mgmt/customers).
      for (auto [key, col] : {std::pair{"name", cname}, std::pair{"email", cemail}, std::pair{"phone", cphone}})
        if (std::string v = cell(c, col); !v.empty()) sub.customer[key] = v;
      std::string address = cell(c, cstreet), town = cell(c, czip);
      if (!cell(c, ccity).empty()) town += (town.empty() ? "" : " ") + cell(c, ccity);
      if (!town.empty()) address += (address.empty() ? "" : ", ") + town;
      if (!address.empty()) sub.customer["address"] = address;
      std::string category = cell(c, ccat);
      sub.customer["notes"] = "Splynx customer " + customerId + (category.empty() ? "" : " (" + category + ")");
      customerStatus = core::asciiLower(cell(c, cstatus));
    } else {
      sub.warnings.push_back("customer " + (customerId.empty() ? std::string("(none)") : customerId) +
                             " is not in customers.csv: no customer details");
    }
    std::string serviceStatus = core::asciiLower(cell(row, sstatus));
    if (customerStatus == "blocked") {
      args["status"] = "suspended";
      sub.warnings.push_back("customer blocked in Splynx: imported as suspended");
    } else if (customerStatus == "inactive" || customerStatus == "disabled") {
      args["status"] = "disabled";
      sub.warnings.push_back("customer " + customerStatus + " in Splynx: imported as disabled");
    } else if (serviceStatus == "disabled" || serviceStatus == "stopped" || serviceStatus == "pending") {
      args["status"] = "disabled";
      sub.warnings.push_back("service " + serviceStatus + " in Splynx: imported as disabled");
    } else if (!customerStatus.empty() && customerStatus != "active" && customerStatus != "new") {
      sub.warnings.push_back("customer status '" + customerStatus + "' is not one Splynx documents: imported as active");
    }
    if (std::string ip = cell(row, sip); !ip.empty() && ip != "0.0.0.0") args["static-ip"] = ip;
    if (std::string mac = cell(row, smac); !mac.empty()) {
      if (looksLikeMac(mac)) args["mac"] = mac;
      else sub.warnings.push_back("mac '" + mac + "' is not one MAC address: binding dropped");
    }
    if (std::string end = cell(row, send); !end.empty() && end.rfind("0000-00-00", 0) != 0) {
      if (std::optional<std::string> e = endOfDay(end)) args["expires"] = *e;
      else sub.warnings.push_back("end date '" + end + "' is not a date (YYYY-MM-DD): dropped");
    }

    // The plan from the tariff.
    std::string tariff = cell(row, stariff);
    auto t = tariffByKey.find(core::asciiLower(tariff));
    if (t == tariffByKey.end()) t = tariffByKey.find("#" + tariff);
    if (t != tariffByKey.end()) {
      const Tariff& tf = tariffs[t->second];
      auto p = planOfTariff.find(t->second);
      if (p == planOfTariff.end()) {
        MappedPlan plan;
        plan.name = tf.name.size() > 64 ? tf.name.substr(0, 64) : tf.name;
        plan.args = {{"name", plan.name}, {"down", core::formatRate(tf.down)}, {"up", core::formatRate(tf.up)}};
        if (tf.burstLimit > 100) {
          plan.args["burst-down"] = core::formatRate(tf.down * tf.burstLimit / 100);
          plan.args["burst-up"] = core::formatRate(tf.up * tf.burstLimit / 100);
          if (tf.burstThreshold) plan.args["burst-threshold"] = std::to_string(std::min<uint64_t>(100, tf.burstThreshold));
          if (tf.burstTime) plan.args["burst-time"] = std::to_string(tf.burstTime);
        }
        if (!tf.price.empty() && tf.price != "0" && tf.price != "0.00") {
          if (options.currency.empty()) {
            out.warnings.push_back("tariff '" + tf.name + "' price " + tf.price + ": dropped (give --currency)");
          } else {
            plan.args["price"] = tf.price;
            plan.args["currency"] = options.currency;
          }
        }
        plan.source = "tariffs.csv line " + std::to_string(tf.line);
        for (const std::string& n : tf.notes) out.warnings.push_back(n);
        p = planOfTariff.emplace(t->second, out.plans.size()).first;
        out.plans.push_back(std::move(plan));
      }
      MappedPlan& plan = out.plans[p->second];
      args["plan"] = plan.name;
      if (sub.importable) plan.subscribers++;
      if (std::string price = cell(row, sprice); !price.empty() && !tf.price.empty() && price != tf.price)
        sub.warnings.push_back("service price " + price + " differs from its tariff's " + tf.price +
                               ": the plan's price applies here");
    } else if (!options.defaultPlan.empty()) {
      args["plan"] = options.defaultPlan;
      sub.warnings.push_back("tariff '" + tariff + "' is not in tariffs.csv: put on the default plan '" + options.defaultPlan + "'");
    } else if (sub.importable) {
      sub.importable = false;
      sub.refusal = "tariff '" + tariff + "' is not in tariffs.csv (export Tariff plans -> Internet too, or name a default plan)";
    }
    sub.args = std::move(args);
    out.subscribers.push_back(std::move(sub));
  }
  return out;
}

}  // namespace importer
