// SPDX-License-Identifier: Apache-2.0
// libFuzzer entry point of one reader (MOETWIN_FUZZ_READER, set per executable by tests/fuzz/CMakeLists.txt).
#include "tests/fuzz/fuzz_readers.hpp"

#include <cstdlib>
#include <filesystem>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const moetwin::fuzz::Reader* reader = moetwin::fuzz::find_reader(MOETWIN_FUZZ_READER);
    static const std::filesystem::path base    = std::filesystem::current_path();
    if (!reader) std::abort();
    moetwin::fuzz::feed(*reader, std::string_view(reinterpret_cast<const char*>(data), size), base);
    return 0;
}
