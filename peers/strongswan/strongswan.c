/* charon's lifecycle in a network namespace, and the peer_ops table.
 *
 * charon runs as our direct child (so it is reaped and killable), in the
 * case's network namespace and in a private mount namespace with a tmpfs
 * on /run, so its pid file and default sockets never meet another
 * charon's. Everything else goes over vici, charon's control socket in
 * the driver's directory (unix sockets are found by path, so the driver
 * reaches it from its own namespace): one connection kept open for the
 * commands, opened again after a restart, and one per initiate, read
 * without blocking. What is sent is what swanctl would send. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "peers/strongswan/strongswan.h"
#include "pki/pki.h"

#define SS_PATH 640
#define SS_START_MS 30000      /* charon to answer on vici (qemu without KVM
				  needs seconds just to start it) */
#define SS_STATS_MS 5000       /* one stats while it starts */
#define SS_PROBE_MS 60000      /* the kernel's ESP probe (module loads under qemu) */
#define SS_CMD_MS 10000        /* one command (a list-sas with its events) */
#define SS_STOP_MS 3000        /* SIGTERM to exit, before SIGKILL */
#define SS_INITIATE_S 30       /* charon answers an initiate after, at most */
#define SS_DEFAULT_OVER 1440   /* 10% of strongSwan's default 4 h rekey */
#define SS_CONF_MAX (1u << 20) /* a swanctl.conf loaded (ours are a few KiB) */

struct ss_peer {
	struct peer pub;               /* first: ops get &pub */
	pid_t pid;                     /* charon */
	int vici;                      /* the commands' connection (-1: closed) */
	int init_fd;                   /* an initiate's connection (-1: none) */
	int init_log;                  /* its initiate.log */
	bool init_done;                /* charon answered it */
	struct writer init_buf;        /* what came of it, not yet a packet */
	bool libipsec;
	char sock[SS_PATH];            /* dir/vici */
	char conf[SS_PATH];            /* dir/strongswan.conf */
	char env_conf[SS_PATH + 20];   /* STRONGSWAN_CONF=... */
	char last_file[SS_PATH];       /* the last swanctl.conf loaded */
	uint32_t over_time;            /* of the loaded case (see conf.c) */
	uint32_t keepalive_s;          /* in strongswan.conf now (0: charon's default) */
	struct strongswan_watch watch; /* since the latest configure */
};

static const struct peer_ops ss_ops;

static void ss_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool ss_path(char *buf, size_t len, const char *dir, const char *file, char *err,
		    size_t errlen)
{
	int n = snprintf(buf, len, "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "path %.200s/%s: longer than %zu bytes", dir, file, len - 1);
		return false;
	}
	return true;
}

static bool ss_write_file(const char *path, const char *text, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
		return false;
	}
	bool ok = fputs(text, f) >= 0;
	ok = (fclose(f) == 0) && ok;
	if (!ok)
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
	return ok;
}

/* The last len bytes of a file, for error messages ("" when unreadable). */
static void ss_tail(const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);
		long from = size > (long)len - 1 ? size - ((long)len - 1) : 0;
		if (fseek(f, from, SEEK_SET) == 0) {
			size_t n = fread(buf, 1, len - 1, f);
			buf[n] = '\0';
		}
	}
	fclose(f);
	/* one line for the error text */
	for (char *s = buf; *s; s++)
		if (*s == '\n')
			*s = '|';
}

/* Wait for pid up to ms; true when it was reaped (*status set). */
static bool ss_reap(pid_t pid, unsigned ms, int *status)
{
	uint64_t end = clock_ms() + ms;
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return true;
		if (clock_ms() >= end)
			return false;
		ss_sleep_ms(10);
	}
}

/* --- the vici connection --- */

/* Milliseconds left until deadline (0 when past). */
static int ss_left(uint64_t deadline)
{
	uint64_t now = clock_ms();
	return now >= deadline ? 0 : (int)(deadline - now);
}

static void ss_vici_close(struct ss_peer *p)
{
	if (p->vici >= 0)
		close(p->vici);
	p->vici = -1;
}

/* A new connection to charon's socket; -1 with err. */
static int ss_vici_open(const struct ss_peer *p, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(p->sock) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "vici socket path %.60s...: too long", p->sock);
		return -1;
	}
	memcpy(sa.sun_path, p->sock, strlen(p->sock) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "connecting to %s: %s", p->sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Wait until fd is ready for events or the deadline passes. */
static bool ss_vici_wait(int fd, short events, uint64_t deadline, const char *what, unsigned ms,
			 char *err, size_t errlen)
{
	for (;;) {
		struct pollfd pf = { fd, events, 0 };
		int r = poll(&pf, 1, ss_left(deadline));
		if (r > 0)
			return true;
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			snprintf(err, errlen, "%s: no answer within %u ms", what, ms);
		else
			snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return false;
	}
}

/* All of b; *gone when charon's end was closed. */
static bool ss_vici_write(int fd, const uint8_t *b, size_t n, uint64_t deadline,
			  const char *what, unsigned ms, bool *gone, char *err, size_t errlen)
{
	*gone = false;
	while (n) {
		if (!ss_vici_wait(fd, POLLOUT, deadline, what, ms, err, errlen))
			return false;
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0) {
			*gone = errno == EPIPE || errno == ECONNRESET;
			snprintf(err, errlen, "%s: sending: %s", what, strerror(errno));
			return false;
		}
		b += k;
		n -= (size_t)k;
	}
	return true;
}

/* Exactly n bytes; *eof when the stream ended before the first. */
static bool ss_vici_read(int fd, uint8_t *b, size_t n, uint64_t deadline, const char *what,
			 unsigned ms, bool *eof, char *err, size_t errlen)
{
	size_t got = 0;
	while (got < n) {
		if (!ss_vici_wait(fd, POLLIN, deadline, what, ms, err, errlen))
			return false;
		ssize_t k = recv(fd, b + got, n - got, MSG_DONTWAIT);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0) {
			*eof = got == 0 && (k == 0 || errno == ECONNRESET);
			snprintf(err, errlen, "%s: %s", what,
				 k == 0 ? "charon closed the connection" : strerror(errno));
			return false;
		}
		got += (size_t)k;
	}
	return true;
}

/* One packet into buf, parsed into pk (pointing into buf). */
static bool ss_vici_recv(int fd, struct writer *buf, struct vici_packet *pk, uint64_t deadline,
			 const char *what, unsigned ms, bool *eof, char *err, size_t errlen)
{
	uint8_t head[4];
	*eof = false;
	if (!ss_vici_read(fd, head, 4, deadline, what, ms, eof, err, errlen))
		return false;
	uint32_t n = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 |
		     head[3];
	if (n == 0 || n > VICI_MAX_PACKET) {
		snprintf(err, errlen, "%s: a packet of %u bytes from charon", what, n);
		return false;
	}
	buf->len = 0;
	writer_zero(buf, n);
	bool unused;
	if (!ss_vici_read(fd, buf->p, n, deadline, what, ms, &unused, err, errlen))
		return false;
	char e[200];
	if (!vici_packet_parse(buf->p, n, pk, e, sizeof(e))) {
		snprintf(err, errlen, "%s: %s", what, e);
		return false;
	}
	return true;
}

