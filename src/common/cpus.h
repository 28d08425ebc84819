/* How many CPUs this process may run on: a second one makes a compression
 * thread worth having (rt_*_options_init). */
#ifndef RT_COMMON_CPUS_H
#define RT_COMMON_CPUS_H

/* The CPUs of the process's affinity mask (sysconf's online count when it
 * cannot be read); at least 1. */
unsigned rt_cpu_count(void);

#endif
