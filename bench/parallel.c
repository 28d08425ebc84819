/* rt-parallel: how many CPUs this process really gets at the moment. Runs
 * a fixed amount of arithmetic on one thread, then the same on each of two
 * threads at once, and prints the ratio (2.00: two cores free, 1.00: the
 * two vCPUs share one). On a shared or overcommitted machine the second
 * core comes and goes, and with it what a compression thread
 * (rt_writer_options.compress_thread) can save in wall-clock time: the
 * benchmark scripts print this beside their figures.
 *
 *   rt-parallel        prints "parallelism=R one_s=S two_s=T" */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define ROUNDS 300000000ull

static volatile uint64_t sink;

static void *work(void *arg)
{
    uint64_t x = (uint64_t)(uintptr_t)arg;
    for (uint64_t i = 0; i < ROUNDS; i++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    sink = x;
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(void)
{
    double t0 = now_s();
    work((void *)1);
    double one = now_s() - t0;
    pthread_t a, b;
    t0 = now_s();
    if (pthread_create(&a, NULL, work, (void *)2) || pthread_create(&b, NULL, work, (void *)3)) {
        fprintf(stderr, "rt-parallel: cannot start threads\n");
        return 1;
    }
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    double two = now_s() - t0;
    printf("parallelism=%.2f one_s=%.3f two_s=%.3f\n", 2 * one / two, one, two);
    return 0;
}
