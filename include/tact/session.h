/* SPDX-License-Identifier: MIT */
/** @file
 * Sessions: run pieces of a graph on the devices of this process. */
#ifndef TACT_SESSION_H
#define TACT_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include <tact/config.h>
#include <tact/export.h>
#include <tact/graph.h>
#include <tact/ops.h>
#include <tact/status.h>
#include <tact/tensor.h>

TACT_BEGIN_DECLS

typedef struct tact_session tact_session_t;

/** Feed `value` into `tensor` for one run. Any output may be fed, not only placeholders. */
typedef struct tact_feed {
    tact_output_t tensor;
    const tact_tensor_t *value;
} tact_feed_t;

/** Start a session over `graph` (NULL: the calling thread's default graph, bound now). `target`
 * NULL or "" means this process; any other target is NOT_FOUND. `config` NULL means defaults.
 * The session keeps its own reference to `graph` and starts its device actors. Caller owns the
 * result. On failure returns NULL and fills `st`. Thread-safe. */
TACT_API tact_session_t *tact_session_new(const char *target, tact_graph_t *graph,
                                          const tact_config_t *config, tact_status_t *st);

/** Evaluate fetches[0..n_fetches), feeding feeds[i].value into feeds[i].tensor, and run
 * targets[0..n_targets) for their effects. Feeds stay owned by the caller. On success
 * results[i] is a new tensor owned by the caller; on failure every results[i] is NULL and `st`
 * holds TensorFlow's code with a message naming the op or tensor. The plan for each distinct
 * (feeds, fetches, targets) set is built once and cached; order does not matter. A thread
 * that repeats its previous call's endpoints in the same order skips their checks and the
 * cache lookup (tact_session_make_callable does so for any order). Safe to call from many
 * threads at once.
 *
 *     tact_tensor_t *c_val = NULL;
 *     if (tact_session_run(s, &c, 1, &c_val, NULL, 0, NULL, 0, &st) == TACT_CODE_OK) ...
 */
TACT_API tact_code_t tact_session_run(tact_session_t *s, const tact_output_t *fetches,
                                      int n_fetches, tact_tensor_t **results,
                                      const tact_feed_t *feeds, int n_feeds,
                                      tact_op_t *const *targets, int n_targets,
                                      tact_status_t *st);

/** ------------------------------------------------------------------------------------------ */
/** Run options: timeouts and cancellation (TensorFlow's RunOptions)                          */
/** ------------------------------------------------------------------------------------------ */

/** A cancellation handle: give it to runs in tact_run_options_t, then tact_cancel_request from
 * any thread stops them with CANCELLED "Run call was cancelled". One handle may serve many
 * runs; once requested it stays requested. */
typedef struct tact_cancel tact_cancel_t;

/** Caller owns the result. Aborts only when host memory runs out. */
TACT_API tact_cancel_t *tact_cancel_new(void);
/** @{ */
/** Thread-safe; async-signal-safe. */
TACT_API void tact_cancel_request(tact_cancel_t *c);
TACT_API bool tact_cancel_requested(const tact_cancel_t *c);
/** @} */
/** Accepts NULL; sets *c_p to NULL. REQUIRES: no run uses it any more. */
TACT_API void tact_cancel_destroy(tact_cancel_t **c_p);

/** TensorFlow's RunOptions.TraceLevel, with its numbers. */
typedef enum tact_trace_level {
    TACT_TRACE_NO_TRACE = 0,
    TACT_TRACE_SOFTWARE_TRACE = 1,
    TACT_TRACE_HARDWARE_TRACE = 2,
    TACT_TRACE_FULL_TRACE = 3,
} tact_trace_level_t;

/** What one entry of a device's step stats stands for. */
typedef enum tact_node_stats_kind {
    TACT_NODE_STATS_OP = 0,       /* an op's kernel ("MatMul") */
    TACT_NODE_STATS_SEND,         /* a copy out of this device's memory ("_Send") */
    TACT_NODE_STATS_RECV,         /* a copy into this device's memory, or a value another host
                                   * device produced, handed over without a copy ("_Recv") */
    TACT_NODE_STATS_MAILBOX,      /* a request waiting in a device actor's mailbox ("_Mailbox") */
} tact_node_stats_kind_t;

/** One output of a traced node (TensorFlow's NodeOutput). */
typedef struct tact_output_stats {
    tact_dtype_t dtype;
    int ndims;                    /* -1: the output holds no tensor (a queue's handle) */
    int64_t dims[TACT_MAX_DIMS];
    int64_t bytes;                /* tact_tensor_nbytes of the value */
} tact_output_stats_t;

