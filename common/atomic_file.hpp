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

// Reads a whole file; throws ConfigError "<path>: cannot read: <reason>".
std::string read_file(const std::filesystem::path& path);

} // namespace moetwin
