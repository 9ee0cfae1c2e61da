// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The exporter's HTTP server: see httpd.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "httpd.h"
#include "numparse.h"

int wc_httpd_parse_listen(const char *arg, struct sockaddr_storage *sa, socklen_t *len,
			  char *err, size_t errlen)
{
	const char *colon = strrchr(arg, ':');
	char host[INET6_ADDRSTRLEN + 2];
	size_t hl;
	uint64_t port;

	memset(sa, 0, sizeof(*sa));
	if (!colon) {
		snprintf(err, errlen, "invalid listen address '%s' (want ADDR:PORT, e.g. 127.0.0.1:9851)", arg);
		return -1;
	}
	if (wc_parse_u64(colon + 1, 1, 65535, &port)) {
		snprintf(err, errlen, "invalid port in '%s' (1 to 65535)", arg);
		return -1;
	}
	hl = (size_t)(colon - arg);
	if (hl >= sizeof(host))
		goto bad_addr;
	memcpy(host, arg, hl);
	host[hl] = 0;
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

		host[hl - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			goto bad_addr;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			goto bad_addr;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
	}
	return 0;
bad_addr:
	snprintf(err, errlen, "invalid listen address '%s' (a numeric IPv4 address, or [IPv6], then :PORT)", arg);
	return -1;
}

#ifdef WC_NO_HTTP
/* The static build: libmicrohttpd's static library needs GnuTLS's, and
 * Debian has no static p11-kit for that. */
struct wc_httpd {
	int unused;
};

struct wc_httpd *wc_httpd_start(const char *listen, char *err, size_t errlen)
{
	(void)listen;
	snprintf(err, errlen, "this static build has no HTTP server: use build/walkcov, or --textfile");
	return NULL;
}

void wc_httpd_set_page(struct wc_httpd *h, char *text, size_t len)
{
	(void)h;
	(void)len;
	free(text);
}

void wc_httpd_stop(struct wc_httpd *h)
{
	(void)h;
}
#else
#include <microhttpd.h>
#include <pthread.h>

struct wc_httpd {
	struct MHD_Daemon *d;
	int fd;
	pthread_mutex_t lock;	/* the page: set by the session, read by MHD's thread */
	char *page;
	size_t len;
};

static const char index_page[] =
	"<html><head><title>walkcov exporter</title></head><body>"
	"<h1>walkcov exporter</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     const char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	static const char not_found[] = "404 not found: the metrics are at /metrics\n";
	static const char not_allowed[] = "405 method not allowed: GET or HEAD\n";
	struct wc_httpd *h = cls;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(url, "/metrics") && strcmp(url, "/"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", not_found,
			     sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", not_allowed,
			     sizeof(not_allowed) - 1, MHD_RESPMEM_PERSISTENT);
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", index_page,
			     sizeof(index_page) - 1, MHD_RESPMEM_PERSISTENT);
	pthread_mutex_lock(&h->lock);
	ret = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
		    h->page ? h->page : "", h->page ? h->len : 0, MHD_RESPMEM_MUST_COPY);
	pthread_mutex_unlock(&h->lock);
	return ret;
}

struct wc_httpd *wc_httpd_start(const char *listen_addr, char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	struct wc_httpd *h;
	socklen_t len;
	int one = 1;

	if (wc_httpd_parse_listen(listen_addr, &sa, &len, err, errlen))
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	/* bound here, not by MHD: the error is errno's, in one line */
	h->fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(h->fd, (struct sockaddr *)&sa, len) || listen(h->fd, 16)) {
		snprintf(err, errlen, "cannot listen on %s: %s", listen_addr, strerror(errno));
		goto fail;
	}
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
				(sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, on_request, h,
				MHD_OPTION_LISTEN_SOCKET, h->fd,
				MHD_OPTION_CONNECTION_LIMIT, 16u,
				MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "cannot start the HTTP server on %s", listen_addr);
		goto fail;
	}
	return h;
fail:
	if (h->fd >= 0)
		close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h);
	return NULL;
}

void wc_httpd_set_page(struct wc_httpd *h, char *text, size_t len)
{
	char *old;

	pthread_mutex_lock(&h->lock);
	old = h->page;
	h->page = text;
	h->len = len;
	pthread_mutex_unlock(&h->lock);
	free(old);
}

void wc_httpd_stop(struct wc_httpd *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);	/* closes the listening socket too */
	pthread_mutex_destroy(&h->lock);
	free(h->page);
	free(h);
}
#endif