/** One entry of a device's step stats (TensorFlow's NodeExecStats). Times come from one
 * monotonic clock for the whole process (CLOCK_MONOTONIC), so entries of different devices
 * and runs compare directly. */
typedef struct tact_node_stats {
    tact_node_stats_kind_t kind;
    char *node_name;              /* owned: the op's name ("MatMul"), a copy's or a hand-off's
                                   * as its partition graph names its _Send or _Recv ("x/_1"),
                                   * "RUN <first node>" */
    const char *op_type;          /* static: "MatMul", "_Send", "_Recv", "_Mailbox" */
    int64_t thread_id;            /* the OS thread id (gettid) that ran it */
    char thread_name[16];         /* that thread's name: "tact:CPU:1" for an actor */
    int64_t start_us, end_us;     /* start <= end, microseconds */
    int64_t start_ns, end_ns;     /* the same times in nanoseconds */
    /* SEND/RECV: where the value comes from or goes: the index of the peer device in the
     * step stats and of its entry there (the producer for a RECV); -1 when not traced. */
    int peer_device, peer_node;
    int n_outputs;
    tact_output_stats_t *outputs; /* owned; n_outputs of them */
} tact_node_stats_t;

/** One device's part of the step (TensorFlow's DeviceStepStats). */
typedef struct tact_device_step_stats {
    char device[96];              /* "/job:localhost/replica:0/task:0/device:CPU:0" */
    int n_nodes;
    tact_node_stats_t *nodes;     /* owned; every node the device ran, in its run order, then
                                   * its hand-offs and mailbox waits */
} tact_device_step_stats_t;

/** TensorFlow's RunMetadata.partition_graphs: how a run was cut across devices. */
#define TACT_MAX_PARTITIONS 8
typedef struct tact_run_metadata {
    int n_partitions;             /* devices with part of the step (0: nothing ran) */
    struct {
        char device[96];          /* "/job:localhost/replica:0/task:0/device:CPU:1" */
        int n_nodes;              /* ops run there (_Send, _Recv, _Arg, _Retval not counted) */
        int n_sends;              /* TF's _Send nodes: values made here, read elsewhere */
        int n_recvs;              /* TF's _Recv nodes: values made elsewhere, read here */
        /* The partition's nodes, one line each in run order, as "name = Type(inputs)":
         *     _arg_x_0_0 = _Arg()
         *     a/_1 = _Recv(a:0 from /job:localhost/replica:0/task:0/device:CPU:1)
         *     MatMul = MatMul(a/_1, _arg_x_0_0)
         *     MatMul/_2 = _Send(MatMul:0 to /job:localhost/replica:0/task:0/device:CPU:1)
         *     _retval_MatMul_0_0 = _Retval(MatMul)
         * As in TensorFlow's, every value read on another device than the one that made it
         * is a _Send there and a _Recv here (one per value and reading device), between host
         * devices too, where the value itself moves by pointer; they are named after the
         * value's node with a "/_<k>" suffix, numbered per run signature. Feeds are _Arg and
         * fetches _Retval nodes of the client's device (CPU:0, listed first, even when none of
         * the step's ops ran there), named "_arg_<node>_<output>_<i>", i the feed's (fetch's)
         * position by name. Owned by the metadata: free with tact_run_metadata_clear. NULL
         * when the run did not fill it. */
        char *graph;
    } partitions[TACT_MAX_PARTITIONS];
    /* TensorFlow's RunMetadata.step_stats: filled when the run's trace_level is not
     * NO_TRACE, one entry per partition, in their order (the client's without entries when
     * none of the step's nodes ran there). */
    struct {
        int n_devices;
        tact_device_step_stats_t *devices; /* owned */
    } step_stats;
} tact_run_metadata_t;

/** Free what a run wrote into `md` (the partition graphs, the step stats) and zero it, ready
 * for another run. Accepts NULL. */
TACT_API void tact_run_metadata_clear(tact_run_metadata_t *md);

