// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The exporter's HTTP server (httpd.h) on 127.0.0.1: /metrics serves the
 * page last set (MHD answers HTTP/1.1 whatever the request's version), with the exposition's content type; / links to it; other
 * paths 404, other methods 405; a port in use and bad addresses fail with
 * one reason, before anything is served.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "check.h"
#include "httpd.h"

/* A port nobody listens on now (the kernel's pick). */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		return -1;
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Send REQ, return the whole answer (malloc'd; the server closes). */
static char *ask(int port, const char *req)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	size_t len = 0, cap = 65536;
	char *buf = calloc(1, cap + 1);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n;

	if (!buf || fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		if (fd >= 0)
			close(fd);
		return buf;
	}
	while (len < cap && (n = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)n;
	close(fd);
	return buf;
}

static void expect(int port, const char *req, const char *want_status, const char *want, const char *name)
{
	char *a = ask(port, req);

	check(a && !strncmp(a, want_status, strlen(want_status)) && (!want || strstr(a, want)),
	      "%s (%.*s)", name, a ? (int)strcspn(a, "\r\n") : 7, a ? a : "nothing");
	free(a);
}

int main(void)
{
	struct sockaddr_storage sa;
	struct wc_httpd *h, *h2;
	char listen_at[64], err[256];
	const char *page = "# HELP walkcov_open_walks x\n# TYPE walkcov_open_walks gauge\nwalkcov_open_walks 3\n";
	socklen_t len;
	int port = free_port();

	check(port > 0, "a free port (%d)", port);
	snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%d", port);
	h = wc_httpd_start(listen_at, err, sizeof(err));
	check(h != NULL, "listens on %s (%s)", listen_at, h ? "" : err);
	if (!h)
		return 1;
	expect(port, "GET /metrics HTTP/1.0\r\n\r\n", "HTTP/1.1 200", "Content-Type: text/plain; version=0.0.4",
	       "before any page: 200, the exposition's content type");
	wc_httpd_set_page(h, strdup(page), strlen(page));
	expect(port, "GET /metrics HTTP/1.0\r\n\r\n", "HTTP/1.1 200", "\r\n\r\n# HELP walkcov_open_walks x\n",
	       "GET /metrics: the page");
	expect(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 200",
	       "walkcov_open_walks 3\n", "HTTP/1.1 too");
	wc_httpd_set_page(h, strdup("walkcov_open_walks 4\n"), 21);
	expect(port, "GET /metrics HTTP/1.0\r\n\r\n", "HTTP/1.1 200", "\r\n\r\nwalkcov_open_walks 4\n",
	       "a new page replaces the old");
	expect(port, "HEAD /metrics HTTP/1.0\r\n\r\n", "HTTP/1.1 200", NULL, "HEAD /metrics");
	expect(port, "GET / HTTP/1.0\r\n\r\n", "HTTP/1.1 200", "href=\"/metrics\"", "GET /: a link to /metrics");
	expect(port, "GET /nope HTTP/1.0\r\n\r\n", "HTTP/1.1 404", NULL, "other paths: 404");
	expect(port, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 405", "Allow: GET, HEAD",
	       "POST: 405 with Allow");
	expect(port, "DELETE / HTTP/1.0\r\n\r\n", "HTTP/1.1 405", NULL, "DELETE: 405");
	{
		char *a = ask(port, "garbage\r\n\r\n");

		check(a && !strstr(a, " 200 ") && !strstr(a, "walkcov"), "a garbage request gets no page");
		free(a);
	}

	h2 = wc_httpd_start(listen_at, err, sizeof(err));
	check(!h2 && strstr(err, "cannot listen on") && strstr(err, "Address already in use"),
	      "a port in use: %s", err);
	wc_httpd_stop(h2);
	wc_httpd_stop(h);
	h = wc_httpd_start(listen_at, err, sizeof(err));
	check(h != NULL, "the port is free again after stop");
	wc_httpd_stop(h);

	check(wc_httpd_parse_listen("127.0.0.1", &sa, &len, err, sizeof(err)) && strstr(err, "ADDR:PORT"),
	      "no port: %s", err);
	check(wc_httpd_parse_listen("127.0.0.1:0", &sa, &len, err, sizeof(err)) && strstr(err, "invalid port"),
	      "port 0: %s", err);
	check(wc_httpd_parse_listen("127.0.0.1:65536", &sa, &len, err, sizeof(err)) != 0, "port 65536");
	check(wc_httpd_parse_listen("127.0.0.1:9x", &sa, &len, err, sizeof(err)) != 0, "port 9x");
	check(wc_httpd_parse_listen("localhost:9851", &sa, &len, err, sizeof(err)) &&
	      strstr(err, "invalid listen address"), "a host name (no DNS): %s", err);
	check(wc_httpd_parse_listen("::1:9851", &sa, &len, err, sizeof(err)) != 0, "IPv6 without brackets");
	check(!wc_httpd_parse_listen("[::1]:9851", &sa, &len, err, sizeof(err)) && sa.ss_family == AF_INET6,
	      "[::1]:9851 is IPv6");
	check(!wc_httpd_parse_listen("0.0.0.0:9851", &sa, &len, err, sizeof(err)) && sa.ss_family == AF_INET &&
	      ntohs(((struct sockaddr_in *)&sa)->sin_port) == 9851, "0.0.0.0:9851");
	return failures ? 1 : 0;
}
