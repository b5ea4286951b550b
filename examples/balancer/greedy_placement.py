#!/usr/bin/env python3
"""A placement policy for moetwin's balancer.policy "command" (Python standard library only).

Reads the loads on stdin ({"num_experts", "num_slots", "num_gpus", "gpu_of_slot", "logical_count", ...},
scenarios/README.md "Bring your own placement") and writes {"phy2log": [[expert of each slot] per layer]}
on stdout. Per layer: each redundant slot goes to the expert with the most load per replica, then replicas,
heaviest first, go to the least-loaded GPU with a free slot (one not holding that expert if possible).
"""
import heapq
import json
import sys

req = json.load(sys.stdin)
E, S, G = req["num_experts"], req["num_slots"], req["num_gpus"]
slots_of_gpu = [[] for _ in range(G)]
for slot, gpu in enumerate(req["gpu_of_slot"]):
    slots_of_gpu[gpu].append(slot)
phy2log = []
for load in req["logical_count"]:
    count = [1] * E
    heap = [(-w, e) for e, w in enumerate(load)]
    heapq.heapify(heap)
    for _ in range(S - E):
        _, e = heapq.heappop(heap)
        count[e] += 1
        heapq.heappush(heap, (-load[e] / count[e], e))
    replicas = sorted(((load[e] / count[e], e) for e in range(E) for _ in range(count[e])), reverse=True)
    gpu_load, free, held, row = [0.0] * G, [list(s) for s in slots_of_gpu], [set() for _ in range(G)], [0] * S
    for w, e in replicas:
        g = min((g for g in range(G) if free[g]), key=lambda g: (e in held[g], gpu_load[g], g))
        row[free[g].pop(0)] = e
        held[g].add(e)
        gpu_load[g] += w
    phy2log.append(row)
json.dump({"phy2log": phy2log}, sys.stdout)
