/* SPDX-License-Identifier: MIT */
/* Device specifications: TensorFlow's device strings ("/job:localhost/replica:0/task:0/device:
 * GPU:1", "/cpu:0", "/gpu", "") parsed into a value struct, printed in the canonical form Python
 * stores as op.device, merged as nested device scopes merge (spec §3.1, §3.2), and matched
 * against a device of this process. The parser, printer, merge and match are pure functions.
 * The levels of tact_graph_push_device live in device_spec.c too, on graph_scopes.c's stacks;
 * graph.c calls the hook at the end of this header. */
#ifndef TACT_RUNTIME_DEVICE_SPEC_H
#define TACT_RUNTIME_DEVICE_SPEC_H

#include "runtime/base/prelude.h"

/* A replica, task or index that the spec leaves open. "*" parses to this as well: TensorFlow
 * (Python's DeviceSpec and C++'s DeviceNameUtils alike) treats "any" and "not given" the same.
 * A job of "*" is kept as the name "*", as Python keeps it in op.device (the job part of the
 * canonical string is then "/job:*"): it is set, so it wins a merge, and it matches any job. */
#define TACT_DEVICE_UNSET (-1)

/* One parsed spec. A field is unset when its string is "" or its int is TACT_DEVICE_UNSET.
 * Names have no length limit: a set job or type is a heap string the spec owns, so a spec
 * from parse or merge ends with tact__device_spec_fini. The zero value is NOT the empty spec
 * (replica 0...): start from TACT_DEVICE_SPEC_INIT. */
typedef struct tact_device_spec {
    const char *job;                  /* [A-Za-z][A-Za-z0-9_]*, as written; "" when unset */
    int replica;                      /* >= 0 or TACT_DEVICE_UNSET */
    int task;                         /* >= 0 or TACT_DEVICE_UNSET */
    const char *type;                 /* upper case: "CPU", "GPU", "XLA_CPU"; "" when unset */
    int index;                        /* >= 0 or TACT_DEVICE_UNSET */
} tact_device_spec_t;

#define TACT_DEVICE_SPEC_INIT                                                              \
    {                                                                                      \
        .job = "", .replica = TACT_DEVICE_UNSET, .task = TACT_DEVICE_UNSET, .type = "",    \
        .index = TACT_DEVICE_UNSET                                                         \
    }

/* Parse `text` into *out. Accepted, components in any order, each at most once, the leading
 * '/' optional:
 *   ""  or "/"                          no constraint
 *   /job:<name>  /replica:<n>  /task:<n>  ("*" for any; "/job:*" is kept)
 *   /device:<TYPE>:<n>  /device:<TYPE>:*  /device:<TYPE>  /device:*:<n>
 *   /cpu:<n>  /gpu:<n>  /tpu:<n>  /custom:<n>  /epu:<n>  /gpu  (legacy, for the types Python's
 *   DeviceSpec knows; any case; <n> may be "*")
 * Components with an empty name are skipped, as Python skips them ("//cpu:0", "/cpu:0/").
 * Type names are upper-cased. On failure returns INVALID_ARGUMENT, leaves *out as the empty
 * spec and fills `st` with a message naming the whole string: "Unknown attribute: 'foo' in
 * '/foo:0'", "Cannot specify multiple device types: /cpu:0/gpu:0", or "Malformed device
 * specification '<text>'" (bad numbers or names, empty or repeated components, junk).
 * REQUIRES: text and out are not NULL. */
tact_code_t tact__device_spec_parse(const char *text, tact_device_spec_t *out, tact_status_t *st);

/* Free the names of `s` and make it the empty spec. Accepts the empty spec. */
void tact__device_spec_fini(tact_device_spec_t *s);

/* The canonical string, as Python stores op.device: /job:J/replica:R/task:T/device:TYPE:N with
 * unset parts left out, "*" for an unset index after a type ("/device:GPU:*"), "/device:*:N"
 * for an index without a type (as C++ prints it), "" for the empty spec. Returns the full
 * length, like snprintf. */
size_t tact__device_spec_format(const tact_device_spec_t *s, char *buf, size_t len);
/* The same as a new string. Caller frees. */
char *tact__device_spec_string(const tact_device_spec_t *s);

/* Parse `text` and write its canonical string into buf. Same failures as parse. */
tact_code_t tact__device_spec_canonical(const char *text, char *buf, size_t len,
                                        tact_status_t *st);

/* True when no field is set. */
bool tact__device_spec_is_empty(const tact_device_spec_t *s);

/* Nested scopes (spec §3.2): every field `inner` sets is kept, and `outer` fills the fields
 * `inner` leaves unset; the result owns copies of its names (tact__device_spec_fini). Type and index are separate fields, as in TensorFlow, so an inner
 * "/device:CPU:*" under an outer "/gpu:1" gives "/device:CPU:1". */
tact_device_spec_t tact__device_spec_merge(const tact_device_spec_t *inner,
                                           const tact_device_spec_t *outer);

/* True when job, replica and task admit this process: job unset, "*" or "localhost", replica and
 * task unset or 0. A spec failing this names a device that no local session has. */
bool tact__device_spec_is_local(const tact_device_spec_t *s);

/* True when the device `kind`:`index` of this process (/job:localhost/replica:0/task:0) meets
 * every field `s` sets. Kinds are compared without regard to case, and a spec of type "GPU"
 * also matches the kind "CUDA": TensorFlow names CUDA devices GPU, the registry names them
 * CUDA. REQUIRES: kind is not NULL, index >= 0. */
bool tact__device_spec_matches(const tact_device_spec_t *s, const char *kind, int index);

/* ------------------------------------------------------------------------------------------ */
/* Hooks for graph.c                                                                          */
/* ------------------------------------------------------------------------------------------ */

/* The merged device of the calling thread's innermost device scope on `g`, as a new canonical
 * string (caller frees), or NULL when it leaves the op unconstrained. REQUIRES: g->lock held. */
char *tact__device_scope_current(tact_graph_t *g);

#endif
