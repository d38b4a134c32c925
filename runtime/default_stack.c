/* SPDX-License-Identifier: MIT */
/* The default graph: one process-wide global graph, created on first use, under per-thread
 * stacks of tact_graph_push_default. tact deliberately differs from TensorFlow, which gives
 * every new thread a fresh default graph: a server's worker threads here all see the same
 * global graph (DESIGN.md, spec §7.1). */
#include "runtime/graph_impl.h"

#define DEFAULT_STACK_DEPTH 32

static _Thread_local tact_graph_t *graph_stack[DEFAULT_STACK_DEPTH];
static _Thread_local int graph_depth;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static tact_graph_t *global_graph;

static void default_stack_make_global(void)
{
    global_graph = tact_graph_new();  /* lives as long as the process */
}

tact_graph_t *tact_graph_get_default(void)
{
    if (graph_depth > 0)
        return graph_stack[graph_depth - 1];
    pthread_once(&global_once, default_stack_make_global);
    return global_graph;
}

tact_graph_t *tact__graph_or_default(tact_graph_t *g)
{
    if (g == NULL)
        return tact_graph_get_default();
    TACT_ASSERT(g->tag == TACT_TAG_GRAPH);
    return g;
}

void tact_graph_push_default(tact_graph_t *g)
{
    TACT_ASSERT(g != NULL && g->tag == TACT_TAG_GRAPH);
    TACT_ASSERT(graph_depth < DEFAULT_STACK_DEPTH);
    tact__graph_ref(g);
    graph_stack[graph_depth++] = g;
}

tact_code_t tact_graph_pop_default(tact_graph_t *g)
{
    if (graph_depth == 0 || graph_stack[graph_depth - 1] != g)
        return TACT_CODE_FAILED_PRECONDITION;  /* nesting violated */
    graph_stack[--graph_depth] = NULL;
    tact__graph_unref(g);
    return TACT_CODE_OK;
}
