/* SPDX-License-Identifier: MIT */
/* The placement example (scenarios S5/S6) as a picture: the graph with each op coloured by the
 * device its session placed it on, written as Graphviz DOT, then rendered to SVG with `dot`
 * when Graphviz is installed.
 *
 *     example_placement_dot [out.dot]      (default placement.dot; the SVG beside it)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tact/scope.h>
#include <tact/tact.h>

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "placement.dot";
    tact_status_t st = TACT_STATUS_INIT;
    const float values[] = { 1, 2, 3, 4, 5, 6 };
    tact_auto(graph) g = tact_graph_new();
    tact_output_t a, b;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        tact_auto(tensor) a23 = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, values,
                                                &st);
        tact_auto(tensor) b32 = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 3, 2 }, 2, values,
                                                &st);
        a = tact_constant(g, a23, "a", &st);
        b = tact_constant(g, b32, "b", &st);
    }
    tact_output_t c = tact_matmul(g, a, b, false, false, NULL, &st);
    tact_auto(session) s = tact_session_new(NULL, g, NULL, &st);
    tact_auto(tensor) v = NULL;
    tact_session_run(s, &c, 1, &v, NULL, 0, NULL, 0, &st);
    tact_graph_write_dot(g, s, path, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "%s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    printf("wrote %s (%d ops, placed by the session)\n", path, tact_graph_num_ops(g));
    if (system("command -v dot >/dev/null 2>&1") != 0) {
        printf("Graphviz is not installed: render it with  dot -Tsvg %s -o placement.svg\n", path);
        return 0;
    }
    size_t n = strlen(path) + 64;
    char *svg = malloc(n), *cmd = malloc(2 * n + 32);
    snprintf(svg, n, "%s.svg", path);
    snprintf(cmd, 2 * n + 32, "dot -Tsvg '%s' -o '%s'", path, svg);
    int rc = system(cmd);
    if (rc == 0)
        printf("rendered %s\n", svg);
    else
        fprintf(stderr, "dot failed (%d) on %s\n", rc, path);
    free(svg);
    free(cmd);
    return rc == 0 ? 0 : 1;
}
