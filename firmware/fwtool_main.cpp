// fwtool: builds, signs, verifies and inspects firmware bundles (firmware/bundle.h). Offline: it
// reads and writes files only. Exit status: 0 done, 1 refused (bad bundle, wrong key, policy),
// 2 usage.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "core/cli.h"
#include "firmware/bundle.h"

namespace {

constexpr const char* kUsage =
    "usage: fwtool COMMAND [OPTIONS]\n"
    "\n"
    "Firmware bundles for the edge appliance: a manifest signed with the firmware key (ECDSA P-256,\n"
    "never the license key) and a root filesystem image, each block of it checked before use.\n"
    "\n"
    "commands:\n"
    "  build --payload IMAGE --version V --compatible HW[,HW...] --min-version V --security-floor V\n"
    "        [--description TEXT] [--block-size BYTES] --out BUNDLE\n"
    "      Writes an unsigned bundle: the manifest (digests of the whole image and of each block) and\n"
    "      the image.\n"
    "  sign --key FIRMWARE-KEY.pem BUNDLE [--out SIGNED]\n"
    "      Signs the bundle's manifest with the firmware private key (in place unless --out).\n"
    "  verify --key FIRMWARE-PUB.pem [--hardware HW] [--running-version V] [--floor V] BUNDLE\n"
    "      Checks the signature, the install rules (hardware, the upgrade path from the running\n"
    "      version, no version below the security floor) and every byte of the payload.\n"
    "  inspect [--json] BUNDLE\n"
    "      Prints the manifest (the signature is not checked: use verify).\n"
    "  help\n"
    "\n"
    "Keys: openssl ecparam -name prime256v1 -genkey -noout -out firmware.key\n"
    "      openssl ec -in firmware.key -pubout -out firmware.pub\n";

int usageError(const std::string& message) {
  std::fprintf(stderr, "fwtool: %s\n(fwtool help shows the commands)\n", message.c_str());
  return 2;
}

int refused(const core::Status& status) {
  std::fprintf(stderr, "fwtool: %s\n", status.message().c_str());
  return 1;
}

struct Args {
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;
  bool json = false;
};

// --name value pairs (allowed names only) and bare values.
core::Result<Args> parseArgs(int argc, char** argv, const std::vector<std::string>& allowed) {
  Args a;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--json") {
      a.json = true;
    } else if (arg.rfind("--", 0) == 0) {
      std::string name = arg.substr(2);
      bool known = false;
      for (const std::string& n : allowed) known = known || n == name;
      if (!known) return core::invalidArgument("unknown option " + arg);
      if (i + 1 >= argc) return core::invalidArgument(arg + " needs a value");
      if (a.options.count(name)) return core::invalidArgument(arg + " is given twice");
      a.options[name] = argv[++i];
    } else {
      a.positional.push_back(arg);
    }
  }
  return a;
}

core::Result<std::string> readSmallFile(const std::string& path, const std::string& what) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return core::errnoStatus("cannot open " + what + " " + path, errno);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && out.size() < 65536) out.append(buf, n);
  std::fclose(f);
  if (out.size() >= 65536) return core::invalidArgument(what + " " + path + " is too large for a key");
  return out;
}

// Writes the header and then the rest of `payload` into path (through path.tmp and a rename, so a
// crash leaves the old file or the new one).
core::Status writeBundle(const std::string& path, const std::string& header, firmware::ByteSource& payload) {
  std::string tmp = path + ".tmp";
  FILE* out = std::fopen(tmp.c_str(), "wb");
  if (out == nullptr) return core::errnoStatus("cannot create " + tmp, errno);
  bool ok = std::fwrite(header.data(), 1, header.size(), out) == header.size();
  std::vector<char> buf(1 << 20);
  while (ok) {
    core::Result<size_t> n = payload.read(buf.data(), buf.size());
    if (!n.isOk()) {
      std::fclose(out);
      std::remove(tmp.c_str());
      return n.status();
    }
    if (*n == 0) break;
    ok = std::fwrite(buf.data(), 1, *n, out) == *n;
  }
  ok = ok && std::fflush(out) == 0 && ::fsync(fileno(out)) == 0;
  int err = errno;
  ok = std::fclose(out) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return core::errnoStatus("cannot write " + path, err ? err : errno);
  }
  return core::Status::ok();
}

