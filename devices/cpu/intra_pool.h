/* SPDX-License-Identifier: MIT */
/* The CPU device's intra-op workers: one kernel split into parts run at once on several
 * cores, for kernels that are not OpenBLAS' (which has its own threads), such as the GEMM
 * on weights packed once. The calling thread runs part 0; process-wide workers (one per
 * further core OpenBLAS may use) run the rest. */
#ifndef TACT_DEVICES_CPU_INTRA_POOL_H
#define TACT_DEVICES_CPU_INTRA_POOL_H

/* Part `part` of `n_parts` of one kernel call. */
typedef void (*tact_cpu_part_fn)(void *arg, int part, int n_parts);

/* How many parts a call may run at once now: OpenBLAS' thread count in force (the session
 * config's intra_op_parallelism_threads, else the machine's cores). At least 1. */
int tact__cpu_intra_width(void);

/* Run fn(arg, i, n) for i in [0, n) and return when all have returned; n from 1 to
 * tact__cpu_intra_width(). Part 0 runs on the calling thread, the others on the workers;
 * while another thread's call holds the workers (two sessions, or two client threads), every
 * part runs on the calling thread, one after another, so a call never waits for another.
 * Workers spin for a short while after a call, so the next one (the next layer of a network)
 * finds them awake, then sleep. Thread-safe. */
void tact__cpu_intra_run(int n_parts, tact_cpu_part_fn fn, void *arg);

/* Workers spinning after the last call go to sleep now instead of at the end of their spin:
 * a GEMM timed next on OpenBLAS' threads (AUTO's trials, devices/cpu/gemm.c) then has every
 * core. The next call wakes them. Thread-safe. */
void tact__cpu_intra_park(void);

/* Calls so far whose parts ran on more than one thread (for tests). */
unsigned long tact__cpu_intra_parallel_calls(void);

#endif
