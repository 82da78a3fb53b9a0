// radius_decode_tool: decodes one RADIUS datagram with our codec and prints what it found, for
// integration tests that capture packets from independent peers (radclient_capture_test.py).
//
//   radius_decode_tool --secret S [--dict DIR] [--request-authenticator HEX [--answers-status]]
//                      [--reply-out FILE [--acct-port] [--mppe-send-key HEX --mppe-recv-key HEX]]
//                      PACKET_FILE
//
// PACKET_FILE holds the raw datagram. Output, one per line:
//   code = Access-Request
//   id = 42
//   <Attribute-Name> = <value>        strings quoted (\xNN escapes), integers decimal, IPv4
//                                     dotted, other bytes 0x<hex>; unknown attributes as
//                                     Attr-<vendor>-<attr>
//   message-authenticator = absent | valid | invalid
// --reply-out writes the answer our encoder builds for a request: Access-Accept (Message-
// Authenticator first, Reply-Message "hello <User-Name>", then MS-MPPE-Recv-Key and
// MS-MPPE-Send-Key when --mppe-*-key give them), Accounting-Response (empty), CoA-ACK or
// Disconnect-ACK (Message-Authenticator only). A Status-Server (RFC 5997) is answered with an
// Access-Accept (Message-Authenticator, Reply-Message "alive"), or with --acct-port (it came to
// the accounting port) an Accounting-Response carrying a Message-Authenticator.
// --request-authenticator decodes a reply; add --answers-status when it answers a Status-Server.
// Exit status: 0 decoded, 1 decode failed (message on stderr), 2 usage.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "aaa/radius/dictionary.h"
#include "aaa/radius/packet.h"

using namespace aaa::radius;

namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

std::string hex(const std::string& s) {
  std::string out = "0x";
  char buf[4];
  for (unsigned char c : s) {
    std::snprintf(buf, sizeof(buf), "%02x", c);
    out += buf;
  }
  return out;
}

std::string show(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kString: return quote(v.bytes);
    case Value::Kind::kBytes: return hex(v.bytes);
    case Value::Kind::kUint32:
    case Value::Kind::kUint64: return std::to_string(v.number);
    case Value::Kind::kIpv4:
      return std::to_string((v.number >> 24) & 255) + "." + std::to_string((v.number >> 16) & 255) + "." +
             std::to_string((v.number >> 8) & 255) + "." + std::to_string(v.number & 255);
  }
  return "?";
}

bool parseHex(const std::string& text, Authenticator& out) {
  if (text.size() != 32) return false;
  for (size_t i = 0; i < 16; ++i) {
    try {
      out[i] = static_cast<uint8_t>(std::stoul(text.substr(2 * i, 2), nullptr, 16));
    } catch (...) {
      return false;
    }
  }
  return true;
}

bool parseHexBytes(const std::string& text, std::string& out) {
  if (text.empty() || text.size() % 2 != 0) return false;
  out.clear();
  for (size_t i = 0; i < text.size(); i += 2) {
    try {
      size_t used = 0;
      unsigned long b = std::stoul(text.substr(i, 2), &used, 16);
      if (used != 2) return false;
      out.push_back(static_cast<char>(b));
    } catch (...) {
      return false;
    }
  }
  return true;
}