/* One request or registration on the peer's open connection: the reply
 * of type want into buf and pk, events before it to on_event (NULL:
 * dropped). 1 done; 0 failed; -1 the connection was dead before charon
 * answered anything (sending failed, or it ended before a packet). */
typedef bool (*ss_vici_event_fn)(void *ctx, const struct vici_packet *pk, char *err,
				 size_t errlen);
static int ss_vici_try(struct ss_peer *p, const struct vici_msg *m, uint8_t want,
		       struct writer *buf, struct vici_packet *pk, ss_vici_event_fn on_event,
		       void *ctx, uint64_t deadline, const char *what, unsigned ms, char *err,
		       size_t errlen)
{
	bool gone;
	if (!ss_vici_write(p->vici, m->w.p, m->w.len, deadline, what, ms, &gone, err, errlen))
		return gone ? -1 : 0;
	bool any = false;
	for (;;) {
		bool eof;
		if (!ss_vici_recv(p->vici, buf, pk, deadline, what, ms, &eof, err, errlen))
			return eof && !any ? -1 : 0;
		any = true;
		if (pk->type == want)
			return 1;
		if (pk->type == VICI_CMD_UNKNOWN || pk->type == VICI_EVENT_UNKNOWN) {
			snprintf(err, errlen, "%s: charon does not know it (%s)", what,
				 vici_packet_name(pk->type));
			return 0;
		}
		if (pk->type != VICI_EVENT) {
			snprintf(err, errlen, "%s: %s where %s was due", what,
				 vici_packet_name(pk->type), vici_packet_name(want));
			return 0;
		}
		if (on_event && !on_event(ctx, pk, err, errlen))
			return 0;
	}
}

/* ss_vici_try on the peer's connection, opened when closed. With reopen,
 * a connection found dead (charon restarted) is opened again once;
 * without (a registration made on it must hold), that is an error. On
 * any failure the connection is closed: its state is unknown. */
static bool ss_vici_exchange(struct ss_peer *p, const struct vici_msg *m, uint8_t want,
			     struct writer *buf, struct vici_packet *pk, ss_vici_event_fn on_event,
			     void *ctx, bool reopen, uint64_t deadline, const char *what,
			     unsigned ms, char *err, size_t errlen)
{
	bool fresh = p->vici < 0;
	if (fresh && !reopen) {
		snprintf(err, errlen, "%s: the connection to charon was lost", what);
		return false;
	}
	if (fresh && (p->vici = ss_vici_open(p, err, errlen)) < 0)
		return false;
	int r = ss_vici_try(p, m, want, buf, pk, on_event, ctx, deadline, what, ms, err, errlen);
	if (r < 0 && !fresh && reopen) {
		ss_vici_close(p);
		if ((p->vici = ss_vici_open(p, err, errlen)) < 0)
			return false;
		r = ss_vici_try(p, m, want, buf, pk, on_event, ctx, deadline, what, ms, err,
				errlen);
	}
	if (r != 1)
		ss_vici_close(p);
	return r == 1;
}

/* An ended request sent, its response into buf and pk: true when charon
 * answered and did not say success = no. *refused (may be NULL): it
 * answered no, its errmsg in err (else err says why there was no answer). */
static bool ss_vici_request(struct ss_peer *p, const struct vici_msg *m, const char *what,
			    unsigned ms, struct writer *buf, struct vici_packet *pk, bool *refused,
			    char *err, size_t errlen)
{
	if (refused)
		*refused = false;
	if (!ss_vici_exchange(p, m, VICI_CMD_RESPONSE, buf, pk, NULL, NULL, true,
			      clock_ms() + ms, what, ms, err, errlen))
		return false;
	char v[16];
	if (!vici_find_str(pk->msg, pk->len, "success", v, sizeof(v)) || strcmp(v, "yes") == 0)
		return true;
	if (!vici_find_str(pk->msg, pk->len, "errmsg", err, errlen))
		snprintf(err, errlen, "no reason given");
	if (refused)
		*refused = true;
	return false;
}

/* A command with the key/values kv (NULL-ended pairs; NULL: none). */
static bool ss_vici_command(struct ss_peer *p, const char *command, const char *const *kv,
			    unsigned ms, bool *refused, char *err, size_t errlen)
{
	struct vici_msg m;
	struct writer buf;
	struct vici_packet pk;
	vici_msg_begin(&m, VICI_CMD_REQUEST, command);
	for (; kv && kv[0]; kv += 2)
		vici_kv_str(&m, kv[0], kv[1]);
	writer_init(&buf);
	if (refused)
		*refused = false;
	bool ok = vici_msg_end(&m, err, errlen) &&
		  ss_vici_request(p, &m, command, ms, &buf, &pk, refused, err, errlen);
	writer_free(&buf);
	vici_msg_free(&m);
	return ok;
}

/* Register for or unregister from an event. */
static bool ss_vici_event(struct ss_peer *p, bool on, const char *event, bool reopen,
			  uint64_t deadline, unsigned ms, char *err, size_t errlen)
{
	struct vici_msg m;
	struct writer buf;
	struct vici_packet pk;
	vici_msg_begin(&m, on ? VICI_EVENT_REGISTER : VICI_EVENT_UNREGISTER, event);
	writer_init(&buf);
	bool ok = vici_msg_end(&m, err, errlen) &&
		  ss_vici_exchange(p, &m, VICI_EVENT_CONFIRM, &buf, &pk, NULL, NULL, reopen,
				   deadline, on ? "event register" : "event unregister", ms, err,
				   errlen);
	writer_free(&buf);
	vici_msg_free(&m);
	return ok;
}

/* Each list-sa event as swanctl --pretty prints it. */
static bool ss_list_event(void *ctx, const struct vici_packet *pk, char *err, size_t errlen)
{
	if (strcmp(pk->name, "list-sa") != 0)
		return true;
	return vici_pretty(pk->msg, pk->len, "list-sa event", ctx, err, errlen);
}

/* `swanctl --list-sas [--ike name] --noblock --pretty` into text (NUL
 * kept): registered for list-sa, the request, its events until the
 * reply, unregistered. */
