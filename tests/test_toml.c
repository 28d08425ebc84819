/* The TOML 1.0 reader of src/filter/toml.c: every feature, valid and
 * invalid (the reported line:column checked), the tricky cases of the
 * language (redefinitions, quotes in multi-line strings, number forms),
 * limits, and allocation failure. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/toml.h"

static rt_toml_doc doc;
static rt_err err;

static int parse_n(const char *src, size_t len)
{
    err.msg[0] = '\0';
    return rt_toml_parse(&doc, src, len, "t.toml", NULL, &err);
}

/* Parses src, which must be valid; the tree stays in doc until done(). */
static const rt_toml_value *ok(const char *src)
{
    int rc = parse_n(src, strlen(src));
    if (rc != RT_OK)
        fail_msg("rejected: %s\n--- input:\n%s", err.msg, src);
    return doc.root;
}

static void done(void)
{
    rt_toml_doc_free(&doc);
}

/* src must be refused with code and a message containing "t.toml:" + want. */
static void bad_code(const char *src, size_t len, int code, const char *want)
{
    int rc = parse_n(src, len);
    char expect[256];
    snprintf(expect, sizeof expect, "t.toml:%s", want);
    if (rc != code || !strstr(err.msg, expect))
        fail_msg("input %s\n  got %s '%s'\n  expected %s '%s'", src, rt_status_name(rc), err.msg,
                 rt_status_name(code), expect);
    assert_null(doc.root);
}

static void bad(const char *src, const char *want)
{
    bad_code(src, strlen(src), RT_EFORMAT, want);
}

/* The value at a path of plain keys "a.b.c" (array elements by "[i]" as a
 * part: "a.[1].b"). */
static const rt_toml_value *at(const rt_toml_value *t, const char *path)
{
    char part[128];
    while (*path) {
        size_t n = strcspn(path, ".");
        assert_true(n < sizeof part);
        memcpy(part, path, n);
        part[n] = '\0';
        path += n + (path[n] == '.');
        if (part[0] == '[') {
            assert_int_equal(t->type, RT_TOML_ARRAY);
            size_t i = (size_t)atoi(part + 1);
            assert_true(i < t->u.array.len);
            t = t->u.array.items[i];
        } else {
            const rt_toml_kv *kv = rt_toml_get(t, part);
            if (!kv)
                fail_msg("no key '%s'", part);
            t = kv->value;
        }
    }
    return t;
}

static void expect_str(const rt_toml_value *root, const char *path, const char *s, size_t len)
{
    const rt_toml_value *v = at(root, path);
    assert_int_equal(v->type, RT_TOML_STRING);
    assert_int_equal(v->u.str.len, len);
    assert_memory_equal(v->u.str.ptr, s, len);
    assert_int_equal(v->u.str.ptr[len], '\0');
}
#define STR(root, path, lit) expect_str(root, path, lit, sizeof(lit) - 1)

static void expect_int(const rt_toml_value *root, const char *path, int64_t i)
{
    const rt_toml_value *v = at(root, path);
    assert_int_equal(v->type, RT_TOML_INTEGER);
    assert_true(v->u.integer == i);
}

static double flt(const rt_toml_value *root, const char *path)
{
    const rt_toml_value *v = at(root, path);
    assert_int_equal(v->type, RT_TOML_FLOAT);
    return v->u.flt;
}

/* ---- strings ------------------------------------------------------------ */

static void test_basic_strings(void **state)
{
    (void)state;
    const rt_toml_value *r = ok("a = \"plain\"\n"
                                "b = \"\\b\\t\\n\\f\\r\\\"\\\\\"\n"
                                "c = \"\\u00e9\\U0001F600\\u0041\"\n"
                                "d = \"nul\\u0000inside\"\n"
                                "e = \"\"\n"
                                "f = \"tab\there\"\n"
                                "g = \"δ 😀 # not a comment\" # a comment\n");
    STR(r, "a", "plain");
    STR(r, "b", "\b\t\n\f\r\"\\");
    STR(r, "c", "\xc3\xa9\xf0\x9f\x98\x80" "A");
    STR(r, "d", "nul\0inside");
    STR(r, "e", "");
    STR(r, "f", "tab\there");
    STR(r, "g", "δ 😀 # not a comment");
    done();
}

static void test_literal_strings(void **state)
{
    (void)state;
    const rt_toml_value *r = ok("winpath = 'C:\\Users\\nodejs\\templates'\n"
                                "regex = '<\\i\\c*\\s*>'\n"
                                "quoted = 'Tom \"Dubs\" Preston-Werner'\n"
                                "sel = 'file:regex:.*[\\\\/]lib[\\\\/]python\\d+\\.\\d+[\\/].*'\n"
                                "empty = ''\n");
    STR(r, "winpath", "C:\\Users\\nodejs\\templates");
    STR(r, "regex", "<\\i\\c*\\s*>");
    STR(r, "quoted", "Tom \"Dubs\" Preston-Werner");
    STR(r, "sel", "file:regex:.*[\\\\/]lib[\\\\/]python\\d+\\.\\d+[\\/].*");
    STR(r, "empty", "");
    done();
}

