/* Helpers shared by the tests: files, temporary directories, comparisons. */
#ifndef RT_TESTUTIL_H
#define RT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime_tracing.h"

/* Reads a whole file; NULL when it cannot. Free with free(). */
char *tu_read_file(const char *path, size_t *len);
/* Reads a golden file as our writer spells it today: the RValue payload key
 * "0" of the older fixtures becomes "data" (FORMAT.md section 9). Free with free(). */
char *tu_read_expected(const char *path, size_t *len);
/* Same as tu_assert_same_file, with expected read by tu_read_expected. */
void tu_assert_same_as_expected(const char *actual, const char *expected);
/* fixtures path: tu_fixture("tutorial/trace.json") (static buffer, rotated). */
const char *tu_fixture(const char *rel);
/* A new empty temporary directory (static buffer, rotated). */
const char *tu_tmpdir(void);
/* dir/name in a rotating static buffer. */
const char *tu_join(const char *dir, const char *name);
/* Removes a directory tree. */
void tu_rmtree(const char *path);
/* Fails the test with the first differing offset unless the two files hold
 * the same bytes. */
void tu_assert_same_file(const char *actual, const char *expected);
/* A filter loaded from text, written as dir/f.toml; fails the test when it
 * does not load. Free with rt_filter_free. */
rt_filter *tu_load_filter_text(const char *dir, const char *text);
/* Same, against a buffer. */
void tu_assert_file_equals(const char *actual, const void *expected, size_t len);
/* Fills ev (room for 64) with one event of every kind, values of every kind
 * nested inside, integers at their limits; returns the count. The arrays
 * they point at are static. */
size_t tu_sample_events(rt_event *ev);
/* Runs a shell command; returns its exit status (or -1). */
int tu_run(const char *fmt, ...);

#endif
