/* SPDX-License-Identifier: MIT */
/* The placer: explicit requests (with soft placement's relaxation), then the default device
 * for everything else, then generators beside their consumers. Not for cutting fragments or
 * copies: plan.c does those from the placement. */
#include "runtime/sched.h"
#include "runtime/device_spec.h"

char *tact__sched_device_name(const tact_device_t *dev, char *buf, size_t len)
{
    snprintf(buf, len, "/job:localhost/replica:0/task:0/device:%s:%d", dev->iface->kind,
             dev->ordinal);
    return buf;
}

static bool sched_generator(const tact_op_t *op)
{
    return op->n_inputs == 0 && op->n_controls == 0 && op->n_outputs == 1 &&
           op->kind != TACT_OP_VARIABLE && op->kind != TACT_OP_QUEUE &&
           !tact__op_kind_is_reader(op->kind);
}

/* The first device meeting `spec` (NULL: any) that supports `op`, or -1. */
static int sched_first(const tact_device_spec_t *spec, const tact_op_t *op, tact_device_t *devs,
                       int n_devs)
{
    for (int d = 0; d < n_devs; d++) {
        if ((spec == NULL || tact__device_spec_matches(spec, devs[d].iface->kind,
                                                       devs[d].ordinal)) &&
            devs[d].iface->supports(&devs[d], op))
            return d;
    }
    return -1;
}

static tact_code_t sched_unplaceable(const tact_op_t *op, tact_device_t *devs, int n_devs,
                                     bool any_kernel, tact_status_t *st)
{
    char list[160] = "", name[96];
    size_t used = 0;
    for (int d = 0; d < n_devs && used < sizeof list; d++)
        used += (size_t) snprintf(list + used, sizeof list - used, "%s%s", d ? ", " : "",
                                  tact__sched_device_name(&devs[d], name, sizeof name));
    if (any_kernel)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "Cannot assign a device for operation %s: Operation was explicitly "
                          "assigned to %s but available devices are [ %s ]. Make sure the device "
                          "specification refers to a valid device.", op->name, op->device, list);
    return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                      "Cannot assign a device for operation %s: Could not satisfy explicit device "
                      "specification '%s' because no supported kernel for it is available.",
                      op->name, op->device);
}

tact_code_t tact__sched_place(const tact_op_t *const *ops, int n, tact_device_t *devs,
                              int n_devs, bool allow_soft_placement, int *out,
                              tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    TACT_ASSERT(n_devs > 0);
    /* 1 and 2: requests, then the default choice. */
    for (int i = 0; i < n; i++) {
        const tact_op_t *op = ops[i];
        out[i] = -1;
        if (op->device != NULL && op->device[0] != '\0') {
            tact_device_spec_t spec;
            tact_status_t ps = TACT_STATUS_INIT;
            if (tact__device_spec_parse(op->device, &spec, &ps) != TACT_CODE_OK)
                return tact__status_merge(st, &ps);
            if (!tact__device_spec_is_local(&spec))
                return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                                  "Cannot assign a device for operation %s: %s names no device "
                                  "of this process (/job:localhost/replica:0/task:0)",
                                  op->name, op->device);
            out[i] = sched_first(&spec, op, devs, n_devs);
            if (out[i] < 0 && !allow_soft_placement)
                return sched_unplaceable(op, devs, n_devs, sched_first(NULL, op, devs, n_devs) >= 0,
                                         st);
        }
        if (out[i] < 0 && !(sched_generator(op) && (op->device == NULL || !op->device[0])))
            out[i] = sched_first(NULL, op, devs, n_devs);
        if (out[i] < 0 && !sched_generator(op))
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Cannot assign a device for operation %s: No OpKernel was "
                              "registered to support Op '%s' on any device of this session",
                              op->name, tact__op_kind_type(op->kind));
    }
    /* 3. Unconstrained generators go where all their consumers are, if that is one device. */
    for (int i = 0; i < n; i++) {
        if (out[i] >= 0)
            continue;
        int where = -2;
        for (int j = i + 1; j < n && where != -1; j++) {
            for (int k = 0; k < ops[j]->n_inputs; k++) {
                if (ops[j]->inputs[k].op == ops[i])
                    where = where == -2 || where == out[j] ? out[j] : -1;
            }
        }
        out[i] = where >= 0 && devs[where].iface->supports(&devs[where], ops[i])
                     ? where : sched_first(NULL, ops[i], devs, n_devs);
        if (out[i] < 0)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Cannot assign a device for operation %s: no device supports it",
                              ops[i]->name);
    }
    return TACT_CODE_OK;
}
