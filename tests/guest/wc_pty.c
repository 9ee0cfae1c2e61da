// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * wc_pty: run a program on a pseudo-terminal and script it, as a person at
 * a terminal would (the guest has no tmux or expect). The steps run in
 * order; each prints one line on stdout with CLOCK_MONOTONIC seconds:
 *
 *   --size COLSxROWS  the terminal's size (before the program starts; 160x50)
 *   --expect TEXT     wait until TEXT appears in what the program wrote
 *                     since the last --run or --expect (escape sequences and
 *                     \r removed, "\n" in TEXT is a newline): "found T"
 *   --run CMD         run CMD with sh -c and wait for it: "run T0 T1 STATUS"
 *   --send TEXT       type TEXT ("\n" a newline): "sent T"
 *   --wait            wait for the program to exit: "exit STATUS T"
 *   --log FILE        (first) the bytes the program wrote, as they came
 *   --timeout SECS    for each later --expect and --wait (default 20)
 *
 *   wc_pty [STEP...] -- PROGRAM [ARGS...]
 *
 * A step that times out does not stop the others (each says what it saw).
 * Exit: 0 when every step succeeded, 1 when one timed out (the program is
 * then killed at the end), 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

static int master = -1;
static pid_t child;
static int child_status = -1;
static char *text;		/* what the program wrote, cleaned */
static size_t text_len, text_cap, cursor;	/* --expect looks from cursor on */
static int esc_state;		/* 0 text, 1 after ESC, 2 inside CSI */
static FILE *logf;
static double timeout_s = 20;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *msg)
{
	fprintf(stderr, "wc_pty: %s: %s\n", msg, strerror(errno));
	exit(2);
}

/* Keep what a screen would show as text: no escape sequences, no \r. */
static void keep(const char *buf, ssize_t n)
{
	for (ssize_t i = 0; i < n; i++) {
		unsigned char c = buf[i];

		if (esc_state == 1) {
			esc_state = c == '[' ? 2 : 0;
			continue;
		}
		if (esc_state == 2) {
			if (c >= 0x40 && c <= 0x7e)
				esc_state = 0;
			continue;
		}
		if (c == 0x1b) {
			esc_state = 1;
			continue;
		}
		if (c == '\r')
			continue;
		if (text_len + 1 >= text_cap) {
			text_cap = text_cap ? text_cap * 2 : 65536;
			text = realloc(text, text_cap);
			if (!text)
				die("out of memory");
		}
		text[text_len++] = (char)c;
		text[text_len] = 0;
	}
}

/* Read what the program wrote for up to MS milliseconds; notice its exit. */
static void pump(int ms)
{
	struct pollfd p = { .fd = master, .events = POLLIN };
	char buf[4096];
	ssize_t n;

	if (master >= 0 && poll(&p, 1, ms) > 0) {
		n = read(master, buf, sizeof(buf));
		if (n > 0 && logf)
			fwrite(buf, 1, n, logf);
		if (n > 0)
			keep(buf, n);
		else if (n < 0 && errno == EIO)
			master = -1;	/* every slave closed: the program is gone */
	} else if (master < 0) {
		usleep(ms * 1000);
	}
	if (child > 0 && waitpid(child, &child_status, WNOHANG) == child)
		child = 0;
}

/* "\n" in a step's text is a newline */
static char *unescape(const char *s)
{
	char *out = strdup(s), *o = out;

	if (!out)
		die("out of memory");
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
	return out;
}

static bool expect(const char *arg)
{
	char *want = unescape(arg);
	double end = now() + timeout_s;
	char *hit = NULL;

	while (!(hit = text ? strstr(text + cursor, want) : NULL) && now() < end) {
		if (master < 0 && !child)
			break;	/* nothing more will come */
		pump(20);
	}
	if (hit) {
		cursor = (size_t)(hit - text) + strlen(want);
		printf("found %.3f %s\n", now(), arg);
	} else {
		printf("timeout %.3f %s\n", now(), arg);
	}
	free(want);
	return hit != NULL;
}

static bool run(const char *cmd)
{
	double t0 = now();
	int status;
	pid_t pid;

	cursor = text_len;
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	/* keep reading the program meanwhile: a full terminal would block it */
	while (waitpid(pid, &status, WNOHANG) == 0)
		pump(10);
	printf("run %.3f %.3f %d %s\n", t0, now(), WIFEXITED(status) ? WEXITSTATUS(status) : 128,
	       cmd);
	return true;
}

static bool wait_exit(void)
{
	double end = now() + timeout_s;

	while (child > 0 && now() < end)
		pump(20);
	while (master >= 0 && child == 0 && now() < end)
		pump(20);	/* the rest of its output */
	if (child > 0) {
		printf("timeout %.3f exit\n", now());
		return false;
	}
	printf("exit %d %.3f\n", WIFEXITED(child_status) ? WEXITSTATUS(child_status) :
	       128 + WTERMSIG(child_status), now());
	return true;
}

static void start(char **argv, unsigned short cols, unsigned short rows)
{
	struct winsize ws = { .ws_col = cols, .ws_row = rows };
	char *name;
	int slave;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master) || !(name = ptsname(master)))
		die("cannot open a pseudo-terminal");
	ioctl(master, TIOCSWINSZ, &ws);
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		setsid();
		slave = open(name, O_RDWR);
		if (slave < 0)
			_exit(127);
		ioctl(slave, TIOCSCTTY, 0);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		if (slave > 2)
			close(slave);
		close(master);
		execvp(argv[0], argv);
		fprintf(stderr, "wc_pty: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
}

int main(int argc, char **argv)
{
	unsigned cols = 160, rows = 50;
	int dash = 0;
	bool ok = true, step_ok;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			dash = i;
			break;
		}
	if (!dash || dash + 1 >= argc) {
		fprintf(stderr, "usage: wc_pty [STEP...] -- PROGRAM [ARGS...]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < dash; i++) {
		const char *step = argv[i], *arg = i + 1 < dash ? argv[i + 1] : NULL;

		if (!strcmp(step, "--wait")) {
			if (!child && master < 0)
				start(argv + dash + 1, cols, rows);
			ok &= wait_exit();
			continue;
		}
		if (!arg) {
			fprintf(stderr, "wc_pty: %s needs an argument\n", step);
			return 2;
		}
		i++;
		if (!strcmp(step, "--size")) {
			if (sscanf(arg, "%ux%u", &cols, &rows) != 2 || !cols || !rows || cols > 1000 || rows > 1000) {
				fprintf(stderr, "wc_pty: bad size '%s'\n", arg);
				return 2;
			}
			continue;
		}
		if (!strcmp(step, "--log")) {
			logf = fopen(arg, "w");
			if (!logf)
				die(arg);
			continue;
		}
		if (!strcmp(step, "--timeout")) {
			timeout_s = atof(arg);
			continue;
		}
		if (!child && master < 0)
			start(argv + dash + 1, cols, rows);
		step_ok = true;
		if (!strcmp(step, "--expect")) {
			step_ok = expect(arg);
		} else if (!strcmp(step, "--run")) {
			step_ok = run(arg);
		} else if (!strcmp(step, "--send")) {
			char *keys = unescape(arg);

			if (write(master, keys, strlen(keys)) < 0)
				die("write");
			free(keys);
			printf("sent %.3f %s\n", now(), arg);
		} else {
			fprintf(stderr, "wc_pty: unknown step '%s'\n", step);
			return 2;
		}
		ok &= step_ok;
	}
	if (child > 0) {	/* still running after the steps */
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (logf)
		fclose(logf);
	return ok ? 0 : 1;
}
