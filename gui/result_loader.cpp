// SPDX-License-Identifier: Apache-2.0
// load_result and the background loader.
#include "gui/result_loader.hpp"

#include "sim/result/result_json.hpp"

#include <atomic>
#include <chrono>
#include <new>

namespace moetwin::gui {

LoadedResult load_result(const std::filesystem::path& path) {
    static std::atomic<uint64_t> next_generation{1};
    LoadedResult out;
    out.path      = path;
    const auto t0 = std::chrono::steady_clock::now();
    try {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) out.path = path / "result.json";
        if (!std::filesystem::exists(out.path, ec)) {
            out.error = out.path.string() + ": no such file";
        } else {
            out.result     = std::make_shared<const RunResult>(read_result_json(out.path));
            out.generation = next_generation++;
        }
    } catch (const std::bad_alloc&) {
        out.error = out.path.string() + ": out of memory while reading";
    } catch (const std::exception& e) {
        out.error = e.what();
    }
    out.load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return out;
}

void ResultLoader::start(const std::filesystem::path& path) {
    if (busy()) pending_.wait(); // one at a time; the previous result is dropped by the caller if unwanted
    path_    = path;
    pending_ = std::async(std::launch::async, [path] { return load_result(path); });
}

std::optional<LoadedResult> ResultLoader::poll() {
    if (!pending_.valid() || pending_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return {};
    return pending_.get();
}

} // namespace moetwin::gui
