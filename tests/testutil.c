#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static char *rotate(void)
{
    static char bufs[8][4096];
    static int i;
    i = (i + 1) % 8;
    return bufs[i];
}

const char *tu_fixture(const char *rel)
{
    char *b = rotate();
    snprintf(b, 4096, "%s/%s", RT_FIXTURES_DIR, rel);
    return b;
}

const char *tu_join(const char *dir, const char *name)
{
    char *b = rotate();
    snprintf(b, 4096, "%s/%s", dir, name);
    return b;
}

const char *tu_tmpdir(void)
{
    static char dirs[8][64];
    static int i;
    i = (i + 1) % 8;
    char *b = dirs[i];
    snprintf(b, 64, "/tmp/rt-test-XXXXXX");
    if (!mkdtemp(b))
        fail_msg("mkdtemp failed");
    return b;
}

void tu_rmtree(const char *path)
{
    if (strncmp(path, "/tmp/", 5) != 0)
        return;
    tu_run("rm -rf '%s'", path);
}

void tu_assert_file_equals(const char *actual, const void *expected, size_t len)
{
    size_t n = 0;
    char *a = tu_read_file(actual, &n);
    if (!a)
        fail_msg("cannot read %s", actual);
    size_t i = 0;
    const char *e = expected;
    while (i < n && i < len && a[i] == e[i])
        i++;
    if (i != n || n != len) {
        size_t from = i > 40 ? i - 40 : 0;
        fprintf(stderr, "%s differs at byte %zu (sizes %zu vs %zu expected)\n  got:      %.100s\n  expected: %.100s\n",
                actual, i, n, len, a + from, i < len ? e + from : "");
        free(a);
        fail_msg("%s differs from the expected bytes at offset %zu", actual, i);
    }
    free(a);
}

void tu_assert_same_file(const char *actual, const char *expected)
{
    size_t len = 0;
    char *e = tu_read_file(expected, &len);
    if (!e)
        fail_msg("cannot read %s", expected);
    tu_assert_file_equals(actual, e, len);
    free(e);
}

char *tu_read_expected(const char *path, size_t *len)
{
    char *s = tu_read_file(path, len);
    if (!s)
        return NULL;
    static const char *const kinds[] = {"\"Simple\",\"0\":", "\"Compound\",\"0\":",
                                        "\"FunctionReturn\",\"0\":", "\"FieldAccess\",\"0\":"};
    /* "data" is three bytes longer than "0": rebuild into a new buffer. */
    size_t n = *len, cap = n + 1, out = 0;
    for (char *p = s; (p = strstr(p, "\",\"0\":")) != NULL; p++)
        cap += 3;
    char *r = malloc(cap);
    if (!r) {
        free(s);
        return NULL;
    }
    for (size_t i = 0; i < n;) {
        size_t k;
        for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            size_t kl = strlen(kinds[k]);
            if (i + kl <= n && memcmp(s + i, kinds[k], kl) == 0) {
                memcpy(r + out, kinds[k], kl - 4);
                out += kl - 4;
                memcpy(r + out, "\"data\":", 7);
                out += 7;
                i += kl;
                break;
            }
        }
        if (k == sizeof kinds / sizeof kinds[0])
            r[out++] = s[i++];
    }
    r[out] = '\0';
    free(s);
    *len = out;
    return r;
}

void tu_assert_same_as_expected(const char *actual, const char *expected)
{
    size_t len = 0;
    char *e = tu_read_expected(expected, &len);
    if (!e)
        fail_msg("cannot read %s", expected);
    tu_assert_file_equals(actual, e, len);
    free(e);
}

int tu_run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}
