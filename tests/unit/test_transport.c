/* test_transport.c - unit and integration tests of the local transport.
 *
 * These run real commands (true, false, echo, cat, env, ls, head, sleep, sh)
 * and touch real files in a private mkdtemp() directory under /tmp that is
 * removed at the end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "transport.h"
#include "util/mem.h"

static char tmpdir[] = "/tmp/pn-transport-XXXXXX";
static pn_transport *tr;

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
    (void)sb; (void)flag; (void)f;
    return remove(p);
}

static int group_setup(void **state)
{
    (void)state;
    if (!mkdtemp(tmpdir))
        return -1;
    tr = pn_transport_local_new();
    /* Orphaned grandchildren of timed-out commands are re-parented to us so
     * that they can be reaped (PID 1 in a container may not reap). */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    pn_transport_free(tr);
    return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *tpath(const char *name)
{
    return pn_sprintf("%s/%s", tmpdir, name);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void assert_err_contains(const pn_err *err, pn_errcode code, const char *needle)
{
    if (err->code != code || !strstr(pn_err_msg(err), needle))
        fail_msg("expected %s error containing '%s', got %s: %s", pn_errcode_name(code),
                 needle, pn_errcode_name(err->code), pn_err_msg(err));
}

/* ------------------------------------------------------------- transport */

static void test_local_identity(void **state)
{
    (void)state;
    assert_string_equal(tr->host, "localhost");
    assert_string_equal(tr->ops->kind, "local");
}

/* ------------------------------------------------------------------- run */

static void test_exit_codes(void **state)
{
    (void)state;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;

    assert_true(pn_run(tr, ARGV("true"), NULL, &res, &err));
    assert_int_equal(res.exit_code, 0);
    assert_int_equal(res.term_signal, 0);
    assert_false(res.timed_out);

    assert_true(pn_run(tr, ARGV("false"), NULL, &res, &err));
    assert_int_equal(res.exit_code, 1);

    assert_true(pn_run(tr, ARGV("/bin/sh", "-c", "exit 3"), NULL, &res, &err));
    assert_int_equal(res.exit_code, 3);

    assert_true(pn_run(tr, ARGV("sh", "-c", "kill -9 $$"), NULL, &res, &err));
    assert_int_equal(res.exit_code, -1);
    assert_int_equal(res.term_signal, SIGKILL);

    /* NULL result and NULL options are allowed. */
    assert_true(pn_run(tr, ARGV("true"), NULL, NULL, &err));
    pn_run_result_free(&res);
    pn_err_clear(&err);
}

static void test_echo_capture(void **state)
{
    (void)state;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_run(tr, ARGV("echo", "hello", "world"), NULL, &res, &err));
    assert_int_equal(res.exit_code, 0);
    assert_string_equal(pn_str_cstr(&res.out), "hello world\n");
    assert_int_equal(res.err.len, 0);
    assert_false(res.out_truncated);

    /* Arguments are passed as is: no shell. */
    assert_true(pn_run(tr, ARGV("echo", "$HOME", "a;b", "`id`", "*"), NULL, &res, &err));
    assert_string_equal(pn_str_cstr(&res.out), "$HOME a;b `id` *\n");

    /* The result is reset between runs. */
    assert_true(pn_run(tr, ARGV("echo", "x"), NULL, &res, &err));
    assert_string_equal(pn_str_cstr(&res.out), "x\n");
    pn_run_result_free(&res);
}

static void test_stderr_capture(void **state)
{
    (void)state;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_run(tr, ARGV("sh", "-c", "echo out; echo oops >&2; exit 2"), NULL, &res, &err));
    assert_int_equal(res.exit_code, 2);
    assert_string_equal(pn_str_cstr(&res.out), "out\n");
    assert_string_equal(pn_str_cstr(&res.err), "oops\n");

    /* err cap: default 64 KiB, the rest drained and discarded. */
    assert_true(pn_run(tr, ARGV("sh", "-c", "head -c 300000 /dev/zero >&2"), NULL, &res, &err));
    assert_int_equal(res.exit_code, 0);
    assert_true(res.err_truncated);
    assert_int_equal(res.err.len, 64 * 1024);

    pn_run_opts o = {.err_cap = 10};
    assert_true(pn_run(tr, ARGV("sh", "-c", "echo 0123456789abcdef >&2"), &o, &res, &err));
    assert_true(res.err_truncated);
    assert_int_equal(res.err.len, 10);
    assert_memory_equal(res.err.s, "0123456789", 10);
    pn_run_result_free(&res);
}