static void test_multiline_strings(void **state)
{
    (void)state;
    const rt_toml_value *r = ok(
        "a = \"\"\"\nRoses are red\nViolets are blue\"\"\"\n"
        "b = \"\"\"\r\nOne\r\nTwo\"\"\"\r\n"
        "c = \"\"\"\nThe quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog.\"\"\"\n"
        "d = \"\"\"\\\n       The quick brown \\\n       fox.\\\n       \"\"\"\n"
        "e = \"\"\"x \\   \n   y\"\"\"\n"
        "f = \"\"\"Two quotes: \"\". Three: \"\"\\\".\"\"\"\n"
        "g = \"\"\"\"This,\" she said.\"\"\"\"\n"
        "h = \"\"\"\"\"\"\"\"\n" /* five quotes: "" then the closing three */
        "i = '''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n'''\n"
        "j = ''''That,' she said, 'is still pointless.''''\n"
        "k = '''I [dw]on't need \\d{2} apples'''\n"
        "l = \"\"\"a\\tb\\u00e9\"\"\"\n"
        "m = \"\"\"\"\"\"\n");
    STR(r, "a", "Roses are red\nViolets are blue");
    STR(r, "b", "One\nTwo");
    STR(r, "c", "The quick brown fox jumps over the lazy dog.");
    STR(r, "d", "The quick brown fox.");
    STR(r, "e", "x y");
    STR(r, "f", "Two quotes: \"\". Three: \"\"\".");
    STR(r, "g", "\"This,\" she said.\"");
    STR(r, "h", "\"\"");
    STR(r, "i", "The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n");
    STR(r, "j", "'That,' she said, 'is still pointless.'");
    STR(r, "k", "I [dw]on't need \\d{2} apples");
    STR(r, "l", "a\tb\xc3\xa9");
    STR(r, "m", "");
    /* positions after a multi-line string count its lines */
    const rt_toml_kv *kv = rt_toml_get(r, "b");
    assert_int_equal(kv->pos.line, 4);
    done();
}

static void test_string_errors(void **state)
{
    (void)state;
    bad("a = \"\\x41\"\n", "1:6: invalid escape \\x");
    bad("a = \"\\e\"\n", "1:6: invalid escape \\e");
    bad("a = \"x\\ y\"\n", "1:7: invalid escape \\ ");
    bad("a = \"\\u00e\"\n", "1:6: \\u needs 4 hex digits");
    bad("a = \"\\UD800\"\n", "1:6: \\U needs 8 hex digits");
    bad("a = \"\\uD800\"\n", "1:6: \\uD800 is not a Unicode scalar value");
    bad("a = \"\\U00110000\"\n", "1:6: \\U00110000 is not a Unicode scalar value");
    bad("a = \"abc\nb = 1\n", "1:5: unterminated string");
    bad("a = 'abc\n", "1:5: unterminated string");
    bad("a = \"\"\"abc\n\n", "1:5: unterminated multi-line string");
    bad("a = '''abc", "1:5: unterminated multi-line string");
    bad("a = \"\"\"a\"\"\"\"\"\"\n", "1:9: too many quotes (6)");
    bad("a = '''a''''''\n", "1:9: too many quotes (6)");
    bad("a = \"x\x01y\"\n", "1:7: control character U+0001 in a string");
    bad("a = \"x\x7fy\"\n", "1:7: control character U+007F in a string");
    bad("a = 'x\x1by'\n", "1:7: control character U+001B in a string");
    bad("a = \"\"\"x\ry\"\"\"\n", "1:9: carriage return not followed by a newline");
    bad_code("a = '''x\0y'''\n", 15, RT_EFORMAT, "1:9: control character U+0000");
    bad_code("a = \"x\0y\"\n", 10, RT_EFORMAT, "1:7: control character U+0000");
    bad("\"\"\"key\"\"\" = 1\n", "1:1: a multi-line string cannot be a key");
    bad("a = \"x\" y\n", "1:9: expected a newline after a value, found 'y'");
    bad("a = \"\"\"x\"\"\"y\n", "1:12: unexpected 'y' after a string");
}

/* ---- numbers, booleans, dates ------------------------------------------- */

