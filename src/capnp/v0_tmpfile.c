/* Unlinked temporary files for the v0 spools and unpacked messages: the
 * space is freed when the fd is closed, even after a crash. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "capnp/v0.h"

int rt_v0_tmpfile(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
#endif
    char path[4096];
    if (snprintf(path, sizeof path, "%s/rt-v0-XXXXXX", dir) >= (int)sizeof path)
        return -1;
    int tfd = mkostemp(path, O_CLOEXEC);
    if (tfd >= 0)
        unlink(path);
    return tfd;
}
