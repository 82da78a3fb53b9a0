#include "mgmt/customers/customer_service.h"

#include <algorithm>
#include <cctype>

#include "core/command_args.h"
#include "core/pki.h"
#include "mgmt/catalog/catalog_service.h"
#include "mgmt/tenancy/tenancy_service.h"

namespace mgmt::customers {

using core::CommandArgs;
using core::ControlReply;
using core::Json;
using tenancy::Caller;
using tenancy::Tenant;

namespace {

constexpr size_t kMaxTags = 20;

bool hasControl(const std::string& s, bool newlinesOk) {
  for (char ch : s) {
    unsigned char u = static_cast<unsigned char>(ch);
    if (u == 0x7f || (u < 0x20 && !(newlinesOk && (ch == '\n' || ch == '\r' || ch == '\t')))) return true;
  }
  return false;
}

std::string trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string textOf(const Json& args, const char* key) {
  return args.contains(key) && args[key].is_string() ? trimmed(args[key].get<std::string>()) : "";
}

std::string tagsText(const Json& args) {
  if (!args.contains("tags")) return "";
  const Json& t = args["tags"];
  if (t.is_string()) return t.get<std::string>();
  std::string out;
  if (t.is_array())
    for (const Json& x : t)
      if (x.is_string()) out += (out.empty() ? "" : ",") + x.get<std::string>();
  return out;
}

}  // namespace

std::vector<std::string> parseTags(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    std::string t = trimmed(cur);
    for (char& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!t.empty() && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    cur.clear();
  };
  for (char ch : text) {
    if (ch == ',') flush();
    else cur.push_back(ch);
  }
  flush();
  return out;
}

core::Status validateFields(const Json& args) {
  if (args.contains("name")) {
    std::string name = textOf(args, "name");
    if (name.empty()) return core::invalidArgument("name: give the customer's name");
    if (name.size() > 128) return core::invalidArgument("name: at most 128 characters");
    if (hasControl(name, false)) return core::invalidArgument("name: control characters are not allowed");
  }
  std::string email = textOf(args, "email");
  if (!email.empty()) {
    size_t at = email.find('@');
    if (email.size() > 254 || at == std::string::npos || at == 0 || email.find('@', at + 1) != std::string::npos ||
        email.find('.', at) == std::string::npos || email.back() == '.' ||
        email.find_first_of(" \t\r\n<>,;\"") != std::string::npos || hasControl(email, false))
      return core::invalidArgument("email: not an email address (like name@example.com)");
  }
  std::string phone = textOf(args, "phone");
  if (!phone.empty()) {
    int digits = 0;
    for (char ch : phone) {
      if (std::isdigit(static_cast<unsigned char>(ch))) ++digits;
      else if (std::string(" +-().").find(ch) == std::string::npos)
        return core::invalidArgument("phone: only digits, spaces and + - ( ) are allowed");
    }
    if (digits < 5 || digits > 15) return core::invalidArgument("phone: 5 to 15 digits (like +351 912 345 678)");
  }
  std::string address = textOf(args, "address");
  if (address.size() > 512) return core::invalidArgument("address: at most 512 characters");
  if (hasControl(address, true)) return core::invalidArgument("address: control characters are not allowed");
  std::string country = textOf(args, "country");
  if (!country.empty() && (country.size() != 2 || !std::isalpha(static_cast<unsigned char>(country[0])) ||
                           !std::isalpha(static_cast<unsigned char>(country[1]))))
    return core::invalidArgument("country: a two-letter ISO 3166 code such as DE");
  for (const char* key : {"region", "city", "postal"}) {
    std::string v = textOf(args, key);
    if (v.size() > 64) return core::invalidArgument(std::string(key) + ": at most 64 characters");
    if (hasControl(v, false)) return core::invalidArgument(std::string(key) + ": control characters are not allowed");
  }
  std::string notes = textOf(args, "notes");
  if (notes.size() > 4096) return core::invalidArgument("notes: at most 4096 characters");
  if (hasControl(notes, true)) return core::invalidArgument("notes: control characters are not allowed");
  std::vector<std::string> tags = parseTags(tagsText(args));
  if (tags.size() > kMaxTags) return core::invalidArgument("tags: at most 20 tags");
  for (const std::string& t : tags) {
    if (t.size() > 32 || t.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
      return core::invalidArgument("tags: '" + t + "' is not a tag (letters, digits, - and _, at most 32)");
  }
  return core::Status::ok();
}

Json customerJson(const Customer& c) {
  return Json{{"id", c.id},           {"name", c.name},         {"email", c.email},
              {"phone", c.phone},     {"address", c.address},   {"notes", c.notes},
              {"country", c.country}, {"region", c.region},     {"city", c.city},
              {"postal", c.postalCode},
              {"tags", c.tags},       {"username", c.username}, {"created", c.createdAt},
              {"updated", c.updatedAt}};
}

ControlReply CustomerService::put(const Json& args, const Caller& caller, bool replace) {
  CommandArgs a(args);
  EDGE_RETURN_IF_ERROR(validateFields(args));
  if (!replace && textOf(args, "name").empty()) return ControlReply::error(core::invalidArgument("name: give the customer's name"));
  const int64_t now = d_.clock.unixSeconds();
  Customer c;
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    CustomerStore store(tx);
    if (replace) {
      EDGE_ASSIGN_OR_RETURN(std::string id, a.required("id"));
      EDGE_ASSIGN_OR_RETURN(std::optional<Customer> existing, store.find(t.id, id));
      if (!existing) return core::notFound("id: no customer '" + id + "' in tenant '" + t.name + "'");
      c = *existing;
    } else {
      c.tenantId = t.id;
      c.id = "cu-" + core::pki::randomHex(6);
      c.createdAt = now;
    }
    if (args.contains("name")) c.name = textOf(args, "name");
    if (args.contains("email")) c.email = textOf(args, "email");
    if (args.contains("phone")) c.phone = textOf(args, "phone");
    if (args.contains("address")) c.address = textOf(args, "address");
    if (args.contains("notes")) c.notes = textOf(args, "notes");
    if (args.contains("country")) {
      c.country = textOf(args, "country");
      for (char& ch : c.country) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    if (args.contains("region")) c.region = textOf(args, "region");
    if (args.contains("city")) c.city = textOf(args, "city");
    if (args.contains("postal")) c.postalCode = textOf(args, "postal");
    if (args.contains("tags")) c.tags = parseTags(tagsText(args));
    if (args.contains("username")) {
      std::string username = textOf(args, "username");
      if (!username.empty()) {
        EDGE_ASSIGN_OR_RETURN(bool exists, catalog::subscriberExists(tx, t.id, username));
        if (!exists) return core::invalidArgument("username: no subscriber '" + username + "' in tenant '" + t.name + "'");
      }
      c.username = username;
    }
    c.updatedAt = now;
    return store.put(c);
  });
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success("customer '" + c.name + "' " + (replace ? "changed" : "added") + " (" + c.id + ")",
                               customerJson(c));
}

ControlReply CustomerService::remove(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("id"));
  core::Status s = d_.storage.transact([&](store::Transaction& tx) -> core::Status {
    EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
    EDGE_ASSIGN_OR_RETURN(bool removed, CustomerStore(tx).remove(t.id, id));
    if (!removed) return core::notFound("id: no customer '" + id + "' in tenant '" + t.name + "'");
    return core::Status::ok();
  });
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success("customer " + id + " deleted");
}