static void test_integers(void **state)
{
    (void)state;
    const rt_toml_value *r = ok("a = +99\nb = 42\nc = 0\nd = -17\ne = 1_000\nf = 5_349_221\n"
                                "g = 1_2_3_4_5\nh1 = 0xDEADBEEF\nh2 = 0xdead_beef\nh3 = 0x00001\n"
                                "o1 = 0o01234567\no2 = 0o755\nb1 = 0b11010110\nz1 = +0\nz2 = -0\n"
                                "max = 9223372036854775807\nmin = -9223372036854775808\n"
                                "hmax = 0x7FFFFFFFFFFFFFFF\nomax = 0o777777777777777777777\n");
    expect_int(r, "a", 99);
    expect_int(r, "b", 42);
    expect_int(r, "c", 0);
    expect_int(r, "d", -17);
    expect_int(r, "e", 1000);
    expect_int(r, "f", 5349221);
    expect_int(r, "g", 12345);
    expect_int(r, "h1", 0xDEADBEEF);
    expect_int(r, "h2", 0xDEADBEEF);
    expect_int(r, "h3", 1);
    expect_int(r, "o1", 01234567);
    expect_int(r, "o2", 0755);
    expect_int(r, "b1", 0xD6);
    expect_int(r, "z1", 0);
    expect_int(r, "z2", 0);
    expect_int(r, "max", INT64_MAX);
    expect_int(r, "min", INT64_MIN);
    expect_int(r, "hmax", INT64_MAX);
    expect_int(r, "omax", INT64_MAX);
    done();
    bad("a = 01\n", "1:5: leading zeros are not allowed");
    bad("a = 0_1\n", "1:5: leading zeros are not allowed");
    bad("a = -01\n", "1:6: leading zeros are not allowed");
    bad("a = _1\n", "1:5: expected a value, found '_'");
    bad("a = 1_\n", "1:6: '_' in a number must be between two digits");
    bad("a = 1__2\n", "1:6: '_' in a number must be between two digits");
    bad("a = 0x_1\n", "1:7: '_' in a hexadecimal integer must be between two digits");
    bad("a = +0x1\n", "1:5: a signed integer cannot have a base prefix");
    bad("a = -0b1\n", "1:5: a signed integer cannot have a base prefix");
    bad("a = 0X1\n", "1:6: unexpected 'X' after an integer");
    bad("a = 0x\n", "1:7: expected a digit in a hexadecimal integer");
    bad("a = 0b102\n", "1:9: unexpected '2' after an integer");
    bad("a = 0o8\n", "1:7: expected a digit in an octal integer");
    bad("a = 9223372036854775808\n", "1:5: integer out of the 64-bit range");
    bad("a = -9223372036854775809\n", "1:5: integer out of the 64-bit range");
    bad("a = 0x8000000000000000\n", "1:5: integer out of the 64-bit range");
    bad("a = 1 2\n", "1:7: expected a newline after a value, found '2'");
}

static void test_floats(void **state)
{
    (void)state;
    const rt_toml_value *r = ok("f1 = +1.0\nf2 = 3.1415\nf3 = -0.01\nf4 = 5e+22\nf5 = 1e06\n"
                                "f6 = -2E-2\nf7 = 6.626e-34\nf8 = 224_617.445_991_228\n"
                                "f9 = 0e0\nf10 = 1e1_0\nz = -0.0\nbig = 1e400\n"
                                "i1 = inf\ni2 = +inf\ni3 = -inf\nn1 = nan\nn2 = +nan\nn3 = -nan\n");
    assert_true(flt(r, "f1") == 1.0);
    assert_true(flt(r, "f2") == 3.1415);
    assert_true(flt(r, "f3") == -0.01);
    assert_true(flt(r, "f4") == 5e22);
    assert_true(flt(r, "f5") == 1e6);
    assert_true(flt(r, "f6") == -2e-2);
    assert_true(flt(r, "f7") == 6.626e-34);
    assert_true(flt(r, "f8") == 224617.445991228);
    assert_true(flt(r, "f9") == 0.0);
    assert_true(flt(r, "f10") == 1e10);
    assert_true(flt(r, "z") == 0.0 && signbit(flt(r, "z")));
    assert_true(isinf(flt(r, "big")));
    assert_true(isinf(flt(r, "i1")) && flt(r, "i1") > 0);
    assert_true(isinf(flt(r, "i2")) && flt(r, "i2") > 0);
    assert_true(isinf(flt(r, "i3")) && flt(r, "i3") < 0);
    assert_true(isnan(flt(r, "n1")) && isnan(flt(r, "n2")) && isnan(flt(r, "n3")));
    done();
    bad("a = 1.\n", "1:7: expected a digit after the decimal point");
    bad("a = .5\n", "1:5: expected a value, found '.'");
    bad("a = 1.e5\n", "1:7: expected a digit after the decimal point");
    bad("a = 1e\n", "1:7: expected a digit in the exponent");
    bad("a = 1e+\n", "1:8: expected a digit in the exponent");
    bad("a = 1_.5\n", "1:6: '_' in a number must be between two digits");
    bad("a = 1._5\n", "1:7: expected a digit after the decimal point");
    bad("a = 1e_5\n", "1:7: expected a digit in the exponent");
    bad("a = 1.2.3\n", "1:8: unexpected '.' after a float");
    bad("a = 01.5\n", "1:5: leading zeros are not allowed");
    bad("a = Inf\n", "1:5: expected a value, found 'I'");
    bad("a = NaN\n", "1:5: expected a value, found 'N'");
    bad("a = infinity\n", "1:8: unexpected 'i' after a float");
    bad("a = +i\n", "1:5: expected a value (inf or nan?)");
}

