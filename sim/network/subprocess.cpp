// SPDX-License-Identifier: Apache-2.0
// run_in_child(): fork, pipe, waitpid.
#include "sim/network/subprocess.hpp"

#include "common/errors.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace moetwin {
namespace {

void write_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        const ssize_t w = ::write(fd, s.data() + off, s.size() - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        off += std::size_t(w);
    }
}

} // namespace

std::string run_in_child(const std::function<std::string()>& fn) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    std::cout.flush();
    std::cerr.flush();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        ::close(fds[0]);
        int code = 0;
        std::string out;
        try {
            out = "OK\n" + fn();
        } catch (const ConfigError& e) {
            out  = std::string("CONFIG\n") + e.what();
            code = 1;
        } catch (const std::exception& e) {
            out  = std::string("ERROR\n") + e.what();
            code = 2;
        }
        write_all(fds[1], out);
        ::close(fds[1]);
        std::cout.flush();
        ::_exit(code);
    }
    ::close(fds[1]);
    std::string text;
    char buf[65536];
    for (;;) {
        const ssize_t r = ::read(fds[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        text.append(buf, std::size_t(r));
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const auto nl          = text.find('\n');
    const std::string tag  = text.substr(0, nl);
    const std::string body = nl == std::string::npos ? "" : text.substr(nl + 1);
    if (tag == "OK" && WIFEXITED(status) && WEXITSTATUS(status) == 0) return body;
    if (tag == "CONFIG") throw ConfigError(body);
    if (tag == "ERROR") throw std::runtime_error(body);
    throw std::runtime_error("child process died (status " + std::to_string(status) + ")");
}

} // namespace moetwin
