// SPDX-License-Identifier: Apache-2.0
// Checking the output folder of a run before simulating (see output_dir.hpp).
#include "sim/output_dir.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>
#include <unistd.h>

namespace fs = std::filesystem;

namespace moetwin {

namespace {

constexpr const char* kUnreadable = "<unreadable>";

[[noreturn]] void not_writable(const fs::path& dir, const std::string& why) {
    throw ConfigError(dir.string() + ": output folder is not writable: " + why);
}

} // namespace

std::string result_scenario_in(const fs::path& dir) {
    const fs::path file = dir / "result.json";
    std::error_code ec;
    if (!fs::exists(file, ec)) return "";
    std::ifstream in(file);
    if (!in) return kUnreadable;
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("meta") || !j["meta"].is_object() || !j["meta"].contains("scenario") ||
        !j["meta"]["scenario"].is_string())
        return kUnreadable;
    return j["meta"]["scenario"].get<std::string>();
}

std::vector<fs::path> prepare_output_dir(const fs::path& dir, const std::string& scenario_name, bool force) {
    const std::string previous = result_scenario_in(dir);
    if (!force && !previous.empty() && previous != scenario_name) {
        const std::string what = previous == kUnreadable ? "a result.json that is not a moetwin result"
                                                         : "the results of scenario '" + previous + "'";
        throw ConfigError(dir.string() + ": holds " + what + ", not of scenario '" + scenario_name +
                          "'; run with --out DIR to write elsewhere, or --force to overwrite them");
    }

    // The folders that do not exist yet, deepest first: the ones create_directories will make.
    std::vector<fs::path> created;
    std::error_code ec;
    for (fs::path p = dir.lexically_normal(); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
        created.push_back(p);
        if (p == p.parent_path()) break;
    }
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
        const std::string why = ec ? ec.message() : "not a directory";
        remove_created_dirs(created);
        not_writable(dir, why);
    }

    // The probe goes through the atomic writer (an O_EXCL temporary, never a followed symlink; a killed run's
    // leftover temporary is removed by the next probe) and is removed at once.
    const fs::path probe = dir / ".moetwin-write-probe";
    try {
        write_file_atomic(probe, "probe\n");
    } catch (const ConfigError& e) {
        remove_created_dirs(created);
        not_writable(dir, e.what());
    }
    fs::remove(probe, ec);
    return created;
}

void remove_created_dirs(const std::vector<fs::path>& created) {
    std::error_code ec;
    for (const fs::path& p : created)
        fs::remove(p, ec); // fails, harmlessly, once a folder is not empty
}

} // namespace moetwin