static void test_booleans_and_dates(void **state)
{
    (void)state;
    const rt_toml_value *r = ok("t = true\nf = false\n"
                                "odt1 = 1979-05-27T07:32:00Z\nodt2 = 1979-05-27T00:32:00-07:00\n"
                                "odt3 = 1979-05-27T00:32:00.999999+05:30\nodt4 = 1979-05-27 07:32:00Z\n"
                                "odt5 = 1979-05-27t07:32:00z\nldt1 = 1979-05-27T07:32:00\n"
                                "ldt2 = 1979-05-27T00:32:00.999999\nld = 1979-05-27 # a date\n"
                                "lt1 = 07:32:00\nlt2 = 00:32:00.999999\nleap = 2000-02-29\n"
                                "leapsec = 1990-12-31T23:59:60Z\n");
    assert_int_equal(at(r, "t")->type, RT_TOML_BOOL);
    assert_true(at(r, "t")->u.boolean);
    assert_false(at(r, "f")->u.boolean);
    static const struct {
        const char *key;
        rt_toml_datetime_kind kind;
    } dates[] = {{"odt1", RT_TOML_OFFSET_DATETIME}, {"odt2", RT_TOML_OFFSET_DATETIME},
                 {"odt3", RT_TOML_OFFSET_DATETIME}, {"odt4", RT_TOML_OFFSET_DATETIME},
                 {"odt5", RT_TOML_OFFSET_DATETIME}, {"ldt1", RT_TOML_LOCAL_DATETIME},
                 {"ldt2", RT_TOML_LOCAL_DATETIME},  {"ld", RT_TOML_LOCAL_DATE},
                 {"lt1", RT_TOML_LOCAL_TIME},       {"lt2", RT_TOML_LOCAL_TIME},
                 {"leap", RT_TOML_LOCAL_DATE},      {"leapsec", RT_TOML_OFFSET_DATETIME}};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        const rt_toml_value *v = at(r, dates[i].key);
        assert_int_equal(v->type, RT_TOML_DATETIME);
        assert_int_equal(v->u.datetime, dates[i].kind);
    }
    done();
    bad("a = True\n", "1:5: expected a value, found 'T'");
    bad("a = truex\n", "1:9: unexpected 'x' after a boolean");
    bad("a = tru\n", "1:5: expected a value, found 't'");
    bad("a = 1979-13-27\n", "1:5: date out of range");
    bad("a = 1979-02-30\n", "1:5: date out of range");
    bad("a = 1900-02-29\n", "1:5: date out of range");
    bad("a = 1979-5-27\n", "1:5: malformed date");
    bad("a = 24:00:00\n", "1:5: time out of range");
    bad("a = 07:60:00\n", "1:5: time out of range");
    bad("a = 07:32:61\n", "1:5: time out of range");
    bad("a = 07:32\n", "1:5: malformed time");
    bad("a = 1979-05-27T07:32Z\n", "1:16: malformed time");
    bad("a = 1979-05-27T07:32:00.Z\n", "1:25: expected a digit after the decimal point of a time");
    bad("a = 1979-05-27T07:32:00+25:00\n", "1:24: malformed time offset");
    bad("a = 1979-05-27T07:32:00+07\n", "1:24: malformed time offset");
    bad("a = 07:32:00Z\n", "1:13: unexpected 'Z' after a time");
    bad("a = 1979-05-27T07:32:00Zx\n", "1:25: unexpected 'x' after a date-time");
}

/* ---- arrays and inline tables ------------------------------------------- */

static void test_arrays(void **state)
{
    (void)state;
    const rt_toml_value *r = ok("a = [ 1, 2, 3 ]\n"
                                "mixed = [ 1, 'two', 3.0, true, [4], {five = 5}, 1979-05-27 ]\n"
                                "nested = [ [ 1, 2 ], [\"a\", \"b\", \"c\"] ]\n"
                                "multi = [\n  1,\n  2, # a comment\n  # a line of comment\n]\n"
                                "empty = []\n"
                                "empty2 = [ # c\n]\n"
                                "strings = [ \"all\", 'strings', \"\"\"are\"\"\", '''the same''' ]\n");
    const rt_toml_value *a = at(r, "a");
    assert_int_equal(a->type, RT_TOML_ARRAY);
    assert_int_equal(a->u.array.len, 3);
    expect_int(r, "a.[2]", 3);
    const rt_toml_value *m = at(r, "mixed");
    assert_int_equal(m->u.array.len, 7);
    assert_int_equal(m->u.array.items[1]->type, RT_TOML_STRING);
    assert_int_equal(m->u.array.items[4]->type, RT_TOML_ARRAY);
    expect_int(r, "mixed.[5].five", 5);
    assert_int_equal(m->u.array.items[6]->type, RT_TOML_DATETIME);
    STR(r, "nested.[1].[2]", "c");
    assert_int_equal(at(r, "multi")->u.array.len, 2);
    assert_int_equal(at(r, "empty")->u.array.len, 0);
    assert_int_equal(at(r, "empty2")->u.array.len, 0);
    STR(r, "strings.[3]", "the same");
    done();
    bad("a = [1 2]\n", "1:8: expected ',' or ']' in an array, found '2'");
    bad("a = [1,,2]\n", "1:8: expected a value, found ','");
    bad("a = [,1]\n", "1:6: expected a value, found ','");
    bad("a = [1, 2\n", "2:1: expected ',' or ']' in an array, found end of file");
    bad("a = [1]\n[[a]]\n", "2:3: [[a]]: the key is already an array (line 1)");
}