static void test_stdin_cat(void **state)
{
    (void)state;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;

    pn_run_opts o = {.stdin_data = "line one\nline two\n", .stdin_len = 18};
    assert_true(pn_run(tr, ARGV("cat"), &o, &res, &err));
    assert_int_equal(res.exit_code, 0);
    assert_string_equal(pn_str_cstr(&res.out), "line one\nline two\n");

    /* Empty stdin: a pipe that is closed at once. */
    pn_run_opts e = {.stdin_data = "", .stdin_len = 0};
    assert_true(pn_run(tr, ARGV("cat"), &e, &res, &err));
    assert_int_equal(res.out.len, 0);

    /* No stdin: /dev/null. */
    assert_true(pn_run(tr, ARGV("cat"), NULL, &res, &err));
    assert_int_equal(res.exit_code, 0);
    assert_int_equal(res.out.len, 0);

    /* 1 MiB through cat and back, with every byte value. */
    size_t n = 1024 * 1024;
    char *big = pn_malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(i * 7 + i / 251);
    pn_run_opts b = {.stdin_data = big, .stdin_len = n};
    assert_true(pn_run(tr, ARGV("cat"), &b, &res, &err));
    assert_int_equal(res.exit_code, 0);
    assert_int_equal(res.out.len, n);
    assert_memory_equal(res.out.s, big, n);
    free(big);
    pn_run_result_free(&res);
}

static void test_stdin_not_read(void **state)
{
    (void)state;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;
    size_t n = 8 * 1024 * 1024;
    char *big = pn_calloc(1, n);
    pn_run_opts o = {.stdin_data = big, .stdin_len = n, .timeout_ms = 10000};
    int64_t t0 = (int64_t)time(NULL);

    /* true exits without reading: the write fails with EPIPE, no SIGPIPE
     * kills us, and no SIGPIPE is left pending. */
    assert_true(pn_run(tr, ARGV("true"), &o, &res, &err));
    assert_int_equal(res.exit_code, 0);
    assert_false(res.timed_out);

    /* A command that closes stdin but keeps running. */
    assert_true(pn_run(tr, ARGV("sh", "-c", "exec 0<&-; sleep 0.2; echo done"), &o, &res, &err));
    assert_int_equal(res.exit_code, 0);
    assert_string_equal(pn_str_cstr(&res.out), "done\n");
    assert_true((int64_t)time(NULL) - t0 < 5);

    sigset_t pend;
    sigemptyset(&pend);
    sigpending(&pend);
    assert_false(sigismember(&pend, SIGPIPE));
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, NULL, &mask);
    assert_false(sigismember(&mask, SIGPIPE));
    struct sigaction sa;
    sigaction(SIGPIPE, NULL, &sa);
    assert_true(sa.sa_handler == SIG_DFL);
    free(big);
    pn_run_result_free(&res);
}

static void test_timeout(void **state)
{
    (void)state;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;
    pn_run_opts o = {.timeout_ms = 300};
    assert_false(pn_run(tr, ARGV("sleep", "10"), &o, &res, &err));
    assert_err_contains(&err, PN_E_TIMEOUT, "sleep timed out after 300 ms");
    assert_true(res.timed_out);
    assert_int_equal(res.term_signal, SIGTERM);
    assert_int_equal(res.exit_code, -1);
    assert_true(res.elapsed_ms >= 300);
    assert_true(res.elapsed_ms < 1000); /* SIGTERM was enough: no grace wait */
    pn_err_clear(&err);

    /* A command that ignores SIGTERM gets SIGKILL after the grace second. */
    assert_false(pn_run(tr, ARGV("sh", "-c", "trap '' TERM; sleep 10"), &o, &res, &err));
    assert_int_equal(err.code, PN_E_TIMEOUT);
    assert_int_equal(res.term_signal, SIGKILL);
    assert_true(res.elapsed_ms >= 1300);
    assert_true(res.elapsed_ms < 3000);
    pn_err_clear(&err);

    /* No timeout: runs to completion. */
    pn_run_opts none = {.timeout_ms = -1};
    assert_true(pn_run(tr, ARGV("sleep", "0.1"), &none, &res, &err));
    assert_int_equal(res.exit_code, 0);
    pn_run_result_free(&res);
}

