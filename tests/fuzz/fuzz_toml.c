/* Fuzz target: the TOML reader of trace filters (src/filter/toml.c) on
 * arbitrary bytes. On success every node of the tree is walked (depth at
 * most RT_TOML_MAX_DEPTH) and checked; on failure the message names the
 * document, a line and a column. The same bytes once more through an
 * allocator that fails every 7th allocation: RT_ENOMEM or the same answer. */
#include "fuzz_common.h"

#include "filter/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const rt_toml_value *v, unsigned depth)
{
    FUZZ_CHECK(depth <= RT_TOML_MAX_DEPTH);
    FUZZ_CHECK(v->pos.line >= 1 && v->pos.col >= 1);
    size_t n = 1;
    switch (v->type) {
    case RT_TOML_STRING:
        FUZZ_CHECK(v->u.str.ptr && v->u.str.ptr[v->u.str.len] == '\0');
        break;
    case RT_TOML_ARRAY:
        FUZZ_CHECK(v->u.array.len <= v->u.array.cap);
        for (size_t i = 0; i < v->u.array.len; i++)
            n += walk(v->u.array.items[i], depth + 1);
        break;
    case RT_TOML_TABLE:
        for (size_t i = 0; i < v->u.table.len; i++) {
            const rt_toml_kv *kv = &v->u.table.items[i];
            FUZZ_CHECK(kv->key && kv->key[kv->key_len] == '\0');
            FUZZ_CHECK(kv->pos.line >= 1 && kv->pos.col >= 1);
            /* keys are unique within a table */
            for (size_t k = 0; k < i && k < 64; k++)
                FUZZ_CHECK(v->u.table.items[k].key_len != kv->key_len ||
                           memcmp(v->u.table.items[k].key, kv->key, kv->key_len) != 0);
            n += walk(kv->value, depth + 1);
        }
        break;
    case RT_TOML_INTEGER:
    case RT_TOML_FLOAT:
    case RT_TOML_BOOL:
    case RT_TOML_DATETIME:
        break;
    default:
        FUZZ_CHECK(!"a value of no type");
    }
    return n;
}

typedef struct failing {
    unsigned calls;
} failing;

static void *f_alloc(void *ctx, size_t n)
{
    failing *f = ctx;
    return ++f->calls % 7 == 0 ? NULL : malloc(n);
}
static void *f_realloc(void *ctx, void *p, size_t old, size_t n)
{
    failing *f = ctx;
    (void)old;
    return ++f->calls % 7 == 0 ? NULL : realloc(p, n);
}
static void f_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    (void)n;
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rt_toml_doc doc;
    rt_err err;
    err.msg[0] = '\0';
    const char *src = size ? (const char *)data : "";
    int rc = rt_toml_parse(&doc, src, size, "fuzz.toml", NULL, &err);
    size_t nodes = 0;
    if (rc == RT_OK) {
        FUZZ_CHECK(doc.root && doc.root->type == RT_TOML_TABLE);
        nodes = walk(doc.root, 0);
        rt_toml_doc_free(&doc);
    } else {
        FUZZ_CHECK(rc == RT_EFORMAT || rc == RT_ELIMIT);
        FUZZ_CHECK(doc.root == NULL);
        FUZZ_CHECK(strncmp(err.msg, "fuzz.toml:", 10) == 0);
    }
    failing f = {0};
    rt_allocator a = {f_alloc, f_realloc, f_free, &f};
    rt_err err2;
    int rc2 = rt_toml_parse(&doc, src, size, "fuzz.toml", &a, &err2);
    FUZZ_CHECK(rc2 == rc || rc2 == RT_ENOMEM);
    if (rc2 == RT_OK) {
        FUZZ_CHECK(walk(doc.root, 0) == nodes);
        rt_toml_doc_free(&doc);
    }
    return 0;
}
