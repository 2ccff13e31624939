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
 * usage: launcher STATUS_FD WALL_MS CPU_MS NPROC FSIZE_B NOFILE DATA_B STACK_B -- PROG ARGS...
 * A limit of 0 means "leave unchanged". Status line:
 *   exit=<code> signal=<sig> cpu_us=<user+sys of all reaped> maxrss_kb=<peak> wall_us=<wall> wall_timeout=<0|1> cpu_exceeded=<0|1>
 *
 * Second mode, on the host, started by the judge worker before the sandbox exists:
 *   launcher --cgroup UID GID N PROCS_FILE_1 … PROCS_FILE_N -- PROG ARGS...
 * writes its own pid into each cgroup.procs file (the run's cgroups), drops to UID/GID (-1: keep) with
 * no supplementary groups, and execs PROG (bwrap): bwrap and everything in the box start inside the
 * run's cgroups. Descriptors are left alone (bwrap needs the status pipe and the seccomp filter).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int timed_out = 0, cpu_exceeded = 0;

static void set_limit(int res, unsigned long long v, unsigned long long hard_extra) {
  if (v == 0) return;
  struct rlimit rl = { (rlim_t)v, (rlim_t)(v + hard_extra) };
  if (setrlimit(res, &rl) != 0) { perror("launcher: setrlimit"); _exit(120); }
}

/* Closes every descriptor from lowfd up, except keep (-1: none). */
static void close_from(int lowfd, int keep) {
#ifdef SYS_close_range
  if (keep < lowfd) {
    if (syscall(SYS_close_range, lowfd, ~0U, 0) == 0) return;
  } else if ((keep == lowfd || syscall(SYS_close_range, lowfd, keep - 1, 0) == 0) &&
             syscall(SYS_close_range, keep + 1, ~0U, 0) == 0) {
    return;
  }
#endif
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 65536) max = 65536;
  for (int fd = lowfd; fd < max; fd++) if (fd != keep) close(fd);
}