static void test_timeout_kills_group(void **state)
{
    (void)state;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;
    pn_run_opts o = {.timeout_ms = 300};
    assert_false(pn_run(tr, ARGV("sh", "-c", "echo $$; sleep 30 & sleep 30"), &o, &res, &err));
    assert_int_equal(err.code, PN_E_TIMEOUT);
    /* SIGTERM reached the whole group: nothing kept the pipes open. */
    assert_true(res.elapsed_ms < 1000);
    pid_t pgid = (pid_t)atoi(pn_str_cstr(&res.out));
    assert_true(pgid > 1);

    /* The background sleep was re-parented to us (subreaper): reap it and
     * check the whole group is gone. */
    bool gone = false;
    for (int i = 0; i < 200 && !gone; i++) {
        while (waitpid(-pgid, NULL, WNOHANG) > 0)
            ;
        if (kill(-pgid, 0) < 0 && errno == ESRCH)
            gone = true;
        else
            usleep(10000);
    }
    assert_true(gone);
    pn_err_clear(&err);
    pn_run_result_free(&res);
}

static void test_output_flood(void **state)
{
    (void)state;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;
    pn_run_opts o = {.out_cap = 1024 * 1024};
    assert_true(pn_run(tr, ARGV("head", "-c", "50000000", "/dev/zero"), &o, &res, &err));
    assert_int_equal(res.exit_code, 0);
    assert_true(res.out_truncated);
    assert_int_equal(res.out.len, 1024 * 1024);
    assert_true(res.elapsed_ms < 10000);

    /* Exactly the cap is not truncated. */
    pn_run_opts exact = {.out_cap = 5};
    assert_true(pn_run(tr, ARGV("printf", "abcde"), &exact, &res, &err));
    assert_false(res.out_truncated);
    assert_string_equal(pn_str_cstr(&res.out), "abcde");
    pn_run_result_free(&res);
}

static void test_not_found(void **state)
{
    (void)state;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;

    assert_false(pn_run(tr, ARGV("pn-no-such-command"), NULL, &res, &err));
    assert_err_contains(&err, PN_E_EXEC,
                        "command not found: pn-no-such-command (searched /usr/sbin:/usr/bin:/sbin:/bin)");

    assert_false(pn_run(tr, ARGV("/nonexistent/bin/tool"), NULL, &res, &err));
    assert_err_contains(&err, PN_E_EXEC, "cannot execute /nonexistent/bin/tool: No such file or directory");

    /* Not executable (no x bit at all: refused even for root). */
    char *p = tpath("not-exec");
    pn_err werr = PN_ERR_INIT;
    assert_true(pn_write_file(tr, p, "#!/bin/sh\n", 10, 0644, &werr));
    assert_false(pn_run(tr, ARGV(p), NULL, &res, &err));
    assert_err_contains(&err, PN_E_EXEC, "Permission denied");
    unlink(p);
    free(p);

    /* The caller's PATH is not searched. */
    char *old = pn_strdup(getenv("PATH") ? getenv("PATH") : "");
    char *bindir = tpath("bin");
    assert_int_equal(mkdir(bindir, 0755), 0);
    char *tool = tpath("bin/pn-private-tool");
    assert_true(pn_write_file(tr, tool, "#!/bin/sh\necho hi\n", 18, 0755, &werr));
    setenv("PATH", bindir, 1);
    assert_false(pn_run(tr, ARGV("pn-private-tool"), NULL, &res, &err));
    assert_int_equal(err.code, PN_E_EXEC);
    /* ... but the fixed PATH is, whatever the caller's PATH says. */
    assert_true(pn_run(tr, ARGV("true"), NULL, &res, &err));
    setenv("PATH", old, 1);
    assert_true(pn_run(tr, ARGV(tool), NULL, &res, &err));
    assert_string_equal(pn_str_cstr(&res.out), "hi\n");
    unlink(tool);
    rmdir(bindir);
    free(tool);
    free(bindir);
    free(old);

    assert_false(pn_run(tr, ARGV(""), NULL, &res, &err));
    assert_int_equal(err.code, PN_E_INVALID);
    pn_err_clear(&err);
    pn_run_result_free(&res);
}

