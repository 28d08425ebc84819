/* flamegraph: the call stacks of a trace as a self-contained SVG flame
 * graph, or as folded stacks ("main;f;g 123") for other tools. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "profile.h"
#include "progress.h"

static const char flamegraph_help[] =
    "Usage: " CLI_NAME " flamegraph PATH -o OUT.svg [--weight steps|events|bytes]\n"
    "       " CLI_NAME " flamegraph PATH --folded [-o OUT] [--weight ...]\n"
    "\n"
    "Draws the call stacks of the trace PATH (an events file of any format, or a\n"
    "trace directory) as a flame graph: one box per function per distinct stack,\n"
    "as wide as the weight spent in it and its callees; a box's tooltip gives its\n"
    "steps, events and bytes. The SVG needs no network or script; colours are\n"
    "stable per function name.\n"
    "\n"
    "  -o OUT      the file to write ('-' or none with --folded: standard output)\n"
    "  --weight W  steps (Step events, the default), events, or bytes (the encoded\n"
    "              bytes of the events, as in stats)\n"
    "  --folded    write folded stacks instead: 'f;g;h N' per line, N the weight\n"
    "              spent in h itself; the weights add up to the trace's total\n"
    "  --quiet     no progress line on a terminal\n";

#define ULL(x) ((unsigned long long)(x))

#define SVG_WIDTH 1200.0
#define FRAME_HEIGHT 16.0
#define TOP_MARGIN 48.0
#define BOTTOM_MARGIN 8.0
#define SIDE 10.0
#define MIN_WIDTH 0.1 /* pixels: narrower boxes are left out */
#define CHAR_WIDTH 7.0

typedef enum weight { W_STEPS, W_EVENTS, W_BYTES } weight;

static uint64_t cost_of(const prof_cost *c, weight w)
{
    return w == W_STEPS ? c->steps : w == W_EVENTS ? c->events : c->bytes;
}

/* Labels of the functions: the name, with its file and line when another
 * function has the same name. */
typedef struct labels {
    char **text;
    size_t n;
} labels;

static const profile *sort_profile;

static int by_name(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = strcmp(sort_profile->funcs[x].name, sort_profile->funcs[y].name);
    return c ? c : (x > y) - (x < y);
}

/* Zeroed memory (never NULL: exits on OOM). */
static void *xcalloc(size_t n)
{
    void *p = calloc(n ? n : 1, 1);
    if (!p) {
        cli_error("out of memory");
        exit(CLI_INVALID);
    }
    return p;
}

static void make_labels(const profile *p, labels *l)
{
    l->n = p->nfuncs;
    l->text = xcalloc(p->nfuncs * sizeof *l->text);
    uint32_t *order = xcalloc(p->nfuncs * sizeof *order);
    for (size_t i = 0; i < p->nfuncs; i++)
        order[i] = (uint32_t)i;
    sort_profile = p;
    qsort(order, p->nfuncs, sizeof *order, by_name);
    for (size_t i = 0; i < p->nfuncs; i++) {
        uint32_t f = order[i];
        const char *name = p->funcs[f].name;
        bool shared = (i > 0 && strcmp(p->funcs[order[i - 1]].name, name) == 0) ||
                      (i + 1 < p->nfuncs && strcmp(p->funcs[order[i + 1]].name, name) == 0);
        const char *path = profile_func_path(p, f);
        if (!shared || !*path) {
            l->text[f] = cli_strdup(name);
            continue;
        }
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t len = strlen(name) + strlen(base) + 32;
        l->text[f] = xcalloc(len);
        snprintf(l->text[f], len, "%s %s:%lld", name, base, (long long)p->funcs[f].line);
    }
    free(order);
}

static void free_labels(labels *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->text[i]);
    free(l->text);
}

/* A frame name in a folded line: ';' separates frames, a line ends at a
 * newline. */
static void put_folded_name(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc(*s == ';' ? ':' : (*s == '\n' || *s == '\r') ? ' ' : *s, out);
}

static void write_folded(FILE *out, const profile *p, const labels *l, weight w)
{
    uint32_t *chain = xcalloc((p->depth_max + 1) * sizeof *chain);
    for (size_t i = 0; i < p->nnodes; i++) {
        uint64_t v = cost_of(&p->nodes[i].self, w);
        if (!v)
            continue;
        size_t n = 0;
        for (uint32_t k = (uint32_t)i; k != 0; k = p->nodes[k].parent)
            chain[n++] = k;
        if (n == 0) /* the root: events outside any call */
            put_folded_name(out, profile_func_name(p, PROF_NO_CALL));
        while (n--) {
            put_folded_name(out, l->text[p->nodes[chain[n]].func]);
            if (n)
                fputc(';', out);
        }
        fprintf(out, " %llu\n", ULL(v));
    }
    free(chain);
}