static bool ss_list_sas(struct ss_peer *p, const char *name, struct writer *text, char *err,
			size_t errlen)
{
	uint64_t deadline = clock_ms() + SS_CMD_MS;
	struct vici_msg m;
	struct writer buf;
	struct vici_packet pk;
	text->len = 0;
	writer_u8(text, 0);
	text->len = 0;
	if (!ss_vici_event(p, true, "list-sa", true, deadline, SS_CMD_MS, err, errlen))
		return false;
	vici_msg_begin(&m, VICI_CMD_REQUEST, "list-sas");
	if (name)
		vici_kv_str(&m, "ike", name);
	vici_kv_str(&m, "noblock", "yes");
	writer_init(&buf);
	bool ok = vici_msg_end(&m, err, errlen) &&
		  ss_vici_exchange(p, &m, VICI_CMD_RESPONSE, &buf, &pk, ss_list_event, text,
				   false, deadline, "list-sas", SS_CMD_MS, err, errlen) &&
		  vici_pretty(pk.msg, pk.len, "list-sas reply", text, err, errlen) &&
		  ss_vici_event(p, false, "list-sa", false, deadline, SS_CMD_MS, err, errlen);
	writer_free(&buf);
	vici_msg_free(&m);
	return ok;
}

/* --- the initiate, in the background --- */

/* One packet of the initiate's connection into initiate.log as swanctl
 * prints it: "[IKE] ..." per control-log event, then the result. */
static void ss_init_packet(struct ss_peer *p, const struct vici_packet *pk)
{
	char group[16] = "", msg[1024] = "", v[16];
	if (pk->type == VICI_EVENT && strcmp(pk->name, "control-log") == 0) {
		vici_find_str(pk->msg, pk->len, "group", group, sizeof(group));
		vici_find_str(pk->msg, pk->len, "msg", msg, sizeof(msg));
		dprintf(p->init_log, "[%s] %s\n", group, msg);
	} else if (pk->type == VICI_CMD_RESPONSE) {
		if (vici_find_str(pk->msg, pk->len, "success", v, sizeof(v)) &&
		    strcmp(v, "yes") == 0) {
			dprintf(p->init_log, "initiate completed successfully\n");
		} else {
			vici_find_str(pk->msg, pk->len, "errmsg", msg, sizeof(msg));
			dprintf(p->init_log, "initiate failed: %s\n", msg);
		}
		p->init_done = true;
	} else if (pk->type == VICI_CMD_UNKNOWN || pk->type == VICI_EVENT_UNKNOWN) {
		dprintf(p->init_log, "initiate failed: charon answered %s\n",
			vici_packet_name(pk->type));
		p->init_done = true;
	}
}

/* The whole packets read so far, off the front of the buffer; false on
 * a length charon never sends. */
static bool ss_init_packets(struct ss_peer *p)
{
	struct writer *b = &p->init_buf;
	size_t off = 0;
	bool ok = true;
	while (b->len - off >= 4) {
		const uint8_t *h = b->p + off;
		uint32_t n = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
		if (n == 0 || n > VICI_MAX_PACKET) {
			dprintf(p->init_log, "vici: a packet of %u bytes from charon\n", n);
			ok = false;
			break;
		}
		if (b->len - off - 4 < n)
			break;
		struct vici_packet pk;
		char e[200];
		if (vici_packet_parse(h + 4, n, &pk, e, sizeof(e)))
			ss_init_packet(p, &pk);
		else
			dprintf(p->init_log, "%s\n", e);
		off += 4 + n;
	}
	if (off) {
		memmove(b->p, b->p + off, b->len - off);
		b->len -= off;
	}
	return ok;
}

/* What the initiate's connection has, read without blocking (the caller
 * polls: the engine must answer meanwhile); closed once charon answered,
 * when it is gone, or with force (as killing swanctl would). */
