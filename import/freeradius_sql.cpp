#include "import/freeradius_sql.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>

#include "aaa/auth/credentials.h"
#include "core/clock.h"
#include "core/text.h"

namespace importer {
namespace {

std::string trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

const std::string& text(const SqlRow& row, size_t i) {
  static const std::string empty;
  return i < row.size() && row[i] ? *row[i] : empty;
}

int64_t number(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("-0123456789") != std::string::npos) return 0;
  try {
    return std::stoll(s);
  } catch (...) {
    return 0;
  }
}

bool isYes(const std::string& v) {
  std::string l = core::asciiLower(trimmed(v));
  return l == "yes" || l == "1" || l == "true";
}

// SELECT * of a table, each row as column name (lower case) -> text.
core::Status eachNamedRow(SqlSource& source, const std::string& table,
                          const std::function<void(const std::map<std::string, std::string>&)>& onRow) {
  std::vector<std::string> columns;
  return source.select(
      "SELECT * FROM " + table,
      [&](const SqlRow& row) {
        std::map<std::string, std::string> named;
        for (size_t i = 0; i < row.size() && i < columns.size(); ++i) named[core::asciiLower(columns[i])] = trimmed(text(row, i));
        onRow(named);
        return core::Status::ok();
      },
      &columns);
}

std::string field(const std::map<std::string, std::string>& row, const char* name) {
  auto it = row.find(name);
  return it == row.end() ? "" : it->second;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts)
    if (!p.empty()) out += (out.empty() ? "" : ", ") + p;
  return out;
}

bool looksLikePrice(const std::string& v) {
  size_t dot = v.find('.');
  std::string whole = v.substr(0, dot), frac = dot == std::string::npos ? "" : v.substr(dot + 1);
  auto digits = [](const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; };
  return digits(whole) && whole.size() <= 12 && (dot == std::string::npos || (digits(frac) && frac.size() <= 4));
}

}  // namespace

