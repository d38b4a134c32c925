/* SPDX-License-Identifier: MIT */
/* Logging: a level threshold and one sink (stderr, or the program's callback). The sink is
 * swapped under a lock and called outside it, after copying, so a callback may log itself. */
#include "runtime/base/log.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static tact_log_fn log_fn;
static void *log_user;
static _Atomic int log_threshold = TACT_LOG_INFO;
static pthread_once_t log_env_once = PTHREAD_ONCE_INIT;

/* A level from TACT_LOG_LEVEL: a name ("WARNING", any case) or its number. */
static bool log_parse_tact_level(const char *text, int *level)
{
    static const char *const names[TACT_LOG_LEVEL_COUNT] = {
#define XX(name, num, letter) [TACT_LOG_##name] = #name,
        TACT_LOG_LEVEL_MAP(XX)
#undef XX
    };
    for (int i = 0; i < TACT_LOG_LEVEL_COUNT; i++) {
        if (strcasecmp(text, names[i]) == 0) {
            *level = i;
            return true;
        }
    }
    char *end;
    long n = strtol(text, &end, 10);
    if (end == text || *end != '\0' || n < 0 || n >= TACT_LOG_LEVEL_COUNT)
        return false;
    *level = (int) n;
    return true;
}

/* The threshold the environment asks for, read once before the first message: TACT_LOG_LEVEL,
 * else TensorFlow's TF_CPP_MIN_LOG_LEVEL (0 all, 1 no INFO, 2 no WARNING, 3 no ERROR either).
 * A value neither reads is ignored with a warning. */
static void log_read_env(void)
{
    const char *tact = getenv("TACT_LOG_LEVEL");
    const char *tf = getenv("TF_CPP_MIN_LOG_LEVEL");
    int level;
    if (tact != NULL && *tact != '\0') {
        if (log_parse_tact_level(tact, &level))
            atomic_store(&log_threshold, level);
        else
            fprintf(stderr, "W tact] TACT_LOG_LEVEL='%s' is not DEBUG, INFO, WARNING, ERROR or "
                            "0-3; ignored\n", tact);
    } else if (tf != NULL && *tf != '\0') {
        char *end;
        long n = strtol(tf, &end, 10);
        if (end != tf && *end == '\0' && n >= 0)
            atomic_store(&log_threshold, n >= 3 ? TACT_LOG_LEVEL_COUNT : TACT_LOG_INFO + (int) n);
        else
            fprintf(stderr, "W tact] TF_CPP_MIN_LOG_LEVEL='%s' is not a number; ignored\n", tf);
    }
}

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
    pthread_once(&log_env_once, log_read_env);  /* the program's choice outlasts the env's */
    atomic_store(&log_threshold, (int) level);
}

tact_log_level_t tact_log_level(void)
{
    pthread_once(&log_env_once, log_read_env);
    return (tact_log_level_t) atomic_load(&log_threshold);
}

void tact__log(tact_log_level_t level, const char *fmt, ...)
{
    pthread_once(&log_env_once, log_read_env);
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