int build(int argc, char** argv) {
  core::Result<Args> a = parseArgs(argc, argv,
                                   {"payload", "version", "compatible", "min-version", "security-floor",
                                    "description", "block-size", "out"});
  if (!a.isOk()) return usageError(a.status().message());
  for (const char* required : {"payload", "version", "compatible", "min-version", "security-floor", "out"})
    if (!a->options.count(required)) return usageError(std::string("build needs --") + required);
  if (!a->positional.empty()) return usageError("build takes no bare arguments (" + a->positional[0] + ")");
  firmware::Manifest m;
  auto version = [&](const char* key, firmware::Version& out) -> core::Status {
    core::Result<firmware::Version> v = firmware::parseVersion(a->options[key], std::string("--") + key);
    if (!v.isOk()) return v.status();
    out = *v;
    return core::Status::ok();
  };
  for (auto [key, field] : {std::pair<const char*, firmware::Version*>{"version", &m.version},
                            {"min-version", &m.minVersion},
                            {"security-floor", &m.securityFloor}})
    if (core::Status s = version(key, *field); !s.isOk()) return usageError(s.message());
  std::string list = a->options["compatible"];
  for (size_t start = 0; start <= list.size();) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) m.compatible.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  m.description = a->options.count("description") ? a->options["description"] : "";
  uint32_t blockSize = firmware::kDefaultBlockSize;
  if (a->options.count("block-size")) {
    char* end = nullptr;
    unsigned long v = std::strtoul(a->options["block-size"].c_str(), &end, 10);
    if (end == nullptr || *end != '\0' || v > firmware::kMaxBlockSize)
      return usageError("--block-size must be a power of two from 65536 to 67108864");
    blockSize = static_cast<uint32_t>(v);
  }
  {
    core::Result<firmware::FileSource> payload = firmware::FileSource::open(a->options["payload"]);
    if (!payload.isOk()) return refused(payload.status());
    if (core::Status s = firmware::describePayload(*payload, blockSize, m); !s.isOk()) return refused(s);
  }
  std::string manifestBytes = firmware::manifestToJson(m).dump();
  // The manifest must pass the same checks the verifier makes (compatible names, floor <= version).
  if (core::Result<firmware::Manifest> back = firmware::parseManifest(manifestBytes); !back.isOk())
    return usageError(back.status().message());
  core::Result<std::string> header = firmware::headerBytes(manifestBytes, "");
  if (!header.isOk()) return refused(header.status());
  core::Result<firmware::FileSource> again = firmware::FileSource::open(a->options["payload"]);
  if (!again.isOk()) return refused(again.status());
  if (core::Status s = writeBundle(a->options["out"], *header, *again); !s.isOk()) return refused(s);
  // The image was read twice (digests, then the copy): check the copy against the digests, so an
  // image that changed in between never leaves a bundle behind.
  core::Result<firmware::FileSource> written = firmware::FileSource::open(a->options["out"]);
  core::Result<firmware::BundleHeader> writtenHeader =
      written.isOk() ? firmware::readHeader(*written) : core::Result<firmware::BundleHeader>(written.status());
  core::Status same = writtenHeader.isOk() ? firmware::streamPayload(*written, writtenHeader->manifest,
                                                                     [](const char*, size_t) { return core::Status::ok(); })
                                           : writtenHeader.status();
  if (!same.isOk()) {
    std::remove(a->options["out"].c_str());
    return refused(core::corrupt("the payload changed while the bundle was built (" + same.message() + "); nothing kept"));
  }
  std::printf("built %s: version %s, %s payload (%zu blocks), not signed yet (fwtool sign)\n",
              a->options["out"].c_str(), m.version.text().c_str(), core::humanBytes(m.payload.size).c_str(),
              m.payload.blocks.size());
  return 0;
}

