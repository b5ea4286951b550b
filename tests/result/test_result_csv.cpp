// SPDX-License-Identifier: Apache-2.0
// Per-GPU and per-link CSV: header and rows checked exactly.
#include "sim/result/result_csv.hpp"

#include "common/atomic_file.hpp"
#include "sample_result.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace moetwin;

namespace {

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

} // namespace

TEST(ResultCsv, GpuTable) {
    const auto path = test::scratch_dir("csv") / "gpus.csv";
    write_gpu_csv(test::sample_result(), path);
    const auto rows = lines(read_file(path));
    ASSERT_EQ(rows.size(), 5u);
    EXPECT_EQ(rows[0], "gpu,node,local_rank,tokens_received,tokens_sent,expert_selections,busy_compute_ns,"
                       "dispatch_ns,combine_ns,idle_ns,bytes_sent,bytes_received,hbm_used_bytes");
    EXPECT_EQ(rows[1], "0,0,0,100,90,200,6984,1250,766,1000,1000,1100,70000000000");
    EXPECT_EQ(rows[4], "3,1,1,103,93,203,100,600,0,9300,4000,4400,70000000003");
}

TEST(ResultCsv, LinkTable) {
    RunResult r     = test::sample_result();
    r.links[1].name = "ib \"spine\", plane 0";
    const auto path = test::scratch_dir("csv_links") / "links.csv";
    write_link_csv(r, path);
    const auto rows = lines(read_file(path));
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0], "name,kind,src,dst,capacity_Bps,bytes,busy_ns,utilisation");
    EXPECT_EQ(rows[1], "n0.gpu0->nvswitch,nvlink,node0/gpu0,node0/nvswitch,1.6e+11,1000000,2000,0.625");
    EXPECT_EQ(rows[2], "\"ib \"\"spine\"\", plane 0\",ib,node0/nic0,ib/leaf0,5e+10,300000,5000,0.6");
}
