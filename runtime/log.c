/* SPDX-License-Identifier: MIT */
/* Logging: a level threshold and one sink (stderr, or the program's callback). The sink is
 * swapped under a lock and called outside it, after copying, so a callback may log itself. */
#include "runtime/log.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static tact_log_fn log_fn;
static void *log_user;
static _Atomic int log_threshold = TACT_LOG_INFO;

const char *tact_log_level_name(tact_log_level_t level)
{
    switch (level) {
#define XX(name, num, letter) \
    case TACT_LOG_##name:     \
        return #name;
        TACT_LOG_LEVEL_MAP(XX)
#undef XX
    default:
        return "?";
    }
}

void tact_log_set_callback(tact_log_fn fn, void *user)
{
    pthread_mutex_lock(&log_lock);
    log_fn = fn;
    log_user = user;
    pthread_mutex_unlock(&log_lock);
}

void tact_log_set_level(tact_log_level_t level)
{
    atomic_store(&log_threshold, (int) level);
}

tact_log_level_t tact_log_level(void)
{
    return (tact_log_level_t) atomic_load(&log_threshold);
}

void tact__log(tact_log_level_t level, const char *fmt, ...)
{
    if ((int) level < atomic_load(&log_threshold))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_lock);
    tact_log_fn fn = log_fn;
    void *user = log_user;
    pthread_mutex_unlock(&log_lock);
    if (fn != NULL) {
        fn(level, msg, user);
        return;
    }
    /* glog-like prefix, as TensorFlow's C++ logs: "W tact] message". */
    static const char *const letters[TACT_LOG_LEVEL_COUNT] = {
#define XX(name, num, letter) [TACT_LOG_##name] = letter,
        TACT_LOG_LEVEL_MAP(XX)
#undef XX
    };
    fprintf(stderr, "%s tact] %s\n",
            (unsigned) level < (unsigned) TACT_LOG_LEVEL_COUNT ? letters[level] : "?", msg);
}
