// SPDX-License-Identifier: Apache-2.0
#include "common/gnuplot.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"

#include <sys/stat.h>
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
    write_file_atomic(dir / (name + ".gp"), script);
    // The picture goes to gnuplot's stdout, a temporary of the atomic writer (O_EXCL, unpredictable name,
    // removed by the next run when this one is killed), renamed over name.png once gnuplot succeeds.
    AtomicTemporary png(dir / (name + ".png"));
    std::cout.flush();
    std::cerr.flush();
    const pid_t pid = ::fork();
    if (pid < 0) return "cannot start gnuplot: fork failed";
    if (pid == 0) {
        const std::string gp = (dir / (name + ".gp")).string();
        if (::dup2(png.fd(), STDOUT_FILENO) < 0) ::_exit(127);
        ::execl(gnuplot.c_str(), gnuplot.c_str(), "-e", ("png_out = '/dev/stdout'"), gp.c_str(),
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    struct stat st {};
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || ::fstat(png.fd(), &st) != 0 || st.st_size == 0)
        return "gnuplot failed (exit status " + std::to_string(status) + "): no " + name + ".png";
    try {
        png.commit();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

// The output line of a script for draw_gnuplot: `png_out` when draw_gnuplot sets it, else `png` (a user
// redrawing with `gnuplot name.gp`).
std::string gnuplot_output(const std::filesystem::path& png) {
    return "if (!exists(\"png_out\")) png_out = " + gnuplot_quote(png.string()) + "\nset output png_out\n";
}

} // namespace moetwin
