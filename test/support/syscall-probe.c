/*
 * syscall-probe: asks the live kernel what sys_rseq answers.
 *
 * Reads one case per line on stdin, nine whitespace-separated fields:
 *
 *   op len align flags sig addr regptr reglen regsig
 *
 *   op      register | unregister
 *   len     rseq_len of the call
 *   align   the address is a multiple of align and not of 2*align (addr valid only)
 *   flags   the flags argument, as a signed or unsigned 32-bit number; unregister adds
 *           RSEQ_FLAG_UNREGISTER to it
 *   sig     default (this arch's RSEQ_SIG) | other (RSEQ_SIG + 1)
 *   addr    valid | null | unmapped (a mapping that was removed) | kernel ((uintptr_t)-4096)
 *   regptr  - (nothing registered) | same (the call's address) | other (another area)
 *   reglen  length of the earlier registration (ignored when regptr is -)
 *   regsig  default | other (ignored when regptr is -)
 *
 * and prints one line per case: the errno name of the call ("0", "EINVAL", ...), followed by the
 * signal name when the child running the case was killed ("0 SIGSEGV"), or "SETUP <why>" when the
 * registered state could not be set up. Each case runs in a forked child, so every case starts
 * unregistered and a fatal signal is reported, not suffered. A kernel that kills the task on the
 * way back from the syscall leaves no chance to read its return value, so such a case is run once
 * more under ptrace to read it ("?" when that is not possible, or the child died before the call
 * returned). A registered area that is then unmapped ("unmapped" with regptr "same") kills the
 * child at its next preemption, so such cases are racy by nature.
 *
 * It re-executes itself with GLIBC_TUNABLES=glibc.pthread.rseq=0 so that glibc leaves the
 * thread unregistered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#define RSEQ_SIG 0x53053053
#elif defined(__aarch64__)
#define RSEQ_SIG 0xd428bc00
#elif defined(__arm__)
#define RSEQ_SIG 0xe7f5def3
#elif defined(__powerpc__)
#define RSEQ_SIG 0x0fe5000b
#elif defined(__s390__)
#define RSEQ_SIG 0xB2FF0FFF
#elif defined(__mips__)
#define RSEQ_SIG 0x0350000d
#elif defined(__riscv)
#define RSEQ_SIG 0xf1401073
#elif defined(__loongarch__)
#define RSEQ_SIG 0x002a0010
#else
#error "RSEQ_SIG is not known for this architecture"
#endif

#ifndef __NR_rseq
#error "__NR_rseq is not defined by this libc's headers"
#endif

#define RSEQ_FLAG_UNREGISTER 1
#define TUNABLE "glibc.pthread.rseq=0"
#define EXIT_SETUP 100 /* exit code 100 + errno: the registered state could not be set up */
#define EXIT_UNSUPPORTED 99

/* glibc >= 2.35 tells how much it registered; 0 when the tunable worked. */
extern const unsigned int __rseq_size __attribute__((weak));

struct kase {
	char op[16], sig[16], addr[16], regptr[16], regsig[16];
	unsigned long len, align, reglen;
	int flags;
};

static long sys_rseq(void *area, uint32_t len, int flags, uint32_t sig)
{
	return syscall(__NR_rseq, area, len, flags, sig);
}

static uint32_t signature(const char *which)
{
	return strcmp(which, "other") == 0 ? RSEQ_SIG + 1 : RSEQ_SIG;
}

static const char *errno_name(int e)
{
	static char buf[16];
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	case EFAULT: return "EFAULT";
	case ENOSYS: return "ENOSYS";
	case ENOMEM: return "ENOMEM";
	}
	snprintf(buf, sizeof buf, "errno%d", e);
	return buf;
}

static const char *signal_name(int s)
{
	static char buf[16];
	switch (s) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGKILL: return "SIGKILL";
	case SIGILL: return "SIGILL";
	case SIGABRT: return "SIGABRT";
	case SIGTRAP: return "SIGTRAP";
	case SIGSYS: return "SIGSYS";
	}
	snprintf(buf, sizeof buf, "SIG%d", s);
	return buf;
}

/* A fresh private mapping of at least size bytes, zero-filled and page aligned. */
static char *map(unsigned long size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(EXIT_SETUP + errno);
	return p;
}

/* Whole pages for n bytes, plus one so that even an empty area has a page of its own. */
static unsigned long pages_for(unsigned long n)
{
	unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
	return (n + page - 1) / page * page + page;
}

/* An address that is a multiple of align and not of 2 * align, with room for size bytes. */
static char *aligned_area(unsigned long align, unsigned long size)
{
	uintptr_t base = (uintptr_t)map(pages_for(3 * align + size));
	return (char *)((base + 2 * align - 1) / (2 * align) * (2 * align) + align);
}

