/* SPDX-License-Identifier: MIT */
/* What a C server needs from the library around its runs: the version in every place it is
 * published, actor threads named and blocking every signal (so sigwait-style shutdown works,
 * OpenBLAS' workers included), and the log level taken from the environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers.h"

/* ---- version ---------------------------------------------------------------------------- */

static void test_version_string_matches_macros_and_build(void **state)
{
    (void) state;
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", TACT_VERSION_MAJOR, TACT_VERSION_MINOR,
             TACT_VERSION_PATCH);
    assert_string_equal(tact_version(), want);
    assert_string_equal(TACT_VERSION_STRING, want);
    /* CMake's project version (soname, tact.pc, the CMake package) comes from the header. */
    assert_string_equal(TACT_TEST_PROJECT_VERSION, want);
    assert_int_equal(TACT_VERSION_NUMBER,
                     (TACT_VERSION_MAJOR << 16) | (TACT_VERSION_MINOR << 8) | TACT_VERSION_PATCH);
}

/* ---- threads: names and signal masks ------------------------------------------------------ */

/* A session that has run a matmul big enough for OpenBLAS to use its workers. */
static tact_session_t *server_session(tact_graph_t **g_p)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    enum { N = 256 };
    float *ones = malloc(sizeof(float) * N * N);
    for (int i = 0; i < N * N; i++)
        ones[i] = 1.0f;
    tact_output_t a = tu_const_f32(g, (int64_t[]){ N, N }, 2, ones, "a", &st);
    tact_output_t c = tact_matmul(g, a, a, false, false, NULL, &st);
    free(ones);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *v = tu_run1(s, c, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_float_equal(((const float *) tact_tensor_data(v))[0], (float) N, 0.0f);
    tact_tensor_destroy(&v);
    *g_p = g;
    return s;
}

/* Reads /proc/self/task/<tid>/<file> into buf; false if the thread is gone. */
static bool task_file(const char *tid, const char *file, char *buf, size_t len)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/self/task/%s/%s", tid, file);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    return true;
}

static void test_actor_threads_are_named(void **state)
{
    (void) state;
    tact_graph_t *g;
    tact_session_t *s = server_session(&g);
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    int named = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char comm[64];
        if (e->d_name[0] != '.' && task_file(e->d_name, "comm", comm, sizeof comm) &&
            strcmp(comm, "tact:CPU:0\n") == 0)
            named++;
    }
    closedir(d);
    assert_true(named >= 1);  /* the CPU device's actor pool */
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* The SigBlk mask of thread `tid` from its status file. */
static unsigned long long task_blocked(const char *tid)
{
    char status[4096];
    if (!task_file(tid, "status", status, sizeof status))
        return ~0ull;  /* gone: nothing to check */
    const char *line = strstr(status, "SigBlk:");
    assert_non_null(line);
    return strtoull(line + strlen("SigBlk:"), NULL, 16);
}

/* In a fresh process (OpenBLAS loaded anew, its workers started before main as in any
 * program; a plain fork would not do: OpenBLAS stops its workers at fork and the child starts
 * new ones lazily, from its own thread): block SIGTERM on the main thread as a sigwait server
 * does, start a session, and check that every thread of the process (tact's actors, OpenBLAS' workers)
 * blocks it, so only sigwait can take it. Then wait for the parent's SIGTERM. */
static int sigwait_child(int ready_fd)
{
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, NULL);
    tact_graph_t *g;
    tact_session_t *s = server_session(&g);
    int unblocked = 0;
    DIR *d = opendir("/proc/self/task");
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] != '.' && !(task_blocked(e->d_name) & (1ull << (SIGTERM - 1))))
            unblocked++;
    }
    if (d != NULL)
        closedir(d);
    char byte = unblocked == 0 ? 'y' : 'n';
    if (write(ready_fd, &byte, 1) != 1)
        return 3;
    int sig = 0;
    if (sigwait(&term, &sig) != 0 || sig != SIGTERM)
        return 4;
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    return unblocked == 0 ? 0 : 5;
}

static void test_sigterm_reaches_sigwait(void **state)
{
    (void) state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        char fd[16];
        snprintf(fd, sizeof fd, "%d", fds[1]);
        execl("/proc/self/exe", "test_server", "--sigwait-server", fd, (char *) NULL);
        _exit(127);
    }
    close(fds[1]);
    char byte = 0;
    assert_int_equal(read(fds[0], &byte, 1), 1);
    close(fds[0]);
    assert_int_equal(kill(pid, SIGTERM), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    /* Killed by the signal: some thread had SIGTERM unblocked and took it. */
    assert_false(WIFSIGNALED(status));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(byte, 'y');
}

/* ---- the log level from the environment ----------------------------------------------------- */

/* This program run again with `env` set, printing the log level it starts with. */
static int level_with_env(const char *name, const char *value)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        unsetenv("TACT_LOG_LEVEL");
        unsetenv("TF_CPP_MIN_LOG_LEVEL");
        if (name != NULL)
            setenv(name, value, 1);
        execl("/proc/self/exe", "test_server", "--print-log-level", (char *) NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[32] = { 0 };
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(n > 0);
    return atoi(buf);
}

static void test_log_level_from_environment(void **state)
{
    (void) state;
    assert_int_equal(level_with_env(NULL, NULL), TACT_LOG_INFO);
    assert_int_equal(level_with_env("TACT_LOG_LEVEL", "warning"), TACT_LOG_WARNING);
    assert_int_equal(level_with_env("TACT_LOG_LEVEL", "DEBUG"), TACT_LOG_DEBUG);
    assert_int_equal(level_with_env("TACT_LOG_LEVEL", "3"), TACT_LOG_ERROR);
    assert_int_equal(level_with_env("TACT_LOG_LEVEL", "loud"), TACT_LOG_INFO);  /* ignored */
    assert_int_equal(level_with_env("TF_CPP_MIN_LOG_LEVEL", "0"), TACT_LOG_INFO);
    assert_int_equal(level_with_env("TF_CPP_MIN_LOG_LEVEL", "1"), TACT_LOG_WARNING);
    assert_int_equal(level_with_env("TF_CPP_MIN_LOG_LEVEL", "2"), TACT_LOG_ERROR);
    assert_int_equal(level_with_env("TF_CPP_MIN_LOG_LEVEL", "3"), TACT_LOG_LEVEL_COUNT);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--print-log-level") == 0) {
        printf("%d\n", (int) tact_log_level());
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--sigwait-server") == 0)
        return sigwait_child(atoi(argv[2]));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_string_matches_macros_and_build),
        cmocka_unit_test(test_actor_threads_are_named),
        cmocka_unit_test(test_sigterm_reaches_sigwait),
        cmocka_unit_test(test_log_level_from_environment),
    };
    return cmocka_run_group_tests_name("server", tests, NULL, NULL);
}
