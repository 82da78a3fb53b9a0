// dynauth_tool: sends Disconnect-Request / CoA-Request with aaa::radius::DynAuthClient and prints
// the results and the client's counters as JSON. For manual tests against a NAS and for
// tests/integration/dynauth_test.py (against tests/integration/fake_nas.py).
//
//   dynauth_tool --address A [--port P] (--secret S | --secret-file F) [--nas NAME] [--source ADDR]
//                [--disconnect | --coa] [--attr Name=Value]... [--change Name=Value]...
//                [--irt-ms N] [--mrc N] [--mrt-ms N] [--mrd-ms N] [--no-jitter]
//                [--allow-reply-without-message-authenticator] [--repeat N] [--dict DIR]
//
// --attr adds a session identification attribute, --change an authorization change (CoA). Values
// follow the dictionary type: text for string, decimal for integer/date, dotted IPv4, IPv6 text,
// 0x<hex> (or text) for octets. --repeat sends the same request N times, one after the other.
// Output (stdout, one JSON object):
//   {"results": [{"outcome": "ack|nak|timeout|error", "error_cause": 503,
//                 "error_cause_text": "...", "attempts": 1, "elapsed_ms": 3, "id": 17,
//                 "message": "...", "reply_code": "Disconnect-NAK", "ignored_replies": 0,
//                 "reply_attributes": [{"name": "Error-Cause", "value": "503"}]}, ...],
//    "counters": [{"name": "radius_dynauth_client_disconnect_requests_total",
//                  "labels": {}, "value": 1}, ...]}
// Exit status: outcome of the last request: 0 ack, 1 nak, 2 timeout, 3 error; 64 usage.
#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aaa/radius/attributes.h"
#include "aaa/radius/dictionary.h"
#include "aaa/radius/dynauth_client.h"
#include "aaa/radius/packet.h"
#include "core/counters.h"

using namespace aaa::radius;  // NOLINT

namespace {

int usage(const std::string& why) {
  std::cerr << "dynauth_tool: " << why << "\n"
            << "usage: dynauth_tool --address A [--port P] (--secret S | --secret-file F) [--nas NAME]\n"
               "                    [--source ADDR] [--disconnect | --coa] [--attr Name=Value]...\n"
               "                    [--change Name=Value]... [--irt-ms N] [--mrc N] [--mrt-ms N]\n"
               "                    [--mrd-ms N] [--no-jitter] [--allow-reply-without-message-authenticator]\n"
               "                    [--repeat N] [--dict DIR]\n";
  return 64;
}

core::Result<std::string> fromHex(const std::string& hex) {
  if (hex.size() % 2 != 0) return core::invalidArgument("odd number of hex digits");
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    char* end = nullptr;
    std::string byte = hex.substr(i, 2);
    long v = std::strtol(byte.c_str(), &end, 16);
    if (*end != '\0') return core::invalidArgument("not hex: " + byte);
    out.push_back(static_cast<char>(v));
  }
  return out;
}

core::Result<Attribute> parseAttribute(const Dictionary& dict, const std::string& spec) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) return core::invalidArgument("expected Name=Value, got \"" + spec + "\"");
  std::string name = spec.substr(0, eq);
  std::string text = spec.substr(eq + 1);
  core::Result<AttrRef> ref = dict.find(name);
  if (!ref.isOk()) return ref.status();
  Attribute a{*ref, Value{}, 0};
  try {
    switch (ref->type) {
      case AttrType::kString: a.value = Value::string(text); break;
      case AttrType::kOctets: {
        if (text.rfind("0x", 0) == 0) {
          core::Result<std::string> raw = fromHex(text.substr(2));
          if (!raw.isOk()) return raw.status().withContext(name);
          a.value = Value::octets(*raw);
        } else {
          a.value = Value::octets(text);
        }
        break;
      }
      case AttrType::kInteger:
      case AttrType::kByte:
      case AttrType::kShort:
      case AttrType::kDate:
      case AttrType::kSigned: a.value = Value::uint32(static_cast<uint32_t>(std::stoul(text, nullptr, 0))); break;
      case AttrType::kInteger64: a.value = Value::uint64(std::stoull(text, nullptr, 0)); break;
      case AttrType::kIpAddr: {
        in_addr in{};
        if (inet_pton(AF_INET, text.c_str(), &in) != 1) return core::invalidArgument(name + ": not an IPv4 address");
        a.value = Value::ipv4(ntohl(in.s_addr));
        break;
      }
      case AttrType::kIpv6Addr: {
        in6_addr in6{};
        if (inet_pton(AF_INET6, text.c_str(), &in6) != 1) return core::invalidArgument(name + ": not an IPv6 address");
        a.value = Value::octets(std::string(reinterpret_cast<const char*>(&in6), sizeof in6));
        break;
      }
      default: return core::invalidArgument(name + ": type " + attrTypeName(ref->type) + " is not supported here");
    }
  } catch (const std::exception&) {
    return core::invalidArgument(name + ": \"" + text + "\" is not a number");
  }
  return a;
}

