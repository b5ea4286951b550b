// SPDX-License-Identifier: Apache-2.0
// Atomic output (temporary file + rename) and whole-file input with errors that name the file.
#include "common/atomic_file.hpp"

#include "common/errors.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace moetwin {
namespace fs = std::filesystem;

namespace {

fs::path temp_path_for(const fs::path& path) {
    return path.parent_path() / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()));
}

void fsync_path(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

void write_file_atomic(const fs::path& path, const std::function<void(std::ostream&)>& fill) {
    std::error_code ec;
    if (path.has_parent_path()) {
        fs::create_directories(path.parent_path(), ec);
        if (ec) throw ConfigError(path.parent_path().string() + ": cannot create directory: " + ec.message());
    }
    const fs::path tmp = temp_path_for(path);
    try {
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            if (!out) throw ConfigError(path.string() + ": cannot write: " + std::strerror(errno));
            fill(out);
            out.flush();
            if (!out) throw ConfigError(path.string() + ": write failed: " + std::strerror(errno));
        }
        fsync_path(tmp);
        fs::rename(tmp, path, ec);
        if (ec) throw ConfigError(path.string() + ": cannot rename temporary file: " + ec.message());
    } catch (...) {
        fs::remove(tmp, ec);
        throw;
    }
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