/* Runs in the child: sets up the registered state, makes the call, exits with its errno. */
static void run(const struct kase *k)
{
	unsigned long room = k->len > k->reglen ? k->len : k->reglen;
	int registered = strcmp(k->regptr, "-") != 0;
	int same = strcmp(k->regptr, "same") == 0;
	char *area = NULL;

	if (strcmp(k->addr, "valid") == 0)
		area = aligned_area(k->align, room);
	else if (strcmp(k->addr, "unmapped") == 0)
		area = map(pages_for(room));
	else if (strcmp(k->addr, "kernel") == 0)
		area = (char *)(uintptr_t)-4096;
	else if (same) /* null: nothing can be registered there */
		_exit(EXIT_UNSUPPORTED);

	if (registered) {
		char *at = same ? area : map(pages_for(k->reglen));
		if (sys_rseq(at, k->reglen, 0, signature(k->regsig)) != 0)
			_exit(EXIT_SETUP + errno);
	}
	/* unmapped: the mapping is removed, after the registration when that is the same area */
	if (strcmp(k->addr, "unmapped") == 0)
		munmap(area, pages_for(room));

	int flags = k->flags | (strcmp(k->op, "unregister") == 0 ? RSEQ_FLAG_UNREGISTER : 0);
	long rc = sys_rseq(area, k->len, flags, signature(k->sig));
	int err = rc == 0 ? 0 : errno;
	/* Back to user space once more, through the scheduler: a kernel that writes the area on the
	 * way out gets the chance to fault now. */
	sched_yield();
	syscall(SYS_getppid);
	_exit(err);
}

/* Reruns a case under ptrace and returns the errno of the case's rseq call, or -1 when the child
 * died before that call returned. */
static int traced_errno(const struct kase *k)
{
	int calls = strcmp(k->regptr, "-") != 0 ? 2 : 1; /* the setup's registration comes first */
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
			_exit(EXIT_UNSUPPORTED);
		raise(SIGSTOP);
		run(k);
	}
	int status, result = -1, in_rseq = 0, deliver = 0;
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) /* the SIGSTOP */
		return -1;
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL));
	while (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)deliver) == 0) {
		if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
			return result; /* exited or killed: reaped */
		deliver = 0;
		if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
			deliver = WSTOPSIG(status); /* a signal for the child: let it have it */
			continue;
		}
		struct __ptrace_syscall_info info;
		if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, &info) <= 0)
			continue;
		if (info.op == PTRACE_SYSCALL_INFO_ENTRY)
			in_rseq = info.entry.nr == __NR_rseq;
		else if (info.op == PTRACE_SYSCALL_INFO_EXIT && in_rseq && --calls == 0)
			result = info.exit.is_error ? (int)-info.exit.rval : 0;
	}
	waitpid(pid, &status, 0);
	return result;
}

/* Runs one case in a child and prints its result line. */
static void probe(const struct kase *k)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		printf("SETUP fork:%s\n", errno_name(errno));
		return;
	}
	if (pid == 0)
		run(k);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			printf("SETUP waitpid:%s\n", errno_name(errno));
			return;
		}
	if (WIFSIGNALED(status)) {
		int e = traced_errno(k);
		printf("%s %s\n", e < 0 ? "?" : errno_name(e), signal_name(WTERMSIG(status)));
	} else if (WEXITSTATUS(status) == EXIT_UNSUPPORTED) {
		printf("SETUP unsupported\n");
	} else if (WEXITSTATUS(status) >= EXIT_SETUP) {
		printf("SETUP %s\n", errno_name(WEXITSTATUS(status) - EXIT_SETUP));
	} else {
		printf("%s\n", errno_name(WEXITSTATUS(status)));
	}
}

/* Makes sure glibc did not register an area of its own; re-executes with the tunable if needed. */
static void without_glibc_rseq(char **argv)
{
	const char *t = getenv("GLIBC_TUNABLES");
	if (!t || !strstr(t, TUNABLE)) {
		char *v = malloc((t ? strlen(t) + 1 : 0) + sizeof TUNABLE);
		if (!v)
			exit(3);
		sprintf(v, "%s%s%s", t ? t : "", t ? ":" : "", TUNABLE);
		setenv("GLIBC_TUNABLES", v, 1);
		execv("/proc/self/exe", argv);
		perror("syscall-probe: re-exec");
		exit(3);
	}
	if (&__rseq_size && __rseq_size != 0) {
		fprintf(stderr, "syscall-probe: glibc registered rseq despite %s\n", TUNABLE);
		exit(3);
	}
}

int main(int argc, char **argv)
{
	(void)argc;
	without_glibc_rseq(argv);
	char line[512];
	while (fgets(line, sizeof line, stdin)) {
		struct kase k;
		long long flags;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (sscanf(line, "%15s %lu %lu %lld %15s %15s %15s %lu %15s", k.op, &k.len, &k.align,
			   &flags, k.sig, k.addr, k.regptr, &k.reglen, k.regsig) != 9 ||
		    (strcmp(k.op, "register") != 0 && strcmp(k.op, "unregister") != 0) || k.align == 0) {
			printf("SETUP bad-case\n");
			continue;
		}
		k.flags = (int)(uint32_t)flags;
		probe(&k);
	}
	return 0;
}
