// SPDX-License-Identifier: Apache-2.0
// SimEngine: the once-per-process guard, start-up (argv, network model, platform, fabric), run and
// its wall times.
#include "sim/network/sim_engine.hpp"

#include "common/errors.hpp"
#include "common/wall_clock.hpp"

#include <simgrid/s4u/Engine.hpp>

namespace sg4 = simgrid::s4u;

namespace moetwin {
namespace {

bool g_engine_used = false; // SimGrid's rule: one Engine per process, never a second one

} // namespace

SimEngine::SimEngine(const Router& router, const NetworkOptions& options) : options_(options), start_wall_(wall_now()) {
    if (g_engine_used)
        throw ConfigError("SimGrid allows one simulation per process and this process already ran one "
                          "(run each further simulation in a child: run_in_child, sim/network/subprocess.hpp)");
    g_engine_used = true;
    char arg0[]   = "moetwin";
    char arg1[]   = "--log=root.thres:warning";
    // Under AddressSanitizer (scripts/sanitize.sh) actors run on threads: ASan follows thread stacks, but not
    // SimGrid's default hand-switched contexts (it warns "ignoring requested __asan_handle_no_return" on the
    // first exception thrown in an actor, and false reports may follow). Actors still run one at a time in the
    // same order, so results are the same; only slower.
    char arg2[] = "--cfg=contexts/factory:thread";
#if defined(__SANITIZE_ADDRESS__)
    constexpr bool kAsan = true;
#elif defined(__has_feature)
    constexpr bool kAsan = __has_feature(address_sanitizer);
#else
    constexpr bool kAsan = false;
#endif
    int argc     = kAsan ? 3 : 2;
    char* argv[] = {arg0, arg1, kAsan ? arg2 : nullptr, nullptr};
    engine_      = std::make_unique<sg4::Engine>(&argc, argv);
    configure_network_model(options.simgrid_model, options.crosstraffic);
    platform_ = build_platform(router, options.calibration, options.backend == CommBackend::SimGridFlows);
    fabric_   = std::make_unique<CommFabric>(router, platform_, options.calibration, options.backend);
}

SimEngine::~SimEngine() = default;

double SimEngine::run() {
    MOETWIN_ASSERT(run_start_wall_ < 0, "SimEngine::run() runs once");
    run_start_wall_ = wall_now();
    engine_->run();
    run_wall_s_ = wall_now() - run_start_wall_;
    return clock();
}

double SimEngine::clock() {
    return sg4::Engine::get_clock();
}

double SimEngine::setup_wall_s() const {
    return (run_start_wall_ < 0 ? wall_now() : run_start_wall_) - start_wall_;
}

bool SimEngine::used() {
    return g_engine_used;
}

} // namespace moetwin
