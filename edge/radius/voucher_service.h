// Vouchers: batches of printed codes, each a subscriber of a plan whose code is its username and
// password (docs/operator-guide.md, "Vouchers"). Serves voucher-generate, voucher-list,
// voucher-revoke and voucher-export; RadiusService owns one and binds the commands to it.
//
// Threading: the handlers run one at a time (the command table's lock), on the read connection
// they are given; writes go through the Writer and are then published to the snapshot.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "aaa/policy/snapshot.h"
#include "core/clock.h"
#include "core/command/command.h"
#include "core/control_socket.h"
#include "core/store.h"

namespace edge {

class VoucherService {
 public:
  struct Deps {
    core::Writer& writer;
    core::Database& reader;  // edge.db, the handlers' read connection
    aaa::policy::SnapshotHolder& snapshots;
    const core::Clock& clock;
    std::string tenantName;  // the heading of each printed card
    // Live sessions of a user now; none = nobody is online.
    std::function<size_t(std::string_view username)> sessionsOnline;
    // Queues a Disconnect for every live session of a revoked voucher (never waits for the NAS).
    std::function<void(const std::string& username)> disconnect;
    // The license's subscriber cap for `adding` new subscribers: the refusal, or nullopt; none = no cap.
    std::function<std::optional<std::string>(size_t adding)> capacityCheck;
    // Whether passwords are also kept in clear (CHAP enabled); none = no.
    std::function<bool()> keepCleartext;
  };

  explicit VoucherService(Deps deps);

  core::ControlReply generate(const core::Json& args);
  core::ControlReply list(const core::Json& args);
  core::ControlReply revoke(const core::Json& args);
  core::ControlReply exportBatch(const core::Json& args);
  // Binds voucher-generate, voucher-list, voucher-revoke and voucher-export to this service.
  void registerCommands(core::command::Table& commands);

  // A fresh code: 12 symbols from the 31 without look-alikes (no 0/O, 1/I/L), uniformly drawn.
  static std::string newCode();
  static const char* alphabet();

 private:
  Deps d_;
};

}  // namespace edge