static void test_run_ok(void **state)
{
    (void)state;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;
    assert_true(pn_run_ok(tr, ARGV("true"), NULL, &res, &err));
    assert_true(pn_run_ok(tr, ARGV("true"), NULL, NULL, &err));

    assert_false(pn_run_ok(tr, ARGV("false"), NULL, &res, &err));
    assert_int_equal(err.code, PN_E_EXEC);
    assert_string_equal(pn_err_msg(&err), "false exited with status 1");

    assert_false(pn_run_ok(tr, ARGV("/bin/sh", "-c",
                                    "printf '\\n  first \\033[31mred\\n second\\n' >&2; exit 4"),
                           NULL, &res, &err));
    assert_int_equal(res.exit_code, 4);
    assert_err_contains(&err, PN_E_EXEC, "sh exited with status 4: first ");
    assert_null(strchr(pn_err_msg(&err), '\033'));
    assert_null(strstr(pn_err_msg(&err), "second"));

    assert_false(pn_run_ok(tr, ARGV("sh", "-c", "kill -TERM $$"), NULL, NULL, &err));
    assert_err_contains(&err, PN_E_EXEC, "sh was killed by signal 15");

    assert_false(pn_run_ok(tr, ARGV("pn-no-such-command"), NULL, &res, &err));
    assert_err_contains(&err, PN_E_EXEC, "command not found");
    pn_err_clear(&err);
    pn_run_result_free(&res);
}

static void test_clean_env(void **state)
{
    (void)state;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;
    setenv("PN_TEST_SECRET", "leaked", 1);
    setenv("TZ", "UTC", 1);
    const char *extra[] = {"FOO=bar baz", "LANG=en_US.UTF-8", NULL};
    pn_run_opts o = {.env = extra};
    assert_true(pn_run(tr, ARGV("env"), &o, &res, &err));
    assert_int_equal(res.exit_code, 0);
    pn_str env = PN_STR_INIT;
    pn_str_append(&env, "\n");
    pn_str_appendn(&env, res.out.s, res.out.len);
    const char *e = pn_str_cstr(&env);
    assert_non_null(strstr(e, "\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n"));
    assert_non_null(strstr(e, "\nLC_ALL=C\n"));
    assert_non_null(strstr(e, "\nHOME=/\n"));
    assert_non_null(strstr(e, "\nTZ=UTC\n"));
    assert_non_null(strstr(e, "\nFOO=bar baz\n"));
    assert_non_null(strstr(e, "\nLANG=en_US.UTF-8\n"));
    assert_null(strstr(e, "\nLANG=C\n"));
    assert_null(strstr(e, "PN_TEST_SECRET"));
    assert_null(strstr(e, "ASAN_OPTIONS"));
    /* Exactly the known set. */
    size_t lines = 0;
    for (size_t i = 0; i < res.out.len; i++)
        lines += res.out.s[i] == '\n';
    assert_int_equal(lines, 6);
    pn_str_free(&env);
    unsetenv("PN_TEST_SECRET");
    unsetenv("TZ");

    const char *bad[] = {"NOEQUALS", NULL};
    pn_run_opts ob = {.env = bad};
    assert_false(pn_run(tr, ARGV("env"), &ob, &res, &err));
    assert_err_contains(&err, PN_E_INVALID, "NOEQUALS");
    pn_err_clear(&err);
    pn_run_result_free(&res);
}

typedef struct stream_ctx {
    size_t bytes, calls, stop_after;
} stream_ctx;

static bool on_chunk(void *vctx, const char *data, size_t len)
{
    stream_ctx *c = vctx;
    (void)data;
    c->bytes += len;
    c->calls++;
    return !(c->stop_after && c->bytes >= c->stop_after);
}

