// Installs N subscribers' shaping classes and gating elements the way the gateway restores them
// (edge/gateway.cpp reconcile: libnl-route HTB classes on both interfaces, one nftables
// transaction for every client), and prints the times as JSON. Run inside a network namespace
// with two interfaces (tests/bench/gateway_bench.py builds it).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "edge/gateway/gateway_nft.h"
#include "edge/gateway/gateway_shaper.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: gateway_install LAN WAN COUNT\n");
    return 2;
  }
  const int count = std::atoi(argv[3]);
  edge::gw::Nft nft;
  edge::gw::Shaper shaper;
  edge::gw::NftLayout layout{argv[1], argv[2], "10.64.0.1", 8080, {}};
  core::Status s = nft.run(std::string("add table inet ") + edge::gw::kTable + "\ndelete table inet " + edge::gw::kTable +
                           "\n" + edge::gw::nftRuleset(layout));
  if (s.isOk()) s = shaper.open(argv[1], argv[2]);
  if (!s.isOk()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  std::string elements;
  for (int i = 0; i < count; ++i) {
    uint32_t minor = static_cast<uint32_t>(i + 1);
    edge::gw::ShapeRate rate{10000000, 5000000, 20000000, 10000000, 8};
    s = shaper.setClass(minor, rate);
    if (!s.isOk()) {
      std::fprintf(stderr, "%s\n", s.message().c_str());
      return 1;
    }
    char ip[32], mac[32];
    std::snprintf(ip, sizeof ip, "10.64.%d.%d", 1 + i / 250, 1 + i % 250);
    std::snprintf(mac, sizeof mac, "02:00:00:00:%02x:%02x", (i >> 8) & 0xff, i & 0xff);
    elements += edge::gw::nftAddClient(edge::gw::NftClient{mac, ip, minor, "s" + std::to_string(i)});
  }
  auto t1 = std::chrono::steady_clock::now();
  s = nft.run(elements);
  auto t2 = std::chrono::steady_clock::now();
  if (!s.isOk()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  auto counters = nft.counters();
  auto t3 = std::chrono::steady_clock::now();
  auto sec = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  std::printf("{\"clients\": %d, \"classes_seconds\": %.3f, \"nft_seconds\": %.3f, \"total_seconds\": %.3f, "
              "\"counter_read_seconds\": %.3f, \"counters\": %zu}\n",
              count, sec(t0, t1), sec(t1, t2), sec(t0, t2), sec(t2, t3), counters.isOk() ? counters->size() : 0);
  shaper.close();
  return nft.removeTable().isOk() ? 0 : 1;
}
