/* SPDX-License-Identifier: MIT */
/* Open-addressing (linear probing) string-keyed hash map used for op names. It only grows:
 * graphs never remove ops. Not for anything thread-shared without the owner's lock. */
#include "runtime/base/strmap.h"

struct tact_strmap_slot {
    char *key;      /* owned; NULL = empty */
    uint64_t hash;
    void *value;
};

static uint64_t strmap_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;  /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char) *s) * 1099511628211ull;
    return h;
}

static struct tact_strmap_slot *strmap_find(const tact_strmap_t *m, const char *key, uint64_t h)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct tact_strmap_slot *slot = &m->slots[i];
        if (slot->key == NULL || (slot->hash == h && strcmp(slot->key, key) == 0))
            return slot;
    }
}

static void strmap_grow(tact_strmap_t *m)
{
    tact_strmap_t bigger = { .cap = m->cap ? m->cap * 2 : 16, .len = m->len };
    bigger.slots = tact__malloc(bigger.cap * sizeof *bigger.slots);
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key != NULL)
            *strmap_find(&bigger, m->slots[i].key, m->slots[i].hash) = m->slots[i];
    }
    free(m->slots);
    *m = bigger;
}

void tact__strmap_fini(tact_strmap_t *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    *m = (tact_strmap_t) { 0 };
}

void *tact__strmap_get(const tact_strmap_t *m, const char *key)
{
    struct tact_strmap_slot *slot = strmap_find(m, key, strmap_hash(key));
    return slot && slot->key ? slot->value : NULL;
}

bool tact__strmap_contains(const tact_strmap_t *m, const char *key)
{
    struct tact_strmap_slot *slot = strmap_find(m, key, strmap_hash(key));
    return slot && slot->key;
}

void tact__strmap_put(tact_strmap_t *m, const char *key, void *value)
{
    if ((m->len + 1) * 4 > m->cap * 3)  /* keep the load under 3/4 */
        strmap_grow(m);
    uint64_t h = strmap_hash(key);
    struct tact_strmap_slot *slot = strmap_find(m, key, h);
    if (slot->key == NULL) {
        slot->key = tact__strdup(key);
        slot->hash = h;
        m->len++;
    }
    slot->value = value;
}
