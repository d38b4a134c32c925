/* SPDX-License-Identifier: MIT */
/* `gpu_options.visible_device_list` (spec §3.7): which visible GPUs (what CUDA reports under
 * CUDA_VISIBLE_DEVICES, numbered 0..n-1) become tact's GPUs, in which order. TensorFlow id i
 * ("CUDA:i" in tact) is visible id ids[i]. Pure functions of their arguments, no CUDA. */
#ifndef TACT_DEVICES_VISIBLE_DEVICES_H
#define TACT_DEVICES_VISIBLE_DEVICES_H

#include "runtime/base/prelude.h"

/* TensorFlow's ParseVisibleDeviceList. `list` NULL or "" is the identity 0..n_visible-1.
 * Otherwise `list` is split at every ',' (empty entries kept) and each entry must be a
 * decimal int32, optionally with one leading '-' and with white space on either side (as
 * TensorFlow's safe_strto32 takes it; no '+', no hex). Checked entry by entry, then for
 * repeats; the first failure is INVALID_ARGUMENT with one of
 *   "Could not parse entry in 'visible_device_list': '<entry>'. visible_device_list = <list>"
 *   "'visible_device_list' listed an invalid GPU id '<k>' but visible device count is <n>"
 *   "visible_device_list contained a duplicate entry: <list>"
 * On success writes ids[0..*n_ids) and returns OK; on failure *n_ids is 0. Returns at once
 * when `st` already holds an error. REQUIRES: n_visible >= 0; ids has room for n_visible ints
 * (may be NULL when n_visible is 0); n_ids not NULL. */
tact_code_t tact__visible_devices_parse(const char *list, int n_visible, int *ids, int *n_ids,
                                        tact_status_t *st);

/* The GPUs a session creates, as TensorFlow's GPU device factory picks them: none when
 * n_visible is 0 or max_gpus (device_count["GPU"]) is 0, and the list is then not even
 * parsed; otherwise the parsed list cut to its first max_gpus entries. max_gpus < 0 means
 * device_count has no "GPU" entry (no cap). Same errors, REQUIRES and outputs as
 * tact__visible_devices_parse, with *n_gpus the number of GPUs. */
tact_code_t tact__visible_devices_select(const char *list, int n_visible, int max_gpus, int *ids,
                                         int *n_gpus, tact_status_t *st);

#endif
