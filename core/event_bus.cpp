#include "core/event_bus.h"

namespace core {

EventBus::SubscriptionId EventBus::add(std::type_index type, std::shared_ptr<Handler> handler) {
  std::lock_guard<std::mutex> lock(mu_);
  SubscriptionId id = nextId_++;
  handlers_[type].push_back(Entry{id, std::move(handler)});
  return id;
}

void EventBus::unsubscribe(SubscriptionId id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [type, entries] : handlers_) {
    for (auto it = entries.begin(); it != entries.end(); ++it) {
      if (it->id == id) {
        entries.erase(it);
        return;
      }
    }
  }
}

void EventBus::dispatch(std::type_index type, const void* event) {
  // Copy the handler list so handlers run without the lock: they may publish or subscribe.
  std::vector<std::shared_ptr<Handler>> snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = handlers_.find(type);
    if (it == handlers_.end()) return;
    snapshot.reserve(it->second.size());
    for (const Entry& e : it->second) snapshot.push_back(e.handler);
  }
  for (const auto& handler : snapshot) {
    try {
      (*handler)(event);
    } catch (...) {
      ++handlerErrors_;
    }
  }
}

}  // namespace core
