//===- FileIO.cpp - Bounded reads and all-or-nothing writes ---------------===//
#include "tessera/Support/FileIO.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tessera {

namespace {
/// Closes a descriptor on every path out of a function.
struct Fd {
  int fd;
  explicit Fd(int fd) : fd(fd) {}
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
};

std::string sysError(const std::string &path, const char *doing) {
  return path + ": cannot " + doing + ": " + std::strerror(errno);
}

std::string dirOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}
} // namespace

std::shared_ptr<const FileBytes> FileBytes::load(const std::string &path,
                                                 uint64_t maxBytes,
                                                 const char *what,
                                                 std::string &error) {
  std::shared_ptr<FileBytes> f(new FileBytes());
  {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st;
    if (fd.fd >= 0 && ::fstat(fd.fd, &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size > 0 && (uint64_t)st.st_size <= maxBytes) {
      void *m =
          ::mmap(nullptr, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd.fd, 0);
      if (m != MAP_FAILED) {
        f->map = m;
        f->mapBytes = (size_t)st.st_size;
        return f;
      }
    }
  }
  // Not mappable (a pipe, an empty or oversized file, an error): the
  // bounded read handles it and names any problem.
  if (!readFileBounded(path, maxBytes, what, f->copy, error))
    return nullptr;
  return f;
}

FileBytes::~FileBytes() {
  if (map)
    ::munmap(map, mapBytes);
}

bool isRegularFile(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool readFileBounded(const std::string &path, uint64_t maxBytes,
                     const char *what, std::string &out, std::string &error) {
  Fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.fd < 0) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (::fstat(f.fd, &st) != 0) {
    error = sysError(path, "stat");
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    error = path + ": is a directory, not a " + what;
    return false;
  }
  auto tooLarge = [&](const std::string &size) {
    error = path + ": " + size + " is larger than the " +
            std::to_string(maxBytes) + "-byte limit for a " + what;
    return false;
  };
  out.clear();
  if (S_ISREG(st.st_mode)) {
    if ((uint64_t)st.st_size > maxBytes)
      return tooLarge(std::to_string((uint64_t)st.st_size) + " bytes");
    // Straight into the result: one copy from the page cache, no staging
    // buffer (a large program's load time was a tenth in that copy).
    out.resize((size_t)st.st_size);
    size_t got = 0;
    while (got < out.size()) {
      ssize_t n = ::read(f.fd, out.data() + got, out.size() - got);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        error = sysError(path, "read");
        return false;
      }
      if (n == 0)
        break;
      got += (size_t)n;
    }
    if (got < out.size()) { // the file shrank while we read it
      out.resize(got);
      return true;
    }
    // Bytes appended meanwhile are read below, within the limit.
  }
  // Devices and pipes have no size: read until EOF, but never past the limit
  // (a smaller one for streams, so /dev/zero fails fast).
  if (!S_ISREG(st.st_mode) && maxBytes > kMaxStreamBytes)
    maxBytes = kMaxStreamBytes;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      error = sysError(path, "read");
      return false;
    }
    if (n == 0)
      break;
    if (out.size() + (uint64_t)n > maxBytes) {
      out.clear();
      out.shrink_to_fit();
      return tooLarge("the input");
    }
    out.append(buf, (size_t)n);
  }
  return true;
}

AtomicFileSet::~AtomicFileSet() {
  for (const Entry &e : pending)
    ::unlink(e.temp.c_str());
}

bool AtomicFileSet::add(const std::string &path,
                        const std::vector<FilePiece> &pieces,
                        std::string &error) {
  // The temporary lives in the destination's directory so that the final
  // rename() stays within one file system and is atomic.
  std::string base = path.substr(path.find_last_of('/') + 1);
  std::string temp = dirOf(path) + "/." + base + ".tmp-XXXXXX";
  Fd f(::mkstemp(temp.data()));
  if (f.fd < 0) {
    error = sysError(path, "create a file in its directory");
    return false;
  }
  pending.push_back({temp, path});
  // mkstemp creates 0600; outputs get the usual 0666 less the umask.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(f.fd, 0666 & ~mask);
  // Past a file size limit (RLIMIT_FSIZE) the kernel sends SIGXFSZ, which
  // LLVM's handlers treat as a crash: while writing, it is ignored, so the
  // write fails with EFBIG and is reported like a full disk.
  struct sigaction ignore = {}, previous = {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGXFSZ, &ignore, &previous);
  struct Restore {
    struct sigaction &previous;
    ~Restore() { ::sigaction(SIGXFSZ, &previous, nullptr); }
  } restore{previous};
  for (const FilePiece &piece : pieces) {
    const char *p = (const char *)piece.data;
    size_t size = piece.size;
    while (size > 0) {
      ssize_t n = ::write(f.fd, p, size);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        error = sysError(path, "write");
        return false;
      }
      p += n;
      size -= (size_t)n;
    }
  }
  if (::fsync(f.fd) != 0) {
    error = sysError(path, "write (fsync)");
    return false;
  }
  int fd = f.fd;
  f.fd = -1;
  if (::close(fd) != 0) {
    error = sysError(path, "write (close)");
    return false;
  }
  return true;
}

bool AtomicFileSet::commit(std::string &error) {
  for (size_t i = 0; i < pending.size(); ++i) {
    if (::rename(pending[i].temp.c_str(), pending[i].path.c_str()) != 0) {
      error = sysError(pending[i].path, "rename the finished file into");
      pending.erase(pending.begin(), pending.begin() + i);
      return false;
    }
  }
  pending.clear();
  return true;
}

bool writeFileAtomically(const std::string &path, const void *data, size_t size,
                         std::string &error) {
  AtomicFileSet set;
  return set.add(path, data, size, error) && set.commit(error);
}

} // namespace tessera
