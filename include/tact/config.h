/* SPDX-License-Identifier: MIT */
/** @file
 * Session configuration: TensorFlow's ConfigProto as a plain struct. */
#ifndef TACT_CONFIG_H
#define TACT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <tact/export.h>

TACT_BEGIN_DECLS

/** A device count that means "none of this kind" (TensorFlow's device_count {"GPU": 0}); the
 * zero value means the default (1 CPU device, every visible GPU). */
#define TACT_DEVICE_COUNT_NONE (-1)

/** Where a run's fragments execute. */
typedef enum {
    /* A plan that is one CPU fragment runs on the calling thread, as a temporary member of the
     * CPU device's pool (no thread hand-off); anything else goes to the device actors. */
    TACT_EXECUTOR_AUTO = 0,
    /* Every fragment is sent to its device's actors over their mailboxes. */
    TACT_EXECUTOR_ACTORS = 1,
} tact_executor_t;

/** A Grappler pass's switch (TensorFlow's RewriterConfig.Toggle): DEFAULT and ON run it, OFF
 * does not. */
typedef enum {
    TACT_TOGGLE_DEFAULT = 0,
    TACT_TOGGLE_ON = 1,
    TACT_TOGGLE_OFF = 2,
} tact_toggle_t;

/** The graph optimizer's level (TensorFlow's OptimizerOptions.Level, same numbers): L1, the
 * default, folds constants and merges duplicates; L0 does neither unless asked to. */
typedef enum {
    TACT_OPT_LEVEL_L1 = 0,
    TACT_OPT_LEVEL_L0 = -1,
} tact_opt_level_t;

/** Zero-initialise (`tact_config_t c = {0};`): the zero value is TensorFlow's default for every
 * field. */
typedef struct tact_config {
    bool allow_soft_placement;         /* a request no device meets is relaxed (spec §3.4) */
    bool log_device_placement;         /* "Device mapping:" and one line per op, at INFO */
    /* Threads inside one op: OpenBLAS' thread count, the only intra-op parallelism tact has
     * (its own CPU kernels run each node on one thread). PROCESS-WIDE, as TensorFlow 1.x's
     * global intra-op pool is: the first session created with a value > 0 sets it for every
     * session of the process; a later session asking for another value logs a WARNING and
     * runs with the count in force (TensorFlow ignores it silently). Nothing of it is per
     * session: OpenBLAS keeps one count per process (its openblas_set_num_threads_local is
     * process-wide too in pthreads builds), and changing it under another session's running
     * matmul is not safe. <= 0 = leave OpenBLAS' own choice (OPENBLAS_NUM_THREADS, else the
     * cores). Per session are inter_op_parallelism_threads and executor. */
    int intra_op_parallelism_threads;
    int inter_op_parallelism_threads;  /* CPU actor threads per session; <= 0 = the core count
                                        * (TensorFlow accepts negative counts too) */
    int64_t operation_timeout_in_ms;   /* every run's timeout; <= 0 = none */
    /* GPU memory and visibility (spec §3.7, §4). The allocator of a GPU belongs to the process:
     * the first session that opens the GPU sets its limit and growth, as in TensorFlow. */
    struct {
        bool allow_growth;                      /* start at 2 MiB and grow; else reserve the
                                                 * whole limit when the device is made */
        double per_process_gpu_memory_fraction; /* 0: most of the free memory; (0, 1]: a hard
                                                 * cap of that fraction of total memory; < 0:
                                                 * INVALID_ARGUMENT when a GPU device is made
                                                 * (ignored without one, as in TensorFlow) */
        const char *visible_device_list;        /* "1,0": GPU:i is visible GPU list[i]; copied */
    } gpu_options;
    /* Devices per kind: 0 = default, TACT_DEVICE_COUNT_NONE = none. */
    struct {
        int cpu;
        int gpu;
    } device_count;
    tact_executor_t executor;          /* tact's own knob; see tact_executor_t */
    /* tact's own knob: the most bytes of host tensor data this session's runs may hold at
     * once (kernel outputs, variable values, queue elements, results until the caller frees
     * them); 0 = no limit but the machine's. A run whose allocation would pass it fails with
     * RESOURCE_EXHAUSTED "OOM when allocating tensor with shape[..] and type .. on
     * /job:localhost/replica:0/task:0/device:CPU:0 by allocator cpu" (TensorFlow's words for
     * refused memory), frees what it made and leaves the session usable. Negative:
     * INVALID_ARGUMENT. */
    int64_t host_memory_limit_bytes;
    /* The graph rewrites at plan build (TensorFlow's GraphOptions): Grappler's passes, each
     * with its RewriterConfig toggle, and the older graph optimizer's (OptimizerOptions), which
     * TensorFlow runs after Grappler and which folds constants and merges duplicates on its own.
     * A rewrite never changes a fetched value or an error, only which nodes run. The zero
     * value turns every rewrite on. A value outside its enum: INVALID_ARGUMENT at session
     * creation, naming the field. */
    struct {
        struct tact_optimizer_options {
            tact_opt_level_t opt_level;               /* L0 turns the two below off unless set */
            bool do_common_subexpression_elimination; /* merge duplicates even at L0 */
            bool do_constant_folding;                 /* fold constants even at L0 */
        } optimizer_options;
        struct tact_rewriter_config {
            tact_toggle_t constant_folding;           /* compute constant ops once at plan
                                                       * build, Shape/Size/Rank of known
                                                       * shapes included (OFF alone still
                                                       * folds at opt_level L1) */
            tact_toggle_t remapping;                  /* MatMul/Conv2D + BiasAdd (+ residual
                                                       * Add) (+ activation) as one
                                                       * _FusedMatMul/_FusedConv2D node */
            tact_toggle_t arithmetic_optimization;    /* Grappler merges duplicates only when
                                                       * this and the next are both not OFF */
            tact_toggle_t common_subgraph_elimination;/* ops repeating an earlier one (same
                                                       * kind, inputs, device) do not run
                                                       * (OFF alone still merges at L1) */
            tact_toggle_t dependency_optimization;    /* NoOps that only relay control edges
                                                       * do not run */
            bool disable_model_pruning;               /* Identity and StopGradient ops run (an
                                                       * Identity still goes unless
                                                       * dependency_optimization is OFF too) */
            bool disable_meta_optimizer;              /* every Grappler pass off (the toggles
                                                       * above); optimizer_options still apply */
        } rewrite_options;
    } graph_options;
} tact_config_t;

TACT_END_DECLS

#endif