static void test_inline_tables(void **state)
{
    (void)state;
    const rt_toml_value *r = ok("name = { first = \"Tom\", last = \"Preston-Werner\" }\n"
                                "animal = { type.name = \"pug\" }\n"
                                "empty = {}\n"
                                "nested = { a = { b = { c = 1 } }, d = [1, {e = 2}] }\n"
                                "ml = { a = \"\"\"x\ny\"\"\", b = [\n1,\n2] }\n"
                                "dotted = { a.b = 1, a.c = 2 }\n");
    STR(r, "name.last", "Preston-Werner");
    STR(r, "animal.type.name", "pug");
    assert_int_equal(at(r, "empty")->type, RT_TOML_TABLE);
    assert_int_equal(at(r, "empty")->u.table.len, 0);
    expect_int(r, "nested.a.b.c", 1);
    expect_int(r, "nested.d.[1].e", 2);
    STR(r, "ml.a", "x\ny");
    expect_int(r, "dotted.a.c", 2);
    /* keys keep their order */
    const rt_toml_value *n = at(r, "name");
    assert_string_equal(n->u.table.items[0].key, "first");
    assert_string_equal(n->u.table.items[1].key, "last");
    done();
    bad("a = {b = 1,\nc = 2}\n", "1:12: expected a key, found a newline");
    bad("a = {b = 1\n}\n", "1:11: expected ',' or '}' in an inline table, found a newline");
    bad("a = {b = 1,}\n", "1:12: trailing comma in an inline table");
    bad("a = {b = 1 c = 2}\n", "1:12: expected ',' or '}' in an inline table, found 'c'");
    bad("a = {,}\n", "1:6: expected a key, found ','");
    bad("a = {b = 1, b = 2}\n", "1:13: key 'b' defined twice (first at line 1)");
    /* inline tables are complete: nothing extends them later */
    bad("a = {}\n[a]\n", "2:2: [a]: the key is already an inline table (line 1)");
    bad("a = {}\n[a.b]\n", "2:2: key 'a' is an inline table (line 1), not a table");
    bad("a = {b = 1}\na.c = 2\n", "2:1: key 'a' is an inline table (line 1) and cannot be extended");
    bad("a = {b = {c = 1}, b.d = 2}\n", "1:19: key 'b' is an inline table (line 1) and cannot be extended");
    bad("a = [{b = 1}]\n[a.c]\n", "2:2: key 'a' is an array (line 1), not a table");
}

/* ---- keys and tables ----------------------------------------------------- */

static void test_keys(void **state)
{
    (void)state;
    const rt_toml_value *r = ok("bare_key = 1\nbare-key = 2\n1234 = 3\n"
                                "\"127.0.0.1\" = 4\n\"character encoding\" = 5\n\"ʎǝʞ\" = 6\n"
                                "'quoted \"value\"' = 7\n\"\" = 8\n"
                                "physical.color = \"orange\"\nphysical . shape = \"round\"\n"
                                "site.\"google.com\" = true\n3.14159 = \"pi\"\n"
                                "true = 9\ninf = 10\n\"esc\\u0041\" = 11\n");
    expect_int(r, "bare_key", 1);
    expect_int(r, "bare-key", 2);
    expect_int(r, "1234", 3);
    assert_non_null(rt_toml_get(r, "127.0.0.1"));
    assert_non_null(rt_toml_get(r, "character encoding"));
    assert_non_null(rt_toml_get(r, "ʎǝʞ"));
    assert_non_null(rt_toml_get(r, "quoted \"value\""));
    assert_int_equal(rt_toml_get(r, "")->value->u.integer, 8);
    STR(r, "physical.shape", "round");
    assert_true(rt_toml_get(at(r, "site"), "google.com")->value->u.boolean);
    STR(r, "3.14159", "pi");
    expect_int(r, "true", 9);
    expect_int(r, "inf", 10);
    expect_int(r, "escA", 11);
    done();
    bad("= 1\n", "1:1: expected a key, found '='");
    bad("ʎǝʞ = 1\n", "1:1: expected a key, found a non-ASCII character");
    bad("a\n= 1\n", "1:2: expected '=' after a key, found a newline");
    bad("key \"value\"\n", "1:5: expected '=' after a key, found '\"'");
    bad("a = hello\n", "1:5: expected a value, found 'h' (strings need quotes)");
    bad("key = # nothing\n", "1:7: expected a value, found '#'");
    bad("key =\n", "1:6: expected a value, found a newline");
    bad("a. = 1\n", "1:4: expected a key, found '='");
    bad("a..b = 1\n", "1:3: expected a key, found '.'");
    bad("first = \"Tom\" last = \"Preston-Werner\"\n", "1:15: expected a newline after a value");
    bad("a = 1\na = 2\n", "2:1: key 'a' defined twice (first at line 1)");
    bad("spelling = 1\n\"spelling\" = 2\n", "2:1: key 'spelling' defined twice");
    bad("a.b = 1\na.b = 2\n", "2:3: key 'a.b' defined twice (first at line 1)");
    bad("name = \"Orange\"\nname.x = 1\n",
        "2:1: key 'name' is a string (line 1) and cannot be extended by a dotted key");
}

