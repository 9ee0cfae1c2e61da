/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The exporter's HTTP server (libmicrohttpd, its own thread): GET or HEAD
 * /metrics answers the latest page, / a link to it, other paths 404, other
 * methods 405. walkcov binds the socket itself, so a bad address or a port
 * in use is one clear line before tracing starts. The static build
 * (build/walkcov.static) has no libmicrohttpd: there wc_httpd_start fails
 * with a message saying so.
 */
#ifndef WALKCOV_HTTPD_H
#define WALKCOV_HTTPD_H

#include <stddef.h>
#include <sys/socket.h>

struct wc_httpd;

/* "ADDR:PORT" with a numeric IPv4 address or "[IPv6]:PORT", port 1 to
 * 65535, into SA; 0, or -1 with a reason in ERR. */
int wc_httpd_parse_listen(const char *arg, struct sockaddr_storage *sa, socklen_t *len,
			  char *err, size_t errlen);
/* Listen on LISTEN ("ADDR:PORT") and serve; NULL with a reason in ERR. */
struct wc_httpd *wc_httpd_start(const char *listen, char *err, size_t errlen);
/* The body of /metrics from now on: TEXT (malloc'd, taken over). */
void wc_httpd_set_page(struct wc_httpd *h, char *text, size_t len);
void wc_httpd_stop(struct wc_httpd *h);

#endif