int usage() {
  std::cerr << "usage: radius_decode_tool --secret S [--dict DIR] [--request-authenticator HEX "
               "[--answers-status]] [--reply-out FILE [--acct-port] [--mppe-send-key HEX "
               "--mppe-recv-key HEX]] PACKET_FILE\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string secret;
  std::string dictDir = EDGE_FREERADIUS_DICTIONARY_DIR;
  std::string replyOut;
  std::string file;
  Authenticator requestAuth{};
  bool haveRequestAuth = false;
  bool answersStatus = false;
  bool acctPort = false;
  std::string mppeSendKey;
  std::string mppeRecvKey;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--secret") secret = next();
    else if (arg == "--dict") dictDir = next();
    else if (arg == "--reply-out") replyOut = next();
    else if (arg == "--answers-status") answersStatus = true;
    else if (arg == "--acct-port") acctPort = true;
    else if (arg == "--mppe-send-key") {
      if (!parseHexBytes(next(), mppeSendKey)) return usage();
    } else if (arg == "--mppe-recv-key") {
      if (!parseHexBytes(next(), mppeRecvKey)) return usage();
    } else if (arg == "--request-authenticator") {
      if (!parseHex(next(), requestAuth)) return usage();
      haveRequestAuth = true;
    } else if (!arg.empty() && arg[0] != '-' && file.empty()) file = arg;
    else return usage();
  }
  if (secret.empty() || file.empty()) return usage();
  if (mppeSendKey.empty() != mppeRecvKey.empty()) return usage();

  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << file << "\n";
    return 1;
  }
  std::vector<uint8_t> wire((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  auto dict = Dictionary::load(dictDir);
  if (!dict.isOk()) {
    std::cerr << dict.status().toString() << "\n";
    return 1;
  }
  const Authenticator* req = haveRequestAuth ? &requestAuth : nullptr;
  auto check = answersStatus
                   ? verifyMessageAuthenticator(wire.data(), wire.size(), secret, req, PacketCode::kStatusServer)
                   : verifyMessageAuthenticator(wire.data(), wire.size(), secret, req);
  auto packet = answersStatus ? decode(wire.data(), wire.size(), secret, req, PacketCode::kStatusServer)
                              : decode(wire.data(), wire.size(), secret, req);
  if (!packet.isOk()) {
    std::cerr << "decode: " << packet.status().toString() << "\n";
    if (check.isOk()) std::cout << "message-authenticator = " << messageAuthenticatorCheckName(*check) << "\n";
    return 1;
  }
  std::cout << "code = " << packetCodeName(packet->code) << "\n";
  std::cout << "id = " << static_cast<int>(packet->id) << "\n";
  for (const Attribute& a : packet->attributes) {
    auto name = dict->nameOf(a.ref);
    std::string label = name.isOk() ? *name : "Attr-" + std::to_string(a.ref.vendor) + "-" + std::to_string(a.ref.attr);
    if (a.tag != 0) label += ":" + std::to_string(a.tag);
    std::cout << label << " = " << show(a.value) << "\n";
  }
  std::cout << "message-authenticator = "
            << (check.isOk() ? messageAuthenticatorCheckName(*check) : check.status().toString().c_str()) << "\n";

  if (!replyOut.empty()) {
    auto ma = dict->find("Message-Authenticator");
    auto replyMessage = dict->find("Reply-Message");
    auto userName = dict->find("User-Name");
    if (!ma.isOk() || !replyMessage.isOk() || !userName.isOk()) {
      std::cerr << "dictionary lacks Message-Authenticator, Reply-Message or User-Name\n";
      return 1;
    }
    Packet reply;
    reply.id = packet->id;
    std::optional<PacketCode> answering;
    switch (packet->code) {
      case PacketCode::kAccessRequest: {
        const Attribute* user = packet->find(*userName);
        reply.code = PacketCode::kAccessAccept;
        reply.attributes = {{*ma, Value::octets("")},
                            {*replyMessage, Value::string("hello " + (user ? user->value.bytes : std::string("?")))}};
        if (!mppeSendKey.empty()) {
          auto recv = dict->find("MS-MPPE-Recv-Key");
          auto send = dict->find("MS-MPPE-Send-Key");
          if (!recv.isOk() || !send.isOk()) {
            std::cerr << "dictionary lacks MS-MPPE-Recv-Key or MS-MPPE-Send-Key\n";
            return 1;
          }
          reply.attributes.push_back({*recv, Value::octets(mppeRecvKey)});
          reply.attributes.push_back({*send, Value::octets(mppeSendKey)});
        }
        break;
      }
      case PacketCode::kStatusServer:
        // RFC 5997 section 3: Access-Accept on the authentication port, Accounting-Response on the
        // accounting port; both signed with a Message-Authenticator.
        answering = PacketCode::kStatusServer;
        if (acctPort) {
          reply.code = PacketCode::kAccountingResponse;
          reply.attributes = {{*ma, Value::octets("")}};
        } else {
          reply.code = PacketCode::kAccessAccept;
          reply.attributes = {{*ma, Value::octets("")}, {*replyMessage, Value::string("alive")}};
        }
        break;
      case PacketCode::kAccountingRequest: reply.code = PacketCode::kAccountingResponse; break;
      case PacketCode::kCoaRequest:
        reply.code = PacketCode::kCoaAck;
        reply.attributes = {{*ma, Value::octets("")}};
        break;
      case PacketCode::kDisconnectRequest:
        reply.code = PacketCode::kDisconnectAck;
        reply.attributes = {{*ma, Value::octets("")}};
        break;
      default:
        std::cerr << "no reply for " << packetCodeName(packet->code) << "\n";
        return 1;
    }
    auto bytes = answering ? encode(reply, secret, &packet->authenticator, *answering)
                           : encode(reply, secret, &packet->authenticator);
    if (!bytes.isOk()) {
      std::cerr << "encode: " << bytes.status().toString() << "\n";
      return 1;
    }
    std::ofstream out(replyOut, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes->data()), static_cast<std::streamsize>(bytes->size()));
    if (!out) {
      std::cerr << "cannot write " << replyOut << "\n";
      return 1;
    }
  }
  return 0;
}
