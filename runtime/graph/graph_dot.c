/* SPDX-License-Identifier: MIT */
/* tact_graph_write_dot: a graph as Graphviz DOT, coloured by a session's placement. Reads the
 * graph under its lock (ops are appended, never changed) and the placement through the public
 * tact_session_op_device, so it never stops a run. */
#include "runtime/graph/graph_impl.h"

#include <tact/inspect.h>

/* Fill colours for devices, by their order of first appearance in the picture. */
static const char *const dot_palette[] = { "#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6",
                                           "#fb9a99", "#ffff99", "#8dd3c7", "#bebada" };
#define DOT_PALETTE_N ((int) (sizeof dot_palette / sizeof dot_palette[0]))

/* `text` as the inside of a DOT double-quoted string. */
static void dot_quoted(FILE *f, const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', f);
        if (*p == '\n')
            fputs("\\n", f);
        else
            fputc(*p, f);
    }
}

/* The device names seen so far, for their colours. */
typedef struct dot_devices {
    const char *names[DOT_PALETTE_N];
    int n;
} dot_devices_t;

static const char *dot_colour(dot_devices_t *d, const char *device)
{
    for (int i = 0; i < d->n; i++)
        if (strcmp(d->names[i], device) == 0)
            return dot_palette[i];
    if (d->n == DOT_PALETTE_N)
        return "#dddddd";  /* more devices than colours: the rest share grey */
    d->names[d->n] = device;
    return dot_palette[d->n++];
}

/* "/job:localhost/replica:0/task:0/device:GPU:0" -> "GPU:0" for labels. */
static const char *dot_short_device(const char *device)
{
    const char *p = strstr(device, "/device:");
    return p != NULL ? p + strlen("/device:") : device;
}

static void dot_node(FILE *f, const tact_op_t *op, const char *device, const char *colour)
{
    fprintf(f, "  op%d [label=\"", op->id);
    dot_quoted(f, op->name);
    fprintf(f, "\\n%s", tact__op_kind_type(op->kind));
    for (int i = 0; i < op->n_outputs; i++) {
        char shape[192];
        fprintf(f, "\\n%d: %s %s", i, tact_dtype_name(op->out_dtype[i]),
                tact__shape_str(&op->out_shape[i], shape, sizeof shape));
    }
    if (device != NULL) {
        fputs("\\n@ ", f);
        dot_quoted(f, dot_short_device(device));
    } else if (op->device != NULL && op->device[0] != '\0') {
        fputs("\\nrequests ", f);
        dot_quoted(f, op->device);
    }
    fprintf(f, "\", style=filled, fillcolor=\"%s\"];\n", colour);
}

tact_code_t tact_graph_write_dot(tact_graph_t *g, tact_session_t *s, const char *path,
                                 tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    g = tact__graph_or_default(g);
    if (path == NULL)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "tact_graph_write_dot: path is NULL");
    if (s != NULL && tact_session_graph(s) != g)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "tact_graph_write_dot: the session runs another graph");
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return tact__fail(st, tact__code_from_errno(errno), "%s: %s", path, strerror(errno));

    /* A snapshot of the ops: later appends are not drawn. */
    pthread_mutex_lock(&g->lock);
    int n = g->n_ops;
    tact_op_t **ops = tact__malloc((size_t) (n > 0 ? n : 1) * sizeof *ops);
    if (n > 0)  /* an empty graph has no ops array yet */
        memcpy(ops, g->ops, (size_t) n * sizeof *ops);
    pthread_mutex_unlock(&g->lock);

    const char **placed = tact__malloc((size_t) (n > 0 ? n : 1) * sizeof *placed);
    dot_devices_t devices = { .n = 0 };
    fputs("digraph tact {\n  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\", "
          "fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n", f);
    for (int i = 0; i < n; i++) {
        placed[i] = s != NULL ? tact_session_op_device(s, ops[i]) : NULL;
        dot_node(f, ops[i], placed[i], placed[i] != NULL ? dot_colour(&devices, placed[i])
                                                         : "white");
    }
    for (int i = 0; i < n; i++) {
        const tact_op_t *op = ops[i];
        for (int k = 0; k < op->n_inputs; k++) {
            const tact_op_t *src = op->inputs[k].op;
            const char *from = placed[src->id], *to = placed[op->id];
            bool crosses = from != NULL && to != NULL && strcmp(from, to) != 0;
            fprintf(f, "  op%d -> op%d [label=\"", src->id, op->id);
            dot_quoted(f, src->name);
            fprintf(f, ":%d%s\"%s];\n", op->inputs[k].index, crosses ? "\\n_Send/_Recv" : "",
                    crosses ? ", style=bold, color=\"#e31a1c\"" : "");
        }
        for (int k = 0; k < op->n_controls; k++)
            fprintf(f, "  op%d -> op%d [style=dashed];\n", op->controls[k]->id, op->id);
    }
    if (devices.n > 0) {
        fputs("  subgraph cluster_legend {\n    label=\"devices\";\n", f);
        for (int d = 0; d < devices.n; d++) {
            fprintf(f, "    legend%d [label=\"", d);
            dot_quoted(f, devices.names[d]);
            fprintf(f, "\", style=filled, fillcolor=\"%s\"];\n", dot_palette[d]);
        }
        fputs("  }\n", f);
    }
    fputs("}\n", f);
    free(placed);
    free(ops);
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed)
        return tact__fail(st, TACT_CODE_UNKNOWN, "%s: could not write the file", path);
    return TACT_CODE_OK;
}
