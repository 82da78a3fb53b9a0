#include "mgmt/store/postgres/pg_storage.h"

namespace mgmt::store::postgres {

core::Result<std::unique_ptr<Storage>> openPostgresStorage(const StorageConfig&, const std::vector<Migration>&) {
  return core::unavailable("storage: the postgres backend is not built yet");
}

}  // namespace mgmt::store::postgres
