#include "edge/radius/voucher_service.h"

#include <cctype>
#include <ctime>
#include <set>

#include "aaa/auth/mac.h"
#include "aaa/policy/store.h"
#include "billing/rating/rules.h"
#include "core/command_args.h"
#include "core/html.h"
#include "core/ids.h"
#include "core/log.h"
#include "edge/radius/service_helpers.h"
#include "edge/radius/voucher_store.h"

namespace edge {

namespace {

using core::CommandArgs;
using core::ControlReply;
using core::htmlEscape;
using core::Json;
using aaa::policy::Plan;
using aaa::policy::Subscriber;

// Voucher codes: 12 symbols from 31 without look-alikes (no 0/O, 1/I/L), drawn uniformly from the
// kernel CSPRNG: 12 x log2(31) = 59.4 bits each (docs/operator-guide.md, "Vouchers").
constexpr char kVoucherAlphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
constexpr size_t kVoucherSymbols = sizeof kVoucherAlphabet - 1;
static_assert(kVoucherSymbols == 31, "voucher alphabet");
constexpr size_t kVoucherLength = 12;

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

core::Status write(core::Writer& writer, core::Writer::Job job) { return writer.submit(std::move(job)).get(); }

}  // namespace

VoucherService::VoucherService(Deps deps) : d_(std::move(deps)) {}

const char* VoucherService::alphabet() { return kVoucherAlphabet; }

void VoucherService::registerCommands(core::command::Table& c) {
  c.bind("voucher-generate", [this](const Json& args, const core::command::Caller&) { return generate(args); });
  c.bind("voucher-list", [this](const Json& args, const core::command::Caller&) { return list(args); });
  c.bind("voucher-revoke", [this](const Json& args, const core::command::Caller&) { return revoke(args); });
  c.bind("voucher-export", [this](const Json& args, const core::command::Caller&) { return exportBatch(args); });
}

std::string VoucherService::newCode() {
  std::string code;
  while (code.size() < kVoucherLength) {
    uint8_t buf[32];
    core::secureRandom(buf, sizeof buf);
    for (uint8_t b : buf) {
      if (b >= 248) continue;  // 248 = 8 x 31: rejection keeps every symbol equally likely
      code += kVoucherAlphabet[b % kVoucherSymbols];
      if (code.size() == kVoucherLength) break;
    }
  }
  return code;
}

ControlReply VoucherService::generate(const Json& args) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"plan", "count", "prefix", "valid-for", "price", "currency", "batch"}));
  EDGE_ASSIGN_OR_RETURN(std::string planName, a.required("plan"));
  auto snap = d_.snapshots.current();
  const Plan* plan = snap->findPlanByName(planName);
  if (plan == nullptr) return ControlReply::error("plan: no plan named '" + planName + "' (see plan list)");
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> count, a.integer("count"));
  if (!count) return ControlReply::error("count is required (1 to 10000)");
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> prefix, a.text("prefix"));
  std::string pre = prefix.value_or("");
  if (pre.size() > 16) return ControlReply::error("prefix: at most 16 characters");
  for (char c : pre)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
      return ControlReply::error("prefix: '" + pre + "' may hold only letters, digits and '-'");
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> validFor, a.text("valid-for"));
  uint64_t validSeconds = 0;
  if (validFor) {
    core::Result<uint64_t> d = billing::parseDuration(*validFor);
    if (!d.isOk()) return ControlReply::error("valid-for: " + d.status().message());
    validSeconds = *d;
  }
  if (validSeconds == 0 && plan->billing.validitySeconds == 0 && !plan->billing.hasQuota())
    return ControlReply::error("valid-for: plan '" + plan->name +
                               "' has no validity or quota, so these vouchers would never run out; give --valid-for 1d");
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> currency, a.text("currency"));
  std::string cur = currency.value_or(plan->billing.currency);
  int64_t priceMinor = plan->billing.priceMinor;
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> price, a.text("price"));
  if (price) {
    if (cur.empty()) return ControlReply::error("price: give the currency too (--currency USD)");
    EDGE_ASSIGN_OR_RETURN(priceMinor, billing::parseMoney(*price, cur));
  }
  // Each voucher is a subscriber: a batch counts against the license's subscriber cap like an import.
  if (d_.capacityCheck) {
    if (std::optional<std::string> refusal = d_.capacityCheck(static_cast<size_t>(*count)))
      return ControlReply::error(*refusal);
  }
  int64_t now = d_.clock.unixSeconds();
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> batch, a.text("batch"));
  std::string batchName = batch.value_or("");
  if (batchName.empty()) {
    time_t t = static_cast<time_t>(now);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
    batchName = plan->name + "-" + buf;
  }

  std::vector<Subscriber> vouchers;
  std::set<std::string> taken;
  bool cleartext = d_.keepCleartext && d_.keepCleartext();
  while (vouchers.size() < static_cast<size_t>(*count)) {
    std::string code = pre + newCode();
    if (!taken.insert(code).second || snap->findSubscriber(code) != nullptr) continue;
    Subscriber v;
    v.username = code;
    v.planId = plan->id;
    v.validitySeconds = validSeconds;
    v.createdAt = now;
    EDGE_RETURN_IF_ERROR(setPassword(v, code, cleartext));
    vouchers.push_back(std::move(v));
  }
  int64_t batchId = 0;
  EDGE_RETURN_IF_ERROR(write(d_.writer, [&](core::Database& db) -> core::Status {
    VoucherBatchRow row;
    row.name = batchName;
    row.planId = plan->id;
    row.count = *count;
    row.prefix = pre;
    row.validFor = static_cast<int64_t>(validSeconds);
    row.priceMinor = priceMinor;
    row.currency = cur;
    row.createdAt = now;
    core::Result<int64_t> inserted = insertVoucherBatch(db, row);
    if (!inserted.isOk()) {
      if (inserted.status().code() == core::Code::kAlreadyExists)  // the batch name is UNIQUE
        return core::alreadyExists("batch: a voucher batch named '" + batchName + "' exists; give another --batch");
      return inserted.status();
    }
    batchId = *inserted;
    for (Subscriber& v : vouchers) {
      v.voucherBatch = batchId;
      EDGE_ASSIGN_OR_RETURN(v.id, aaa::policy::insertSubscriber(db, v, now));  // the whole batch or nothing
    }
    return core::Status::ok();
  }));
  std::vector<std::pair<std::string, std::shared_ptr<const Subscriber>>> changes;
  Json codes = Json::array();
  for (Subscriber& v : vouchers) {
    codes.push_back(v.username);
    std::string code = v.username;
    changes.emplace_back(std::move(code), std::make_shared<const Subscriber>(std::move(v)));
  }
  d_.snapshots.publishSubscriberChanges(changes);
  Json out = Json::object();
  out["batch"] = batchName;
  out["plan"] = plan->name;
  out["count"] = codes.size();
  out["valid-for"] = validSeconds ? billing::formatDuration(validSeconds)
                                  : (plan->billing.validitySeconds ? billing::formatDuration(plan->billing.validitySeconds)
                                                                   : "");
  out["price"] = priceMinor ? billing::formatMoney(priceMinor, cur) : "free";
  out["codes"] = codes;
  core::logInfo("vouchers: ", codes.size(), " generated in batch ", batchName, " (plan ", plan->name, ")");
  return ControlReply::success(std::to_string(codes.size()) + " vouchers in batch '" + batchName +
                                   "'; print them with: edgectl voucher export --batch " + batchName +
                                   " --format html --output vouchers.html",
                               out);
}