static void ss_init_drain(struct ss_peer *p, bool force)
{
	if (p->init_fd < 0)
		return;
	bool gone = false;
	for (;;) {
		uint8_t chunk[4096];
		ssize_t k = recv(p->init_fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (k > 0) {
			writer_bytes(&p->init_buf, chunk, (size_t)k);
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		gone = k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
		break;
	}
	bool ok = ss_init_packets(p);
	if (ok && !gone && !p->init_done && !force)
		return;
	close(p->init_fd);
	close(p->init_log);
	p->init_fd = p->init_log = -1;
	p->init_buf.len = 0;
}

/* `swanctl --initiate --child NAME --ike NAME --timeout 30` on a
 * connection of its own: registered for control-log and the request
 * sent, both at once (charon takes them in order); ss_init_drain reads
 * the rest. */
static bool ss_init_start(struct ss_peer *p, const char *name, const char *logpath, char *err,
			  size_t errlen)
{
	char tmo[16];
	snprintf(tmo, sizeof(tmo), "%d", SS_INITIATE_S * 1000);
	struct vici_msg reg, req;
	vici_msg_begin(&reg, VICI_EVENT_REGISTER, "control-log");
	vici_msg_begin(&req, VICI_CMD_REQUEST, "initiate");
	vici_kv_str(&req, "child", name);
	vici_kv_str(&req, "ike", name);
	vici_kv_str(&req, "timeout", tmo);
	vici_kv_str(&req, "loglevel", "1");
	bool ok = vici_msg_end(&reg, err, errlen) && vici_msg_end(&req, err, errlen);
	int fd = ok ? ss_vici_open(p, err, errlen) : -1;
	int log = fd >= 0 ? open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
	if (fd >= 0 && log < 0)
		snprintf(err, errlen, "opening %s: %s", logpath, strerror(errno));
	uint64_t deadline = clock_ms() + SS_CMD_MS;
	bool gone;
	ok = log >= 0 &&
	     ss_vici_write(fd, reg.w.p, reg.w.len, deadline, "initiate", SS_CMD_MS, &gone, err,
			   errlen) &&
	     ss_vici_write(fd, req.w.p, req.w.len, deadline, "initiate", SS_CMD_MS, &gone, err,
			   errlen);
	vici_msg_free(&reg);
	vici_msg_free(&req);
	if (!ok) {
		if (fd >= 0)
			close(fd);
		if (log >= 0)
			close(log);
		return false;
	}
	p->init_fd = fd;
	p->init_log = log;
	p->init_done = false;
	p->init_buf.len = 0;
	return true;
}

bool strongswan_available(void)
{
	return access(STRONGSWAN_CHARON, X_OK) == 0 && access(STRONGSWAN_SWANCTL, X_OK) == 0;
}

bool strongswan_kernel_esp(void)
{
	static int probed = -1;
	if (probed >= 0)
		return probed;
	/* an ESP SA in a fresh, unnamed network namespace that vanishes with
	 * the command: nothing is left behind and no traffic is sent */
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		if (unshare(CLONE_NEWNET) < 0)
			_exit(126);
		execl("/usr/sbin/ip", "ip", "xfrm", "state", "add", "src", "192.0.2.1", "dst",
		      "192.0.2.2", "proto", "esp", "spi", "0x1000", "mode", "tunnel", "enc",
		      "cbc(aes)", "0x00112233445566778899aabbccddeeff", "auth", "hmac(sha1)",
		      "0x00112233445566778899aabbccddeeff00112233", (char *)NULL);
		_exit(127);
	}
	/* a bound, not a window: the first ESP SA makes the kernel load esp4
	   and the algorithms' modules, which under qemu without KVM on a busy
	   machine took more than 5 s (the kernel lane then ran as if the
	   kernel had no ESP); a kernel without ESP answers at once */
	int status = 0;
	bool reaped = pid > 0 && ss_reap(pid, SS_PROBE_MS, &status);
	bool ok = reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (pid > 0 && !reaped) {
		kill(pid, SIGKILL);
		ss_reap(pid, 1000, &status);
		log_warn("strongswan: ip xfrm state add did not end within %u ms: taken as a kernel "
			 "without ESP", SS_PROBE_MS);
	}
	probed = ok;
	log_info("strongswan: the kernel %s ESP SAs: charon uses %s", ok ? "accepts" : "refuses",
		 ok ? "kernel-netlink" : "kernel-libipsec (UDP-encapsulated ESP only)");
	return ok;
}

/* In the forked child: into the case's network namespace and a private
 * mount namespace with its own /run, then exec charon. Never returns. */
__attribute__((noreturn))
static void ss_charon_exec(const struct ss_peer *p, int nsfd, int outfd, pid_t parent)
{
	char *const argv[] = { (char *)"charon", NULL };
	char *const envp[] = { (char *)p->env_conf, (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			       NULL };
	/* charon must not outlive the driver's process */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	dup2(outfd, 1);
	dup2(outfd, 2);
	setpgid(0, 0);  /* not in the terminal's process group */
	const char *step = "setns";
	if (setns(nsfd, CLONE_NEWNET) < 0)
		goto fail;
	step = "unshare(CLONE_NEWNS)";
	if (unshare(CLONE_NEWNS) < 0)
		goto fail;
	/* private propagation first, or the tmpfs would show on the host */
	step = "mount --make-rprivate /";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		goto fail;
	step = "mount tmpfs /run";
	if (mount("none", "/run", "tmpfs", 0, "mode=0755") < 0)
		goto fail;
	execve(STRONGSWAN_CHARON, argv, envp);
	step = "exec " STRONGSWAN_CHARON;
fail:
	dprintf(2, "ike-conform: charon start: %s: %s\n", step, strerror(errno));
	_exit(126);
}

/* Until charon answers stats on sock (true), exits (false,
 * with the tails of its output and log), or SS_START_MS pass (false,
 * charon killed). */
static bool ss_start_wait(struct ss_peer *p, const char *sock, const char *outpath,
			  const char *logpath, char *err, size_t errlen)
{
	uint64_t end = clock_ms() + SS_START_MS;
	char e[256] = "";
	for (;;) {
		int status;
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			char tail[600], otail[300];
			ss_tail(logpath, tail, sizeof(tail));
			ss_tail(outpath, otail, sizeof(otail));
			p->pid = 0;
			snprintf(err, errlen, "charon in '%s' exited (status %d) before answering; "
				 "charon.out: %s; charon.log: %s", p->pub.ns, status, otail, tail);
			return false;
		}
		if (access(sock, F_OK) == 0 &&
		    ss_vici_command(p, "stats", NULL, SS_STATS_MS, NULL, e, sizeof(e)))
			return true;
		if (clock_ms() >= end)
			break;
		ss_sleep_ms(5);
	}
	char tail[600];
	ss_tail(logpath, tail, sizeof(tail));
	snprintf(err, errlen, "charon in '%s' did not answer on %s within %d ms (%s); "
		 "charon.log: %s", p->pub.ns, sock, SS_START_MS, *e ? e : "no socket", tail);
	kill(p->pid, SIGKILL);
	ss_reap(p->pid, 2000, NULL);
	p->pid = 0;
	return false;
}

/* Start charon and wait until vici answers. */
static bool ss_start(struct ss_peer *p, char *err, size_t errlen)
{
	char nspath[128], sock[SS_PATH], outpath[SS_PATH], logpath[SS_PATH];
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", p->pub.ns);
	if (!ss_path(sock, sizeof(sock), p->pub.dir, "vici", err, errlen) ||
	    !ss_path(outpath, sizeof(outpath), p->pub.dir, "charon.out", err, errlen) ||
	    !ss_path(logpath, sizeof(logpath), p->pub.dir, "charon.log", err, errlen))
		return false;
	ss_vici_close(p);  /* the old charon's */
	unlink(sock);  /* a dead charon's socket; ours, not an artifact */
	int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		snprintf(err, errlen, "namespace '%s': %s: %s", p->pub.ns, nspath, strerror(errno));
		return false;
	}
	int outfd = open(outpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (outfd < 0) {
		snprintf(err, errlen, "opening %s: %s", outpath, strerror(errno));
		close(nsfd);
		return false;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "starting charon: fork: %s", strerror(errno));
		close(nsfd);
		close(outfd);
		return false;
	}
	if (pid == 0)
		ss_charon_exec(p, nsfd, outfd, parent);
	close(nsfd);
	close(outfd);
	p->pid = pid;
	return ss_start_wait(p, sock, outpath, logpath, err, errlen);
}

/* End charon: SIGTERM, then SIGKILL; always reaped. */
static void ss_kill(struct ss_peer *p)
{
	ss_init_drain(p, true);
	ss_vici_close(p);
	if (p->pid <= 0)
		return;
	kill(p->pid, SIGTERM);
	if (!ss_reap(p->pid, SS_STOP_MS, NULL)) {
		kill(p->pid, SIGKILL);
		ss_reap(p->pid, 2000, NULL);
	}
	p->pid = 0;
}

/* The names in get-conns' reply: its "conns" list, at most max. */
static size_t ss_conn_names(const struct vici_packet *pk, char (*names)[256], size_t max)
{
	struct vici_reader vr;
	struct vici_elem e;
	char err[8];
	size_t n = 0;
	bool in = false;
	vici_reader_init(&vr, pk->msg, pk->len);
	while (vici_next(&vr, &e, err, sizeof(err)) > 0) {
		if (e.type == VICI_LIST_START)
			in = e.depth == 0 && strcmp(e.name, "conns") == 0;
		else if (e.type == VICI_LIST_ITEM && in && n < max)
			snprintf(names[n++], sizeof(names[0]), "%.*s", (int)e.len,
				 (const char *)e.value);
	}
	return n;
}

/* Connections charon holds from earlier loads and that are not in l:
 * unloaded, as swanctl does (a refusal is only worth a warning). */
static bool ss_unload_others(struct ss_peer *p, const struct strongswan_load *l,
			     const char (*had)[256], size_t nhad, char *err, size_t errlen)
{
	for (size_t i = 0; i < nhad; i++) {
		bool keep = false;
		for (size_t k = 0; k < l->n && !keep; k++)
			keep = l->req[k].conn && strcmp(l->req[k].name, had[i]) == 0;
		if (keep)
			continue;
		const char *kv[] = { "name", had[i], NULL };
		bool refused;
		char e[300];
		if (!ss_vici_command(p, "unload-conn", kv, SS_CMD_MS, &refused, e, sizeof(e))) {
			if (!refused) {
				snprintf(err, errlen, "unload-conn '%s': %s", had[i], e);
				return false;
			}
			log_warn("strongswan: unloading connection '%s' failed: %s", had[i], e);
		}
	}
	return true;
}

