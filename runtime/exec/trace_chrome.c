/* SPDX-License-Identifier: MIT */
/* tact_trace_write_chrome: a run's step stats as Chrome's trace event JSON (what
 * chrome://tracing and Perfetto open, and what TensorFlow's timeline.Timeline writes): a
 * process row per device, a thread row per thread that ran part of the step, a complete ("X")
 * event per entry and a flow arrow ("s" -> "f") from each value's producer to the copy or
 * hand-off that brings it to another device. Reads only the public metadata. */
#include "runtime/base/prelude.h"

#include <tact/inspect.h>

/* `text` as a JSON string, quotes included. */
static void chrome_string(FILE *f, const char *text)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *) (text ? text : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* A time in microseconds with its nanoseconds: Chrome's "ts" and "dur" take fractions. */
static void chrome_us(FILE *f, int64_t ns)
{
    fprintf(f, "%" PRId64 ".%03d", ns / 1000, (int) (ns % 1000));
}

static void chrome_output(FILE *f, const tact_output_stats_t *o)
{
    if (o->ndims < 0) {
        fputs("\"(no value)\"", f);
        return;
    }
    fprintf(f, "\"%s[", tact_dtype_name(o->dtype));
    for (int d = 0; d < o->ndims && d < TACT_MAX_DIMS; d++)
        fprintf(f, "%s%" PRId64, d ? "," : "", o->dims[d]);
    fprintf(f, "] %" PRId64 " bytes\"", o->bytes);
}

/* One "X" event; pid is the device's index + 1 (0 is not a valid pid for every viewer). */
static void chrome_complete(FILE *f, int pid, const tact_node_stats_t *e)
{
    fputs(",\n{\"ph\":\"X\",\"cat\":\"Op\",\"name\":", f);
    chrome_string(f, e->op_type);
    fprintf(f, ",\"pid\":%d,\"tid\":%" PRId64 ",\"ts\":", pid, e->thread_id);
    chrome_us(f, e->start_ns);
    fputs(",\"dur\":", f);
    chrome_us(f, e->end_ns - e->start_ns);
    fputs(",\"args\":{\"name\":", f);
    chrome_string(f, e->node_name);
    fputs(",\"op\":", f);
    chrome_string(f, e->op_type);
    for (int k = 0; k < e->n_outputs; k++) {
        fprintf(f, ",\"output%d\":", k);
        chrome_output(f, &e->outputs[k]);
    }
    fputs("}}", f);
}

/* Whether entry i of device d is the first on its thread there: thread rows are named once. */
static bool chrome_first_on_thread(const tact_device_step_stats_t *d, int i)
{
    for (int j = 0; j < i; j++)
        if (d->nodes[j].thread_id == d->nodes[i].thread_id)
            return false;
    return true;
}

tact_code_t tact_trace_write_chrome(const tact_run_metadata_t *md, const char *path,
                                    tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    if (md == NULL || path == NULL)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "tact_trace_write_chrome: metadata and path must not be NULL");
    if (md->step_stats.n_devices == 0)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "tact_trace_write_chrome: the metadata holds no step stats (run with "
                          "trace_level FULL_TRACE and metadata set)");
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return tact__fail(st, tact__code_from_errno(errno), "%s: %s", path, strerror(errno));

    fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"
          "{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":0,\"args\":{\"sort_index\":0}}",
          f);
    int flow = 0;
    for (int di = 0; di < md->step_stats.n_devices; di++) {
        const tact_device_step_stats_t *d = &md->step_stats.devices[di];
        int pid = di + 1;
        fprintf(f, ",\n{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"args\":{\"name\":",
                pid);
        chrome_string(f, d->device);
        fprintf(f, "}},\n{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":%d,"
                   "\"args\":{\"sort_index\":%d}}", pid, pid);
        for (int i = 0; i < d->n_nodes; i++) {
            const tact_node_stats_t *e = &d->nodes[i];
            if (chrome_first_on_thread(d, i)) {
                fprintf(f, ",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%" PRId64
                           ",\"args\":{\"name\":", pid, e->thread_id);
                chrome_string(f, e->thread_name);
                fputs("}}", f);
            }
            chrome_complete(f, pid, e);
            /* An arrow from the producer's end to this copy or hand-off's start. */
            if (e->kind != TACT_NODE_STATS_RECV || e->peer_device < 0 || e->peer_node < 0 ||
                e->peer_device >= md->step_stats.n_devices ||
                e->peer_node >= md->step_stats.devices[e->peer_device].n_nodes)
                continue;
            const tact_node_stats_t *from = &md->step_stats.devices[e->peer_device]
                                                  .nodes[e->peer_node];
            fputs(",\n{\"ph\":\"s\",\"cat\":\"DataFlow\",\"name\":", f);
            chrome_string(f, e->node_name);
            fprintf(f, ",\"id\":%d,\"pid\":%d,\"tid\":%" PRId64 ",\"ts\":", flow,
                    e->peer_device + 1, from->thread_id);
            chrome_us(f, from->start_ns);  /* inside the producer's slice: the arrow binds */
            fputs("},\n{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"DataFlow\",\"name\":", f);
            chrome_string(f, e->node_name);
            fprintf(f, ",\"id\":%d,\"pid\":%d,\"tid\":%" PRId64 ",\"ts\":", flow, pid,
                    e->thread_id);
            chrome_us(f, e->start_ns);
            fputs("}", f);
            flow++;
        }
    }
    fputs("\n]}\n", f);
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed)
        return tact__fail(st, TACT_CODE_UNKNOWN, "%s: could not write the file", path);
    return TACT_CODE_OK;
}
