/* SPDX-License-Identifier: MIT */
/* TensorFlow's op types against tact's op kinds, for GraphDef import and export: the inputs a
 * NodeDef of the type has, and which of them tact keeps as attributes (TensorFlow's Const
 * inputs for axes, shapes and permutations). */
#ifndef TACT_RUNTIME_MODEL_TF_OPS_H
#define TACT_RUNTIME_MODEL_TF_OPS_H

#include "runtime/ops/opdefs.h"

typedef struct tact_tf_op {
    const char *type;           /* TensorFlow's op type */
    tact_op_kind_t kind;
    int n_inputs;               /* TensorFlow's data inputs; -1: a queue and its components */
    int n_folded;               /* the last n_folded of them are Consts held as attributes */
    const char *folded[2];      /* their names below the op, as Python names the Consts */
    const char *type_attr;      /* the attr holding the data inputs' dtype ("T"), or NULL */
} tact_tf_op_t;

/* The entry for a TensorFlow op type, or NULL when tact does not import it. Aliases (AddV2,
 * BiasAdd) map onto the kind whose semantics they share. */
const tact_tf_op_t *tact__tf_op_find(const char *type);

/* The entry export writes for a kind, or NULL for a kind with no TensorFlow form yet. */
const tact_tf_op_t *tact__tf_op_of_kind(tact_op_kind_t kind);

#endif
