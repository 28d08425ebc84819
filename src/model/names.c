/* Names of the enums as the formats spell them. */
#include "runtime_tracing.h"

static const char *const event_names[RT_EVENT_KIND_COUNT] = {
    "Step", "Path", "VariableName", "Variable", "Type", "Value", "Function", "Call",
    "Return", "Event", "Asm", "BindVariable", "Assignment", "DropVariables",
    "CompoundValue", "CellValue", "AssignCompoundItem", "AssignCell", "VariableCell",
    "DropVariable", "DropLastStep", "ThreadStart", "ThreadExit", "ThreadSwitch"};

static const char *const value_names[RT_VALUE_KIND_COUNT] = {
    "Int", "Float", "Bool", "String", "Sequence", "Tuple", "Struct", "Variant",
    "Reference", "Raw", "Error", "None", "Cell", "BigInt", "Char"};

static const char *const type_kind_names[RT_TYPE_KIND_COUNT] = {
    "Seq", "Set", "HashSet", "OrderedSet", "Array", "Varargs", "Struct", "Int", "Float",
    "String", "CString", "Char", "Bool", "Literal", "Ref", "Recursion", "Raw", "Enum",
    "Enum16", "Enum32", "C", "TableKind", "Union", "Pointer", "Error", "FunctionKind",
    "TypeValue", "Tuple", "Variant", "Html", "None", "NonExpanded", "Any", "Slice"};

static const char *const log_kind_names[RT_EVENT_LOG_KIND_COUNT] = {
    "Write", "WriteFile", "WriteOther", "Read", "ReadFile", "ReadOther", "ReadDir",
    "OpenDir", "CloseDir", "Socket", "Open", "Error", "TraceLogEvent", "EvmEvent"};

const char *rt_event_kind_name(rt_event_kind k)
{
    return (unsigned)k < RT_EVENT_KIND_COUNT ? event_names[k] : "?";
}
const char *rt_value_kind_name(rt_value_kind k)
{
    return (unsigned)k < RT_VALUE_KIND_COUNT ? value_names[k] : "?";
}
const char *rt_type_kind_name(rt_type_kind k)
{
    return (unsigned)k < RT_TYPE_KIND_COUNT ? type_kind_names[k] : "?";
}
const char *rt_event_log_kind_name(rt_event_log_kind k)
{
    return (unsigned)k < RT_EVENT_LOG_KIND_COUNT ? log_kind_names[k] : "?";
}
