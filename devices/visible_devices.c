/* SPDX-License-Identifier: MIT */
/* visible_device_list parsing, after TensorFlow 1.x's ParseVisibleDeviceList (gpu_device.cc)
 * and the GPU count rule of BaseGPUDeviceFactory::CreateDevices. TensorFlow also drops GPUs
 * below its compute-capability and multiprocessor thresholds; tact does not (spec §3.7 lets it
 * skip that filter). */
#include "devices/visible_devices.h"

/* isspace() in the "C" locale, whatever the process's locale is. */
static bool visible_is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool visible_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* TensorFlow's strings::safe_strto32 over s[0..n): white space, an optional '-', at least one
 * decimal digit, white space, nothing else, within int32. */
static bool visible_parse_int32(const char *s, size_t n, int32_t *out)
{
    const char *end = s + n;
    while (s < end && visible_is_space(*s))
        s++;
    bool negative = false;
    if (s < end && *s == '-') {
        negative = true;
        s++;
    }
    if (s >= end || !visible_is_digit(*s))
        return false;
    int64_t max = negative ? (int64_t) INT32_MAX + 1 : INT32_MAX;
    int64_t value = 0;
    while (s < end && visible_is_digit(*s)) {
        value = value * 10 + (*s - '0');
        if (value > max)
            return false;
        s++;
    }
    while (s < end && visible_is_space(*s))
        s++;
    if (s != end)
        return false;
    *out = (int32_t) (negative ? -value : value);
    return true;
}

tact_code_t tact__visible_devices_parse(const char *list, int n_visible, int *ids, int *n_ids,
                                        tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    TACT_ASSERT(n_visible >= 0 && n_ids != NULL);
    TACT_ASSERT(ids != NULL || n_visible == 0);
    *n_ids = 0;

    if (list == NULL || list[0] == '\0') {
        for (int i = 0; i < n_visible; i++)
            ids[i] = i;
        *n_ids = n_visible;
        return TACT_CODE_OK;
    }

    /* seen[k]: visible id k is listed. Entries past a repeat are still parsed and range
     * checked (those errors come first, as in TensorFlow) but not stored: ids has room for
     * n_visible distinct ids only. */
    bool *seen = tact__malloc((size_t) n_visible + 1);
    bool duplicate = false;
    int n = 0;
    tact_code_t rc = TACT_CODE_OK;
    for (const char *entry = list;;) {
        const char *comma = strchr(entry, ',');
        size_t len = comma ? (size_t) (comma - entry) : strlen(entry);
        int32_t k;
        if (!visible_parse_int32(entry, len, &k)) {
            rc = tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                            "Could not parse entry in 'visible_device_list': '%.*s'. "
                            "visible_device_list = %s",
                            (int) len, entry, list);
            break;
        }
        if (k < 0 || k >= n_visible) {
            rc = tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                            "'visible_device_list' listed an invalid GPU id '%" PRId32
                            "' but visible device count is %d",
                            k, n_visible);
            break;
        }
        if (seen[k])
            duplicate = true;
        else if (!duplicate)
            ids[n++] = k;
        seen[k] = true;
        if (comma == NULL)
            break;
        entry = comma + 1;
    }
    free(seen);
    if (rc == TACT_CODE_OK && duplicate)
        rc = tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                        "visible_device_list contained a duplicate entry: %s", list);
    if (rc == TACT_CODE_OK)
        *n_ids = n;
    return rc;
}

tact_code_t tact__visible_devices_select(const char *list, int n_visible, int max_gpus, int *ids,
                                         int *n_gpus, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    TACT_ASSERT(n_visible >= 0 && n_gpus != NULL);
    *n_gpus = 0;
    /* TensorFlow returns before parsing when no GPU is visible, and does not parse the list
     * when device_count["GPU"] is 0 ("If we aren't going to use any GPUs, don't initialize
     * them"): a bad list is then no error. */
    if (n_visible == 0 || max_gpus == 0)
        return TACT_CODE_OK;
    int n = 0;
    tact_code_t rc = tact__visible_devices_parse(list, n_visible, ids, &n, st);
    if (rc != TACT_CODE_OK)
        return rc;
    *n_gpus = max_gpus > 0 && max_gpus < n ? max_gpus : n;
    return TACT_CODE_OK;
}