static void test_tables(void **state)
{
    (void)state;
    const rt_toml_value *r = ok("top = 0\n"
                                "[table-1]\nkey1 = \"some string\"\n\n"
                                "[dog.\"tater.man\"]\ntype.name = \"pug\"\n"
                                "[ g .  h  . i ] # spaces\n"
                                "[ j . \"ʞ\" . 'l' ]\n"
                                "[x.y.z.w]\n[x] # a super-table after its sub-table\nk = 1\n"
                                "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n"
                                "[fruit.apple.texture] # a sub-table of a dotted-key table\nsmooth = true\n"
                                "[a.b.c]\nz = 1\n[a]\nb.x = 2 # an implicit table, extended\n");
    expect_int(r, "top", 0);
    STR(r, "table-1.key1", "some string");
    STR(rt_toml_get(at(r, "dog"), "tater.man")->value, "type.name", "pug");
    assert_int_equal(at(r, "g.h.i")->type, RT_TOML_TABLE);
    assert_non_null(rt_toml_get(rt_toml_get(at(r, "j"), "ʞ")->value, "l"));
    expect_int(r, "x.k", 1);
    assert_int_equal(at(r, "x.y.z.w")->type, RT_TOML_TABLE);
    assert_true(at(r, "fruit.apple.taste.sweet")->u.boolean);
    assert_true(at(r, "fruit.apple.texture.smooth")->u.boolean);
    expect_int(r, "a.b.c.z", 1);
    expect_int(r, "a.b.x", 2);
    done();
    bad("[a]\n[a]\n", "2:2: table [a] defined twice (first at line 1)");
    bad("[fruit]\napple = \"red\"\n[fruit.apple]\n", "3:8: [fruit.apple]: the key is already a string (line 2)");
    bad("[fruit]\napple.color = \"red\"\n[fruit.apple]\n",
        "3:8: table [fruit.apple] was already defined by dotted keys (line 2)");
    bad("[fruit]\napple.taste.sweet = true\n[fruit.apple.taste]\n",
        "3:14: table [fruit.apple.taste] was already defined by dotted keys");
    bad("a.b = 1\n[a]\n", "2:2: table [a] was already defined by dotted keys (line 1)");
    bad("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n",
        "4:3: table 'b.c' is defined by a [header] (line 1); a dotted key cannot extend it");
    bad("[a.b.c.d]\nz = 9\n[a]\nb.c.d.k.t = 1\n", "4:5: table 'b.c.d' is defined by a [header]");
    bad("[x]\na.b = 1\n[y]\n[x.a]\n", "4:4: table [x.a] was already defined by dotted keys (line 2)");
    bad("[tbl]\n[tbl.a]\n[tbl]\n", "3:2: table [tbl] defined twice");
    bad("[a\nb = 1\n", "1:3: expected ']' to close the header, found a newline");
    bad("[]\n", "1:2: expected a key, found ']'");
    bad("[a] b = 1\n", "1:5: expected a newline after a table header, found 'b'");
    bad("[a.]\n", "1:4: expected a key, found ']'");
    bad("[.a]\n", "1:2: expected a key, found '.'");
    bad("[a..b]\n", "1:4: expected a key, found '.'");
    bad("[\"\"\"a\"\"\"]\n", "1:2: a multi-line string cannot be a key");
}

static void test_arrays_of_tables(void **state)
{
    (void)state;
    const rt_toml_value *r = ok("[[products]]\nname = \"Hammer\"\n"
                                "[[products]] # an empty one\n"
                                "[[products]]\nname = \"Nail\"\n"
                                "[[fruits]]\nname = \"apple\"\n"
                                "[fruits.physical] # of the last fruit\ncolor = \"red\"\n"
                                "[[fruits.varieties]]\nname = \"red delicious\"\n"
                                "[[fruits.varieties]]\nname = \"granny smith\"\n"
                                "[[fruits]]\nname = \"banana\"\n"
                                "[[fruits.varieties]]\nname = \"plantain\"\n"
                                "[[x.y]]\n[x] # after an array of tables below it\nz = 1\n");
    const rt_toml_value *p = at(r, "products");
    assert_int_equal(p->type, RT_TOML_ARRAY);
    assert_int_equal(p->u.array.len, 3);
    assert_int_equal(p->u.array.items[1]->u.table.len, 0);
    STR(r, "products.[2].name", "Nail");
    STR(r, "fruits.[0].physical.color", "red");
    STR(r, "fruits.[0].varieties.[1].name", "granny smith");
    STR(r, "fruits.[1].varieties.[0].name", "plantain");
    expect_int(r, "x.z", 1);
    done();
    bad("fruits = []\n[[fruits]]\n", "2:3: [[fruits]]: the key is already an array (line 1)");
    bad("[fruit.physical]\n[[fruit]]\n", "2:3: [[fruit]]: the key is already a table (line 1)");
    bad("[[fruit]]\n[fruit]\n", "2:2: [fruit]: the key is already an array of tables (line 1)");
    bad("[[a.b]]\n[a]\nb.c = 1\n", "3:1: key 'b' is an array of tables (line 1) and cannot be extended");
    bad("[[a]]\nb = 1\nb = 2\n", "3:1: key 'b' defined twice (first at line 2)");
    bad("[[a]]\n[a.b]\n[a.b]\n", "3:4: table [a.b] defined twice (first at line 2)");
    bad("[[a]\n", "1:4: expected ']]' to close the header, found ']'");
    bad("[ [a]]\n", "1:3: expected a key, found '['");
    bad("[[a] ]\n", "1:4: expected ']]' to close the header, found ']'");
}

