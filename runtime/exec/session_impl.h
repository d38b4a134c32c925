/* SPDX-License-Identifier: MIT */
/* The session struct: its graph reference, devices and their actor pools, the plan cache and
 * the open/closed state that runs and close agree on. */
#ifndef TACT_RUNTIME_SESSION_IMPL_H
#define TACT_RUNTIME_SESSION_IMPL_H

#include "actors/device_actor.h"
#include "runtime/exec/plan.h"
#include "runtime/state/resources.h"

#define TACT_SESSION_CACHE_BUCKETS 256  /* fixed: chains never move under readers */
#define TACT_SESSION_RUN_COUNTERS  16

/* One shard of the session's per-thread counters: the runs inside now (close waits for
 * them) and tact_session_stats' figures, all on the lines this thread's runs touch anyway.
 * Counted with relaxed atomics (threads may share a shard); readers sum the shards. */
typedef struct tact_run_counter {
    alignas(64) _Atomic int n;    /* runs inside now, and SESSION_CLOSING */
    _Atomic int64_t unplanned;    /* runs that looked up no plan (bad arguments, all fed) */
    _Atomic int64_t cache_hits;
    _Atomic int64_t cache_misses;
    _Atomic int64_t bytes_copied;
    _Atomic int64_t errors[TACT_CODE_COUNT];
} tact_run_counter_t;

struct tact_session {
    uint32_t tag;                 /* TACT_TAG_SESSION */
    uint64_t id;                  /* unique in the process, never reused */
    tact_graph_t *graph;          /* counted reference */
    tact_config_t config;         /* copy; strings below are owned copies */
    char *visible_device_list;
    int n_devices;
    tact_device_t *devices;       /* CPU:0 first: the client device */
    tact_device_pool_t **pools;   /* one actor pool per device */
    tact_resources_t *resources;  /* variable values; released by close */
    struct tact_host_limit *host_limit; /* config.host_memory_limit_bytes, or NULL for none */
    tact_sched_pins_t pins;       /* where stateful ops live: their values stay there */
    char (*device_names)[96];     /* full names, by device index */
    tact_device_info_t *device_info; /* list_devices' answer, taken at creation */
    _Atomic int *placed;          /* by op id: the device index of its last placement, or -1 */
    int n_placed;                 /* guarded by cache_lock */
    /* Whole-graph placement (TensorFlow's placer runs on the full graph, each run prunes):
     * the graph's op count when it was last placed, -1 before the first run. A placement
     * that failed leaves it as it was, so every run places again and fails alike until the
     * graph grows. Not for interactive sessions, which place each pruned plan. */
    _Atomic int placed_n_ops;

    /* The plan cache: readers (every run) take no lock; writers take cache_lock. Chains
     * only grow at their heads and plans live until close, so a reader that loaded a head
     * (acquire) can walk its chain while plans are added. */
    pthread_mutex_t cache_lock;
    _Atomic(tact_plan_t *) buckets[TACT_SESSION_CACHE_BUCKETS];
    _Atomic int n_plans;

    atomic_bool closed;           /* read by every run: kept away from the counters below */
    /* Runs inside the session right now, spread over padded counters so that client threads
     * do not share a cache line on every run; close waits for their sum to reach zero. */
    tact_run_counter_t active[TACT_SESSION_RUN_COUNTERS];
    pthread_mutex_t close_lock;   /* with close_cond: close waits for active == 0 */
    pthread_cond_t close_cond;
    bool torn_down;               /* guarded by close_lock */

    _Atomic int default_pushes;   /* entries on default-session stacks */
    bool interactive;             /* an InteractiveSession: see tact_interactive_session_new */
    tact_graph_t *pushed_graph;   /* the default graph an interactive session pushed, or NULL */
    struct tact_saved_model *saved_model; /* tact_saved_model_load's signatures, or NULL */
    void (*saved_model_free)(struct tact_saved_model *); /* set with it (runtime/model/ is
                                                          * above the sessions) */
};

/* Push `s` onto the calling thread's default-session stack as an entry that may leave out of
 * order (interactive sessions). */
void tact__session_push_default_removable(tact_session_t *s);
/* Remove the topmost entry of `s` from the calling thread's stack, wherever it is; false when
 * there is none. */
bool tact__session_remove_default(tact_session_t *s);
/* Likewise for the default-graph stack. */
void tact__graph_push_default_removable(tact_graph_t *g);
bool tact__graph_remove_default(tact_graph_t *g);

/* Runs inside the session right now (tests wait for blocked runs with it). Thread-safe. */
int tact__session_active_runs(tact_session_t *s);

/* Place the session's whole graph if it has not been placed at its present size (its first run,
 * or the graph has grown since), logging every op with log_device_placement. On an op that
 * cannot be placed, TensorFlow's INVALID_ARGUMENT: the next call places again (and logs again).
 * Cheap when nothing is to be done (one atomic compare). Thread-safe. */
tact_code_t tact__session_place_graph(tact_session_t *s, tact_status_t *st);

/* tact_session_run_ex for one piece of a step that earlier runs began (partial runs):
 * done[0..n_done), sorted by op id, already ran in the step, and a control edge to one of
 * them is cut (tact_signature_t.done). */
tact_code_t tact__session_run_step(tact_session_t *s, const tact_run_options_t *options,
                                   const tact_output_t *fetches, int n_fetches,
                                   tact_tensor_t **results, const tact_feed_t *feeds,
                                   int n_feeds, tact_op_t *const *targets, int n_targets,
                                   tact_op_t *const *done, int n_done, tact_status_t *st);

/* Number of cached plans (one per distinct run signature). Thread-safe. */
int tact__session_num_plans(tact_session_t *s);

#endif