static int enter_cgroups(int argc, char **argv) {
  if (argc < 6) { fprintf(stderr, "launcher --cgroup: bad usage\n"); return 124; }
  long uid = strtol(argv[2], 0, 10), gid = strtol(argv[3], 0, 10);
  int n = atoi(argv[4]);
  if (n < 0 || 5 + n >= argc || strcmp(argv[5 + n], "--") != 0 || 6 + n >= argc) {
    fprintf(stderr, "launcher --cgroup: bad usage\n");
    return 124;
  }
  char pid[32];
  int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  for (int i = 0; i < n; i++) {
    int fd = open(argv[5 + i], O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, pid, (size_t)len) != len) {
      fprintf(stderr, "launcher --cgroup: cannot enter %s: %s\n", argv[5 + i], strerror(errno));
      return 124;
    }
    close(fd);
  }
  if (gid >= 0 || uid >= 0) {
    if (getuid() == 0 && setgroups(0, 0) != 0) { perror("launcher --cgroup: setgroups"); return 124; }
    if (gid >= 0 && setgid((gid_t)gid) != 0) { perror("launcher --cgroup: setgid"); return 124; }
    if (uid >= 0 && setuid((uid_t)uid) != 0) { perror("launcher --cgroup: setuid"); return 124; }
    if (uid >= 0 && uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
      fprintf(stderr, "launcher --cgroup: privileges not dropped\n");
      return 124;
    }
  }
  char **prog = argv + 6 + n;
  execv(prog[0], prog);
  fprintf(stderr, "launcher --cgroup: cannot run %s: %s\n", prog[0], strerror(errno));
  return 124;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--cgroup") == 0) return enter_cgroups(argc, argv);
  if (argc < 11 || strcmp(argv[9], "--") != 0) { fprintf(stderr, "launcher: bad usage\n"); return 121; }
  int status_fd = atoi(argv[1]);
  unsigned long long wall_ms = strtoull(argv[2], 0, 10), cpu_ms = strtoull(argv[3], 0, 10),
                     nproc = strtoull(argv[4], 0, 10), fsize = strtoull(argv[5], 0, 10),
                     nofile = strtoull(argv[6], 0, 10), data = strtoull(argv[7], 0, 10),
                     stack = strtoull(argv[8], 0, 10);
  char **prog = argv + 10;

  prctl(PR_SET_DUMPABLE, 0);
  close_from(3, status_fd); /* nothing but stdio and the status pipe survives */

  sigset_t chld_block;
  sigemptyset(&chld_block);
  sigaddset(&chld_block, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld_block, 0);

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
    {
      struct rlimit zero = { 0, 0 };
      setrlimit(RLIMIT_CORE, &zero);
    }
    set_limit(RLIMIT_CPU, cpu_ms ? cpu_ms / 1000 + 2 : 0, 1); /* backstop; the poll below is exact */
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

  /* Poll every few ms: CPU of every live process (from /proc) plus what has been reaped, and the
   * wall clock. RLIMIT_CPU is per process and in whole seconds; this catches a limit spread over
   * many processes or threads within ~10 ms. */
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  int child_status = 0, have_status = 0, first = 1;
  long ticks = sysconf(_SC_CLK_TCK);
  for (;;) {
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
      if (p == child) {
        child_status = st;
        have_status = 1;
      }
    }
    if (have_status || (p < 0 && errno == ECHILD)) break;
    if (first) {
      /* most runs are short: wait before the first (costly) look at /proc */
      first = 0;
      struct timespec tick = { 0, 2 * 1000 * 1000 };
      sigtimedwait(&chld, 0, &tick);
      continue;
    }
    struct timeval now;
    gettimeofday(&now, 0);
    unsigned long long elapsed_ms = (unsigned long long)(now.tv_sec - start.tv_sec) * 1000ULL +
                                    (unsigned long long)((now.tv_usec - start.tv_usec) / 1000);
    if (wall_ms > 0 && elapsed_ms > wall_ms) {
      timed_out = 1;
      kill(-1, SIGKILL);
    } else if (cpu_ms > 0) {
      struct rusage ru;
      getrusage(RUSAGE_CHILDREN, &ru);
      unsigned long long used_ms = (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000ULL +
                                   (unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000ULL;
      DIR *d = opendir("/proc");
      if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != 0) {
          if (e->d_name[0] < '1' || e->d_name[0] > '9' || strcmp(e->d_name, "1") == 0) continue;
          char path[300], buf[1024];
          snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
          int fd = open(path, O_RDONLY | O_CLOEXEC);
          if (fd < 0) continue;
          ssize_t n = read(fd, buf, sizeof buf - 1);
          close(fd);
          if (n <= 0) continue;
          buf[n] = 0;
          char *q = strrchr(buf, ')'); /* the command name may contain spaces */
          unsigned long utime = 0, stime = 0;
          if (q && sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) == 2)
            used_ms += (unsigned long long)(utime + stime) * 1000ULL / (unsigned long long)ticks;
        }
        closedir(d);
      }
      if (used_ms > cpu_ms) {
        cpu_exceeded = 1;
        kill(-1, SIGKILL);
      }
    }
    struct timespec tick = { 0, 5 * 1000 * 1000 };
    sigtimedwait(&chld, 0, &tick);
  }
  /* the submission is done: nothing it started may outlive it */
  kill(-1, SIGKILL);
  for (;;) {
    int st;
    pid_t p = waitpid(-1, &st, 0);
    if (p == child) {
      child_status = st;
      have_status = 1;
    }
    if (p < 0 && errno != EINTR) break;
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
  int n = snprintf(line, sizeof line, "exit=%d signal=%d cpu_us=%llu maxrss_kb=%ld wall_us=%llu wall_timeout=%d cpu_exceeded=%d\n",
                   code, sig, cpu_us, ru.ru_maxrss, wall_us, timed_out, cpu_exceeded);
  if (write(status_fd, line, (size_t)n) != n) return 123;
  return 0;
}
