// SPDX-License-Identifier: Apache-2.0
// Expert-load JSON reader, on the common strict reader (common/json_reader.hpp): duplicate keys, unknown keys,
// deep nesting and numbers beyond a double are rejected with the file and the position or JSON path.
#include "moe/expert_load_json.hpp"

#include "common/atomic_file.hpp"
#include "common/errors.hpp"
#include "common/json_reader.hpp"

#include <string>

namespace moetwin {

ExpertLoad parse_expert_load(std::string_view text, std::string_view source) {
    const std::string src(source);
    const nlohmann::json doc = parse_json_text(text, src);
    const JsonObject top(doc, "", src);
    top.finish({"logical_count"});
    const JsonArray rows = top.array("logical_count");
    if (rows.empty()) top.fail("logical_count", "expected a non-empty array of layers, got an empty array");

    ExpertLoad load;
    load.num_layers = static_cast<int>(rows.size());
    for (std::size_t l = 0; l < rows.size(); ++l) {
        const JsonArray row = rows.array(l);
        if (row.empty()) rows.fail(l, "expected a non-empty array of per-expert loads, got an empty array");
        if (l == 0) load.num_experts = static_cast<int>(row.size());
        if (static_cast<int>(row.size()) != load.num_experts)
            rows.fail(l, "expected " + std::to_string(load.num_experts) + " experts (as in logical_count[0]), got " +
                             std::to_string(row.size()));
        for (std::size_t e = 0; e < row.size(); ++e) {
            const double x = row.number(e);
            if (x < 0) row.fail(e, "expected a number >= 0, got " + describe_json(row[e]));
            load.tokens.push_back(x);
        }
    }
    load.validate();
    return load;
}

ExpertLoad load_expert_load(const std::filesystem::path& path) {
    const std::string text = read_file(path);
    return parse_expert_load(text, path.string());
}

} // namespace moetwin
