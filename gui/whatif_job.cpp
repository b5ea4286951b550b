// SPDX-License-Identifier: Apache-2.0
// WhatIfJob: the moetwin CLI as a child process.
#include "gui/whatif_job.hpp"

#include "common/errors.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>

namespace moetwin::gui {
namespace {

constexpr size_t kMaxLog = 256 * 1024;

std::optional<double> number_at(std::string_view s, size_t pos, size_t* end) {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == ':' || s[pos] == '='))
        ++pos;
    double v       = 0;
    const auto res = std::from_chars(s.data() + pos, s.data() + s.size(), v);
    if (res.ec != std::errc()) return std::nullopt;
    *end = size_t(res.ptr - s.data());
    return v;
}

// "<a>/<b>" at pos, both non-negative integers, b > 0.
std::optional<double> ratio_at(std::string_view s, size_t pos) {
    size_t e     = 0;
    const auto a = number_at(s, pos, &e);
    if (!a || e >= s.size() || s[e] != '/') return std::nullopt;
    size_t e2    = 0;
    const auto b = number_at(s, e + 1, &e2);
    if (!b || *b <= 0) return std::nullopt;
    return std::clamp(*a / *b, 0.0, 1.0);
}

} // namespace

std::optional<double> parse_progress(std::string_view line) {
    if (const size_t p = line.find("progress"); p != std::string_view::npos) {
        size_t e     = 0;
        const auto v = number_at(line, p + 8, &e);
        if (v) {
            if (e < line.size() && (line[e] == '%' || (line[e] == ' ' && e + 1 < line.size() && line[e + 1] == '%')))
                return std::clamp(*v / 100.0, 0.0, 1.0);
            if (e < line.size() && line[e] == '/') return ratio_at(line, p + 8);
            return std::clamp(*v, 0.0, 1.0);
        }
    }
    if (const size_t p = line.find('['); p != std::string_view::npos)
        if (auto r = ratio_at(line, p + 1)) return r;
    if (const size_t p = line.find("layer "); p != std::string_view::npos)
        if (auto r = ratio_at(line, p + 6)) return r;
    return std::nullopt;
}

void WhatIfJob::start(const std::string& moetwin_cli, const std::string& scenario_json) {
    if (running()) {
        child_.kill();
        child_.wait();
    }
    child_            = ChildProcess();
    state_            = State::Running;
    progress_         = std::nullopt;
    cancel_requested_ = false;
    log_.clear();
    partial_.clear();
    error_.clear();
    started_ = std::chrono::steady_clock::now();
    try {
        std::string tmpl = (std::filesystem::temp_directory_path() / "moetwin-gui-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw ConfigError("cannot create a temp folder in " + tmpl);
        dir_                = tmpl;
        const auto scenario = dir_ / "scenario.json";
        std::ofstream(scenario) << scenario_json;
        append("$ " + moetwin_cli + " run " + scenario.string() + " --out " + (dir_ / "out").string() + "\n");
        child_ = ChildProcess::spawn({moetwin_cli, "run", scenario.string(), "--out", (dir_ / "out").string()});
    } catch (const std::exception& e) {
        error_ = e.what();
        state_ = State::Failed;
        finish();
    }
}

void WhatIfJob::append(std::string_view text) {
    for (const char c : text) {
        if (c == '\n' || c == '\r') {
            if (auto p = parse_progress(partial_)) progress_ = p;
            partial_.clear();
        } else {
            partial_.push_back(c);
        }
    }
    log_.append(text);
    if (log_.size() > kMaxLog) log_.erase(0, log_.size() - kMaxLog);
}

void WhatIfJob::update() {
    if (state_ != State::Running) return;
    append(child_.read_output());
    if (child_.running()) {
        if (cancel_requested_ && std::chrono::steady_clock::now() >= cancel_at_) child_.kill();
        return;
    }
    append(child_.read_output());
    if (cancel_requested_) {
        state_ = State::Cancelled;
    } else if (child_.exit_code() == 0) {
        if (std::filesystem::exists(result_path())) {
            state_ = State::Succeeded;
        } else {
            state_ = State::Failed;
            error_ = "moetwin exited with 0 but wrote no " + result_path().string();
        }
    } else {
        state_ = State::Failed;
        error_ = child_.exit_code()
                     ? "moetwin exited with status " + std::to_string(*child_.exit_code())
                     : "moetwin was killed by signal " + std::to_string(child_.term_signal().value_or(0));
        if (const std::string l = last_line(); !l.empty()) error_ += ": " + l;
    }
    finish();
}

void WhatIfJob::cancel() {
    if (state_ != State::Running || cancel_requested_) return;
    cancel_requested_ = true;
    cancel_at_        = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    child_.terminate();
}

void WhatIfJob::finish() {
    finished_ = std::chrono::steady_clock::now();
}

double WhatIfJob::elapsed_s() const {
    const auto end = state_ == State::Running ? std::chrono::steady_clock::now() : finished_;
    return std::chrono::duration<double>(end - started_).count();
}

std::string WhatIfJob::last_line() const {
    if (!partial_.empty()) return partial_;
    size_t end = log_.size();
    while (end > 0 && (log_[end - 1] == '\n' || log_[end - 1] == '\r'))
        --end;
    const size_t begin = log_.rfind('\n', end ? end - 1 : 0);
    return log_.substr(begin == std::string::npos ? 0 : begin + 1, end - (begin == std::string::npos ? 0 : begin + 1));
}

} // namespace moetwin::gui
