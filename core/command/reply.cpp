#include "core/command/reply.h"

#include "core/command/command.h"

namespace core {

Json ControlReply::toJson() const {
  Json out = Json::object();
  out["result"] = result;
  if (!ok()) out["code"] = command::publicCodeName(command::publicCode(code));
  out["text"] = text;
  if (!arguments.is_null()) out["arguments"] = arguments;
  return out;
}

}  // namespace core