/* charon's connections from earlier loads, by get-conns. */
static bool ss_load_listed(struct ss_peer *p, char (*had)[256], size_t max, size_t *nhad,
			   char *err, size_t errlen)
{
	struct vici_msg m;
	struct writer buf;
	struct vici_packet pk;
	vici_msg_begin(&m, VICI_CMD_REQUEST, "get-conns");
	writer_init(&buf);
	bool ok = vici_msg_end(&m, err, errlen) &&
		  ss_vici_request(p, &m, "get-conns", SS_CMD_MS, &buf, &pk, NULL, err, errlen);
	*nhad = ok ? ss_conn_names(&pk, had, max) : 0;
	writer_free(&buf);
	vici_msg_free(&m);
	return ok;
}

/* The requests of l in order, get-conns before the first connection (or
 * at the end when there is none), then the unloads. A credential charon
 * refuses is a warning, as swanctl goes on; a connection it refuses
 * fails the load (swanctl's exit status); no answer fails it too. */
static bool ss_load_send(struct ss_peer *p, const char *file, const struct strongswan_load *l,
			 char *err, size_t errlen)
{
	static char had[256][256];  /* one load at a time per process */
	const size_t max = sizeof(had) / sizeof(had[0]);
	size_t nhad = 0;
	struct writer buf;
	struct vici_packet pk;
	writer_init(&buf);
	bool ok = true, listed = false;
	err[0] = '\0';
	for (size_t i = 0; i < l->n && ok; i++) {
		const struct strongswan_req *r = &l->req[i];
		if (r->conn && !listed) {
			listed = true;
			if (!(ok = ss_load_listed(p, had, max, &nhad, err, errlen)))
				break;
		}
		bool refused;
		char e[300];
		if (ss_vici_request(p, &r->msg, r->command, SS_CMD_MS, &buf, &pk, &refused, e,
				    sizeof(e)))
			continue;
		if (refused && !r->conn) {
			log_warn("strongswan: loading %s failed: %s", r->what, e);
			continue;
		}
		snprintf(err, errlen, "loading %s from %s%s: %s", r->what, file,
			 refused ? " failed" : "", e);
		ok = false;
	}
	ok = ok && (listed || ss_load_listed(p, had, max, &nhad, err, errlen)) &&
	     ss_unload_others(p, l, had, nhad, err, errlen);
	writer_free(&buf);
	return ok;
}

/* Load a swanctl.conf as `swanctl --load-all --clear --noprompt --file`
 * would: connections and secrets not in it are unloaded. */
static bool ss_load(struct ss_peer *p, const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	if (!f) {
		snprintf(err, errlen, "reading %s: %s", file, strerror(errno));
		return false;
	}
	struct writer text;
	writer_init(&text);
	bool ok = writer_read(&text, f, SS_CONF_MAX) && text.len <= SS_CONF_MAX;
	fclose(f);
	writer_u8(&text, 0);
	struct strongswan_load l;
	if (!ok)
		snprintf(err, errlen, "reading %s: %s", file,
			 text.len > SS_CONF_MAX ? "longer than 1 MiB" : strerror(errno));
	ok = ok && strongswan_load_build((const char *)text.p, file, &l, err, errlen);
	writer_free(&text);
	if (!ok)
		return false;
	ok = ss_load_send(p, file, &l, err, errlen);
	strongswan_load_free(&l);
	return ok;
}

/* Whether an IKE SA of connection name (NULL: with unique ID id) is
 * still listed. */
static bool ss_still_there(struct ss_peer *p, const char *name, uint32_t id, bool *there,
			   char *err, size_t errlen)
{
	struct writer text;
	writer_init(&text);
	uint32_t ids[64];
	size_t n = 0;
	bool ok = ss_list_sas(p, name, &text, err, errlen);
	if (ok)
		n = strongswan_parse_ike_ids((const char *)text.p, ids, sizeof(ids) / sizeof(ids[0]));
	writer_free(&text);
	*there = name && n > 0;
	for (size_t i = 0; i < n && !name; i++)
		*there = *there || ids[i] == id;
	return ok;
}

/* Terminate IKE SAs by connection name (NULL: by unique ID id), without
 * waiting for the other side. None left to match is fine (gone
 * meanwhile: its own timeout, a Delete), and so is a failure when the
 * SA has gone all the same: the other side's Delete came first. */
static bool ss_terminate_by(struct ss_peer *p, const char *name, uint32_t id, char *err,
			    size_t errlen)
{
	char num[16];
	snprintf(num, sizeof(num), "%u", id);
	const char *kv[] = { name ? "ike" : "ike-id", name ? name : num, "force", "yes", NULL };
	bool refused, there = true;
	char e[300], e2[300];
	if (ss_vici_command(p, "terminate", kv, SS_CMD_MS, &refused, e, sizeof(e)) ||
	    (refused && strstr(e, "no matching SAs")) ||
	    (refused && ss_still_there(p, name, id, &there, e2, sizeof(e2)) && !there))
		return true;
	snprintf(err, errlen, "terminate %s %s: %s", kv[0], kv[1], e);
	return false;
}

bool strongswan_terminate(struct peer *pub, const char *name, char *err, size_t errlen)
{
	return ss_terminate_by((struct ss_peer *)pub, name, 0, err, errlen);
}

/* Every IKE SA charon has, by unique ID. Terminating by connection name
 * misses a responder's half-open SAs: they have no name until mm5 picks a
 * config, and five of them from one address (charon.block_threshold) made
 * charon ignore the next case's mm1 until its half-open timeout (30 s). */
static bool ss_clear(struct ss_peer *p, char *err, size_t errlen)
{
	struct writer text;
	writer_init(&text);
	if (!ss_list_sas(p, NULL, &text, err, errlen)) {
		writer_free(&text);
		return false;
	}
	uint32_t ids[64];
	size_t n = strongswan_parse_ike_ids((const char *)text.p, ids, sizeof(ids) / sizeof(ids[0]));
	writer_free(&text);
	bool ok = true;
	for (size_t i = 0; i < n; i++)
		ok = ss_terminate_by(p, NULL, ids[i], err, errlen) && ok;
	return ok;
}

/* Copy a file (the private key into the swanctl private/ folder). */
static bool ss_copy(const char *from, const char *to, char *err, size_t errlen)
{
	FILE *in = fopen(from, "rb");
	if (!in) {
		snprintf(err, errlen, "reading %s: %s", from, strerror(errno));
		return false;
	}
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!out) {
		snprintf(err, errlen, "writing %s: %s", to, strerror(errno));
		if (fd >= 0)
			close(fd);
		fclose(in);
		return false;
	}
	char buf[4096];
	size_t n;
	bool ok = true;
	while (ok && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		ok = fwrite(buf, 1, n, out) == n;
	ok = !ferror(in) && ok;
	fclose(in);
	ok = fclose(out) == 0 && ok;
	if (!ok)
		snprintf(err, errlen, "copying %s to %s: %s", from, to, strerror(errno));
	return ok;
}

