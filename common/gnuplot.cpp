// SPDX-License-Identifier: Apache-2.0
#include "common/gnuplot.hpp"

#include "common/atomic_file.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace moetwin {
namespace fs = std::filesystem;

std::string find_on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const fs::path p = fs::path(dir.empty() ? "." : dir) / program;
        std::error_code ec;
        if (fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return p.string();
    }
    return "";
}

std::string gnuplot_quote(const std::string& s) {
    std::string q = "'";
    for (const char c : s)
        q += c == '\'' ? std::string("''") : std::string(1, c);
    return q + "'";
}

std::string draw_gnuplot(const std::string& gnuplot, const std::string& script, const fs::path& dir,
                         const std::string& name) {
    const fs::path tmp = dir / (name + ".png.tmp");
    write_file_atomic(dir / (name + ".gp"), script);
    std::cout.flush();
    std::cerr.flush();
    const pid_t pid = ::fork();
    if (pid < 0) return "cannot start gnuplot: fork failed";
    if (pid == 0) {
        const std::string gp = (dir / (name + ".gp")).string();
        ::execl(gnuplot.c_str(), gnuplot.c_str(), gp.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::error_code ec;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !fs::is_regular_file(tmp, ec)) {
        fs::remove(tmp, ec);
        return "gnuplot failed (exit status " + std::to_string(status) + "): no " + name + ".png";
    }
    fs::rename(tmp, dir / (name + ".png"), ec);
    if (ec) return "cannot rename the plot into " + name + ".png: " + ec.message();
    return "";
}

} // namespace moetwin