ControlReply CustomerService::show(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::string id, a.required("id"));
  Customer c;
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        EDGE_ASSIGN_OR_RETURN(std::optional<Customer> found, CustomerStore(tx).find(t.id, id));
        if (!found) return core::notFound("id: no customer '" + id + "' in tenant '" + t.name + "'");
        c = *found;
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success(c.name, customerJson(c));
}

ControlReply CustomerService::list(const Json& args, const Caller& caller) {
  CommandArgs a(args);
  EDGE_ASSIGN_OR_RETURN(std::optional<std::string> search, a.text("search"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> limit, a.integer("limit"));
  EDGE_ASSIGN_OR_RETURN(std::optional<int64_t> offset, a.integer("offset"));
  Json out = Json::object();
  core::Status s = d_.storage.transact(
      [&](store::Transaction& tx) -> core::Status {
        EDGE_ASSIGN_OR_RETURN(Tenant t, tenancy::tenantFromArgs(tx, a, caller));
        CustomerStore store(tx);
        EDGE_ASSIGN_OR_RETURN(std::vector<Customer> rows,
                              store.search(t.id, queryWords(search.value_or("")), limit.value_or(100), offset.value_or(0)));
        EDGE_ASSIGN_OR_RETURN(int64_t total, store.count(t.id));
        Json list = Json::array();
        for (const Customer& c : rows) list.push_back(customerJson(c));
        out = Json{{"customers", list}, {"total", total}};
        return core::Status::ok();
      },
      store::Storage::Mode::kReadOnly);
  EDGE_RETURN_IF_ERROR(s);
  return ControlReply::success(std::to_string(out["customers"].size()) + " customers", out);
}

}  // namespace mgmt::customers
