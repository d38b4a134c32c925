/* SPDX-License-Identifier: MIT */
/* The machine's cores (hwloc, loaded once per process and kept for binding) and their split
 * among a session's CPU devices. Not for threads or pools: device_actor.c and session.c. */
#include "devices/cpu/topology.h"

#include <unistd.h>

/* Contiguous, as-even-as-possible split of cores [first, first + n) among devices out[0..k). */
static void split_even(int first, int n, int k, tact_core_range_t *out)
{
    for (int i = 0; i < k; i++) {
        int lo = (int) ((int64_t) i * n / k), hi = (int) ((int64_t) (i + 1) * n / k);
        out[i] = (tact_core_range_t) { first + lo, hi - lo };
    }
}

void tact__topology_split(int n_cores, const int *group_sizes, int n_groups, int n_devices,
                          tact_core_range_t *out)
{
    TACT_ASSERT(n_cores >= 1 && n_devices >= 1);
    if (n_cores < n_devices) {  /* shared: every device may use every core */
        for (int i = 0; i < n_devices; i++)
            out[i] = (tact_core_range_t) { 0, n_cores };
        return;
    }
    if (group_sizes == NULL || n_groups <= 1) {
        split_even(0, n_cores, n_devices, out);
        return;
    }
    int *start = tact__malloc((size_t) (n_groups + 1) * sizeof *start);
    start[0] = 0;
    for (int g = 0; g < n_groups; g++)
        start[g + 1] = start[g] + group_sizes[g];
    TACT_ASSERT(start[n_groups] == n_cores);
    if (n_devices < n_groups) {  /* whole groups: device i takes groups [i*G/N, (i+1)*G/N) */
        for (int i = 0; i < n_devices; i++) {
            int lo = (int) ((int64_t) i * n_groups / n_devices);
            int hi = (int) ((int64_t) (i + 1) * n_groups / n_devices);
            out[i] = (tact_core_range_t) { start[lo], start[hi] - start[lo] };
        }
    } else {  /* D'Hondt: each device goes to the group with most cores per device so far */
        int *per = tact__malloc((size_t) n_groups * sizeof *per);
        memset(per, 0, (size_t) n_groups * sizeof *per);
        for (int i = 0; i < n_devices; i++) {
            int best = -1;
            for (int g = 0; g < n_groups; g++)
                if (per[g] < group_sizes[g] &&
                    (best < 0 || (int64_t) group_sizes[g] * (per[best] + 1) >
                                     (int64_t) group_sizes[best] * (per[g] + 1)))
                    best = g;
            per[best]++;
        }
        for (int g = 0, i = 0; g < n_groups; i += per[g], g++)
            split_even(start[g], group_sizes[g], per[g], out + i);
        free(per);
    }
    free(start);
}

/* ---- the process's topology ---- */

static pthread_once_t topo_once = PTHREAD_ONCE_INIT;
static hwloc_topology_t topo;     /* NULL without hwloc; kept for the life of the process */
static int topo_cores = 1;
static int topo_n_groups;
static int *topo_group_sizes;     /* runs of cores sharing a package and NUMA node */
static int *topo_numa;            /* by core: its NUMA node's logical index, -1 unknown */

static int obj_index_covering(hwloc_obj_type_t type, hwloc_const_bitmap_t set)
{
    hwloc_obj_t o = NULL;
    while ((o = hwloc_get_next_obj_by_type(topo, type, o)) != NULL)
        if (hwloc_bitmap_intersects(o->cpuset, set))
            return (int) o->logical_index;
    return -1;
}

static hwloc_obj_type_t core_type(void)
{
    return hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE) > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
}

static void topo_load(void)
{
    /* Without hwloc's view (containers without /sys), the online CPUs are the cores. */
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    topo_cores = online > 0 ? (int) online : 1;
    /* hwloc complains on stderr when /sys is missing; tact falls back quietly instead. */
    if (access("/sys/devices/system/cpu", F_OK) != 0)
        return;
    hwloc_topology_t t;
    if (hwloc_topology_init(&t) != 0)
        return;
    if (hwloc_topology_load(t) != 0) {
        hwloc_topology_destroy(t);
        return;
    }
    topo = t;
    hwloc_obj_type_t type = core_type();
    int n = hwloc_get_nbobjs_by_type(topo, type);
    if (n <= 0) {
        hwloc_topology_destroy(topo);
        topo = NULL;
        return;
    }
    topo_cores = n;
    topo_numa = tact__malloc((size_t) n * sizeof *topo_numa);
    topo_group_sizes = tact__malloc((size_t) n * sizeof *topo_group_sizes);
    memset(topo_group_sizes, 0, (size_t) n * sizeof *topo_group_sizes);
    int last_pkg = -2, last_numa = -2;
    for (int i = 0; i < n; i++) {
        hwloc_const_bitmap_t set = hwloc_get_obj_by_type(topo, type, (unsigned) i)->cpuset;
        int pkg = obj_index_covering(HWLOC_OBJ_PACKAGE, set);
        topo_numa[i] = obj_index_covering(HWLOC_OBJ_NUMANODE, set);
        if (pkg != last_pkg || topo_numa[i] != last_numa)
            topo_n_groups++;
        topo_group_sizes[topo_n_groups - 1]++;
        last_pkg = pkg;
        last_numa = topo_numa[i];
    }
}

int tact__topology_cores(void)
{
    pthread_once(&topo_once, topo_load);
    return topo_cores;
}

tact_core_range_t tact__topology_device_cores(int ordinal, int n_devices)
{
    int n_cores = tact__topology_cores();
    TACT_ASSERT(ordinal >= 0 && ordinal < n_devices);
    tact_core_range_t *all = tact__malloc((size_t) n_devices * sizeof *all);
    tact__topology_split(n_cores, topo_group_sizes, topo_n_groups, n_devices, all);
    tact_core_range_t r = all[ordinal];
    free(all);
    return r;
}

void tact__topology_describe(tact_core_range_t r, char *buf, size_t size)
{
    int n_cores = tact__topology_cores();
    int n = snprintf(buf, size, "cores %d-%d of %d", r.first, r.first + r.count - 1, n_cores);
    if (topo_numa == NULL || n < 0 || (size_t) n >= size)
        return;
    int lo = topo_numa[r.first], hi = topo_numa[r.first + r.count - 1];
    if (lo < 0)
        return;
    if (lo == hi)
        snprintf(buf + n, size - (size_t) n, ", NUMA node %d", lo);
    else
        snprintf(buf + n, size - (size_t) n, ", NUMA nodes %d-%d", lo, hi);
}

hwloc_bitmap_t tact__topology_cpuset(tact_core_range_t r)
{
    tact__topology_cores();
    if (topo == NULL)
        return NULL;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    TACT_ASSERT(set != NULL);
    hwloc_obj_type_t type = core_type();
    for (int i = r.first; i < r.first + r.count; i++)
        hwloc_bitmap_or(set, set, hwloc_get_obj_by_type(topo, type, (unsigned) i)->cpuset);
    return set;
}

int tact__topology_bind_thread(hwloc_const_bitmap_t set)
{
    tact__topology_cores();
    if (topo == NULL || set == NULL)
        return ENOSYS;
    return hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_THREAD) == 0 ? 0 : errno;
}
