// SPDX-License-Identifier: Apache-2.0
// Every output moetwin writes goes through here: the bytes land in a temporary file beside the
// target and are renamed over it, so a crash or an error never leaves a partial file behind.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace moetwin {

// Writes `contents` to `path` atomically (temporary file in the same directory, fsync, rename).
// The temporary is created exclusively (O_EXCL|O_NOFOLLOW, unpredictable name): a planted file or symlink
// is never followed. Temporaries of `path` left by a killed process are removed first.
// Creates missing parent directories. Throws ConfigError naming the path when it cannot.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

// Same, but the caller streams into `out`; nothing is visible at `path` unless `fill` returns
// normally. If `fill` throws, the temporary file is removed and the exception propagates.
void write_file_atomic(const std::filesystem::path& path, const std::function<void(std::ostream& out)>& fill);

// A temporary beside `path` for a writer that is not a stream of ours (a child process's stdout): created
// exactly as write_file_atomic creates its own (same naming, so a killed run's leftovers are removed by the
// next write to `path`; O_CREAT|O_EXCL|O_NOFOLLOW). commit() fsyncs it and renames it over `path`; until
// then nothing is visible at `path`, and the destructor removes an uncommitted temporary.
class AtomicTemporary {
  public:
    explicit AtomicTemporary(const std::filesystem::path& path); // throws ConfigError naming `path`
    ~AtomicTemporary();
    AtomicTemporary(const AtomicTemporary&)            = delete;
    AtomicTemporary& operator=(const AtomicTemporary&) = delete;

    int fd() const { return fd_; } // open for writing, close-on-exec
    const std::filesystem::path& temporary() const { return tmp_; }
    void commit(); // throws ConfigError naming `path`

  private:
    std::filesystem::path path_, tmp_;
    int fd_        = -1;
    bool committed = false;
};

// A private work folder "<dir>/<prefix><pid>.<6 random characters>" (mkdtemp: a fresh folder, mode 0700, never
// an existing one nor a followed symlink). Folders of `prefix` left by a process that is gone (killed) are
// removed first, with their contents. The caller removes its own folder when done.
std::filesystem::path create_work_dir(const std::filesystem::path& dir, const std::string& prefix);

// Reads a whole file; throws ConfigError "<path>: cannot read: <reason>".
std::string read_file(const std::filesystem::path& path);

} // namespace moetwin
