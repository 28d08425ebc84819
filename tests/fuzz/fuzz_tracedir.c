/* Fuzz target: the trace directory's small JSON files, trace_metadata.json
 * (rt_metadata_read) and trace_paths.json (rt_paths_read). Both read a path,
 * so the input goes to a file of this process under /tmp. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int status_ok(int rc)
{
    return rc == RT_OK || rc == RT_EFORMAT || rc == RT_ETRUNCATED || rc == RT_EUTF8 ||
           rc == RT_ELIMIT || rc == RT_ENOMEM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmpfile("small.json", data, size);
    char err[256] = "";
    rt_metadata m;
    int rc = rt_metadata_read(path, &m, err, sizeof err);
    FUZZ_CHECK(status_ok(rc));
    if (rc == RT_OK) {
        /* workdir is optional (the 0.19 dialect may leave it out) */
        FUZZ_CHECK(m.program != NULL && strlen(m.program) <= size);
        FUZZ_CHECK(m.workdir == NULL || strlen(m.workdir) <= size);
        FUZZ_CHECK(m.nargs == 0 || m.args);
        for (size_t i = 0; i < m.nargs; i++)
            FUZZ_CHECK(m.args[i] != NULL);
        rt_metadata_clear(&m);
    } else {
        FUZZ_CHECK(err[0] != '\0');
        FUZZ_CHECK(m.workdir == NULL && m.args == NULL && m.nargs == 0);
    }
    rt_path_list p;
    err[0] = '\0';
    rc = rt_paths_read(path, &p, err, sizeof err);
    FUZZ_CHECK(status_ok(rc));
    if (rc == RT_OK) {
        for (size_t i = 0; i < p.len; i++)
            FUZZ_CHECK(p.paths[i] != NULL);
        rt_path_list_clear(&p);
    } else {
        FUZZ_CHECK(err[0] != '\0');
        FUZZ_CHECK(p.paths == NULL && p.len == 0);
    }
    unlink(path);
    return 0;
}