core::Result<SqlImport> readFreeradiusSql(SqlSource& source, bool daloradius,
                                          const std::function<void(const std::string&)>& progress) {
  for (const char* table : {"radcheck", "radreply", "radgroupcheck", "radgroupreply", "radusergroup"}) {
    EDGE_ASSIGN_OR_RETURN(bool has, source.hasTable(table));
    if (!has)
      return core::notFound(std::string("the ") + source.kind() + " database has no table " + table +
                            " (is this FreeRADIUS's SQL schema?)");
  }
  SqlImport out;
  std::unordered_map<std::string, size_t> userIndex;  // username -> index in out.entries
  auto userEntry = [&](const std::string& name, int line) -> UsersEntry& {
    auto [it, fresh] = userIndex.emplace(name, out.entries.size());
    if (fresh) {
      UsersEntry e;
      e.name = name;
      e.line = line;
      e.fallThrough = true;  // on to the groups (read_groups = yes) unless the reply says no
      out.entries.push_back(std::move(e));
    }
    return out.entries[it->second];
  };
  int64_t rows = 0;
  auto tick = [&](const char* table) {
    if (progress && ++rows % 200000 == 0) progress("read " + std::to_string(rows) + " rows (" + table + ")");
  };
  // Per-user check and reply rows, by id: the order rlm_sql reads them in.
  for (const char* table : {"radcheck", "radreply"}) {
    const bool check = std::string(table) == "radcheck";
    EDGE_RETURN_IF_ERROR(source.select(
        std::string("SELECT id, username, attribute, op, value FROM ") + table + " ORDER BY id",
        [&](const SqlRow& row) {
          tick(table);
          const std::string& user = text(row, 1);
          if (user.empty()) return core::Status::ok();
          int line = static_cast<int>(number(text(row, 0)));
          UsersEntry& e = userEntry(user, line);
          UsersAttribute a{trimmed(text(row, 2)), trimmed(text(row, 3)), text(row, 4), line};
          if (a.op.empty()) a.op = check ? "==" : "=";
          if (!check && a.name == "Fall-Through") e.fallThrough = isYes(a.value);
          else (check ? e.check : e.reply).push_back(std::move(a));
          return core::Status::ok();
        }));
  }
  // Groups: rows, then membership with priorities.
  struct Group {
    std::vector<UsersAttribute> check, reply;
    bool fallThrough = false;
    int line = 0;
    int64_t priority = INT64_MAX;
  };
  std::map<std::string, Group> groups;
  for (const char* table : {"radgroupcheck", "radgroupreply"}) {
    const bool check = std::string(table) == "radgroupcheck";
    EDGE_RETURN_IF_ERROR(source.select(
        std::string("SELECT id, groupname, attribute, op, value FROM ") + table + " ORDER BY id",
        [&](const SqlRow& row) {
          tick(table);
          const std::string& name = text(row, 1);
          if (name.empty()) return core::Status::ok();
          int line = static_cast<int>(number(text(row, 0)));
          Group& g = groups[name];
          if (g.line == 0) g.line = line;
          UsersAttribute a{trimmed(text(row, 2)), trimmed(text(row, 3)), text(row, 4), line};
          if (a.op.empty()) a.op = check ? "==" : "=";
          if (!check && a.name == "Fall-Through") g.fallThrough = isYes(a.value);
          else (check ? g.check : g.reply).push_back(std::move(a));
          return core::Status::ok();
        }));
  }
  std::unordered_map<std::string, std::vector<std::pair<int64_t, std::string>>> memberships;
  EDGE_RETURN_IF_ERROR(source.select(
      "SELECT username, groupname, priority FROM radusergroup", [&](const SqlRow& row) {
        tick("radusergroup");
        const std::string &user = text(row, 0), &group = text(row, 1);
        if (user.empty() || group.empty()) return core::Status::ok();
        int64_t priority = number(text(row, 2));
        memberships[user].emplace_back(priority, group);
        Group& g = groups[group];
        g.priority = std::min(g.priority, priority);
        return core::Status::ok();
      }));
  // Users only in radusergroup still get an entry (a MAC user, or one the report refuses without a password).
  std::vector<std::string> onlyMembers;
  for (const auto& [user, list] : memberships)
    if (!userIndex.count(user)) onlyMembers.push_back(user);
  std::sort(onlyMembers.begin(), onlyMembers.end());
  for (const std::string& user : onlyMembers) userEntry(user, 0);
  out.users = static_cast<int>(out.entries.size());

  // One walk order for the groups.
  std::vector<std::string> order;
  for (const auto& [name, g] : groups) order.push_back(name);
  std::stable_sort(order.begin(), order.end(),
                   [&](const std::string& a, const std::string& b) { return groups[a].priority < groups[b].priority; });
  std::map<std::string, size_t> rank;
  for (size_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  for (auto& [user, list] : memberships) {
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    UsersEntry& e = out.entries[userIndex[user]];
    for (size_t i = 0; i < list.size(); ++i) {
      e.sqlGroups.push_back(list[i].second);
      if (i > 0 && rank[list[i - 1].second] > rank[list[i].second] && list[i - 1].first != list[i].first)
        out.userWarnings[user].push_back("radusergroup priorities put '" + list[i - 1].second + "' before '" +
                                         list[i].second + "'; groups are applied in one order for everyone ('" +
                                         list[i].second + "' first): check this subscriber's plan");
    }
  }
  for (const std::string& name : order) {
    const Group& g = groups[name];
    UsersEntry e;
    e.name = "DEFAULT";
    e.isDefault = true;
    e.line = g.line;
    e.sqlGroup = name;
    e.check = g.check;
    e.reply = g.reply;
    e.fallThrough = g.fallThrough;
    out.entries.push_back(std::move(e));
  }
  out.groups = static_cast<int>(order.size());

  // radacct: what history there is (read apart, by readAccountingHistory).
  EDGE_ASSIGN_OR_RETURN(out.hasAccounting, source.hasTable("radacct"));
  if (out.hasAccounting) {
    EDGE_RETURN_IF_ERROR(source.select(
        "SELECT COUNT(*), SUM(CASE WHEN acctstoptime IS NULL THEN 1 ELSE 0 END) FROM radacct", [&](const SqlRow& row) {
          out.accountingSessions = number(text(row, 0));
          out.openSessions = number(text(row, 1));
          return core::Status::ok();
        }));
  }

  if (daloradius) {
    EDGE_ASSIGN_OR_RETURN(bool hasUserinfo, source.hasTable("userinfo"));
    EDGE_ASSIGN_OR_RETURN(bool hasBillinfo, source.hasTable("userbillinfo"));
    EDGE_ASSIGN_OR_RETURN(bool hasPlans, source.hasTable("billing_plans"));
    EDGE_ASSIGN_OR_RETURN(bool hasProfiles, source.hasTable("billing_plans_profiles"));
    if (!hasUserinfo) out.warnings.push_back("no daloRADIUS table userinfo: no customer details are imported");
    if (!hasPlans) out.warnings.push_back("no daloRADIUS table billing_plans: no prices are imported");
    // Billing info first: userinfo's own fields win where both have one.
    if (hasBillinfo) {
      EDGE_RETURN_IF_ERROR(eachNamedRow(source, "userbillinfo", [&](const std::map<std::string, std::string>& r) {
        std::string user = field(r, "username");
        if (user.empty()) return;
        if (!field(r, "planname").empty()) out.userBillingPlan[user] = field(r, "planname");
        core::Json& c = out.customers[user];
        if (!field(r, "contactperson").empty()) c["name"] = field(r, "contactperson");
        if (!field(r, "email").empty()) c["email"] = field(r, "email");
        if (!field(r, "phone").empty()) c["phone"] = field(r, "phone");
        std::string address = joined({field(r, "address"), field(r, "city"), field(r, "state"), field(r, "zip"),
                                      field(r, "country")});
        if (!address.empty()) c["address"] = address;
        if (!field(r, "company").empty()) c["notes"] = "company: " + field(r, "company");
      }));
    }
    if (hasUserinfo) {
      EDGE_RETURN_IF_ERROR(eachNamedRow(source, "userinfo", [&](const std::map<std::string, std::string>& r) {
        std::string user = field(r, "username");
        if (user.empty()) return;
        core::Json& c = out.customers[user];
        std::string name = joined({field(r, "firstname"), field(r, "lastname")});
        if (!name.empty()) c["name"] = trimmed(field(r, "firstname") + " " + field(r, "lastname"));
        if (!field(r, "email").empty()) c["email"] = field(r, "email");
        std::vector<std::string> phones;
        for (const char* p : {"mobilephone", "homephone", "workphone"})
          if (!field(r, p).empty()) phones.push_back(field(r, p));
        if (!phones.empty()) c["phone"] = phones[0];
        std::string address = joined({field(r, "address"), field(r, "city"), field(r, "state"), field(r, "zip"),
                                      field(r, "country")});
        if (!address.empty()) c["address"] = address;
        std::vector<std::string> notes;
        if (!field(r, "notes").empty()) notes.push_back(field(r, "notes"));
        if (!field(r, "company").empty()) notes.push_back("company: " + field(r, "company"));
        for (size_t i = 1; i < phones.size(); ++i) notes.push_back("phone: " + phones[i]);
        if (!notes.empty()) c["notes"] = joined(notes);
      }));
    }
    for (auto it = out.customers.begin(); it != out.customers.end();) {
      if (it->second.empty()) it = out.customers.erase(it);
      else ++it;
    }
    if (hasPlans) {
      std::map<std::string, std::string> profileOf;
      if (hasProfiles)
        EDGE_RETURN_IF_ERROR(eachNamedRow(source, "billing_plans_profiles", [&](const std::map<std::string, std::string>& r) {
          if (!field(r, "plan_name").empty() && !profileOf.count(field(r, "plan_name")))
            profileOf[field(r, "plan_name")] = field(r, "profile_name");
        }));
      EDGE_RETURN_IF_ERROR(eachNamedRow(source, "billing_plans", [&](const std::map<std::string, std::string>& r) {
        BillingPlan p;
        p.name = field(r, "planname");
        if (p.name.empty()) return;
        p.cost = field(r, "plancost");
        p.currency = field(r, "plancurrency");
        p.group = field(r, "plangroup");
        if (p.group.empty() && profileOf.count(p.name)) p.group = profileOf[p.name];
        p.active = field(r, "planactive").empty() || isYes(field(r, "planactive"));
        out.billingPlans.push_back(std::move(p));
      }));
    }
  }
  return out;
}

ImportPlan mapFreeradiusSql(const SqlImport& data, const MapOptions& options, bool daloradius) {
  ImportPlan plan = mapFreeradiusUsers(data.entries, options);
  plan.source = daloradius ? "daloradius" : "freeradius-sql";
  // The users-file mapping names a DEFAULT by its line; here that is a group (by its first row).
  std::map<int, std::string> groupAt;
  for (const UsersEntry& e : data.entries)
    if (e.isDefault && !e.sqlGroup.empty()) groupAt.emplace(e.line, e.sqlGroup);
  for (std::string& w : plan.warnings) {
    const std::string marker = ": DEFAULT depends on the request";
    size_t at = w.find(marker);
    if (w.rfind("line ", 0) != 0 || at == std::string::npos) continue;
    auto g = groupAt.find(static_cast<int>(number(w.substr(5, at - 5))));
    if (g != groupAt.end())
      w = "group '" + g->second + "' (row " + w.substr(5, at - 5) + ") depends on the request" +
          w.substr(at + marker.size());
  }
  plan.warnings.insert(plan.warnings.begin(), data.warnings.begin(), data.warnings.end());
  if (data.hasAccounting && data.accountingSessions > 0)
    plan.warnings.push_back("radacct holds " + std::to_string(data.accountingSessions) + " sessions (" +
                            std::to_string(data.openSessions) +
                            " open): mgmtctl import --history carries the closed ones over as usage history "
                            "(open ones never); without it usage and sessions here start at the switch");
  std::map<std::string, const BillingPlan*> billingByName;
  std::map<std::string, std::vector<const BillingPlan*>> billingByGroup;
  for (const BillingPlan& b : data.billingPlans) {
    billingByName.emplace(b.name, &b);
    if (!b.group.empty()) billingByGroup[b.group].push_back(&b);
  }
  // Prices onto the plans of the groups they bill for.
  std::map<std::string, std::string> groupOfPlan;
  for (MappedPlan& p : plan.plans) {
    groupOfPlan[p.name] = p.group;
    auto it = billingByGroup.find(p.group);
    if (p.group.empty() || it == billingByGroup.end()) continue;
    std::vector<const BillingPlan*> candidates = it->second;
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const BillingPlan* a, const BillingPlan* b) { return a->active && !b->active; });
    const BillingPlan& b = *candidates.front();
    std::string where = "plan '" + p.name + "': daloRADIUS billing plan '" + b.name + "'";
    if (candidates.size() > 1)
      plan.warnings.push_back(where + " gives the price; " + std::to_string(candidates.size() - 1) +
                              " other billing plan(s) bill group '" + p.group + "' too (their prices are not used)");
    if (b.cost.empty()) continue;
    std::string currency = !b.currency.empty() ? b.currency : options.currency;
    if (!looksLikePrice(b.cost)) {
      plan.warnings.push_back(where + ": price '" + b.cost + "' is not an amount such as 10.00: dropped");
    } else if (currency.empty()) {
      plan.warnings.push_back(where + ": price " + b.cost + " has no currency (give --currency): dropped");
    } else {
      p.args["price"] = b.cost;
      p.args["currency"] = currency;
    }
  }
  for (MappedSubscriber& s : plan.subscribers) {
    if (auto w = data.userWarnings.find(s.username); w != data.userWarnings.end())
      s.warnings.insert(s.warnings.end(), w->second.begin(), w->second.end());
    if (!daloradius) continue;
    if (auto c = data.customers.find(s.username); c != data.customers.end()) {
      s.customer = c->second;
      if (!s.customer.contains("name")) {
        s.customer["name"] = s.username;
        s.warnings.push_back("customer record has no name: the username is used");
      }
    }
    auto bp = data.userBillingPlan.find(s.username);
    if (bp == data.userBillingPlan.end()) continue;
    auto b = billingByName.find(bp->second);
    std::string planName = s.args.value("plan", "");
    std::string group = groupOfPlan.count(planName) ? groupOfPlan[planName] : "";
    if (b == billingByName.end())
      s.warnings.push_back("billed on daloRADIUS plan '" + bp->second + "', which billing_plans does not hold");
    else if (!b->second->group.empty() && b->second->group != group)
      s.warnings.push_back("billed on daloRADIUS plan '" + bp->second + "' (group '" + b->second->group +
                           "') but the rate comes from " + (group.empty() ? "elsewhere" : "group '" + group + "'") +
                           ": plan '" + planName + "' and its price are used");
  }
  return plan;
}

