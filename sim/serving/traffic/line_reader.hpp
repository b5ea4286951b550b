// SPDX-License-Identifier: Apache-2.0
// A trace file read one line at a time, plain or gzip (zlib's gz* functions read both), so a reader holds
// one buffer, never the file. Errors name the file: unreadable, corrupt or truncated gzip.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace moetwin::serving::traffic {

class LineReader {
  public:
    // Throws ConfigError "<file>: cannot open ..." when the file cannot be read.
    explicit LineReader(const std::filesystem::path& file);
    ~LineReader();
    LineReader(const LineReader&)            = delete;
    LineReader& operator=(const LineReader&) = delete;

    // Contract: sets `line` to the next line without its "\n" or "\r\n" (valid until the next call) and
    // returns true, or returns false at the end of the file. A last line without "\n" is a line.
    bool next(std::string_view& line);
    // 1-based number of the line last returned (0 before the first).
    int64_t line_number() const { return line_number_; }
    // "<file>:<line>" of the line last returned, for error messages.
    std::string where() const { return origin_ + ":" + std::to_string(line_number_); }
    const std::string& origin() const { return origin_; }

  private:
    bool fill(); // reads more bytes after the kept tail; false at the end of the file
    void* gz_ = nullptr;
    std::string origin_;
    std::string buf_;
    std::size_t begin_ = 0, end_ = 0; // unread bytes are buf_[begin_, end_)
    bool eof_            = false;
    int64_t line_number_ = 0;
};

} // namespace moetwin::serving::traffic