/* Every certificate of a PEM bundle into its own file dir/ca-N.pem: swanctl
 * loads one certificate per file from x509ca/ beside the swanctl.conf, and
 * trusts them all, so a bundle of root and intermediates verifies chains
 * whose peers send only their own certificate. */
static bool ss_split_cas(const char *bundle, const char *dir, char *err, size_t errlen)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	FILE *in = fopen(bundle, "r");
	if (!in) {
		snprintf(err, errlen, "reading %s: %s", bundle, strerror(errno));
		return false;
	}
	char line[512];
	FILE *out = NULL;
	int n = 0;
	bool ok = true;
	while (ok && fgets(line, sizeof(line), in)) {
		if (!out && strncmp(line, begin, sizeof(begin) - 1) == 0) {
			char name[32], path[SS_PATH];
			snprintf(name, sizeof(name), "ca-%d.pem", n++);
			if (!ss_path(path, sizeof(path), dir, name, err, errlen) ||
			    !(out = fopen(path, "w"))) {
				if (!out && !*err)
					snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
				ok = false;
				break;
			}
		}
		if (out) {
			ok = fputs(line, out) >= 0;
			if (strncmp(line, end, sizeof(end) - 1) == 0) {
				ok = fclose(out) == 0 && ok;
				out = NULL;
			}
		}
	}
	if (out)
		fclose(out);
	fclose(in);
	if (ok && n == 0) {
		snprintf(err, errlen, "%s: no PEM certificate", bundle);
		ok = false;
	}
	return ok;
}

/* Absolute paths for swanctl.conf (relative ones would be taken from
 * swanctl's own directories). */
static bool ss_abs(const char *in, char *buf, const char **out, char *err, size_t errlen)
{
	if (!in) {
		*out = NULL;
		return true;
	}
	if (!realpath(in, buf)) {
		snprintf(err, errlen, "%s: %s", in, strerror(errno));
		return false;
	}
	*out = buf;
	return true;
}

/* What charon cannot be told: refused, never run with its defaults. */
static bool ss_configure_refuse(const struct peer_case *c, char *err, size_t errlen)
{
	if (c->life_policy_set) {
		snprintf(err, errlen, "strongSwan has no lifetime policy setting (lifetime_policy is "
			 "for the self peer)");
		return false;
	}
	if (c->no_natt || c->natt) {
		snprintf(err, errlen, "strongSwan always announces NAT-T (RFC 3947 and the drafts); "
			 "natt is for the self peer");
		return false;
	}
	return true;
}

/* keep_alive is charon-wide: rewritten and reloaded when a case changes
 * it; an IKE SA reads it when it is made. */
static bool ss_configure_keepalive(struct ss_peer *p, const struct peer_case *c, char *err,
				   size_t errlen)
{
	uint32_t ka = (c->keepalive_ms + 999) / 1000;
	if (ka == p->keepalive_s)
		return true;
	char conf[4096], e[256];
	if (!strongswan_charon_conf(p->pub.dir, p->libipsec, ka, conf, sizeof(conf), err,
				    errlen) ||
	    !ss_write_file(p->conf, conf, err, errlen))
		return false;
	if (!ss_vici_command(p, "reload-settings", NULL, SS_CMD_MS, NULL, e, sizeof(e))) {
		snprintf(err, errlen, "reload-settings: %s", e);
		return false;
	}
	p->keepalive_s = ka;
	return true;
}

/* The regular files of dir/sub removed (an earlier case's credentials in
 * a shared directory must not load with this one), the folder made. */
static bool ss_clear_dir(const char *dir, const char *sub, char *out, size_t outlen, char *err,
			 size_t errlen)
{
	if (!ss_path(out, outlen, dir, sub, err, errlen) || !peer_mkdirs(out, err, errlen))
		return false;
	DIR *d = opendir(out);
	if (!d) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		return false;
	}
	bool ok = true;
	struct dirent *e;
	while (ok && (e = readdir(d))) {
		char path[SS_PATH];
		struct stat st;
		if (e->d_name[0] == '.' || !ss_path(path, sizeof(path), out, e->d_name, err, errlen))
			continue;
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && unlink(path) < 0) {
			snprintf(err, errlen, "removing %s: %s", path, strerror(errno));
			ok = false;
		}
	}
	closedir(d);
	return ok;
}

/* The intermediates of chain_path into dir as chain-N.pem, the case's own
 * certificate skipped (a test-PKI chain file starts with it). Loaded as
 * plain certificates (x509/), not as CAs: charon finds them when it
 * builds its own chain (credential_manager.c build_trustchain) and sends
 * them as issuer certs after its own (isakmp_cert_post.c), but does not
 * trust them as anchors for the other side's chain. */
static bool ss_chain_files(const char *chain_path, const char *cert_path, const char *dir,
			   char *err, size_t errlen)
{
	struct pki_err pe;
	STACK_OF(X509) *chain = pki_load_certs(chain_path, &pe);
	X509 *ee = chain ? pki_load_cert(cert_path, &pe) : NULL;
	bool ok = chain && ee;
	if (!ok)
		snprintf(err, errlen, "%s", pe.msg);
	for (int i = 0, n = 0; ok && i < sk_X509_num(chain); i++) {
		X509 *c = sk_X509_value(chain, i);
		if (X509_cmp(c, ee) == 0)
			continue;
		char name[32], path[SS_PATH];
		snprintf(name, sizeof(name), "chain-%d.pem", n++);
		ok = ss_path(path, sizeof(path), dir, name, err, errlen);
		if (ok && !pki_write_cert(path, c, false, &pe)) {
			snprintf(err, errlen, "%s", pe.msg);
			ok = false;
		}
	}
	X509_free(ee);
	pki_certs_free(chain);
	return ok;
}

/* The key must be the kind the case's auth names: charon proposes the
 * method of the key it holds (phase1.c get_pubkey_method: RSA 3, ECDSA
 * 9/10/11 by the curve), whatever the case says. */
static bool ss_key_check(const struct peer_case *c, char *err, size_t errlen)
{
	struct pki_err pe;
	EVP_PKEY *key = pki_load_key(c->key_path, &pe);
	bool ok = key && pki_key_fits_auth(key, c->auth, &pe);
	EVP_PKEY_free(key);
	if (!ok)
		snprintf(err, errlen, "%s: %s: %s", c->name, c->key_path, pe.msg);
	return ok;
}

/* charon finds its private key through a certificate that holds its own
 * ID (phase1.c get_pubkey_method): with an ID its certificate does not
 * carry, it sends nothing as initiator ("no private key found"). Said,
 * not refused: a case may want exactly that. Key IDs are looked up by
 * the key's own SHA-1 key ID, which the test PKI does not check here. */