static void test_streaming(void **state)
{
    (void)state;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;

    stream_ctx c = {0};
    pn_run_opts o = {.on_stdout = on_chunk, .cb_ctx = &c, .out_cap = 10};
    assert_true(pn_run(tr, ARGV("head", "-c", "3000000", "/dev/zero"), &o, &res, &err));
    assert_int_equal(res.exit_code, 0);
    assert_int_equal(c.bytes, 3000000);
    assert_true(c.calls >= 1);
    assert_int_equal(res.out.len, 0);
    assert_false(res.out_truncated);
    assert_false(res.cancelled);

    /* Cancel: yes never ends on its own. */
    stream_ctx c2 = {.stop_after = 100000};
    pn_run_opts o2 = {.on_stdout = on_chunk, .cb_ctx = &c2, .timeout_ms = 10000};
    assert_true(pn_run(tr, ARGV("yes"), &o2, &res, &err));
    assert_true(res.cancelled);
    assert_false(res.timed_out);
    assert_int_equal(res.exit_code, -1);
    assert_true(res.term_signal == SIGTERM || res.term_signal == SIGPIPE);
    assert_true(res.elapsed_ms < 2000);
    /* Not called again once it said stop. */
    assert_true(c2.bytes >= 100000);
    assert_true(c2.bytes < 100000 + 65536);

    assert_false(pn_run_ok(tr, ARGV("yes"), &o2, &res, &err));
    assert_err_contains(&err, PN_E_EXEC, "yes was cancelled");
    pn_err_clear(&err);
    pn_run_result_free(&res);
}

static void test_no_fd_leak(void **state)
{
    (void)state;
    pn_run_result res = PN_RUN_RESULT_INIT;
    pn_err err = PN_ERR_INIT;
    int fd = open("/dev/null", O_RDONLY); /* deliberately without O_CLOEXEC */
    assert_true(fd >= 0);
    int high = dup2(fd, 57);
    assert_int_equal(high, 57);

    /* Reap orphans re-parented to us by earlier tests (we are a subreaper). */
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    int before = count_fds();
    assert_true(pn_run(tr, ARGV("ls", "/proc/self/fd"), NULL, &res, &err));
    assert_int_equal(res.exit_code, 0);
    /* 0, 1, 2 and the directory fd ls itself opened. */
    const char *p = pn_str_cstr(&res.out);
    int n = 0, seen012 = 0;
    while (*p) {
        int v = atoi(p);
        if (v <= 2)
            seen012++;
        else
            assert_true(v == 3);
        n++;
        p = strchr(p, '\n');
        assert_non_null(p);
        p++;
    }
    assert_int_equal(seen012, 3);
    assert_true(n <= 4);

    /* And the parent leaks nothing either, whatever path it took. */
    pn_run_opts in = {.stdin_data = "x", .stdin_len = 1, .timeout_ms = 200};
    pn_run(tr, ARGV("cat"), &in, &res, &err);
    pn_run(tr, ARGV("sleep", "5"), &in, &res, &err);
    pn_run(tr, ARGV("pn-no-such-command"), NULL, &res, &err);
    pn_run(tr, ARGV("/nonexistent"), NULL, &res, &err);
    assert_int_equal(count_fds(), before);

    /* No zombies: every child was reaped. */
    pid_t w = waitpid(-1, NULL, WNOHANG);
    assert_true(w == 0 || (w < 0 && errno == ECHILD));
    close(fd);
    close(high);
    pn_err_clear(&err);
    pn_run_result_free(&res);
}

/* ----------------------------------------------------------------- files */

typedef struct names {
    char list[32][64];
    pn_ftype types[32];
    int n;
    int stop_at;
} names;

static bool collect(void *vctx, const char *name, pn_ftype type)
{
    names *c = vctx;
    if (c->n < 32) {
        snprintf(c->list[c->n], sizeof(c->list[0]), "%s", name);
        c->types[c->n] = type;
    }
    c->n++;
    return !(c->stop_at && c->n >= c->stop_at);
}

static int find_name(const names *c, const char *name)
{
    for (int i = 0; i < c->n && i < 32; i++)
        if (strcmp(c->list[i], name) == 0)
            return i;
    return -1;
}

static void make_dir(const char *name)
{
    char *p = tpath(name);
    assert_int_equal(mkdir(p, 0755), 0);
    free(p);
}

