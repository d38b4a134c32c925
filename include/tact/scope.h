/* SPDX-License-Identifier: MIT */
/* Optional scope-bound cleanup for GCC and Clang. Sugar only: everything here has a plain
 * equivalent in the other headers. */
#ifndef TACT_SCOPE_H
#define TACT_SCOPE_H

#include <tact/tact.h>

#if !defined(__GNUC__)
#  error "tact/scope.h needs __attribute__((cleanup)); use the explicit calls"
#endif

/* A handle destroyed when its variable leaves scope: tact_auto(graph) g = tact_graph_new(); */
#define tact_auto(kind) __attribute__((cleanup(tact_##kind##_destroy))) tact_##kind##_t *

/* Move a handle out of an auto variable; the cleanup then sees NULL. */
#define tact_take(p) \
    __extension__({ __typeof__(p) tact__taken = (p); (p) = NULL; tact__taken; })

#endif