/** Zero-initialise: the zero value means no timeout beyond the config's and no handle. */
typedef struct tact_run_options {
    /* > 0: this run's timeout, overriding config.operation_timeout_in_ms (<= 0: none). A run
     * past it is stopped and returns DEADLINE_EXCEEDED "Timed out waiting for notification";
     * the session stays usable. A blocked op (a dequeue from an empty queue) wakes at the
     * deadline itself; a running kernel finishes first, so a run returns within the timeout
     * plus one kernel. A cancel wakes a blocked op at once, too. */
    int64_t timeout_in_ms;
    tact_cancel_t *cancel;        /* [optional] borrowed; must outlive the run */
    /* [optional] TensorFlow's output_partition_graphs: filled with the run's partitions when
     * the run succeeds. Zero-initialise it before its first use; a later run frees what the
     * previous one wrote; tact_run_metadata_clear frees the last. */
    tact_run_metadata_t *metadata;
    /* With a trace level other than NO_TRACE and `metadata`, a successful run fills
     * metadata->step_stats: every node with its device, thread, times and outputs, the copies
     * and hand-offs between devices and the time requests waited in actors' mailboxes.
     * SOFTWARE, HARDWARE and FULL record the same on host devices; on a GPU a node's times are
     * those of its kernel's enqueue on the stream, not of the kernel itself. */
    tact_trace_level_t trace_level;
} tact_run_options_t;

/** tact_session_run with options (`options` NULL: as tact_session_run). */
TACT_API tact_code_t tact_session_run_ex(tact_session_t *s, const tact_run_options_t *options,
                                         const tact_output_t *fetches, int n_fetches,
                                         tact_tensor_t **results, const tact_feed_t *feeds,
                                         int n_feeds, tact_op_t *const *targets, int n_targets,
                                         tact_status_t *st);

/** Mark the session closed, stop the runs in flight (they return CANCELLED "Run call was
 * cancelled"), stop its actors and free its resources (variable values). Later runs fail with
 * CANCELLED "Session has been closed.". A second close returns OK and changes nothing, as
 * TensorFlow's does. Closes whatever `st` holds (cleanup on an error path) and returns its own
 * result; an error already in `st` stays there. Thread-safe. */
TACT_API tact_code_t tact_session_close(tact_session_t *s, tact_status_t *st);

/** Close if still open, then free. Accepts NULL and *s_p == NULL; sets *s_p to NULL.
 * REQUIRES: the session is on no thread's default stack (an interactive session leaves its
 * creator's stack when closed). */
TACT_API void tact_session_destroy(tact_session_t **s_p);

/** The session's graph. Borrowed; valid until the session is destroyed. */
TACT_API tact_graph_t *tact_session_graph(const tact_session_t *s);

/** One device of a session, as TensorFlow's Session.list_devices() describes it. */
typedef struct tact_device_info {
    char name[96];                /* "/job:localhost/replica:0/task:0/device:CPU:0" */
    char kind[16];                /* "CPU" */
    int64_t memory_limit;         /* bytes; 268435456 for CPU devices, as TensorFlow reports */
    /* "device: CPU:0, cores 0-1 of 2, NUMA node 0"; for a GPU TensorFlow's physical
     * description, "device: 0, name: NVIDIA H100 80GB HBM3, pci bus id: 0000:18:00.0,
     * compute capability: 9.0" */
    char description[192];
} tact_device_info_t;

/** A device allocator's figures, as TensorFlow's tf.config.experimental.get_memory_info and
 * the BFC allocator's stats give them. Bytes unless said otherwise. */
typedef struct tact_memory_stats {
    int64_t bytes_limit;          /* the hard cap (per_process_gpu_memory_fraction, or most of
                                   * the GPU's free memory) */
    int64_t bytes_reserved;       /* taken from the device so far (never given back) */
    int64_t bytes_in_use;         /* in tensors now */
    int64_t peak_bytes_in_use;    /* the most in use at once since the allocator was made */
    int64_t largest_alloc_size;   /* the largest single allocation */
    int64_t num_allocs;           /* allocations so far */
    int64_t num_ooms;             /* allocations refused (RESOURCE_EXHAUSTED) */
} tact_memory_stats_t;

/** The memory figures of the session's device `device` (any form of device name that names
 * one device: "/gpu:0", "/device:GPU:0", the full name). GPU allocators belong to the
 * process, as in TensorFlow, so sessions on one GPU report the same figures. NOT_FOUND when
 * the session has no such device; INVALID_ARGUMENT for a malformed name or a device without
 * an allocator of its own (CPU devices). Thread-safe. */
TACT_API tact_code_t tact_session_memory_stats(tact_session_t *s, const char *device,
                                               tact_memory_stats_t *out, tact_status_t *st);

/** A session's counters since it was made (ONNX Runtime's and TensorFlow's run statistics).
 * Runs are counted by tact_session_run and its variants once the session is known valid. */
