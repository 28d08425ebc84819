/* The built-in filters compiled into the library. Their text is what is
 * hashed for the trace's provenance. */
#include <string.h>

#include "filter/filter.h"

static const char builtin_default[] =
    "# The built-in filter every recorder puts first in its chain (TRACE-FILTER.md\n"
    "# section 4): trace everything, allow values, and redact every local,\n"
    "# argument, global, return value and attribute whose name holds, in any case,\n"
    "# one of the names of secrets of the Python recorder's built-in filter.\n"
    "[meta]\n"
    "name = \"builtin-default\"\n"
    "version = 1\n"
    "description = \"Trace everything; redact values whose names look like secrets.\"\n"
    "labels = [\"builtin\", \"default\"]\n"
    "\n"
    "[scope]\n"
    "default_exec = \"trace\"\n"
    "default_value_action = \"allow\"\n"
    "\n"
    "[[scope.rules]]\n"
    "# every function, a module of \"\" included\n"
    "selector = 'pkg:regex:.*'\n"
    "reason = \"Redact values whose names look like secrets\"\n"
    "\n"
    "[[scope.rules.value_patterns]]\n"
    "selector = 'local:regex:(?i).*(pass(word)?|passwd|pwd|secret|token|session|cookie|auth|credential|creds|bearer|ssn|credit|card|iban|cvv|cvc|pan|api[_-]?key|private[_-]?key|secret[_-]?key|ssh[_-]?key|jwt|refresh[_-]?token|access[_-]?token).*'\n"
    "action = \"redact\"\n"
    "reason = \"Redact sensitive locals\"\n"
    "\n"
    "[[scope.rules.value_patterns]]\n"
    "selector = 'arg:regex:(?i).*(pass(word)?|passwd|pwd|secret|token|session|cookie|auth|credential|creds|bearer|ssn|credit|card|iban|cvv|cvc|pan|api[_-]?key|private[_-]?key|secret[_-]?key|ssh[_-]?key|jwt|refresh[_-]?token|access[_-]?token).*'\n"
    "action = \"redact\"\n"
    "reason = \"Redact sensitive arguments\"\n"
    "\n"
    "[[scope.rules.value_patterns]]\n"
    "selector = 'global:regex:(?i).*(pass(word)?|passwd|pwd|secret|token|session|cookie|auth|credential|creds|bearer|ssn|credit|card|iban|cvv|cvc|pan|api[_-]?key|private[_-]?key|secret[_-]?key|ssh[_-]?key|jwt|refresh[_-]?token|access[_-]?token).*'\n"
    "action = \"redact\"\n"
    "reason = \"Redact sensitive globals\"\n"
    "\n"
    "[[scope.rules.value_patterns]]\n"
    "selector = 'ret:regex:(?i).*(pass(word)?|passwd|pwd|secret|token|session|cookie|auth|credential|creds|bearer|ssn|credit|card|iban|cvv|cvc|pan|api[_-]?key|private[_-]?key|secret[_-]?key|ssh[_-]?key|jwt|refresh[_-]?token|access[_-]?token).*'\n"
    "action = \"redact\"\n"
    "reason = \"Redact sensitive return values\"\n"
    "\n"
    "[[scope.rules.value_patterns]]\n"
    "selector = 'attr:regex:(?i).*(pass(word)?|passwd|pwd|secret|token|session|cookie|auth|credential|creds|bearer|ssn|credit|card|iban|cvv|cvc|pan|api[_-]?key|private[_-]?key|secret[_-]?key|ssh[_-]?key|jwt|refresh[_-]?token|access[_-]?token).*'\n"
    "action = \"redact\"\n"
    "reason = \"Redact sensitive attributes\"\n";

const char *rt_filter_builtin_text(const char *name, size_t *len)
{
    if (name && strcmp(name, RT_FILTER_BUILTIN_DEFAULT) == 0) {
        *len = sizeof builtin_default - 1;
        return builtin_default;
    }
    return NULL;
}