core::Result<ImportPlan> readSqlImportPlan(const std::string& source, const std::string& from, const MapOptions& options,
                                           const std::function<void(const std::string&)>& progress) {
  const bool dalo = source == "daloradius";
  if (!dalo && source != "freeradius-sql") return core::invalidArgument("--source '" + source + "' is not an SQL source");
  EDGE_ASSIGN_OR_RETURN(SourceLocation location, parseSourceLocation(from));
  EDGE_ASSIGN_OR_RETURN(std::unique_ptr<SqlSource> db, openSqlSource(location));
  EDGE_ASSIGN_OR_RETURN(SqlImport data, readFreeradiusSql(*db, dalo, progress));
  if (progress)
    progress("read " + std::to_string(data.users) + " users and " + std::to_string(data.groups) + " groups from " +
             db->kind() + "; mapping");
  return mapFreeradiusSql(data, options, dalo);
}

namespace {

std::string quoted40(const std::string& v) { return "'" + (v.size() > 40 ? v.substr(0, 40) + "..." : v) + "'"; }

core::Result<int64_t> countOf(const std::optional<std::string>& v, const char* column, bool nullIsZero) {
  if (!v) {
    if (nullIsZero) return int64_t{0};
    return core::invalidArgument(std::string(column) + ": missing");
  }
  const std::string t = trimmed(*v);
  if (t.empty() || t.size() > 18 || t.find_first_not_of("0123456789") != std::string::npos)
    return core::invalidArgument(std::string(column) + ": " + quoted40(*v) + " is not a count");
  return static_cast<int64_t>(std::stoll(t));
}

core::Result<int64_t> timeOf(const std::optional<std::string>& v, const char* column) {
  if (!v || trimmed(*v).empty()) return core::invalidArgument(std::string(column) + ": missing");
  std::string t = trimmed(*v);
  if (t.size() <= 12 && t.find_first_not_of("0123456789") == std::string::npos) return static_cast<int64_t>(std::stoll(t));
  // PostgreSQL prints a whole-hour zone as "+00": parseIso8601 takes "+00:00".
  if (t.size() >= 3 && (t[t.size() - 3] == '+' || t[t.size() - 3] == '-') && t.size() > 19 &&
      std::isdigit(static_cast<unsigned char>(t[t.size() - 1])) && std::isdigit(static_cast<unsigned char>(t[t.size() - 2])))
    t += ":00";
  core::Result<int64_t> at = core::parseIso8601(t);
  if (!at.isOk() || *at < 0) return core::invalidArgument(std::string(column) + ": " + quoted40(*v) + " is not a time");
  return *at;
}

}  // namespace