std::string render(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kString: return v.bytes;
    case Value::Kind::kUint32:
    case Value::Kind::kUint64: return std::to_string(v.number);
    case Value::Kind::kIpv4: {
      char buf[INET_ADDRSTRLEN];
      in_addr in{htonl(static_cast<uint32_t>(v.number))};
      inet_ntop(AF_INET, &in, buf, sizeof buf);
      return buf;
    }
    case Value::Kind::kBytes: {
      std::string out = "0x";
      char buf[4];
      for (unsigned char c : v.bytes) {
        std::snprintf(buf, sizeof buf, "%02x", c);
        out += buf;
      }
      return out;
    }
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  std::string dictDir = EDGE_FREERADIUS_DICTIONARY_DIR;
  DynAuthTarget target;
  DynAuthKind kind = DynAuthKind::kDisconnect;
  std::vector<std::string> attrSpecs, changeSpecs;
  RetryPolicy policy;
  int repeat = 1;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
        return argv[++i];
      };
      if (arg == "--address") target.address = value();
      else if (arg == "--port") target.port = static_cast<uint16_t>(std::stoul(value()));
      else if (arg == "--secret") target.secret = value();
      else if (arg == "--secret-file") {
        std::ifstream in(value());
        std::getline(in, target.secret);
      } else if (arg == "--nas") target.nasName = value();
      else if (arg == "--source") target.sourceAddress = value();
      else if (arg == "--disconnect") kind = DynAuthKind::kDisconnect;
      else if (arg == "--coa") kind = DynAuthKind::kCoa;
      else if (arg == "--attr") attrSpecs.push_back(value());
      else if (arg == "--change") changeSpecs.push_back(value());
      else if (arg == "--irt-ms") policy.initial = std::chrono::milliseconds(std::stol(value()));
      else if (arg == "--mrc") policy.maxTransmissions = std::stoi(value());
      else if (arg == "--mrt-ms") policy.maxInterval = std::chrono::milliseconds(std::stol(value()));
      else if (arg == "--mrd-ms") policy.maxDuration = std::chrono::milliseconds(std::stol(value()));
      else if (arg == "--no-jitter") policy.jitter = 0;
      else if (arg == "--allow-reply-without-message-authenticator") target.requireReplyMessageAuthenticator = false;
      else if (arg == "--repeat") repeat = std::stoi(value());
      else if (arg == "--dict") dictDir = value();
      else return usage("unknown argument " + arg);
    }
  } catch (const std::exception& e) {
    return usage(e.what());
  }
  if (target.address.empty() || target.secret.empty()) return usage("--address and --secret are required");

  core::Result<Dictionary> dict = Dictionary::load(dictDir);
  if (!dict.isOk()) {
    std::cerr << "dynauth_tool: " << dict.status().toString() << "\n";
    return 3;
  }
  core::Result<Attributes> attributes = Attributes::resolve(*dict);
  if (!attributes.isOk()) {
    std::cerr << "dynauth_tool: " << attributes.status().toString() << "\n";
    return 3;
  }
  std::vector<Attribute> identity, changes;
  for (const auto& [specs, out] : {std::pair{&attrSpecs, &identity}, std::pair{&changeSpecs, &changes}}) {
    for (const std::string& spec : *specs) {
      core::Result<Attribute> a = parseAttribute(*dict, spec);
      if (!a.isOk()) return usage(a.status().message());
      out->push_back(*a);
    }
  }

  core::CounterRegistry registry;
  DynAuthClient client(*attributes, registry, policy);
  nlohmann::ordered_json out;
  out["results"] = nlohmann::ordered_json::array();
  DynAuthOutcome last = DynAuthOutcome::kError;
  for (int n = 0; n < repeat; ++n) {
    DynAuthResult r = client.send(target, kind, identity, changes);
    last = r.outcome;
    nlohmann::ordered_json j;
    j["outcome"] = dynAuthOutcomeName(r.outcome);
    j["error_cause"] = r.errorCause;
    j["error_cause_text"] = r.errorCauseText;
    j["attempts"] = r.attempts;
    j["elapsed_ms"] = r.elapsed.count();
    j["id"] = r.id;
    j["message"] = r.message;
    j["ignored_replies"] = r.ignoredReplies;
    if (r.outcome == DynAuthOutcome::kAck || r.outcome == DynAuthOutcome::kNak) {
      j["reply_code"] = packetCodeName(r.replyCode);
      nlohmann::ordered_json attrs = nlohmann::ordered_json::array();
      for (const Attribute& a : r.replyAttributes) {
        core::Result<std::string> name = dict->nameOf(a.ref);
        attrs.push_back({{"name", name.isOk() ? *name
                                              : "Attr-" + std::to_string(a.ref.vendor) + "-" +
                                                    std::to_string(a.ref.attr)},
                         {"value", render(a.value)}});
      }
      j["reply_attributes"] = attrs;
    }
    out["results"].push_back(j);
  }
  nlohmann::ordered_json counters = nlohmann::ordered_json::array();
  for (const core::CounterInfo& c : registry.list()) {
    counters.push_back({{"name", c.name}, {"labels", c.labels}, {"value", c.counter->value()}});
  }
  out["counters"] = counters;
  std::cout << out.dump(2) << std::endl;
  switch (last) {
    case DynAuthOutcome::kAck: return 0;
    case DynAuthOutcome::kNak: return 1;
    case DynAuthOutcome::kTimeout: return 2;
    case DynAuthOutcome::kError: return 3;
  }
  return 3;
}
