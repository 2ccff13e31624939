/*
 * usefulwriter judge launcher: runs as PID 1 inside the bubblewrap sandbox (bwrap --as-pid-1).
 * Trusted code until it execs the submission. It
 *   - makes itself non-dumpable (the submission, same uid, cannot open its descriptors in /proc) and, being
 *     PID 1 of the namespace, cannot be killed from inside it;
 *   - forks the submission with rlimits set, every descriptor above stdio closed and a
 *     fixed environment;
 *   - reaps every process of the namespace, kills them all when the submission exits or the
 *     wall-clock limit passes, and reports exact CPU time and peak RSS on the status descriptor
 *     (which the submission never holds).
 * usage: launcher STATUS_FD WALL_MS CPU_S NPROC FSIZE_B NOFILE DATA_B STACK_B -- PROG ARGS...
 * A limit of 0 means "leave unchanged". Status line:
 *   exit=<code> signal=<sig> cpu_us=<user+sys of all reaped> maxrss_kb=<peak> wall_timeout=<0|1>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t timed_out = 0;
static void on_alarm(int sig) { (void)sig; timed_out = 1; kill(-1, SIGKILL); }

static void set_limit(int res, unsigned long long v, unsigned long long hard_extra) {
  if (v == 0) return;
  struct rlimit rl = { (rlim_t)v, (rlim_t)(v + hard_extra) };
  if (setrlimit(res, &rl) != 0) { perror("launcher: setrlimit"); _exit(120); }
}

static void close_from(int lowfd, int keep) {
#ifdef SYS_close_range
  if (keep < 0 || keep < lowfd) { if (syscall(SYS_close_range, lowfd, ~0U, 0) == 0) return; }
#endif
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 65536) max = 65536;
  for (int fd = lowfd; fd < max; fd++) if (fd != keep) close(fd);
}

int main(int argc, char **argv) {
  if (argc < 11 || strcmp(argv[9], "--") != 0) { fprintf(stderr, "launcher: bad usage\n"); return 121; }
  int status_fd = atoi(argv[1]);
  unsigned long long wall_ms = strtoull(argv[2], 0, 10), cpu_s = strtoull(argv[3], 0, 10),
                     nproc = strtoull(argv[4], 0, 10), fsize = strtoull(argv[5], 0, 10),
                     nofile = strtoull(argv[6], 0, 10), data = strtoull(argv[7], 0, 10),
                     stack = strtoull(argv[8], 0, 10);
  char **prog = argv + 10;

  prctl(PR_SET_DUMPABLE, 0);
  close_from(3, status_fd); /* nothing but stdio and the status pipe survives */

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, 0);

  struct timeval start, end;
  gettimeofday(&start, 0);
  pid_t child = fork();
  if (child < 0) { perror("launcher: fork"); return 122; }
  if (child == 0) {
    close(status_fd);
    close_from(3, -1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, 0);
    signal(SIGALRM, SIG_DFL);
    set_limit(RLIMIT_CORE, 0, 0);
    {
      struct rlimit zero = { 0, 0 };
      setrlimit(RLIMIT_CORE, &zero);
    }
    set_limit(RLIMIT_CPU, cpu_s, 1);
    set_limit(RLIMIT_NPROC, nproc, 0);
    set_limit(RLIMIT_FSIZE, fsize, 0);
    set_limit(RLIMIT_NOFILE, nofile, 0);
    set_limit(RLIMIT_DATA, data, 0);
    set_limit(RLIMIT_STACK, stack, 0);
    char *env[] = { "PATH=/usr/bin:/bin", "HOME=/tmp", "LANG=C.UTF-8", "TMPDIR=/tmp", 0 };
    execve(prog[0], prog, env);
    perror("launcher: execve");
    _exit(127);
  }

  if (wall_ms > 0) {
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = (time_t)(wall_ms / 1000);
    it.it_value.tv_usec = (suseconds_t)((wall_ms % 1000) * 1000);
    setitimer(ITIMER_REAL, &it, 0);
  }

  int child_status = 0, have_status = 0;
  for (;;) {
    int st;
    pid_t p = waitpid(-1, &st, 0);
    if (p < 0) {
      if (errno == EINTR) continue;
      break; /* ECHILD: everything reaped */
    }
    if (p == child) {
      child_status = st;
      have_status = 1;
      /* the submission is done: nothing it started may outlive it */
      kill(-1, SIGKILL);
    }
  }
  gettimeofday(&end, 0);

  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  unsigned long long cpu_us = (unsigned long long)ru.ru_utime.tv_sec * 1000000ULL + ru.ru_utime.tv_usec +
                              (unsigned long long)ru.ru_stime.tv_sec * 1000000ULL + ru.ru_stime.tv_usec;
  unsigned long long wall_us = (unsigned long long)(end.tv_sec - start.tv_sec) * 1000000ULL +
                               (unsigned long long)(end.tv_usec - start.tv_usec);
  int code = -1, sig = 0;
  if (have_status) {
    if (WIFEXITED(child_status)) code = WEXITSTATUS(child_status);
    else if (WIFSIGNALED(child_status)) sig = WTERMSIG(child_status);
  }
  char line[256];
  int n = snprintf(line, sizeof line, "exit=%d signal=%d cpu_us=%llu maxrss_kb=%ld wall_us=%llu wall_timeout=%d\n",
                   code, sig, cpu_us, ru.ru_maxrss, wall_us, timed_out ? 1 : 0);
  if (write(status_fd, line, (size_t)n) != n) return 123;
  return 0;
}