typedef struct tact_session_stats {
    int64_t runs;                 /* calls, successful or not */
    int64_t errors[TACT_CODE_COUNT]; /* failed calls by their code; errors[TACT_CODE_OK] is 0 */
    int64_t plan_cache_hits;      /* runs whose signature had a cached plan */
    int64_t plan_cache_misses;    /* runs that built one */
    int64_t bytes_copied;         /* copied between device memories (host <-> GPU); host
                                   * devices hand values over by pointer and copy nothing */
    /* The most bytes of host tensors the session's runs held at once, counted where the
     * session counts them: with config.host_memory_limit_bytes; -1 without. */
    int64_t peak_host_bytes;
    int n_devices;                /* the session's devices, at most TACT_MAX_PARTITIONS here */
    struct {
        char device[96];          /* full name */
        int64_t peak_bytes_in_use; /* its allocator's (GPUs); -1 for host devices */
    } devices[TACT_MAX_PARTITIONS];
} tact_session_stats_t;

/** Fill `out` with the session's counters: exact once the runs they count have returned, a
 * consistent-enough snapshot while runs go on. The counting costs a run a few relaxed atomic
 * additions on a cache line its thread already holds, never a lock. Also after close.
 * Thread-safe. */
TACT_API tact_code_t tact_session_stats(tact_session_t *s, tact_session_stats_t *out,
                                        tact_status_t *st);

/** Where `op` runs: the full name of the device the session placed it on
 * ("/job:localhost/replica:0/task:0/device:CPU:1"), or NULL when it is not placed yet. As
 * TensorFlow's, a session places its whole graph on its first run and again on the first run
 * after the graph has grown (stateful ops keep their first device), so every op of the graph
 * has a device from then on, whether a run needed it or not; an interactive session
 * (place_pruned_graph) places only what each new run signature needs. Borrowed; valid until
 * the session is destroyed. Thread-safe. Each placement is logged, with
 * config.log_device_placement, as TensorFlow prints it ("MatMul: (MatMul): /job:localhost/...",
 * one line per op) at INFO level; a run that places nothing new logs nothing. */
TACT_API const char *tact_session_op_device(tact_session_t *s, const tact_op_t *op);

/** Write up to `max` of the session's devices into out[] (CPU:0 first) and return how many
 * the session has (which may be more than max). Thread-safe. REQUIRES: s is open or closed
 * but not destroyed. */
TACT_API int tact_session_list_devices(const tact_session_t *s, tact_device_info_t *out, int max);

/** ------------------------------------------------------------------------------------------ */
/** Default sessions (TensorFlow's `with sess.as_default():`)                                 */
/** ------------------------------------------------------------------------------------------ */

/** Each thread has its own stack of default sessions; a new thread starts with none. */

/** Make `s` the calling thread's default session until the matching pop. The same session may
 * be pushed several times. REQUIRES: s is live; fewer than 32 sessions on the stack. */
TACT_API void tact_session_push_default(tact_session_t *s);

/** Undo the innermost push of `s`. FAILED_PRECONDITION (nothing popped) when `s` is not the top
 * of the calling thread's stack: nesting was violated. */
TACT_API tact_code_t tact_session_pop_default(tact_session_t *s);

/** The calling thread's default session, or NULL. Borrowed. */
TACT_API tact_session_t *tact_session_get_default(void);

/** TensorFlow's Tensor.eval: run `t` in `session` (NULL: the default session) with the feeds
 * and return its value. Caller owns the result. INVALID_ARGUMENT when there is no session to
 * use or the session runs another graph; otherwise tact_session_run's errors. */
TACT_API tact_tensor_t *tact_eval(tact_output_t t, const tact_feed_t *feeds, int n_feeds,
                                  tact_session_t *session, tact_status_t *st);

/** TensorFlow's Operation.run: run `op` for its effects, as tact_eval does for tensors. */
TACT_API tact_code_t tact_op_run(tact_op_t *op, const tact_feed_t *feeds, int n_feeds,
                                 tact_session_t *session, tact_status_t *st);

/** @{ */
/** tact_eval and tact_op_run with run options (timeout, cancellation handle, metadata), as
 * Tensor.eval(options=...) and Operation.run(options=...): `options` NULL is the plain call. */
TACT_API tact_tensor_t *tact_eval_ex(tact_output_t t, const tact_run_options_t *options,
                                     const tact_feed_t *feeds, int n_feeds,
                                     tact_session_t *session, tact_status_t *st);