/* ---- whitespace, comments, newlines, encoding --------------------------- */

static void test_layout(void **state)
{
    (void)state;
    const rt_toml_value *r = ok("# a comment\n  # indented\n\ta = 1 # after\n\n[t]#c\nb = 2#c");
    expect_int(r, "a", 1);
    expect_int(r, "t.b", 2);
    done();
    r = ok("a = 1\r\n[t]\r\nb = \"x\" # c\r\n");
    STR(r, "t.b", "x");
    assert_int_equal(rt_toml_get(at(r, "t"), "b")->pos.line, 3);
    done();
    r = ok("\xef\xbb\xbf" "a = 1\n"); /* a byte order mark */
    expect_int(r, "a", 1);
    assert_int_equal(rt_toml_get(r, "a")->pos.col, 1);
    done();
    ok("");
    assert_int_equal(doc.root->u.table.len, 0);
    done();
    ok("  \n\t\n");
    done();
    bad("a = 1\r", "1:6: carriage return not followed by a newline");
    bad("a = 1\rb = 2\n", "1:6: carriage return not followed by a newline");
    bad("# x\x01\na = 1\n", "1:4: control character U+0001 in a comment");
    bad("# x\x7f\n", "1:4: control character U+007F in a comment");
    bad("# x\ry\n", "1:4: control character U+000D in a comment");
    bad("a = 1\nb = \"\xff\"\n", "2:6: invalid UTF-8");
    bad("# \xc3\x28\n", "1:3: invalid UTF-8");
    bad("a = \"\xc0\xaf\"\n", "1:6: invalid UTF-8");     /* overlong */
    bad("a = \"\xed\xa0\x80\"\n", "1:6: invalid UTF-8"); /* a surrogate */
    bad("a = \"\xf4\x90\x80\x80\"\n", "1:6: invalid UTF-8"); /* past U+10FFFF */
}

/* Lines and columns: of keys (the last part of a dotted key), values,
 * tables; columns count characters, a tab is one. */
static void test_positions(void **state)
{
    (void)state;
    const rt_toml_value *r = ok("[meta]\nname = \"x\"\n\tversion = 1\n"
                                "\"ké\" = 'é' # two-byte characters count once\n"
                                "a.b.c = [1,\n  2]\n"
                                "[[scope.rules]]\n  selector = 'pkg:x'\n");
    const rt_toml_kv *meta = rt_toml_get(r, "meta");
    assert_int_equal(meta->pos.line, 1);
    assert_int_equal(meta->pos.col, 1);
    const rt_toml_kv *name = rt_toml_get(meta->value, "name");
    assert_int_equal(name->pos.line, 2);
    assert_int_equal(name->pos.col, 1);
    assert_int_equal(name->value->pos.col, 8);
    const rt_toml_kv *version = rt_toml_get(meta->value, "version");
    assert_int_equal(version->pos.line, 3);
    assert_int_equal(version->pos.col, 2);
    assert_int_equal(version->value->pos.col, 12);
    const rt_toml_kv *ke = rt_toml_get(meta->value, "ké");
    assert_int_equal(ke->value->pos.col, 8);
    const rt_toml_kv *c = rt_toml_get(at(meta->value, "a.b"), "c");
    assert_int_equal(c->pos.line, 5);
    assert_int_equal(c->pos.col, 5);
    assert_int_equal(c->value->u.array.items[1]->pos.line, 6);
    assert_int_equal(c->value->u.array.items[1]->pos.col, 3);
    const rt_toml_value *rule = at(r, "scope.rules.[0]");
    assert_int_equal(rule->pos.line, 7);
    const rt_toml_kv *sel = rt_toml_get(rule, "selector");
    assert_int_equal(sel->value->pos.line, 8);
    assert_int_equal(sel->value->pos.col, 14);
    done();
    /* an error's column after multi-byte characters and a tab */
    bad("a = \"é\tδ\x01\"\n", "1:9: control character U+0001");
}

/* ---- limits --------------------------------------------------------------- */

static char *repeat(const char *pre, const char *unit, size_t n, const char *post)
{
    size_t len = strlen(pre) + strlen(unit) * n + strlen(post) + 1;
    char *s = malloc(len);
    assert_non_null(s);
    strcpy(s, pre);
    for (size_t i = 0; i < n; i++)
        strcat(s, unit);
    strcat(s, post);
    return s;
}