static void test_write_atomic(void **state)
{
    (void)state;
    pn_err err = PN_ERR_INIT;
    pn_str got = PN_STR_INIT;
    pn_stat st;
    make_dir("w");
    char *p = tpath("w/main.cf");
    mode_t old_umask = umask(022);

    /* New file: 0600 by default, exact content (with a NUL byte). */
    assert_true(pn_write_file(tr, p, "a\0b\n", 4, -1, &err));
    assert_true(pn_stat_path(tr, p, &st, &err));
    assert_int_equal(st.mode, 0600);
    assert_int_equal(st.type, PN_FT_FILE);
    assert_true(pn_read_file(tr, p, 0, &got, &err));
    assert_int_equal(got.len, 4);
    assert_memory_equal(got.s, "a\0b\n", 4);

    /* Replace keeps the existing mode. */
    assert_int_equal(chmod(p, 0640), 0);
    assert_true(pn_stat_path(tr, p, &st, &err));
    uint64_t old_ino = st.ino;
    assert_true(pn_write_file(tr, p, "second\n", 7, -1, &err));
    assert_true(pn_stat_path(tr, p, &st, &err));
    assert_int_equal(st.mode, 0640);
    assert_int_equal(st.uid, geteuid());
    assert_true(st.ino != old_ino); /* replaced by rename, not rewritten */
    assert_true(pn_read_file(tr, p, 0, &got, &err));
    assert_string_equal(pn_str_cstr(&got), "second\n");

    /* Explicit mode is honoured exactly (umask does not apply). */
    assert_true(pn_write_file(tr, p, "third", 5, 0644, &err));
    assert_true(pn_stat_path(tr, p, &st, &err));
    assert_int_equal(st.mode, 0644);
    assert_int_equal(st.size, 5);
    char *q = tpath("w/new-0751");
    assert_true(pn_write_file(tr, q, "", 0, 0751, &err));
    assert_true(pn_stat_path(tr, q, &st, &err));
    assert_int_equal(st.mode, 0751);
    assert_int_equal(st.size, 0);

    /* 1 MiB round trip. */
    size_t n = 1024 * 1024;
    char *big = pn_malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(i % 253);
    assert_true(pn_write_file(tr, q, big, n, -1, &err));
    assert_true(pn_read_file(tr, q, 0, &got, &err));
    assert_int_equal(got.len, n);
    assert_memory_equal(got.s, big, n);
    free(big);

    /* Through a symlink: the target is replaced, the link stays. */
    char *link = tpath("w/link.cf");
    assert_int_equal(symlink("main.cf", link), 0);
    assert_true(pn_write_file(tr, link, "via link", 8, -1, &err));
    assert_true(pn_stat_path(tr, link, &st, &err));
    assert_int_equal(st.type, PN_FT_LINK);
    assert_true(pn_read_file(tr, p, 0, &got, &err));
    assert_string_equal(pn_str_cstr(&got), "via link");
    assert_true(pn_stat_path(tr, p, &st, &err));
    assert_int_equal(st.mode, 0644);

    /* No temporary files left behind. */
    names c = {0};
    char *w = tpath("w");
    assert_true(pn_list_dir(tr, w, collect, &c, &err));
    assert_int_equal(c.n, 3);
    for (int i = 0; i < c.n; i++)
        assert_true(c.list[i][0] != '.');

    /* Missing directory: clear error naming the path, nothing created. */
    char *missing = tpath("nodir/file");
    assert_false(pn_write_file(tr, missing, "x", 1, -1, &err));
    assert_err_contains(&err, PN_E_NOTFOUND, missing);
    assert_non_null(strstr(pn_err_msg(&err), "No such file or directory"));
    char *nodir = tpath("nodir");
    assert_int_equal(access(nodir, F_OK), -1);

    /* A directory as target fails and leaves no temp file. */
    assert_false(pn_write_file(tr, w, "x", 1, -1, &err));
    assert_err_contains(&err, PN_E_IO, w);
    c = (names){0};
    assert_true(pn_list_dir(tr, tmpdir, collect, &c, &err));
    for (int i = 0; i < c.n && i < 32; i++)
        assert_true(c.list[i][0] != '.');

    /* A failed write (file size limit: EFBIG, works even as root) leaves
     * the target untouched and no temporary file. */
    struct rlimit old_fsize, small = {.rlim_cur = 1000, .rlim_max = RLIM_INFINITY};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_fsize), 0);
    small.rlim_max = old_fsize.rlim_max;
    void (*old_xfsz)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    char big2[5000];
    memset(big2, 'z', sizeof(big2));
    bool wrote = pn_write_file(tr, p, big2, sizeof(big2), -1, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_fsize), 0);
    signal(SIGXFSZ, old_xfsz);
    assert_false(wrote);
    assert_err_contains(&err, PN_E_IO, p);
    assert_non_null(strstr(pn_err_msg(&err), "too large"));
    assert_true(pn_read_file(tr, p, 0, &got, &err));
    assert_string_equal(pn_str_cstr(&got), "via link");
    c = (names){0};
    assert_true(pn_list_dir(tr, w, collect, &c, &err));
    assert_int_equal(c.n, 3);

    /* Read-only directory (not meaningful as root). */
    if (geteuid() != 0) {
        assert_int_equal(chmod(w, 0555), 0);
        assert_false(pn_write_file(tr, p, "nope", 4, -1, &err));
        assert_err_contains(&err, PN_E_IO, p);
        assert_int_equal(chmod(w, 0755), 0);
        assert_true(pn_read_file(tr, p, 0, &got, &err));
        assert_string_equal(pn_str_cstr(&got), "via link");
    }

    /* Replace keeps a foreign owner (needs root to set one up). */
    if (geteuid() == 0) {
        assert_int_equal(chown(p, 4321, 4322), 0);
        assert_int_equal(chmod(p, 0604), 0);
        assert_true(pn_write_file(tr, p, "owned", 5, -1, &err));
        assert_true(pn_stat_path(tr, p, &st, &err));
        assert_int_equal(st.uid, 4321);
        assert_int_equal(st.gid, 4322);
        assert_int_equal(st.mode, 0604);
    }

    umask(old_umask);
    free(nodir);
    free(missing);
    free(w);
    free(link);
    free(q);
    free(p);
    pn_str_free(&got);
    pn_err_clear(&err);
}