TACT_API tact_code_t tact_op_run_ex(tact_op_t *op, const tact_run_options_t *options,
                                    const tact_feed_t *feeds, int n_feeds,
                                    tact_session_t *session, tact_status_t *st);
/** @} */

/** TensorFlow's InteractiveSession: a session that makes itself the calling thread's default
 * session when created (and `graph`, when given, its default graph) and leaves those stacks
 * when closed, whatever the order. `config` NULL means defaults with
 * gpu_options.allow_growth on. Opening one while another is open logs a warning. Caller owns
 * the result; destroy it with tact_session_destroy. REQUIRES: closed on the creating thread. */
TACT_API tact_session_t *tact_interactive_session_new(const char *target, tact_graph_t *graph,
                                                      const tact_config_t *config,
                                                      tact_status_t *st);

/** A SparseTensorValue fed as three feeds: out[0..3) feed indices, values and dense_shape into
 * sp's three tensors (borrowed, as every feed). A sparse result is fetched as three fetches. */
TACT_API void tact_sparse_feed(tact_sparse_output_t sp, const tact_tensor_t *indices,
                               const tact_tensor_t *values, const tact_tensor_t *dense_shape,
                               tact_feed_t out[3]);

/** Python's repr of a SparseTensorValue, "SparseTensorValue(indices=array([[0, 0],\n       [1,
 * 2]]), values=array([1., 2.], dtype=float32), dense_shape=array([3, 4]))", each field numpy's
 * repr of an array, into buf[0..len), NUL-terminated when len > 0. Returns the full length,
 * like snprintf. */
TACT_API size_t tact_sparse_format(const tact_tensor_t *indices, const tact_tensor_t *values,
                                   const tact_tensor_t *dense_shape, char *buf, size_t len);

/** ---------------------------------------------------------------------------------------- */
/** Partial runs (TensorFlow's partial_run_setup / partial_run)                                  */
/** ---------------------------------------------------------------------------------------- */

/** A partial run's handle (TensorFlow's partial_run_setup handle). */
typedef struct tact_partial_run tact_partial_run_t;

/** One step fed and fetched in pieces. Setup names every tensor the step will be fed
 * (`feeds`), every tensor it will hand back (`fetches`) and ops to run for their effects
 * (`targets`). Each tact_session_partial_run then feeds some of the declared feeds and
 * fetches some of the declared fetches: it runs what the fetches need, plus the targets that
 * the feeds given so far make computable. Values computed by one call are kept in the handle
 * and reused by later calls, so every op runs at most once per handle (an assign_add adds
 * once), one reached only through control inputs (an enqueue, a group) included. Once every fetch has been fetched and every target has run the handle is done and
 * further calls fail with "Must run 'setup' before performing partial runs!".
 *
 *     tact_output_t f[2] = { r1, r2 }, in[3] = { a, b, c };
 *     tact_partial_run_t *h = tact_session_partial_run_setup(s, f, 2, in, 3, NULL, 0, &st);
 *     tact_feed_t ab[2] = { { a, a_val }, { b, b_val } }, cf = { c, c_val };
 *     tact_session_partial_run(s, h, &r1, 1, &r1_val, ab, 2, &st);   // a + b
 *     tact_session_partial_run(s, h, &r2, 1, &r2_val, &cf, 1, &st);  // (a + b) * c
 *     tact_partial_run_destroy(&h);
 *
 * Setup: caller owns the result (destroy it with tact_partial_run_destroy, before or after the
 * session). NULL on failure: INVALID_ARGUMENT for an endpoint or target not of the session's
 * graph or out of range, or no fetch and no target; CANCELLED when the session is closed.
 * Thread-safe as tact_session_run is. */
TACT_API tact_partial_run_t *tact_session_partial_run_setup(tact_session_t *s,
        const tact_output_t *fetches, int n_fetches, const tact_output_t *feeds, int n_feeds,
        tact_op_t *const *targets, int n_targets, tact_status_t *st);

/** Feed feeds[0..n_feeds) and fetch fetches[0..n_fetches) of the step `h` set up on `s`. On
 * success each results[i] is a new tensor the caller owns; on failure every results[i] is NULL
 * and the handle is as before the call (its feeds are not taken). Errors, INVALID_ARGUMENT as
 * TensorFlow's: "The feed a:0 was not specified in partial_run_setup.", "The feed a:0 has
 * already been fed.", "The fetch r:0 was not specified in partial_run_setup.", "The fetch r:0
 * has already been fetched.", "Fetch c:0 can't be computed from the feeds that have been fed so
 * far." (naming the declared feed still missing), "Must run 'setup' before performing partial
 * runs!" (NULL or finished handle), a handle of another session; CANCELLED "Session has been
 * closed." after close; and tact_session_run's errors. Threading: calls on one handle may come
 * from different threads one after the other, not at the same time: a call that finds another
 * in progress on the handle fails with FAILED_PRECONDITION and changes nothing. */
