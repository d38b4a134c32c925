/* SPDX-License-Identifier: MIT */
/* How kernels walk a tensor, worked out once for every device: size-1 axes dropped and axes
 * that move together merged, so that the CPU's loops and the GPU's kernels see the fewest
 * axes, and see the same ones. */
#ifndef TACT_DEVICES_LAYOUT_H
#define TACT_DEVICES_LAYOUT_H

#include "runtime/graph/graph_impl.h"

/* The groups of transposing `x` by `attrs` (n_perm -1: reverse, else perm): writes gdim[g],
 * the size of output group g (in output order), and gstride[g], its stride in the input, in
 * elements, and returns the number of groups. 0 or 1 group: the output is a plain copy. With
 * two groups the input is [gdim[1], gdim[0]] and the output its 2-D transpose.
 * REQUIRES: attrs' permutation valid for x (checked when the op was built and inferred). */
int tact__transpose_groups(const tact_tensor_t *x, const tact_op_attrs_t *attrs,
                           int64_t gdim[TACT_MAX_DIMS], int64_t gstride[TACT_MAX_DIMS]);

/* The axes of out = a op b under numpy broadcasting, size-1 axes dropped and neighbours that
 * broadcast alike merged: dims[i] for the n runs returned (outermost first) and each input's
 * stride in elements, 0 where that input repeats. REQUIRES: shapes that broadcast to out's. */
int tact__broadcast_groups(const tact_tensor_t *a, const tact_tensor_t *b,
                           const tact_tensor_t *out, int64_t dims[TACT_MAX_DIMS],
                           int64_t stride_a[TACT_MAX_DIMS], int64_t stride_b[TACT_MAX_DIMS]);

/* The axes of reducing `x` over attrs' axes (n_axes -1: every axis), merged into runs that
 * are all reduced or all kept, size-1 axes dropped: dims[i] and reduced[i] for the n runs
 * returned, outermost first. REQUIRES: valid axes (checked when the op was built). */
int tact__reduce_groups(const tact_tensor_t *x, const tact_op_attrs_t *attrs,
                        int64_t dims[TACT_MAX_DIMS], bool reduced[TACT_MAX_DIMS]);

#endif
