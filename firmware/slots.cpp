#include "firmware/slots.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <vector>

#include "core/config.h"
#include "core/files.h"

namespace firmware {

std::string otherSlot(const std::string& slot) { return slot == "a" ? "b" : "a"; }

core::Status checkSlotName(const std::string& slot) {
  if (slot == "a" || slot == "b") return core::Status::ok();
  return core::invalidArgument("slot '" + slot + "' is not a or b");
}

const char* entryStateName(SlotEntry::State state) {
  switch (state) {
    case SlotEntry::State::kNone: return "none";
    case SlotEntry::State::kTrial: return "trial";
    case SlotEntry::State::kGood: return "good";
    case SlotEntry::State::kBad: return "bad";
  }
  return "none";
}

namespace {

bool parseSmallNumber(const std::string& text, int& out) {
  if (text.empty() || text.size() > 4) return false;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

EntryName parseEntryName(const std::string& fileName) {
  EntryName n;
  const std::string prefix = "edge-";
  const std::string suffix = ".conf";
  if (fileName.size() < prefix.size() + 1 + suffix.size() || fileName.compare(0, prefix.size(), prefix) != 0 ||
      fileName.compare(fileName.size() - suffix.size(), suffix.size(), suffix) != 0)
    return n;
  std::string middle = fileName.substr(prefix.size(), fileName.size() - prefix.size() - suffix.size());
  std::string slot = middle.substr(0, 1);
  if (!checkSlotName(slot).isOk()) return n;
  std::string rest = middle.substr(1);
  if (rest.empty()) {
    n.ok = true;
    n.slot = slot;
    return n;
  }
  if (rest[0] != '+') return n;
  rest = rest.substr(1);
  size_t dash = rest.find('-');
  int left = 0;
  int done = 0;
  if (!parseSmallNumber(rest.substr(0, dash), left)) return n;
  if (dash != std::string::npos && !parseSmallNumber(rest.substr(dash + 1), done)) return n;
  n.ok = true;
  n.slot = slot;
  n.counting = true;
  n.left = left;
  n.done = done;
  return n;
}

std::string entryFileName(const std::string& slot, bool counting, int left, int done) {
  std::string name = "edge-" + slot;
  if (counting) {
    name += "+" + std::to_string(left);
    if (done > 0) name += "-" + std::to_string(done);
  }
  return name + ".conf";
}

namespace {

class FdDevice : public SlotDevice {
 public:
  FdDevice(int fd, std::string path, uint64_t capacity) : fd_(fd), path_(std::move(path)), capacity_(capacity) {}
  ~FdDevice() override { ::close(fd_); }
  core::Status writeAt(uint64_t offset, const char* data, size_t size) override {
    if (offset + size > capacity_)
      return core::resourceExhausted("the slot " + path_ + " holds " + std::to_string(capacity_) + " bytes");
    size_t done = 0;
    while (done < size) {
      ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return core::errnoStatus("cannot write " + path_, n < 0 ? errno : EIO);
      done += static_cast<size_t>(n);
    }
    return core::Status::ok();
  }
  core::Status readAt(uint64_t offset, char* data, size_t size) override {
    size_t done = 0;
    while (done < size) {
      ssize_t n = ::pread(fd_, data + done, size - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return core::errnoStatus("cannot read " + path_, errno);
      if (n == 0) return core::corrupt(path_ + " ends at " + std::to_string(offset + done));
      done += static_cast<size_t>(n);
    }
    return core::Status::ok();
  }
  core::Status sync() override {
    if (::fdatasync(fd_) != 0) return core::errnoStatus("cannot sync " + path_, errno);
    return core::Status::ok();
  }
  uint64_t capacity() const override { return capacity_; }

 private:
  int fd_;
  std::string path_;
  uint64_t capacity_;
};

core::Status syncFolder(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return core::errnoStatus("cannot open " + path, errno);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return core::errnoStatus("cannot sync " + path, errno);
  return core::Status::ok();
}

core::Status makeFolders(const std::string& path) {
  std::string partial;
  std::stringstream in(path);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (part.empty()) continue;
    partial += "/" + part;
    if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) return core::errnoStatus("cannot create " + partial, errno);
  }
  return core::Status::ok();
}

// debugfs (e2fsprogs) reads a file out of an ext4 image without mounting it.
core::Status dumpFromImage(const std::string& device, const std::string& inImage, const std::string& out) {
  ::unlink(out.c_str());
  std::string request = "dump " + inImage + " " + out;
  pid_t pid = ::fork();
  if (pid < 0) return core::errnoStatus("cannot start debugfs", errno);
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    const char* argv[] = {"debugfs", "-R", request.c_str(), device.c_str(), nullptr};
    ::execvp("debugfs", const_cast<char* const*>(argv));
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  struct stat st{};
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || ::stat(out.c_str(), &st) != 0 || st.st_size == 0)
    return core::failedPrecondition("the image in " + device + " has no " + inImage +
                                    " (an edge root filesystem image carries its kernel and initrd there)");
  int fd = ::open(out.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return core::errnoStatus("cannot open " + out, errno);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return core::errnoStatus("cannot sync " + out, errno);
  return core::Status::ok();
}

class EspSlotSet : public SlotSet {
 public:
  explicit EspSlotSet(EspSlotConfig config) : c_(std::move(config)), entries_(c_.esp + "/loader/entries") {}

  core::Result<std::string> booted() override {
    EDGE_ASSIGN_OR_RETURN(std::string cmdline, core::readTextFile(c_.cmdlineFile, "the kernel command line"));
    std::stringstream in(cmdline);
    std::string word;
    while (in >> word)
      if (word.rfind("edge.slot=", 0) == 0) {
        std::string slot = word.substr(10);
        EDGE_RETURN_IF_ERROR(checkSlotName(slot).withContext(c_.cmdlineFile));
        return slot;
      }
    return core::failedPrecondition(c_.cmdlineFile + " has no edge.slot=a|b: this system was not booted from an edge slot");
  }

  core::Result<std::unique_ptr<SlotDevice>> open(const std::string& slot) override {
    EDGE_ASSIGN_OR_RETURN(std::string path, device(slot));
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return core::errnoStatus("cannot open slot " + slot + " (" + path + ")", errno);
    off_t end = ::lseek(fd, 0, SEEK_END);
    if (end < 0) {
      int err = errno;
      ::close(fd);
      return core::errnoStatus("cannot size " + path, err);
    }
    return std::unique_ptr<SlotDevice>(new FdDevice(fd, path, static_cast<uint64_t>(end)));
  }

  core::Result<SlotEntry> entry(const std::string& slot) override {
    EDGE_RETURN_IF_ERROR(checkSlotName(slot));
    EDGE_ASSIGN_OR_RETURN(std::vector<std::string> names, entryFiles(slot));
    SlotEntry e;
    if (names.empty()) return e;
    EntryName n = parseEntryName(names.front());
    e.state = !n.counting ? SlotEntry::State::kGood : n.left > 0 ? SlotEntry::State::kTrial : SlotEntry::State::kBad;
    e.triesLeft = n.left;
    e.triesDone = n.done;
    core::Result<std::string> text = core::readTextFile(entries_ + "/" + names.front(), "the loader entry");
    if (text.isOk()) {
      std::stringstream in(*text);
      std::string key;
      while (in >> key) {
        if (key == "version") {
          in >> e.generation;
          break;
        }
        std::string skip;
        std::getline(in, skip);
      }
    }
    return e;
  }

  core::Status removeEntry(const std::string& slot) override {
    EDGE_RETURN_IF_ERROR(checkSlotName(slot));
    EDGE_ASSIGN_OR_RETURN(std::vector<std::string> names, entryFiles(slot));
    for (const std::string& name : names)
      if (::unlink((entries_ + "/" + name).c_str()) != 0 && errno != ENOENT)
        return core::errnoStatus("cannot remove " + entries_ + "/" + name, errno);
    return names.empty() ? core::Status::ok() : syncFolder(entries_);
  }

  core::Status addTrialEntry(const std::string& slot, const std::string& title, uint64_t generation, int tries) override {
    EDGE_ASSIGN_OR_RETURN(std::string dev, device(slot));
    EDGE_RETURN_IF_ERROR(removeEntry(slot));
    std::string kernelDir = c_.esp + "/edge/" + slot;
    EDGE_RETURN_IF_ERROR(makeFolders(kernelDir));
    EDGE_RETURN_IF_ERROR(makeFolders(entries_));
    EDGE_RETURN_IF_ERROR(dumpFromImage(dev, c_.kernelInImage, kernelDir + "/vmlinuz"));
    EDGE_RETURN_IF_ERROR(dumpFromImage(dev, c_.initrdInImage, kernelDir + "/initrd.img"));
    EDGE_RETURN_IF_ERROR(syncFolder(kernelDir));
    std::string text = "title " + title + "\nversion " + std::to_string(generation) + "\nsort-key edge\nlinux /edge/" +
                       slot + "/vmlinuz\ninitrd /edge/" + slot + "/initrd.img\noptions root=PARTLABEL=edge-root-" + slot +
                       " ro edge.slot=" + slot + (c_.kernelOptions.empty() ? "" : " " + c_.kernelOptions) + "\n";
    EDGE_RETURN_IF_ERROR(core::writeFileAtomically(entries_ + "/" + entryFileName(slot, true, tries, 0), text, 0644));
    return syncFolder(entries_);
  }

  core::Status markGood(const std::string& slot) override { return rename(slot, true); }
  core::Status markBad(const std::string& slot) override { return rename(slot, false); }

 private:
  core::Result<std::string> device(const std::string& slot) {
    EDGE_RETURN_IF_ERROR(checkSlotName(slot));
    auto it = c_.devices.find(slot);
    if (it == c_.devices.end() || it->second.empty()) return core::failedPrecondition("no device is set for slot " + slot);
    return it->second;
  }

  core::Result<std::vector<std::string>> entryFiles(const std::string& slot) {
    std::vector<std::string> names;
    DIR* dir = ::opendir(entries_.c_str());
    if (dir == nullptr) {
      if (errno == ENOENT) return names;
      return core::errnoStatus("cannot read " + entries_, errno);
    }
    while (dirent* d = ::readdir(dir)) {
      EntryName n = parseEntryName(d->d_name);
      if (n.ok && n.slot == slot) names.push_back(d->d_name);
    }
    ::closedir(dir);
    return names;
  }

  core::Status rename(const std::string& slot, bool good) {
    EDGE_RETURN_IF_ERROR(checkSlotName(slot));
    EDGE_ASSIGN_OR_RETURN(std::vector<std::string> names, entryFiles(slot));
    if (names.empty()) return core::failedPrecondition("slot " + slot + " has no boot entry in " + entries_);
    EntryName n = parseEntryName(names.front());
    std::string target = good ? entryFileName(slot, false, 0, 0) : entryFileName(slot, true, 0, n.done);
    if (target == names.front()) return core::Status::ok();
    if (::rename((entries_ + "/" + names.front()).c_str(), (entries_ + "/" + target).c_str()) != 0)
      return core::errnoStatus("cannot rename " + names.front() + " to " + target, errno);
    return syncFolder(entries_);
  }

  EspSlotConfig c_;
  std::string entries_;
};

}  // namespace

std::unique_ptr<SlotSet> makeEspSlotSet(EspSlotConfig config) { return std::make_unique<EspSlotSet>(std::move(config)); }

}  // namespace firmware