static void ss_id_in_cert(const struct peer_case *c)
{
	if (!c->local_id.type || c->local_id.type == 11)
		return;
	struct pki_err pe;
	X509 *cert = pki_load_cert(c->cert_path, &pe);
	if (cert && !pki_id_matches_cert(cert, c->local_id.type,
					 CHUNK_FROM(c->local_id.data, c->local_id.len), &pe))
		log_warn("strongswan %s: its certificate does not carry its ID (%s): charon "
			 "will find no private key for it", c->name, pe.msg);
	X509_free(cert);
}

/* swanctl --file loads keys from private/ beside the file, CA
 * certificates from x509ca/, other certificates from x509/ and CRLs from
 * x509crl/ (checked by the revocation plugin, in charon's load list). */
static bool ss_configure_pki(const char *dir, const struct peer_case *cc, char *err,
			     size_t errlen)
{
	char pdir[SS_PATH], kfile[SS_PATH], cadir[SS_PATH], xdir[SS_PATH], crldir[SS_PATH];
	err[0] = '\0';
	if (!ss_clear_dir(dir, "private", pdir, sizeof(pdir), err, errlen) ||
	    !ss_clear_dir(dir, "x509ca", cadir, sizeof(cadir), err, errlen) ||
	    !ss_clear_dir(dir, "x509", xdir, sizeof(xdir), err, errlen) ||
	    !ss_clear_dir(dir, "x509crl", crldir, sizeof(crldir), err, errlen))
		return false;
	if (cc->auth == IKE_AUTH_PSK || !cc->key_path)
		return true;
	const char *base = strrchr(cc->key_path, '/') + 1;
	char crlfile[SS_PATH];
	ss_id_in_cert(cc);
	if (!ss_key_check(cc, err, errlen) ||
	    !ss_path(kfile, sizeof(kfile), pdir, base, err, errlen) ||
	    !ss_copy(cc->key_path, kfile, err, errlen) ||
	    (cc->ca_path && !ss_split_cas(cc->ca_path, cadir, err, errlen)) ||
	    (cc->chain_path && !ss_chain_files(cc->chain_path, cc->cert_path, xdir, err, errlen)))
		return false;
	if (cc->crl_path && (!ss_path(crlfile, sizeof(crlfile), crldir, "crl.pem", err, errlen) ||
			     !ss_copy(cc->crl_path, crlfile, err, errlen)))
		return false;
	return true;
}

/* swanctl.conf (with absolute PEM paths) into the case's artifacts, or
 * the driver's directory; its path into file. */
static bool ss_configure_files(struct ss_peer *p, const struct peer_case *c, char *file,
			       size_t filelen, char *err, size_t errlen)
{
	struct peer_case cc = *c;
	static char key[PATH_MAX], cert[PATH_MAX], ca[PATH_MAX], chain[PATH_MAX], crl[PATH_MAX];
	if (!ss_abs(c->key_path, key, &cc.key_path, err, errlen) ||
	    !ss_abs(c->cert_path, cert, &cc.cert_path, err, errlen) ||
	    !ss_abs(c->ca_path, ca, &cc.ca_path, err, errlen) ||
	    !ss_abs(c->chain_path, chain, &cc.chain_path, err, errlen) ||
	    !ss_abs(c->crl_path, crl, &cc.crl_path, err, errlen))
		return false;
	static char text[32768];  /* one configure at a time per process */
	if (!strongswan_swanctl_conf(&cc, text, sizeof(text), err, errlen))
		return false;
	const char *dir = c->artifacts ? c->artifacts : p->pub.dir;
	if (!peer_mkdirs(dir, err, errlen) ||
	    !ss_path(file, filelen, dir, "swanctl.conf", err, errlen) ||
	    !ss_write_file(file, text, err, errlen))
		return false;
	if (!ss_configure_pki(dir, &cc, err, errlen))
		return false;
	return true;
}

static bool ss_configure(struct peer *pub, const struct peer_case *c, char *err, size_t errlen)
{
	struct ss_peer *p = (struct ss_peer *)pub;
	char file[SS_PATH];
	if (!ss_configure_refuse(c, err, errlen) || !ss_configure_keepalive(p, c, err, errlen) ||
	    !ss_configure_files(p, c, file, sizeof(file), err, errlen))
		return false;
	if (p->libipsec && !c->force_encap)
		log_warn("strongswan %s: kernel-libipsec installs only UDP-encapsulated ESP; "
			 "without force_encap the child SA needs a real NAT", c->name);
	/* the earlier cases' SAs go first, so they cannot answer for this one
	   nor count against charon's per-IP half-open limit */
	char e[256];
	if (!ss_clear(p, e, sizeof(e)))
		log_warn("strongswan %s: %s", c->name, e);
	strongswan_watch_start(pub, &p->watch);
	if (!ss_load(p, file, err, errlen))
		return false;
	snprintf(p->last_file, sizeof(p->last_file), "%s", file);
	uint32_t life = c->np1 ? c->p1[0].life_sec : 0;
	p->over_time = life ? strongswan_over_time(life) : SS_DEFAULT_OVER;
	return true;
}

static bool ss_initiate(struct peer *pub, const struct peer_case *c, char *err, size_t errlen)
{
	struct ss_peer *p = (struct ss_peer *)pub;
	ss_init_drain(p, true);
	const char *dir = c->artifacts ? c->artifacts : p->pub.dir;
	char logpath[SS_PATH];
	return ss_path(logpath, sizeof(logpath), dir, "initiate.log", err, errlen) &&
	       ss_init_start(p, c->name, logpath, err, errlen);
}

/* The ID type configured for one side: the case's, or its IKE
 * address's when the case has none (charon then uses the address). */
static uint8_t ss_id_hint(const struct ike_id *id, const struct netaddr *addr)
{
	if (id->type)
		return id->type;
	return addr->family == AF_INET6 ? 5 : 1;
}

static bool ss_view(struct peer *pub, const struct peer_case *c, struct peer_sa_view *out,
		    char *err, size_t errlen)
{
	struct ss_peer *p = (struct ss_peer *)pub;
	ss_init_drain(p, false);
	struct writer text;
	writer_init(&text);
	char e[256];
	bool ok = ss_list_sas(p, c->name, &text, e, sizeof(e));
	if (!ok) {
		memset(out, 0, sizeof(*out));
		snprintf(err, errlen, "list-sas --ike %s: %s", c->name, e);
	}
	ok = ok && strongswan_parse_sas_hinted((const char *)text.p, c->name,
					       ss_id_hint(&c->local_id, &c->local),
					       c->remote_id_any ? 0 : ss_id_hint(&c->remote_id,
										 &c->remote),
					       out, err, errlen);
	writer_free(&text);
	if (!ok)
		return false;
	if (out->present)
		out->life_sec += p->over_time;  /* reauth + over_time: the hard end */
	return true;
}

