/* runtime-tracing: convert, print, check and describe CodeTracer traces.
 * Exit status: 0 success, 1 invalid input or a failed check, 2 usage. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "Usage:\n"
    "  " CLI_NAME " convert IN OUT [--to json|v0|v1|ct] [--dialect 0.14|0.19]\n"
    "  " CLI_NAME " cat [--follow] [--dialect 0.14|0.19] IN\n"
    "  " CLI_NAME " format-trace IN OUT [--dialect 0.14|0.19]\n"
    "  " CLI_NAME " validate [--for codetracer-0.14|codetracer-0.19] PATH\n"
    "  " CLI_NAME " info PATH\n"
    "  " CLI_NAME " repair FILE\n"
    "  " CLI_NAME " stats PATH [--top N] [--json]\n"
    "  " CLI_NAME " flamegraph PATH -o OUT.svg [--weight steps|events|bytes] [--folded]\n"
    "  " CLI_NAME " filter check SPEC...\n"
    "  " CLI_NAME " filter explain SPEC... --file PATH --function NAME [--value KIND:NAME]\n"
    "  " CLI_NAME " redact [--trace-filter SPEC]... [--no-default-filter] IN OUT\n"
    "\n"
    "Work with CodeTracer traces: trace.json, trace.bin (v0 or v1, told apart by\n"
    "its header), trace.ct (the CTFS container) and trace directories. Every\n"
    "command reads any format.\n"
    "\n"
    "Commands:\n"
    "  convert       convert an events file to json, v0, v1 or ct\n"
    "  cat           print the events as compact JSON (the text of trace.json)\n"
    "  format-trace  write the events as JSON, one event per line\n"
    "  validate      check a trace directory or an events file\n"
    "  info          describe a trace directory or an events file\n"
    "  repair        make a truncated events file (a killed recording) complete\n"
    "  stats         where the events and bytes go: per function, file, variable\n"
    "  flamegraph    the call stacks as an SVG flame graph or folded stacks\n"
    "  filter        check trace-filter files; explain what they decide for a function\n"
    "  redact        apply trace filters to a recorded trace (skip code, hide values)\n"
    "\n"
    "Options:\n"
    "  -h, --help     this help; " CLI_NAME " COMMAND --help for a command's\n"
    "  --version      the version of the tool and of the library\n"
    "  --quiet        (convert, cat, validate, repair, stats, flamegraph) no progress\n"
    "                 line; it is shown on stderr only when stderr is a terminal\n"
    "\n"
    "Exit status: 0 on success, 1 on invalid input or a failed check, 2 on a usage error.\n";

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"convert", cmd_convert},   {"cat", cmd_cat},   {"format-trace", cmd_format_trace},
    {"validate", cmd_validate}, {"info", cmd_info},     {"repair", cmd_repair},
    {"stats", cmd_stats},       {"flamegraph", cmd_flamegraph}, {"filter", cmd_filter},
    {"redact", cmd_redact},
};

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage(NULL, "missing command");
    const char *cmd = argv[1];
    if (cli_is_help(cmd) || strcmp(cmd, "help") == 0) {
        if (strcmp(cmd, "help") == 0 && argc > 2) {
            char help[] = "--help";
            char *sub[] = {argv[2], help, NULL};
            for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
                if (strcmp(argv[2], commands[i].name) == 0)
                    return commands[i].run(2, sub);
            return cli_usage(NULL, "unknown command '%s'", argv[2]);
        }
        fputs(usage_text, stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf(CLI_NAME " %s (library %s)\n", RT_VERSION_STRING, rt_version_string());
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (cmd[0] == '-')
        return cli_usage(NULL, "unknown option '%s'", cmd);
    return cli_usage(NULL, "unknown command '%s'", cmd);
}
