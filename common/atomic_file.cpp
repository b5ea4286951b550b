// SPDX-License-Identifier: Apache-2.0
// Atomic output (temporary file + rename) and whole-file input with errors that name the file.
//
// The temporary file is created with O_CREAT|O_EXCL|O_NOFOLLOW under an unpredictable name in the
// target's folder, so a file or symlink planted there is never opened, let alone followed; it is written
// through its descriptor, fsynced and renamed over the target (rename replaces a symlink at the target,
// never its referent). Temporaries a killed process left behind are removed by the next write to the
// same target (issue 15 defect 9).
#include "common/atomic_file.hpp"

#include "common/errors.hpp"

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sstream>
#include <streambuf>
#include <sys/stat.h>
#include <unistd.h>

namespace moetwin {
namespace fs = std::filesystem;

namespace {

// ".<name>.tmp.<pid>.<16 hex digits>"; the older ".<name>.tmp.<pid>" is recognised for clean-up too.
std::string temp_prefix(const fs::path& path) {
    return "." + path.filename().string() + ".tmp.";
}

// The pid of a temporary file of ours for `path`, or -1 when `name` is not one.
long temp_owner_pid(const std::string& name, const std::string& prefix) {
    if (name.compare(0, prefix.size(), prefix) != 0) return -1;
    std::size_t i = prefix.size(), digits = 0;
    long pid = 0;
    for (; i < name.size() && name[i] >= '0' && name[i] <= '9' && digits < 10; ++i, ++digits)
        pid = pid * 10 + (name[i] - '0');
    if (digits == 0 || pid <= 0) return -1;
    if (i == name.size()) return pid; // the older naming, without a random suffix
    if (name[i] != '.' || name.size() - i - 1 != 16) return -1;
    for (++i; i < name.size(); ++i)
        if (!std::isxdigit(static_cast<unsigned char>(name[i]))) return -1;
    return pid;
}

// Removes temporaries of `path` whose writer is gone: our naming, a regular file (never a symlink),
// owned by us, and its pid no longer running. A live pid (ours included) is left alone.
void remove_stale_temporaries(const fs::path& path) {
    const fs::path dir       = path.has_parent_path() ? path.parent_path() : fs::path(".");
    const std::string prefix = temp_prefix(path);
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const long pid         = temp_owner_pid(name, prefix);
        if (pid < 0) continue;
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) continue;
        if (::kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue; // alive, or not ours to judge
        ::unlink(it->path().c_str());
    }
}

// A stream buffer over a file descriptor (writes in 64 KiB blocks; errors are kept in `error`).
class FdBuf : public std::streambuf {
  public:
    explicit FdBuf(int fd) : fd_(fd) { setp(buf_, buf_ + sizeof buf_); }
    int error = 0;

  protected:
    int_type overflow(int_type ch) override {
        if (!drain()) return traits_type::eof();
        if (!traits_type::eq_int_type(ch, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(ch);
            pbump(1);
        }
        return traits_type::not_eof(ch);
    }
    int sync() override { return drain() ? 0 : -1; }

  private:
    bool drain() {
        const char* p = pbase();
        while (p < pptr()) {
            const ssize_t n = ::write(fd_, p, std::size_t(pptr() - p));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                error = n < 0 ? errno : EIO;
                return false;
            }
            p += n;
        }
        setp(buf_, buf_ + sizeof buf_);
        return true;
    }
    int fd_;
    char buf_[1 << 16];
};

// Creates a fresh temporary beside `path`; returns its descriptor and sets `tmp`.
int create_temporary(const fs::path& path, fs::path& tmp) {
    std::random_device rd; // the name only needs to be unpredictable, results never depend on it
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    for (int attempt = 0; attempt < 64; ++attempt) {
        char suffix[17];
        std::snprintf(suffix, sizeof suffix, "%08x%08x", rd(), rd());
        tmp          = dir / (temp_prefix(path) + std::to_string(::getpid()) + "." + suffix);
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0) return fd;
        if (errno != EEXIST) throw ConfigError(path.string() + ": cannot write: " + std::strerror(errno));
    }
    throw ConfigError(path.string() + ": cannot create a temporary file beside it (64 names taken)");
}

} // namespace

