/* A third timing of the spawn floor for benches/probe.sh (not part of the tool): the least a
 * launcher can do, timed as hyperfine -N times a run. Each run is one posix_spawn (stdin
 * /dev/null, stdout and stderr a pipe nobody writes to, a process group of its own, SIGPIPE
 * at its default: what both tools give the program) and one wait4, the clock read right
 * before and right after. Nothing is prepared inside the interval.
 *
 *   spawn_loop RUNS PROGRAM     prints the median and the minimum in microseconds
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 3 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: spawn_loop RUNS PROGRAM\n");
        return 2;
    }
    int runs = atoi(argv[1]);
    double *took = malloc(sizeof(double) * runs);
    int out[2];
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (!took || null < 0 || pipe2(out, O_CLOEXEC) != 0) {
        perror("spawn_loop");
        return 2;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, null, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &set);
    sigemptyset(&set);
    posix_spawnattr_setsigmask(&attr, &set);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETPGROUP);
    char *args[] = {argv[2], NULL};
    for (int i = 0; i < runs; i++) {
        pid_t pid;
        int status;
        double t0 = now_us();
        int e = posix_spawn(&pid, argv[2], &actions, &attr, args, environ);
        if (e != 0 || wait4(pid, &status, 0, NULL) != pid ||
            !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "spawn_loop: run %d of %s failed\n", i, argv[2]);
            return 1;
        }
        took[i] = now_us() - t0;
    }
    qsort(took, runs, sizeof(double), by_value);
    printf("%.1f %.1f\n", took[runs / 2], took[0]);
    return 0;
}