int sign(int argc, char** argv) {
  core::Result<Args> a = parseArgs(argc, argv, {"key", "out"});
  if (!a.isOk()) return usageError(a.status().message());
  if (!a->options.count("key")) return usageError("sign needs --key FIRMWARE-KEY.pem");
  if (a->positional.size() != 1) return usageError("sign takes one bundle");
  std::string path = a->positional[0];
  core::Result<std::string> key = readSmallFile(a->options["key"], "the key file");
  if (!key.isOk()) return refused(key.status());
  core::Result<firmware::FileSource> in = firmware::FileSource::open(path);
  if (!in.isOk()) return refused(in.status());
  core::Result<firmware::BundleHeader> h = firmware::readHeader(*in);
  if (!h.isOk()) return refused(h.status());
  core::Result<std::string> signature = firmware::signManifest(h->manifestBytes, *key);
  if (!signature.isOk()) return refused(signature.status());
  core::Result<std::string> header = firmware::headerBytes(h->manifestBytes, *signature);
  if (!header.isOk()) return refused(header.status());
  std::string out = a->options.count("out") ? a->options["out"] : path;
  if (core::Status s = writeBundle(out, *header, *in); !s.isOk()) return refused(s);
  std::printf("signed %s: version %s\n", out.c_str(), h->manifest.version.text().c_str());
  return 0;
}

int verify(int argc, char** argv) {
  core::Result<Args> a = parseArgs(argc, argv, {"key", "hardware", "running-version", "floor"});
  if (!a.isOk()) return usageError(a.status().message());
  if (!a->options.count("key")) return usageError("verify needs --key FIRMWARE-PUB.pem");
  if (a->positional.size() != 1) return usageError("verify takes one bundle");
  firmware::InstallPolicy policy;
  policy.hardware = a->options.count("hardware") ? a->options["hardware"] : "";
  for (auto [key, field] : {std::pair<const char*, firmware::Version*>{"running-version", &policy.running},
                            {"floor", &policy.securityFloor}}) {
    if (!a->options.count(key)) continue;
    core::Result<firmware::Version> v = firmware::parseVersion(a->options[key], std::string("--") + key);
    if (!v.isOk()) return usageError(v.status().message());
    *field = *v;
  }
  core::Result<std::string> key = readSmallFile(a->options["key"], "the key file");
  if (!key.isOk()) return refused(key.status());
  core::Result<firmware::BundleHeader> h = firmware::verifyBundleFile(a->positional[0], *key, policy);
  if (!h.isOk()) return refused(h.status());
  std::printf("verified %s: version %s for %s, signature, install rules and %zu payload blocks hold\n",
              a->positional[0].c_str(), h->manifest.version.text().c_str(), h->manifest.compatible[0].c_str(),
              h->manifest.payload.blocks.size());
  return 0;
}

int inspect(int argc, char** argv) {
  core::Result<Args> a = parseArgs(argc, argv, {});
  if (!a.isOk()) return usageError(a.status().message());
  if (a->positional.size() != 1) return usageError("inspect takes one bundle");
  core::Result<firmware::FileSource> in = firmware::FileSource::open(a->positional[0]);
  if (!in.isOk()) return refused(in.status());
  core::Result<firmware::BundleHeader> h = firmware::readHeader(*in);
  if (!h.isOk()) return refused(h.status());
  const firmware::Manifest& m = h->manifest;
  if (a->json) {
    core::Json j = firmware::manifestToJson(m);
    j["signature-bytes"] = h->signature.size();
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::string compatible;
  for (const std::string& c : m.compatible) compatible += (compatible.empty() ? "" : ", ") + c;
  std::printf("version:         %s\n", m.version.text().c_str());
  std::printf("compatible:      %s\n", compatible.c_str());
  std::printf("min-version:     %s\n", m.minVersion.text().c_str());
  std::printf("security-floor:  %s\n", m.securityFloor.text().c_str());
  if (!m.description.empty()) std::printf("description:     %s\n", m.description.c_str());
  std::printf("payload:         %s, %llu bytes (%s)\n", m.payload.type.c_str(),
              static_cast<unsigned long long>(m.payload.size), core::humanBytes(m.payload.size).c_str());
  std::printf("payload sha256:  %s\n", m.payload.sha256.c_str());
  std::printf("blocks:          %zu of %u bytes\n", m.payload.blocks.size(), m.payload.blockSize);
  std::printf("signature:       %s\n", h->signature.empty() ? "none (fwtool sign)"
                                                             : "present, not checked here (fwtool verify)");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usageError("a command is needed");
  std::string command = argv[1];
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "build") return build(argc, argv);
  if (command == "sign") return sign(argc, argv);
  if (command == "verify") return verify(argc, argv);
  if (command == "inspect") return inspect(argc, argv);
  return usageError("unknown command '" + command + "'");
}