static void test_read_file(void **state)
{
    (void)state;
    pn_err err = PN_ERR_INIT;
    pn_str got = PN_STR_INIT;
    char *p = tpath("r1000");
    char data[1000];
    memset(data, 'x', sizeof(data));
    assert_true(pn_write_file(tr, p, data, sizeof(data), 0644, &err));

    assert_true(pn_read_file(tr, p, 1000, &got, &err));
    assert_int_equal(got.len, 1000);
    assert_false(pn_read_file(tr, p, 999, &got, &err));
    assert_err_contains(&err, PN_E_IO, p);
    assert_non_null(strstr(pn_err_msg(&err), "limit"));
    assert_int_equal(got.len, 0);

    char *missing = tpath("no-such-file");
    assert_false(pn_read_file(tr, missing, 0, &got, &err));
    assert_err_contains(&err, PN_E_NOTFOUND, missing);
    assert_non_null(strstr(pn_err_msg(&err), "No such file or directory"));

    assert_false(pn_read_file(tr, tmpdir, 0, &got, &err));
    assert_err_contains(&err, PN_E_IO, tmpdir);

    /* /proc files report size 0 but have content. */
    assert_true(pn_read_file(tr, "/proc/self/status", 0, &got, &err));
    assert_non_null(strstr(pn_str_cstr(&got), "Pid:"));

    if (geteuid() != 0) {
        assert_int_equal(chmod(p, 0), 0);
        assert_false(pn_read_file(tr, p, 0, &got, &err));
        assert_err_contains(&err, PN_E_IO, "Permission denied");
    }
    unlink(p);
    free(missing);
    free(p);
    pn_str_free(&got);
    pn_err_clear(&err);
}

