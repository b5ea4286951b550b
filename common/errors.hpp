// SPDX-License-Identifier: Apache-2.0
// The two kinds of errors in moetwin: user/config errors (ConfigError, exit code 1) and bugs
// (MOETWIN_ASSERT: prints file:line and the condition, then aborts). Library code never exits.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace moetwin {

// A wrong scenario, trace, profile or command-line value. The message names the file and the
// JSON path (or line) and says what was expected; main() prints it and returns 1.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

[[noreturn]] inline void assert_fail(const char* cond, const std::string& msg, const char* file, int line) {
    std::fprintf(stderr, "moetwin: internal error at %s:%d: assertion `%s` failed: %s\n", file, line, cond,
                 msg.c_str());
    std::abort();
}

} // namespace moetwin

#define MOETWIN_ASSERT(cond, msg)                                                                                      \
    do {                                                                                                               \
        if (!(cond)) ::moetwin::assert_fail(#cond, (msg), __FILE__, __LINE__);                                         \
    } while (0)