TACT_API tact_code_t tact_session_partial_run(tact_session_t *s, tact_partial_run_t *h,
        const tact_output_t *fetches, int n_fetches, tact_tensor_t **results,
        const tact_feed_t *feeds, int n_feeds, tact_status_t *st);

/** Destroy the handle and the values it keeps. Accepts NULL or *h_p == NULL and sets *h_p to
 * NULL. A handle destroyed with fetches or targets still outstanding cancels them (TensorFlow's
 * "PRun cancellation") and logs a warning naming how many; a call in progress on another thread
 * is cancelled (it returns CANCELLED) and waited for. Never fails. */
TACT_API void tact_partial_run_destroy(tact_partial_run_t **h_p);

/** ---------------------------------------------------------------------------------------- */
/** Callables (TensorFlow's Session.make_callable)                                            */
/** ---------------------------------------------------------------------------------------- */

/** A run signature resolved once (TensorFlow's Session.make_callable / MakeCallable handle). */
typedef struct tact_callable tact_callable_t;

/** A handle that runs the same step again and again: fetch fetches[0..n_fetches) and run
 * targets[0..n_targets), fed the tensors of feeds[0..n_feeds) (the feed list) with the values
 * each call brings, in the feed list's order. The endpoints are checked, sorted and looked up
 * in the plan cache once, here, so that a call costs the values' checks and the step itself;
 * it gives the same results as tact_session_run with the same arguments. The arrays are
 * copied. Errors: tact_session_run's for the endpoints (INVALID_ARGUMENT naming the tensor or
 * op, "Must specify at least one target to fetch or execute.", an endpoint fed twice) and for
 * planning (an unfed placeholder the fetches need), CANCELLED "Session has been closed." on a
 * closed session. Caller owns the result; NULL on failure. Thread-safe.
 *
 *     tact_output_t in[2] = { a, b };
 *     tact_callable_t *mul = tact_session_make_callable(s, &c, 1, in, 2, NULL, 0, &st);
 *     const tact_tensor_t *v[2] = { five, six };
 *     tact_tensor_t *c_val = NULL;
 *     tact_callable_run(mul, v, 2, &c_val, NULL, &st);            // 30
 *     tact_callable_destroy(&mul);
 */
TACT_API tact_callable_t *tact_session_make_callable(tact_session_t *s,
                                                     const tact_output_t *fetches, int n_fetches,
                                                     const tact_output_t *feeds, int n_feeds,
                                                     tact_op_t *const *targets, int n_targets,
                                                     tact_status_t *st);

/** Run the callable's step with feed_values[i] fed to feed i of its feed list (borrowed; the
 * caller's order, not sorted). On success results[i] is a new tensor owned by the caller for
 * each fetch; on failure every results[i] is NULL. `options` (may be NULL) as in
 * tact_session_run_ex: the timeout (DEADLINE_EXCEEDED "Timed out waiting for notification"),
 * a cancellation handle, metadata and tracing. Errors, as TensorFlow's RunCallable:
 * INVALID_ARGUMENT "Expected 2 feed tensors, but got 1" for a wrong count, "Type mismatch:
 * actual int32 vs. expect float" (and the fed op's node) for a wrong dtype; a value of the
 * wrong shape or NULL as tact_session_run reports it; CANCELLED "Session has been closed."
 * once the session is closed (also for calls in flight, as runs); and the step's own errors.
 * Safe to call from many threads at once, on one callable or several. REQUIRES: its session
 * is not destroyed. */
TACT_API tact_code_t tact_callable_run(tact_callable_t *c,
                                       const tact_tensor_t *const *feed_values, int n_feed_values,
                                       tact_tensor_t **results, const tact_run_options_t *options,
                                       tact_status_t *st);

/** Free the handle. Accepts NULL and *c_p == NULL; sets *c_p to NULL. May come before or after
 * its session's close or destroy. Never fails. REQUIRES: no call on it is in flight. */
TACT_API void tact_callable_destroy(tact_callable_t **c_p);

TACT_END_DECLS

#endif