ControlReply VoucherService::list(const Json& args) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"batch", "state", "limit"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> batch, a.text("batch"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> state, a.text("state"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
  std::string want = state.value_or("");
  if (!want.empty() && want != "unused" && want != "active" && want != "expired" && want != "revoked")
    return ControlReply::error("state: '" + want + "' is not one of: unused, active, expired, revoked");
  EDGE_ASSIGN_OR_RETURN(std::vector<VoucherRow> rows, loadVouchers(d_.reader, batch.value_or(""), ""));
  if (rows.empty() && batch.has_value())
    return ControlReply::error(core::notFound("no voucher batch '" + *batch + "'"));
  auto snap = d_.snapshots.current();
  int64_t now = d_.clock.unixSeconds();
  Json list = Json::array();
  size_t max = static_cast<size_t>(limit.value_or(1000));
  for (const VoucherRow& v : rows) {
    const Subscriber* sub = snap->findSubscriber(v.code);
    const Plan* plan = snap->findPlanByName(v.plan);
    // The snapshot is fresher than the table for the first login (written asynchronously).
    int64_t firstLogin = sub ? sub->firstLogin : v.firstLogin;
    uint64_t validity = v.validFor != 0 ? static_cast<uint64_t>(v.validFor) : (plan ? plan->billing.validitySeconds : 0);
    int64_t validUntil = firstLogin != 0 && validity != 0 ? firstLogin + static_cast<int64_t>(validity) : 0;
    std::string st;
    if (v.status != "active") st = "revoked";
    else if (firstLogin == 0) st = "unused";
    else if ((validUntil != 0 && validUntil <= now) || (v.expiresAt != 0 && v.expiresAt <= now)) st = "expired";
    else st = "active";
    if (!want.empty() && st != want) continue;
    if (list.size() >= max) break;
    Json j = Json::object();
    j["code"] = v.code;
    j["batch"] = v.batch;
    j["plan"] = v.plan;
    j["state"] = st;
    j["valid-for"] = validity ? billing::formatDuration(validity) : "";
    j["first-use"] = isoOrEmpty(firstLogin);
    j["valid-until"] = isoOrEmpty(validUntil);
    j["device"] = sub && sub->mac ? aaa::auth::formatMac(*sub->mac) : v.mac;
    j["price"] = v.priceMinor ? billing::formatMoney(v.priceMinor, v.currency) : "free";
    list.push_back(std::move(j));
  }
  return ControlReply::success(std::to_string(list.size()) + " vouchers", list);
}

ControlReply VoucherService::revoke(const Json& args) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"code", "batch"}));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> code, a.text("code"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> batch, a.text("batch"));
  if (code.has_value() == batch.has_value()) return ControlReply::error("give either --code or --batch");
  EDGE_ASSIGN_OR_RETURN(std::vector<VoucherRow> rows, loadVouchers(d_.reader, batch.value_or(""), code.value_or("")));
  if (rows.empty())
    return ControlReply::error(code ? "no voucher '" + *code + "'" : "no voucher batch '" + *batch + "'");
  auto snap = d_.snapshots.current();
  std::vector<Subscriber> revoked;
  for (const VoucherRow& v : rows) {
    const Subscriber* sub = snap->findSubscriber(v.code);
    if (sub == nullptr || sub->status != aaa::policy::SubscriberStatus::kActive) continue;
    Subscriber r = *sub;
    r.status = aaa::policy::SubscriberStatus::kDisabled;
    revoked.push_back(std::move(r));
  }
  int64_t now = d_.clock.unixSeconds();
  EDGE_RETURN_IF_ERROR(write(d_.writer, [&revoked, now](core::Database& db) -> core::Status {
    for (const Subscriber& r : revoked) EDGE_RETURN_IF_ERROR(aaa::policy::updateSubscriber(db, r, now));
    return core::Status::ok();
  }));
  std::vector<std::pair<std::string, std::shared_ptr<const Subscriber>>> changes;
  for (const Subscriber& r : revoked) {
    changes.emplace_back(r.username, std::make_shared<const Subscriber>(r));
    if (d_.sessionsOnline && d_.sessionsOnline(r.username) > 0 && d_.disconnect) d_.disconnect(r.username);
  }
  d_.snapshots.publishSubscriberChanges(changes);
  return ControlReply::success(std::to_string(revoked.size()) + " voucher(s) revoked" +
                               (revoked.size() < rows.size() ? " (the others were revoked already)" : ""));
}

