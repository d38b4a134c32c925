/* SPDX-License-Identifier: MIT */
/* How a Transpose moves elements, worked out once for every device's kernel: size-1 axes are
 * dropped and output axes that are consecutive input axes move together, leaving a few groups.
 * The CPU and the GPU then run the same loop nest (or a 2-D transpose for two groups). */
#ifndef TACT_DEVICES_TRANSPOSE_PLAN_H
#define TACT_DEVICES_TRANSPOSE_PLAN_H

#include "runtime/graph_impl.h"

/* The groups of transposing `x` by `attrs` (n_perm -1: reverse, else perm): writes gdim[g],
 * the size of output group g (in output order), and gstride[g], its stride in the input, in
 * elements, and returns the number of groups. 0 or 1 group: the output is a plain copy. With
 * two groups the input is [gdim[1], gdim[0]] and the output its 2-D transpose.
 * REQUIRES: attrs' permutation valid for x (checked when the op was built and inferred). */
int tact__transpose_groups(const tact_tensor_t *x, const tact_op_attrs_t *attrs,
                           int64_t gdim[TACT_MAX_DIMS], int64_t gstride[TACT_MAX_DIMS]);

#endif