static void test_limits(void **state)
{
    (void)state;
    /* arrays nested 64 deep (the value of a is at depth 1) load; 65 do not */
    char *open = repeat("a = ", "[", 64, "");
    char *deep = repeat(open, "]", 64, "\n");
    ok(deep);
    done();
    free(deep);
    free(open);
    open = repeat("a = ", "[", 65, "");
    deep = repeat(open, "]", 65, "\n");
    bad_code(deep, strlen(deep), RT_ELIMIT, "1:69: nesting deeper than 64 levels");
    free(deep);
    free(open);
    char *inl = repeat("a = ", "{b=", 70, "1");
    bad_code(inl, strlen(inl), RT_ELIMIT, "1:195: nesting deeper than 64 levels");
    free(inl);
    char *dotted = repeat("k", ".k", 70, " = 1\n");
    bad_code(dotted, strlen(dotted), RT_ELIMIT, "1:129: key has more than 64 parts");
    free(dotted);
    char *header = repeat("[k", ".k", 63, "]\n");
    bad_code(header, strlen(header), RT_ELIMIT, "1:2: nesting deeper than 64 levels");
    free(header);
    /* [[k]], [[k.k]], ...: each level an array and its table; the 33rd is
     * 65 deep */
    char aot[4096] = "";
    size_t at32 = 0;
    for (int i = 1; i <= 33; i++) {
        if (i == 33)
            at32 = strlen(aot);
        strcat(aot, "[[");
        for (int k = 1; k < i; k++)
            strcat(aot, "k.");
        strcat(aot, "k]]\n");
    }
    bad_code(aot, strlen(aot), RT_ELIMIT, "33:1: nesting deeper than 64 levels");
    assert_int_equal(parse_n(aot, at32), RT_OK); /* 32 levels are 64 deep */
    done();
    /* the size limit */
    size_t big = RT_TOML_MAX_SIZE + 1;
    char *s = malloc(big);
    assert_non_null(s);
    memset(s, '#', big);
    s[big - 1] = '\n';
    assert_int_equal(parse_n(s, big), RT_ELIMIT);
    assert_non_null(strstr(err.msg, "t.toml: 1048577 bytes"));
    /* many keys in one table stay linear (the key index) */
    size_t n = 40000, len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, big - len, "k%zu = %zu\n", i, i);
    assert_int_equal(parse_n(s, len), RT_OK);
    assert_int_equal(doc.root->u.table.len, n);
    expect_int(doc.root, "k39999", 39999);
    done();
    /* and a duplicate among them is found */
    len += (size_t)snprintf(s + len, big - len, "k123 = 0\n");
    assert_int_equal(parse_n(s, len), RT_EFORMAT);
    assert_non_null(strstr(err.msg, "t.toml:40001:1: key 'k123' defined twice (first at line 124)"));
    free(s);
}

/* ---- allocation failure --------------------------------------------------- */

typedef struct counting {
    long calls, fail_at, live;
} counting;

static void *c_alloc(void *ctx, size_t n)
{
    counting *c = ctx;
    if (++c->calls == c->fail_at)
        return NULL;
    void *p = malloc(n);
    if (p)
        c->live++;
    return p;
}

static void *c_realloc(void *ctx, void *p, size_t old, size_t n)
{
    counting *c = ctx;
    (void)old;
    if (++c->calls == c->fail_at)
        return NULL;
    void *q = realloc(p, n);
    if (q && !p)
        c->live++;
    return q;
}

static void c_free(void *ctx, void *p, size_t n)
{
    counting *c = ctx;
    (void)n;
    if (p) {
        c->live--;
        free(p);
    }
}

static void test_alloc_failure(void **state)
{
    (void)state;
    /* enough keys and strings that the index, the arena and the string
     * buffer all grow */
    char src[8192];
    size_t len = (size_t)snprintf(src, sizeof src, "[meta]\nname = \"n\"\nf = 1.5e3\n"
                                                   "s = \"\"\"%0400d\"\"\"\n[[scope.rules]]\n", 7);
    for (int i = 0; i < 60; i++)
        len += (size_t)snprintf(src + len, sizeof src - len, "k%d = [%d, {a.b = 'x'}]\n", i, i);
    counting c = {0, 0, 0};
    rt_allocator a = {c_alloc, c_realloc, c_free, &c};
    long k;
    for (k = 1;; k++) {
        c.calls = 0;
        c.fail_at = k;
        rt_err e;
        int rc = rt_toml_parse(&doc, src, len, "t.toml", &a, &e);
        if (rc == RT_OK) {
            assert_int_equal(rt_toml_get(doc.root, "scope")->value->type, RT_TOML_TABLE);
            rt_toml_doc_free(&doc);
            assert_int_equal(c.live, 0);
            break;
        }
        assert_int_equal(rc, RT_ENOMEM);
        assert_non_null(strstr(e.msg, "t.toml:"));
        assert_non_null(strstr(e.msg, "out of memory"));
        assert_null(doc.root);
        assert_int_equal(c.live, 0);
    }
    assert_true(k > 5); /* the loop did fail allocations */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_strings),     cmocka_unit_test(test_literal_strings),
        cmocka_unit_test(test_multiline_strings), cmocka_unit_test(test_string_errors),
        cmocka_unit_test(test_integers),          cmocka_unit_test(test_floats),
        cmocka_unit_test(test_booleans_and_dates), cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_inline_tables),     cmocka_unit_test(test_keys),
        cmocka_unit_test(test_tables),            cmocka_unit_test(test_arrays_of_tables),
        cmocka_unit_test(test_layout),            cmocka_unit_test(test_positions),
        cmocka_unit_test(test_limits),            cmocka_unit_test(test_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