void write_file_atomic(const fs::path& path, const std::function<void(std::ostream&)>& fill) {
    std::error_code ec;
    if (path.has_parent_path()) {
        fs::create_directories(path.parent_path(), ec);
        if (ec) throw ConfigError(path.parent_path().string() + ": cannot create directory: " + ec.message());
    }
    remove_stale_temporaries(path);
    fs::path tmp;
    const int fd = create_temporary(path, tmp);
    bool closed  = false;
    try {
        FdBuf buf(fd);
        std::ostream out(&buf);
        fill(out);
        out.flush();
        if (!out || buf.error != 0)
            throw ConfigError(path.string() + ": write failed: " + std::strerror(buf.error ? buf.error : EIO));
        if (::fsync(fd) != 0) throw ConfigError(path.string() + ": write failed: " + std::strerror(errno));
        closed = true; // Linux releases the descriptor even when close fails
        if (::close(fd) != 0) throw ConfigError(path.string() + ": write failed: " + std::strerror(errno));
    } catch (...) {
        if (!closed) ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw ConfigError(path.string() + ": cannot rename temporary file: " + std::strerror(err));
    }
}

AtomicTemporary::AtomicTemporary(const fs::path& path) : path_(path) {
    std::error_code ec;
    if (path.has_parent_path()) {
        fs::create_directories(path.parent_path(), ec);
        if (ec) throw ConfigError(path.parent_path().string() + ": cannot create directory: " + ec.message());
    }
    remove_stale_temporaries(path);
    fd_ = create_temporary(path, tmp_);
}

AtomicTemporary::~AtomicTemporary() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed) ::unlink(tmp_.c_str());
}

void AtomicTemporary::commit() {
    const int fd    = fd_;
    fd_             = -1; // Linux releases the descriptor even when close fails
    const int err   = ::fsync(fd) == 0 ? 0 : errno;
    const bool shut = ::close(fd) == 0;
    if (err != 0 || !shut) throw ConfigError(path_.string() + ": write failed: " + std::strerror(err ? err : errno));
    if (::rename(tmp_.c_str(), path_.c_str()) != 0)
        throw ConfigError(path_.string() + ": cannot rename temporary file: " + std::strerror(errno));
    committed = true;
}

fs::path create_work_dir(const fs::path& dir, const std::string& prefix) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw ConfigError(dir.string() + ": cannot create directory: " + ec.message());
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        // "<prefix><pid>.XXXXXX": the pid, then mkdtemp's six characters.
        if (name.size() < prefix.size() + 8 || name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string rest = name.substr(prefix.size());
        const std::size_t dot  = rest.find('.');
        if (dot == 0 || dot == std::string::npos || dot > 10 || rest.size() - dot - 1 != 6 ||
            rest.find_first_not_of("0123456789") != dot)
            continue;
        const long pid = std::stol(rest.substr(0, dot));
        struct stat st {};
        if (pid <= 0 || ::lstat(it->path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
            continue;
        if (::kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue; // alive, or not ours to judge
        std::error_code rm;
        fs::remove_all(it->path(), rm); // symlinks inside are removed, never followed
    }
    std::string templ = (dir / (prefix + std::to_string(::getpid()) + ".XXXXXX")).string();
    if (::mkdtemp(templ.data()) == nullptr)
        throw ConfigError(dir.string() + ": cannot create a work folder: " + std::strerror(errno));
    return templ;
}

void write_file_atomic(const fs::path& path, std::string_view contents) {
    write_file_atomic(path, [&](std::ostream& out) { out.write(contents.data(), std::streamsize(contents.size())); });
}

std::string read_file(const fs::path& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw ConfigError(path.string() + ": cannot read: is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path.string() + ": cannot read: " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw ConfigError(path.string() + ": read failed");
    return ss.str();
}

} // namespace moetwin