/* Text for XML: escaped, control bytes as '?', at most max_chars
 * characters (UTF-8 sequences kept whole) with ".." when cut. */
static void put_xml(FILE *out, const char *s, size_t max_chars)
{
    size_t chars = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if ((*c & 0xC0) != 0x80) {
            if (chars == max_chars) {
                fputs("..", out);
                return;
            }
            chars++;
        }
        switch (*c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*c < 0x20 ? '?' : *c, out); break;
        }
    }
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* A warm colour from the name, the same in every graph. */
static void colour(const char *name, unsigned *r, unsigned *g, unsigned *b)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = (h ^ *c) * 16777619u;
    *r = 205 + h % 50;
    *g = (h >> 8) % 230;
    *b = (h >> 16) % 55;
}

typedef struct layout {
    uint32_t *first, *kids; /* children of node i: kids[first[i] .. first[i + 1]) */
    uint64_t *x;            /* weight left of the node's box */
    uint32_t *depth;
} layout;

static const labels *sort_labels;
static const profile *sort_nodes;

static int by_label(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = strcmp(sort_labels->text[sort_nodes->nodes[x].func],
                   sort_labels->text[sort_nodes->nodes[y].func]);
    return c ? c : (x > y) - (x < y);
}

/* Children sorted by label (as flamegraph.pl), then box positions. */
static void make_layout(const profile *p, const labels *l, const prof_cost *tot, weight w,
                        layout *lay)
{
    size_t n = p->nnodes;
    lay->first = xcalloc((n + 1) * sizeof *lay->first);
    lay->kids = xcalloc(n * sizeof *lay->kids);
    lay->x = xcalloc(n * sizeof *lay->x);
    lay->depth = xcalloc(n * sizeof *lay->depth);
    for (size_t i = 1; i < n; i++)
        lay->first[p->nodes[i].parent + 1]++;
    for (size_t i = 0; i < n; i++)
        lay->first[i + 1] += lay->first[i];
    uint32_t *fill = xcalloc((n + 1) * sizeof *fill);
    memcpy(fill, lay->first, (n + 1) * sizeof *fill);
    for (size_t i = 1; i < n; i++)
        lay->kids[fill[p->nodes[i].parent]++] = (uint32_t)i;
    free(fill);
    sort_labels = l;
    sort_nodes = p;
    for (size_t i = 0; i < n; i++)
        qsort(lay->kids + lay->first[i], lay->first[i + 1] - lay->first[i], sizeof *lay->kids,
              by_label);
    lay->x[0] = 0;
    lay->depth[0] = 0;
    /* Parents come before their children in id order. */
    for (size_t i = 0; i < n; i++) {
        uint64_t x = lay->x[i];
        for (uint32_t k = lay->first[i]; k < lay->first[i + 1]; k++) {
            uint32_t c = lay->kids[k];
            lay->x[c] = x;
            lay->depth[c] = lay->depth[i] + 1;
            x += cost_of(&tot[c], w);
        }
    }
}

static void free_layout(layout *lay)
{
    free(lay->first);
    free(lay->kids);
    free(lay->x);
    free(lay->depth);
}

static const char *const weight_names[] = {"steps", "events", "bytes"};

