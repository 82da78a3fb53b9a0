// Binding a service's methods as the handlers of their commands: one list of (command, method)
// per service, so a daemon and a service's unit test bind the same way (core/command/command.h).
#pragma once

#include <initializer_list>
#include <utility>

#include "core/command/command.h"
#include "core/command/reply.h"

namespace core::command {

template <class Service>
using Method = ControlReply (Service::*)(const Json& arguments);

// Binds each command to that method of `service` (which must outlive the table's use).
template <class Service>
void bindMethods(Table& table, Service* service, std::initializer_list<std::pair<const char*, Method<Service>>> methods) {
  for (const auto& [name, method] : methods)
    table.bind(name, [service, method = method](const Json& arguments, const Caller&) { return (service->*method)(arguments); });
}

}  // namespace core::command
