/* Fuzz target: the v0 reader (packed Cap'n Proto after the v0 header); one
 * input in four is also laid out as a killed streaming recording (an empty
 * trace.bin beside a journal and two spools, capnp/v0_journal.h), which
 * the reader reads from those files. */
#include "fuzz_binary_reader.h"

#include "capnp/v0_journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The input after its first byte: a head of h bytes, then the spools. The
 * journal's counts are mostly right, sometimes off (a spool shorter than
 * the journal says, a head too long). */
static void killed_recording(const uint8_t *data, size_t size)
{
    if (size < 4)
        return;
    size_t rest = size - 4;
    size_t h = data[1] % (rest + 1), n0 = data[2] % (rest - h + 1);
    size_t n1 = rest - h - n0;
    const uint8_t *head = data + 4, *s0 = head + h, *s1 = s0 + n0;
    uint8_t skew = data[3];
    char base[256];
    snprintf(base, sizeof base, "%s", fuzz_tmpfile("killed.bin", NULL, 0));
    char name[300];
    snprintf(name, sizeof name, "%s%s", base, RT_V0_EVENTS_SUFFIX);
    FILE *f = fopen(name, "wb");
    if (!f || (n0 && fwrite(s0, 1, n0, f) != n0) || fclose(f) != 0)
        abort();
    snprintf(name, sizeof name, "%s%s", base, RT_V0_CONTENT_SUFFIX);
    f = fopen(name, "wb");
    if (!f || (n1 && fwrite(s1, 1, n1, f) != n1) || fclose(f) != 0)
        abort();
    uint8_t fixed[RT_V0_JOURNAL_FIXED];
    memcpy(fixed, RT_V0_JOURNAL_MAGIC, RT_V0_JOURNAL_MAGIC_LEN);
    put_u64(fixed + 8, data[0]);
    put_u64(fixed + 16, n0 + (skew & 1 ? skew : 0));
    put_u64(fixed + 24, n1 + (skew & 2 ? skew : 0));
    put_u64(fixed + 32, skew & 4 ? (uint64_t)1 << 40 : h);
    snprintf(name, sizeof name, "%s%s", base, RT_V0_JOURNAL_SUFFIX);
    f = fopen(name, "wb");
    if (!f || fwrite(fixed, 1, sizeof fixed, f) != sizeof fixed ||
        (h && fwrite(head, 1, h, f) != h) || fclose(f) != 0)
        abort();
    rt_reader *r = NULL;
    char err[256] = "";
    rt_reader_options o;
    rt_reader_options_init(&o);
    o.errbuf = err;
    o.errbuf_len = sizeof err;
    int rc = rt_reader_open(&r, base, &o);
    if (rc == RT_OK) {
        FUZZ_CHECK(rt_reader_warning(r) != NULL);
        const rt_event *e;
        uint64_t n = 0;
        while ((rc = rt_reader_next(r, &e)) == RT_READ_EVENT && ++n < FUZZ_MAX_EVENTS)
            FUZZ_CHECK((unsigned)e->kind < RT_EVENT_KIND_COUNT);
        FUZZ_CHECK(rc >= 0 || rt_reader_errmsg(r)[0] != '\0');
        rt_reader_free(r);
    } else {
        FUZZ_CHECK(r == NULL && fuzz_read_status_ok(rc) && err[0] != '\0');
    }
    static const char *const side[] = {RT_V0_JOURNAL_SUFFIX, RT_V0_EVENTS_SUFFIX,
                                       RT_V0_CONTENT_SUFFIX, ""};
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "%s%s", base, side[i]);
        unlink(name);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)fuzz_binary(data, size, 0);
    if (size && (data[0] & 3) == 0)
        killed_recording(data, size);
    return 0;
}
