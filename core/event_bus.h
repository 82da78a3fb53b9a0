// A small typed, synchronous event bus: AAA publishes facts (SessionAuthorized, ...), and
// enforcement, counters and sync subscribe to them, without knowing about each other.
//
// Contract: publish<E>(event) calls every handler subscribed to type E, in subscription order, on
// the publishing thread, before returning. Handlers must be quick and must not throw (a throwing
// handler is caught, counted in handlerErrors(), and the others still run). subscribe/unsubscribe
// and publish are thread-safe; a handler may publish other events but must not unsubscribe itself
// from inside its own call (it is deferred to after the publish).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <typeindex>
#include <vector>

namespace core {

class EventBus {
 public:
  using SubscriptionId = uint64_t;

  template <class E>
  SubscriptionId subscribe(std::function<void(const E&)> handler) {
    auto erased = std::make_shared<Handler>([h = std::move(handler)](const void* e) { h(*static_cast<const E*>(e)); });
    return add(std::type_index(typeid(E)), std::move(erased));
  }

  void unsubscribe(SubscriptionId id);

  template <class E>
  void publish(const E& event) {
    dispatch(std::type_index(typeid(E)), &event);
  }

  uint64_t handlerErrors() const { return handlerErrors_.load(); }

 private:
  using Handler = std::function<void(const void*)>;
  struct Entry {
    SubscriptionId id;
    std::shared_ptr<Handler> handler;
  };

  SubscriptionId add(std::type_index type, std::shared_ptr<Handler> handler);
  void dispatch(std::type_index type, const void* event);

  mutable std::mutex mu_;
  SubscriptionId nextId_ = 1;
  std::map<std::type_index, std::vector<Entry>> handlers_;
  std::atomic<uint64_t> handlerErrors_{0};
};

}  // namespace core
