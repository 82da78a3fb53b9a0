// A tenant's customers: the people behind its subscribers (customer-add/set/del/show/list).
//
// Contract:
//  - A customer has a name (required), email, phone, service address, notes and tags, and may hold
//    one of the tenant's subscribers (RADIUS accounts) by username. Every field is checked here and
//    a refusal is kInvalidArgument with a message that starts with the field's name ("email: ..."),
//    so a form can put it next to that field.
//  - A tenant caller reaches only its own tenant's customers (tenancy::tenantFromArgs); another
//    tenant's customer id is kNotFound, the same as an id that does not exist.
//  - customer-list searches by prefix of any word of the name, the username, email, phone digits
//    or a tag (every word of the query must match); results by name, paged.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/control_socket.h"
#include "mgmt/customers/customer_store.h"
#include "mgmt/store/sql.h"
#include "mgmt/tenancy/caller.h"

namespace mgmt::customers {

// The checks of the customer's fields as given (absent fields are not checked): the first problem.
core::Status validateFields(const core::Json& args);
// "a, b ,c" -> {"a","b","c"}, lower-case.
std::vector<std::string> parseTags(const std::string& text);
core::Json customerJson(const Customer& c);

class CustomerService {
 public:
  struct Deps {
    store::Storage& storage;
    const core::Clock& clock;
  };
  explicit CustomerService(Deps deps) : d_(deps) {}

  // replace: customer-set (the stored customer with the given fields on top).
  core::ControlReply put(const core::Json& args, const tenancy::Caller& caller, bool replace);
  core::ControlReply remove(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply show(const core::Json& args, const tenancy::Caller& caller);
  core::ControlReply list(const core::Json& args, const tenancy::Caller& caller);

 private:
  Deps d_;
};

}  // namespace mgmt::customers
