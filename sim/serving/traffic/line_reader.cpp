// SPDX-License-Identifier: Apache-2.0
#include "sim/serving/traffic/line_reader.hpp"

#include "common/errors.hpp"

#include <zlib.h>

#include <cstring>

namespace moetwin::serving::traffic {
namespace {
// Bytes read per gzread (64 KiB, also zlib's input buffer): small enough for a thousand open copies.
constexpr std::size_t kChunkBytes = 1 << 16;
// The longest line accepted. A Mooncake line of a 1M-token input has 2,048 hash ids (< 20 kB); anything
// beyond 64 MiB is not a trace line, and the limit keeps a file without newlines from filling memory.
constexpr std::size_t kMaxLineBytes = std::size_t{64} << 20;
} // namespace

LineReader::LineReader(const std::filesystem::path& file) : origin_(file.string()) {
    gz_ = gzopen(origin_.c_str(), "rb");
    if (gz_ == nullptr) throw ConfigError(origin_ + ": cannot open the trace file (" + std::strerror(errno) + ")");
    gzbuffer(static_cast<gzFile>(gz_), kChunkBytes);
}

LineReader::~LineReader() {
    if (gz_ != nullptr) gzclose(static_cast<gzFile>(gz_));
}

bool LineReader::fill() {
    if (eof_) return false;
    buf_.erase(0, begin_);
    end_ -= begin_;
    begin_ = 0;
    if (end_ > kMaxLineBytes)
        throw ConfigError(origin_ + ":" + std::to_string(line_number_ + 1) + ": line longer than " +
                          std::to_string(kMaxLineBytes) + " bytes: expected one record per line");
    buf_.resize(end_ + kChunkBytes);
    const int got = gzread(static_cast<gzFile>(gz_), buf_.data() + end_, static_cast<unsigned>(kChunkBytes));
    int err       = Z_OK;
    const char* m = gzerror(static_cast<gzFile>(gz_), &err);
    if (got < 0 || (err != Z_OK && err != Z_STREAM_END)) {
        std::string why = m ? m : "read error";
        if (why.rfind(origin_ + ": ", 0) == 0) why.erase(0, origin_.size() + 2); // zlib prefixes the path
        throw ConfigError(origin_ + ": corrupt or truncated gzip data after line " + std::to_string(line_number_) +
                          " (" + why + "): expected a complete gzip or plain-text file");
    }
    end_ += static_cast<std::size_t>(got);
    buf_.resize(end_);
    if (got == 0) eof_ = true;
    return got > 0;
}

bool LineReader::next(std::string_view& line) {
    std::size_t scan = begin_;
    for (;;) {
        const void* nl = std::memchr(buf_.data() + scan, '\n', end_ - scan);
        if (nl != nullptr) {
            const std::size_t at = static_cast<const char*>(nl) - buf_.data();
            std::size_t stop     = at;
            if (stop > begin_ && buf_[stop - 1] == '\r') --stop;
            line   = std::string_view(buf_.data() + begin_, stop - begin_);
            begin_ = at + 1;
            ++line_number_;
            return true;
        }
        const std::size_t kept = end_ - begin_;
        if (!fill()) {
            if (begin_ == end_) return false;
            std::size_t stop = end_;
            if (buf_[stop - 1] == '\r') --stop;
            line   = std::string_view(buf_.data() + begin_, stop - begin_);
            begin_ = end_;
            ++line_number_;
            return true;
        }
        scan = begin_ + kept; // fill() moved the kept tail to the front
    }
}

} // namespace moetwin::serving::traffic
