// A C++ program built against an installed runtime_tracing (see run.sh):
// the public header must compile as C++ with -Wall -Wextra -Werror -pedantic.
// Records the tutorial trace into DIR through a small RAII wrapper and checks
// the recorded events.
//
//   consumer_cxx DIR
#include <runtime_tracing.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace {

struct TracerDeleter {
    void operator()(rt_tracer *t) const { rt_tracer_free(t); }
};
using Tracer = std::unique_ptr<rt_tracer, TracerDeleter>;

void check(const Tracer &t, int rc)
{
    if (rc != RT_OK)
        throw std::runtime_error(rt_tracer_errmsg(t.get()));
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    try {
        static_assert(RT_VERSION_NUMBER == RT_VERSION_MAJOR * 10000 + RT_VERSION_MINOR * 100 + RT_VERSION_PATCH,
                      "version macros");
        if (rt_version_number() != RT_VERSION_NUMBER || std::string(rt_version_string()) != RT_VERSION_STRING)
            throw std::runtime_error("header and library versions differ");

        rt_tracer *raw = nullptr;
        int rc = rt_tracer_new(&raw, "example_program", nullptr, 0, nullptr);
        if (rc != RT_OK)
            throw std::runtime_error(rt_strerror(rc));
        Tracer t(raw);
        rt_type_id i32 = 0;
        check(t, rt_start(t.get(), "example.rs", 1));
        check(t, rt_register_step(t.get(), "example.rs", 1));
        check(t, rt_ensure_type_id(t.get(), RT_TYPE_INT, "i32", &i32));
        check(t, rt_register_variable_with_full_value(t.get(), "answer", rt_value_int(42, i32)));
        check(t, rt_register_return(t.get(), rt_value_none(0)));
        const std::string dir = argv[1];
        check(t, rt_tracer_write_trace_dir(t.get(), dir.c_str(), RT_FORMAT_DEFAULT));
        std::string kinds;
        for (uint64_t i = 0; i < rt_tracer_event_count(t.get()); i++)
            kinds += std::string(kinds.empty() ? "" : " ") + rt_event_kind_name(rt_tracer_event_at(t.get(), i)->kind);
        const std::string want = "Path Function Call Type Step Type VariableName Value Return";
        if (kinds != want)
            throw std::runtime_error("events: " + kinds);
        std::printf("consumer-c++: runtime_tracing %s, %s\n", rt_version_string(), kinds.c_str());
    } catch (const std::exception &e) {
        std::fprintf(stderr, "consumer-c++: %s\n", e.what());
        return 1;
    }
    return 0;
}