core::Result<AccountingSession> accountingSessionFromRow(const SqlRow& row) {
  if (row.size() != kRadacctColumns) return core::invalidArgument("radacct: expected 11 columns");
  AccountingSession s;
  s.username = trimmed(text(row, 3));
  if (s.username.empty()) return core::invalidArgument("username: missing");
  if (s.username.size() > 253) return core::invalidArgument("username: longer than 253 characters");
  s.sessionId = text(row, 2);
  s.nas = trimmed(text(row, 4));
  s.terminateCause = trimmed(text(row, 10));
  if (s.sessionId.size() > 255 || s.nas.size() > 64 || s.terminateCause.size() > 64)
    return core::invalidArgument("acctsessionid, nasipaddress or acctterminatecause: too long");
  EDGE_ASSIGN_OR_RETURN(s.started, timeOf(row[5], "acctstarttime"));
  EDGE_ASSIGN_OR_RETURN(s.stopped, timeOf(row[6], "acctstoptime"));
  if (s.stopped < s.started) return core::invalidArgument("acctstoptime: before acctstarttime");
  EDGE_ASSIGN_OR_RETURN(s.sessionTime, countOf(row[7], "acctsessiontime", true));
  if (!row[7]) s.sessionTime = s.stopped - s.started;
  EDGE_ASSIGN_OR_RETURN(s.inputOctets, countOf(row[8], "acctinputoctets", true));
  EDGE_ASSIGN_OR_RETURN(s.outputOctets, countOf(row[9], "acctoutputoctets", true));
  s.key = trimmed(text(row, 1));
  if (s.key.empty()) s.key = s.sessionId + "|" + s.username + "|" + s.nas + "|" + trimmed(text(row, 5));
  if (s.key.size() > 255) return core::invalidArgument("acctuniqueid: longer than 255 characters");
  if (!aaa::auth::isValidUtf8(s.key) || !aaa::auth::isValidUtf8(s.username) || !aaa::auth::isValidUtf8(s.nas) ||
      !aaa::auth::isValidUtf8(s.terminateCause))
    return core::invalidArgument("radacct: a value is not UTF-8");
  return s;
}

core::Result<HistoryCounts> readAccountingHistory(
    SqlSource& source, const std::function<core::Status(const AccountingSession&)>& onSession,
    const std::function<void(int64_t, const std::string&)>& onUnreadable) {
  HistoryCounts counts;
  EDGE_ASSIGN_OR_RETURN(bool has, source.hasTable("radacct"));
  if (!has) return counts;
  EDGE_RETURN_IF_ERROR(source.select(
      "SELECT radacctid, acctuniqueid, acctsessionid, username, nasipaddress, acctstarttime, acctstoptime, "
      "acctsessiontime, acctinputoctets, acctoutputoctets, acctterminatecause FROM radacct "
      "WHERE acctstoptime IS NOT NULL ORDER BY radacctid",
      [&](const SqlRow& row) -> core::Status {
        core::Result<AccountingSession> s = accountingSessionFromRow(row);
        if (!s.isOk()) {
          ++counts.unreadable;
          if (onUnreadable) onUnreadable(number(text(row, 0)), s.status().message());
          return core::Status::ok();
        }
        ++counts.sessions;
        return onSession(*s);
      }));
  return counts;
}

}  // namespace importer
