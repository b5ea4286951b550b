// SPDX-License-Identifier: Apache-2.0
// Token-to-replica dispatch: for every (token, selected logical expert) pair, which physical slot
// (replica) serves it. One policy per file under dispatch/.
#pragma once

#include "sim/balancer/placement.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace moetwin::balancer {

// One MoE layer's dispatch problem. Token t starts on GPU source_gpu[t] (data-parallel attention).
struct DispatchInput {
    const Placement* placement = nullptr;
    const PlacementSpec* spec  = nullptr;
    int layer                  = 0;
    int topk                   = 8;
    std::span<const int> token_experts; // [num_tokens, topk]: logical experts
    std::span<const int> source_gpu;    // [num_tokens]
    // Load-aware policies only (others ignore them): the logical expert every token selects besides
    // its gate's picks (-1: none), and how many identical tokens each sampled token stands for
    // ([num_tokens]; empty: 1 each).
    int shared_expert = -1;
    std::span<const int64_t> token_weight;

    int num_tokens() const { return static_cast<int>(source_gpu.size()); }
};

// Contract: a dispatch policy is a pure, deterministic function of its input. For every pair it
// writes into out_slot [num_tokens, topk] a slot s with placement.slots(layer)[s] == the pair's
// logical expert (one of that expert's replicas). Pairs are visited in token order.
using DispatchFn = void (*)(const DispatchInput& in, std::span<int> out_slot);

void dispatch_round_robin(const DispatchInput& in, std::span<int> out_slot);     // dispatch/round_robin.cpp
void dispatch_least_loaded(const DispatchInput& in, std::span<int> out_slot);    // dispatch/least_loaded.cpp
void dispatch_same_node_first(const DispatchInput& in, std::span<int> out_slot); // dispatch/same_node_first.cpp
void dispatch_load_aware(const DispatchInput& in, std::span<int> out_slot);      // dispatch/load_aware.cpp

struct DispatchPolicy {
    std::string_view name;
    std::string_view intent;
    DispatchFn dispatch;
    // Chooses from the whole batch: the step charges replica_choice_cost() before each dispatch
    // (dispatch/replica_choice_cost.hpp).
    bool sees_batch = false;
};

std::span<const DispatchPolicy> dispatch_policies();
const DispatchPolicy& find_dispatch_policy(std::string_view name); // ConfigError lists the names

} // namespace moetwin::balancer