static void write_svg(FILE *out, const profile *p, const labels *l, weight w, const char *path)
{
    prof_cost *tot = profile_node_totals(p);
    if (!tot) {
        cli_error("out of memory");
        exit(CLI_INVALID);
    }
    layout lay;
    make_layout(p, l, tot, w, &lay);
    uint64_t all = cost_of(&tot[0], w);
    double scale = all ? (SVG_WIDTH - 2 * SIDE) / (double)all : 0;
    uint32_t max_depth = 0;
    for (size_t i = 0; i < p->nnodes; i++)
        if ((double)cost_of(&tot[i], w) * scale >= MIN_WIDTH && lay.depth[i] > max_depth)
            max_depth = lay.depth[i];
    double height = TOP_MARGIN + (max_depth + 1) * FRAME_HEIGHT + BOTTOM_MARGIN;
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
            "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
            "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"Verdana, sans-serif\" "
            "font-size=\"12\">\n",
            SVG_WIDTH, height, SVG_WIDTH, height);
    fprintf(out, "<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"#f8f8f0\"/>\n");
    fprintf(out, "<text x=\"%.0f\" y=\"20\" text-anchor=\"middle\" font-size=\"16\">Flame graph "
                 "of ", SVG_WIDTH / 2);
    put_xml(out, path, 120);
    fprintf(out, "</text>\n<text x=\"%.0f\" y=\"38\" text-anchor=\"middle\" fill=\"#555\">width: "
                 "%s (%llu in all); %llu events, %llu steps, %llu bytes; hover a box for its "
                 "numbers</text>\n",
            SVG_WIDTH / 2, weight_names[w], ULL(all), ULL(p->total.events), ULL(p->total.steps),
            ULL(p->total.bytes));
    for (size_t i = 0; i < p->nnodes; i++) {
        uint64_t v = cost_of(&tot[i], w);
        double width = (double)v * scale;
        if (width < MIN_WIDTH || (i > 0 && v == 0))
            continue;
        double x = SIDE + (double)lay.x[i] * scale;
        double y = height - BOTTOM_MARGIN - (lay.depth[i] + 1) * FRAME_HEIGHT;
        const char *name = i == 0 ? "all" : l->text[p->nodes[i].func];
        unsigned r = 180, g = 180, b = 180;
        if (i > 0)
            colour(name, &r, &g, &b);
        fputs("<g><title>", out);
        put_xml(out, name, SIZE_MAX);
        uint32_t f = p->nodes[i].func;
        const char *fpath = i > 0 ? profile_func_path(p, f) : "";
        if (*fpath) {
            fputs(" (", out);
            put_xml(out, fpath, SIZE_MAX);
            fprintf(out, ":%lld)", (long long)p->funcs[f].line);
        }
        fprintf(out,
                "\n%s: %llu (%.2f%%)\nsteps %llu, events %llu, bytes %llu; in itself: steps "
                "%llu, events %llu, bytes %llu</title>",
                weight_names[w], ULL(v), all ? 100.0 * (double)v / (double)all : 0.0,
                ULL(tot[i].steps), ULL(tot[i].events), ULL(tot[i].bytes),
                ULL(p->nodes[i].self.steps), ULL(p->nodes[i].self.events),
                ULL(p->nodes[i].self.bytes));
        fprintf(out,
                "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" rx=\"2\" "
                "fill=\"rgb(%u,%u,%u)\"/>",
                x, y, width, FRAME_HEIGHT - 1, r, g, b);
        double room = (width - 6) / CHAR_WIDTH;
        if (room >= 3) {
            size_t fit = (size_t)room;
            size_t len = utf8_chars(name);
            fprintf(out, "<text x=\"%.2f\" y=\"%.1f\">", x + 3, y + FRAME_HEIGHT - 4);
            put_xml(out, name, len <= fit ? SIZE_MAX : fit - 2);
            fputs("</text>", out);
        }
        fputs("</g>\n", out);
    }
    fputs("</svg>\n", out);
    free_layout(&lay);
    free(tot);
}

int cmd_flamegraph(int argc, char **argv)
{
    bool folded = cli_take_flag(&argc, argv, "--folded");
    bool quiet = cli_take_flag(&argc, argv, "--quiet");
    static const char *const opts[] = {"-o", "--weight"};
    const char *vals[2], *pos[1];
    size_t npos;
    int rc = cli_parse(argc, argv, opts, vals, 2, pos, 1, &npos);
    if (rc < 0) {
        fputs(flamegraph_help, stdout);
        return CLI_OK;
    }
    if (rc)
        return rc;
    if (npos < 1)
        return cli_usage("flamegraph", "expected PATH");
    const char *out_path = vals[0];
    if (!out_path && !folded)
        return cli_usage("flamegraph", "expected -o OUT.svg (or --folded)");
    weight w = W_STEPS;
    if (vals[1]) {
        size_t k = 0;
        while (k < 3 && strcmp(vals[1], weight_names[k]) != 0)
            k++;
        if (k == 3)
            return cli_usage("flamegraph", "unknown weight '%s' (steps, events or bytes)",
                             vals[1]);
        w = (weight)k;
    }
    profile p;
    int status = profile_run(&p, pos[0], "flamegraph", true, quiet);
    if (status != CLI_OK) {
        profile_free(&p);
        return status;
    }
    bool to_stdout = !out_path || strcmp(out_path, "-") == 0;
    FILE *out = to_stdout ? stdout : fopen(out_path, "w");
    if (!out) {
        cli_error("%s: cannot write: %s", out_path, strerror(errno));
        profile_free(&p);
        return CLI_INVALID;
    }
    labels l;
    make_labels(&p, &l);
    if (folded)
        write_folded(out, &p, &l, w);
    else
        write_svg(out, &p, &l, w, pos[0]);
    free_labels(&l);
    profile_free(&p);
    const char *name = to_stdout ? "standard output" : out_path;
    if (fflush(out) != 0 || ferror(out)) {
        cli_error("%s: write failed: %s", name, strerror(errno));
        status = CLI_INVALID;
    }
    if (!to_stdout && fclose(out) != 0 && status == CLI_OK) {
        cli_error("%s: %s", name, strerror(errno));
        status = CLI_INVALID;
    }
    if (status != CLI_OK && !to_stdout)
        unlink(out_path);
    return status;
}