static bool ss_alive(struct peer *pub, bool *restarted, char *err, size_t errlen)
{
	struct ss_peer *p = (struct ss_peer *)pub;
	*restarted = false;
	ss_init_drain(p, false);
	int status = 0;
	bool dead = p->pid <= 0 || waitpid(p->pid, &status, WNOHANG) == p->pid;
	char why[200] = "";
	if (dead) {
		if (p->pid > 0 && WIFSIGNALED(status))
			snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(status));
		else if (p->pid > 0)
			snprintf(why, sizeof(why), "exited with %d", WEXITSTATUS(status));
		else
			snprintf(why, sizeof(why), "not running");
		p->pid = 0;
	} else {
		char e[200];
		if (ss_vici_command(p, "stats", NULL, 3000, NULL, e, sizeof(e)))
			return true;
		/* running but deaf: no better than dead */
		snprintf(why, sizeof(why), "not answering on vici (%.150s)", e);
		ss_kill(p);
	}
	log_warn("strongswan: charon in '%s' %s: restarting", p->pub.ns, why);
	if (!ss_start(p, err, errlen))
		return false;
	*restarted = true;
	if (p->last_file[0] && !ss_load(p, p->last_file, err, errlen))
		return false;
	return true;
}

static void ss_stop(struct peer *pub)
{
	struct ss_peer *p = (struct ss_peer *)pub;
	if (!p)
		return;
	ss_kill(p);
	writer_free(&p->init_buf);
	free(p);
}

static bool ss_calm(struct peer *pub, const struct peer_case *c, size_t limit, size_t *count,
		    char *err, size_t errlen)
{
	struct ss_peer *p = (struct ss_peer *)pub;
	return strongswan_watch_check(pub, &p->watch, c->name, limit, count, err, errlen);
}

static const struct peer_ops ss_ops = {
	.name = "strongswan",
	.configure = ss_configure,
	.initiate = ss_initiate,
	.view = ss_view,
	.alive = ss_alive,
	.calm = ss_calm,
	.stop = ss_stop,
};

struct peer *strongswan_new(const char *ns, const char *dir, char *err, size_t errlen)
{
	if (!strongswan_available()) {
		snprintf(err, errlen, "strongSwan is not installed (%s, %s)", STRONGSWAN_CHARON,
			 STRONGSWAN_SWANCTL);
		return NULL;
	}
	if (!ns || !*ns || strlen(ns) >= sizeof(((struct peer *)0)->ns) || strchr(ns, '/')) {
		snprintf(err, errlen, "namespace name '%s': empty, too long or with '/'",
			 ns ? ns : "(null)");
		return NULL;
	}
	if (!dir) {
		snprintf(err, errlen, "no directory for charon");
		return NULL;
	}
	if (!peer_mkdirs(dir, err, errlen))
		return NULL;
	struct ss_peer *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "strongswan: out of memory");
		return NULL;
	}
	p->pub.ops = &ss_ops;
	p->vici = p->init_fd = p->init_log = -1;
	writer_init(&p->init_buf);
	snprintf(p->pub.ns, sizeof(p->pub.ns), "%s", ns);
	char abs[PATH_MAX];
	if (!realpath(dir, abs) || strlen(abs) >= sizeof(p->pub.dir)) {
		snprintf(err, errlen, "directory %s: %s", dir,
			 errno ? strerror(errno) : "path too long");
		free(p);
		return NULL;
	}
	memcpy(p->pub.dir, abs, strlen(abs) + 1);  /* length checked above */
	snprintf(p->pub.log, sizeof(p->pub.log), "%s/charon.log", abs);
	p->libipsec = !strongswan_kernel_esp();
	p->over_time = SS_DEFAULT_OVER;
	char text[4096];
	if (!ss_path(p->conf, sizeof(p->conf), abs, "strongswan.conf", err, errlen) ||
	    !ss_path(p->sock, sizeof(p->sock), abs, "vici", err, errlen) ||
	    !strongswan_charon_conf(abs, p->libipsec, 0, text, sizeof(text), err, errlen) ||
	    !ss_write_file(p->conf, text, err, errlen)) {
		free(p);
		return NULL;
	}
	snprintf(p->env_conf, sizeof(p->env_conf), "STRONGSWAN_CONF=%s", p->conf);
	if (!ss_start(p, err, errlen)) {
		ss_vici_close(p);
		free(p);
		return NULL;
	}
	return &p->pub;
}

pid_t strongswan_pid(const struct peer *pub)
{
	return pub ? ((const struct ss_peer *)pub)->pid : 0;
}

void strongswan_watch_start(struct peer *pub, struct strongswan_watch *w)
{
	char path[SS_PATH], e[256];
	struct stat st;
	w->offset = 0;
	if (ss_path(path, sizeof(path), pub->dir, "charon.log", e, sizeof(e)) &&
	    stat(path, &st) == 0)
		w->offset = (long)st.st_size;
	w->start_ms = clock_ms();
}

bool strongswan_watch_check(struct peer *pub, const struct strongswan_watch *w, const char *name,
			    size_t limit, size_t *count, char *err, size_t errlen)
{
	enum { SS_LOG_MAX = 16 << 20 };
	char path[SS_PATH];
	if (count)
		*count = 0;
	if (!ss_path(path, sizeof(path), pub->dir, "charon.log", err, errlen))
		return false;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "reading %s: %s", path, strerror(errno));
		return false;
	}
	size_t n = 0;
	char *buf = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long end = ftell(f);
		long from = w->offset <= end ? w->offset : 0;  /* a new log after a restart */
		if (end - from > SS_LOG_MAX)
			from = end - SS_LOG_MAX;  /* a loop this long is caught anyway */
		buf = malloc((size_t)(end - from) + 1);
		if (buf && fseek(f, from, SEEK_SET) == 0)
			n = fread(buf, 1, (size_t)(end - from), f);
	}
	fclose(f);
	size_t k = buf ? strongswan_count_attempts(buf, n, name) : 0;
	free(buf);
	if (count)
		*count = k;
	if (k > limit) {
		snprintf(err, errlen, "peer loops: %zu attempts in %llu ms", k,
			 (unsigned long long)(clock_ms() - w->start_ms));
		return false;
	}
	return true;
}

static struct peer *ss_driver_start(const struct peer_start *s, char *err, size_t errlen)
{
	return strongswan_new(s->ns, s->dir, err, errlen);
}

static bool ss_driver_available(char *why, size_t len)
{
	if (strongswan_available())
		return true;
	snprintf(why, len, "strongSwan (charon, swanctl) is not installed; make deps installs it");
	return false;
}

/* kernel-libipsec knows only ESP in UDP, and claims a NAT for it */
static bool ss_driver_udp_only(void)
{
	return !strongswan_kernel_esp();
}

const struct peer_driver strongswan_driver = {
	.name = "strongswan", .start = ss_driver_start, .available = ss_driver_available,
	.udp_only = ss_driver_udp_only,
};
