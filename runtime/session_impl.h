/* SPDX-License-Identifier: MIT */
/* The session struct: its graph reference, devices and their actor pools, the plan cache and
 * the open/closed state that runs and close agree on. */
#ifndef TACT_RUNTIME_SESSION_IMPL_H
#define TACT_RUNTIME_SESSION_IMPL_H

#include "actors/device_actor.h"
#include "runtime/plan.h"

struct tact_session {
    uint32_t tag;                 /* TACT_TAG_SESSION */
    tact_graph_t *graph;          /* counted reference */
    tact_config_t config;         /* copy; strings below are owned copies */
    char *visible_device_list;
    int n_devices;
    tact_device_t *devices;       /* CPU:0 first: the client device */
    tact_device_pool_t **pools;   /* one actor pool per device */

    pthread_rwlock_t cache_lock;  /* guards the plan cache */
    tact_plan_t **buckets;
    int n_buckets;                /* a power of two */
    int n_plans;

    _Atomic int active;           /* runs inside the session right now */
    atomic_bool closed;
    pthread_mutex_t close_lock;   /* with close_cond: close waits for active == 0 */
    pthread_cond_t close_cond;
    bool torn_down;               /* guarded by close_lock */
};

/* Number of cached plans (one per distinct run signature). Thread-safe. */
int tact__session_num_plans(tact_session_t *s);

#endif