static void test_stat_types(void **state)
{
    (void)state;
    pn_err err = PN_ERR_INIT;
    pn_stat st;
    make_dir("s");
    char *f = tpath("s/file");
    char *l = tpath("s/link");
    char *d = tpath("s/dir");
    assert_true(pn_write_file(tr, f, "12345", 5, 0640, &err));
    assert_int_equal(symlink("file", l), 0);
    assert_int_equal(mkdir(d, 0700), 0);

    struct stat sb;
    assert_int_equal(lstat(f, &sb), 0);
    assert_true(pn_stat_path(tr, f, &st, &err));
    assert_int_equal(st.type, PN_FT_FILE);
    assert_int_equal(st.size, 5);
    assert_int_equal(st.mode, 0640);
    assert_int_equal(st.uid, sb.st_uid);
    assert_int_equal(st.gid, sb.st_gid);
    assert_int_equal(st.dev, sb.st_dev);
    assert_int_equal(st.ino, sb.st_ino);
    assert_int_equal(st.mtime, sb.st_mtim.tv_sec);
    assert_true(st.mtime > 1600000000);

    assert_true(pn_stat_path(tr, l, &st, &err));
    assert_int_equal(st.type, PN_FT_LINK);
    assert_int_equal(st.size, 4);
    assert_true(pn_stat_path(tr, d, &st, &err));
    assert_int_equal(st.type, PN_FT_DIR);
    assert_int_equal(st.mode, 0700);
    assert_true(pn_stat_path(tr, "/dev/null", &st, &err));
    assert_int_equal(st.type, PN_FT_OTHER);

    char *missing = tpath("s/missing");
    assert_false(pn_stat_path(tr, missing, &st, &err));
    assert_err_contains(&err, PN_E_NOTFOUND, missing);
    free(missing);
    free(f);
    free(l);
    free(d);
    pn_err_clear(&err);
}

static void test_list_dir(void **state)
{
    (void)state;
    pn_err err = PN_ERR_INIT;
    make_dir("l");
    make_dir("l/sub");
    char *f = tpath("l/file");
    char *k = tpath("l/lnk");
    char *fifo = tpath("l/fifo");
    assert_true(pn_write_file(tr, f, "x", 1, -1, &err));
    assert_int_equal(symlink("file", k), 0);
    assert_int_equal(mkfifo(fifo, 0600), 0);

    char *l = tpath("l");
    names c = {0};
    assert_true(pn_list_dir(tr, l, collect, &c, &err));
    assert_int_equal(c.n, 4);
    assert_true(find_name(&c, ".") < 0 && find_name(&c, "..") < 0);
    assert_int_equal(c.types[find_name(&c, "file")], PN_FT_FILE);
    assert_int_equal(c.types[find_name(&c, "sub")], PN_FT_DIR);
    assert_int_equal(c.types[find_name(&c, "lnk")], PN_FT_LINK);
    assert_int_equal(c.types[find_name(&c, "fifo")], PN_FT_OTHER);

    /* The callback can stop the listing. */
    names s = {.stop_at = 2};
    assert_true(pn_list_dir(tr, l, collect, &s, &err));
    assert_int_equal(s.n, 2);

    /* Empty directory. */
    char *sub = tpath("l/sub");
    names e = {0};
    assert_true(pn_list_dir(tr, sub, collect, &e, &err));
    assert_int_equal(e.n, 0);

    char *missing = tpath("l/none");
    assert_false(pn_list_dir(tr, missing, collect, &c, &err));
    assert_err_contains(&err, PN_E_NOTFOUND, missing);
    assert_false(pn_list_dir(tr, f, collect, &c, &err));
    assert_err_contains(&err, PN_E_NOTFOUND, f); /* ENOTDIR */

    /* Reading a FIFO must not hang. */
    pn_str got = PN_STR_INIT;
    assert_false(pn_read_file(tr, fifo, 0, &got, &err));
    assert_err_contains(&err, PN_E_IO, "not a regular file");
    pn_str_free(&got);

    free(missing);
    free(sub);
    free(l);
    free(fifo);
    free(k);
    free(f);
    pn_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_identity),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_echo_capture),
        cmocka_unit_test(test_stderr_capture),
        cmocka_unit_test(test_stdin_cat),
        cmocka_unit_test(test_stdin_not_read),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_timeout_kills_group),
        cmocka_unit_test(test_output_flood),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_run_ok),
        cmocka_unit_test(test_clean_env),
        cmocka_unit_test(test_streaming),
        cmocka_unit_test(test_no_fd_leak),
        cmocka_unit_test(test_write_atomic),
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_stat_types),
        cmocka_unit_test(test_list_dir),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