ControlReply VoucherService::exportBatch(const Json& args) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(a.only({"batch", "format"}));
  EDGE_ASSIGN_OR_RETURN(std::string batch, a.required("batch"));
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> format, a.text("format"));
  std::string f = format.value_or("csv");
  if (f != "csv" && f != "html") return ControlReply::error("format: '" + f + "' is not one of: csv, html");
  EDGE_ASSIGN_OR_RETURN(std::vector<VoucherRow> rows, loadVouchers(d_.reader, batch, ""));
  if (rows.empty()) return ControlReply::error(core::notFound("no voucher batch '" + batch + "'"));
  auto snap = d_.snapshots.current();
  auto validityText = [&](const VoucherRow& v) {
    const Plan* plan = snap->findPlanByName(v.plan);
    uint64_t validity = v.validFor ? static_cast<uint64_t>(v.validFor) : (plan ? plan->billing.validitySeconds : 0);
    return validity ? billing::formatDuration(validity) : std::string("until the quota is used");
  };
  std::string content;
  if (f == "csv") {
    content = "code,username,password,batch,plan,valid_for,price\n";
    for (const VoucherRow& v : rows)
      content += csvField(v.code) + "," + csvField(v.code) + "," + csvField(v.code) + "," + csvField(v.batch) + "," +
                 csvField(v.plan) + "," + csvField(validityText(v)) + "," +
                 csvField(v.priceMinor ? billing::formatMoney(v.priceMinor, v.currency) : "free") + "\n";
  } else {
    // A printable A4 sheet of cards; each card holds everything a guest needs.
    content =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Vouchers " + htmlEscape(batch) +
        "</title>\n<style>\n"
        "body{font-family:sans-serif;margin:10mm}\n"
        ".sheet{display:grid;grid-template-columns:repeat(3,1fr);gap:4mm}\n"
        ".card{border:1px dashed #555;padding:4mm;break-inside:avoid;page-break-inside:avoid}\n"
        ".tenant{font-weight:bold;font-size:11pt}\n"
        ".code{font-family:monospace;font-size:16pt;letter-spacing:1px;margin:2mm 0}\n"
        ".meta{font-size:9pt;color:#333}\n"
        "@media print{body{margin:5mm}}\n"
        "</style></head><body>\n<div class=\"sheet\">\n";
    for (const VoucherRow& v : rows) {
      content += "<div class=\"card\"><div class=\"tenant\">" + htmlEscape(d_.tenantName) + "</div>" +
                 "<div class=\"code\">" + htmlEscape(v.code) + "</div>" + "<div class=\"meta\">Plan: " +
                 htmlEscape(v.plan) + "<br>Valid for: " + htmlEscape(validityText(v)) +
                 " from first use<br>Price: " +
                 htmlEscape(v.priceMinor ? billing::formatMoney(v.priceMinor, v.currency) : "free") +
                 "<br>Log in with the code as username and password</div></div>\n";
    }
    content += "</div>\n</body></html>\n";
  }
  Json out = Json::object();
  out["batch"] = batch;
  out["format"] = f;
  out["count"] = rows.size();
  out["content"] = content;
  return ControlReply::success(std::to_string(rows.size()) + " vouchers of batch '" + batch + "' as " + f, out);
}

}  // namespace edge
