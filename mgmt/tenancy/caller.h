// Who asks: a platform operator (mgmtctl, a platform token) or one tenant's token. Every service
// applies it the same way: a tenant caller reaches only its own tenant, and naming any other gets
// the same answer as naming a tenant that does not exist (nothing leaks).
#pragma once

#include <string>

namespace mgmt::tenancy {

struct Caller {
  std::string tenantId;  // "" = platform operator
  bool platform() const { return tenantId.empty(); }
};

}  // namespace mgmt::tenancy
