/* The self peer driver: peers/self/self.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/chunk.h"
#include "core/clock.h"
#include "core/hex.h"
#include "core/log.h"
#include "pki/pki.h"
#include "peers/self/self.h"
#include "wire/msg.h"

#define SELF_START_MS 5000        /* until "listening on" */
#define SELF_STOP_MS 2000         /* SIGTERM, then SIGKILL */

struct self_peer {
	struct peer base;             /* first: the seam's view */
	char bin[512];
	pid_t resp;                   /* the responder process, 0 none */
	pid_t init;                   /* the latest initiator process, 0 none */
	char cfg[640];                /* the responder's config file */
	char state[600], log[600];
	unsigned restarts;
};

static bool self_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool self_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* ---- the config text ---- */

struct self_buf {
	char *p;
	size_t len, cap;
	bool overflow;
};

static void self_put(struct self_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void self_put(struct self_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = true;
		b->len = b->cap - 1;
		return;
	}
	b->len += (size_t)n;
}

/* natt: all, none, or the case's versions (the peer config's names) */
static void self_natt(struct self_buf *b, const struct peer_case *c)
{
	static const char *const names[] = { "none", "draft-02", "draft-03", "rfc3947" };
	if (c->no_natt || !c->natt) {
		self_put(b, "natt: %s\n", c->no_natt ? "none" : "all");
		return;
	}
	self_put(b, "natt: [");
	const char *sep = "";
	for (unsigned v = IKE_NATT_DRAFT_02; v <= IKE_NATT_RFC3947; v++)
		if (c->natt & IKE_NATT_BIT(v)) {
			self_put(b, "%s%s", sep, names[v]);
			sep = ", ";
		}
	self_put(b, "]\n");
}

/* An ID as the peer config spells it (ike_id_parse). */
static bool self_id(const struct ike_id *id, char *out, size_t len)
{
	char a[64], dn[512];
	switch (id->type) {
	case 1:
		if (id->len != 4 || !inet_ntop(AF_INET, id->data, a, sizeof(a)))
			return false;
		snprintf(out, len, "\"ipv4:%s\"", a);
		return true;
	case 5:
		if (id->len != 16 || !inet_ntop(AF_INET6, id->data, a, sizeof(a)))
			return false;
		snprintf(out, len, "\"ipv6:%s\"", a);
		return true;
	case 2: case 3:
		for (size_t i = 0; i < id->len; i++)
			if (id->data[i] < 0x21 || id->data[i] > 0x7e || id->data[i] == '"' ||
			    id->data[i] == '\\')
				return false;
		snprintf(out, len, "\"%s:%.*s\"", id->type == 2 ? "fqdn" : "ufqdn", (int)id->len,
			 (const char *)id->data);
		return true;
	case 9:
		pki_dn_str(CHUNK_FROM(id->data, id->len), dn, sizeof(dn));
		if (strchr(dn, '"'))
			return false;
		snprintf(out, len, "\"dn:%s\"", dn);
		return true;
	default:
		return false;
	}
}

/* A traffic selector (a single subnet or address) as text. */
static bool self_ts(const struct ike_ts *t, char *out, size_t len)
{
	char a[64];
	int fam = t->type == 1 || t->type == 4 ? AF_INET : AF_INET6;
	size_t n = fam == AF_INET ? 4 : 16;
	if ((t->type != 1 && t->type != 4 && t->type != 5 && t->type != 6) ||
	    t->len != (t->type == 4 || t->type == 6 ? 2 * n : n) ||
	    !inet_ntop(fam, t->data, a, sizeof(a)))
		return false;
	if (t->type == 4 || t->type == 6) {
		unsigned bits = 0;
		for (size_t i = 0; i < n; i++)
			bits += (unsigned)__builtin_popcount(t->data[n + i]);
		snprintf(out, len, "%s/%u", a, bits);
	} else {
		snprintf(out, len, "%s", a);
	}
	return true;
}

static const char *self_auth(uint16_t a)
{
	switch (a) {
	case IKE_AUTH_PSK: return "psk";
	case IKE_AUTH_RSA: return "rsa";
	case IKE_AUTH_ECDSA_256: return "ecdsa256";
	case IKE_AUTH_ECDSA_384: return "ecdsa384";
	case IKE_AUTH_ECDSA_521: return "ecdsa521";
	default: return NULL;
	}
}

/* "aes128-sha1", "aes256gcm16", "3des-md5" (ike_p2_parse's spelling). */
static bool self_esp(const struct ike_p2_xform *x, char *out, size_t len)
{
	const char *a = x->auth == IKE_EAUTH_MD5 ? "-md5" : x->auth == IKE_EAUTH_SHA1 ? "-sha1"
		      : x->auth == IKE_EAUTH_SHA256 ? "-sha256" : x->auth == IKE_EAUTH_SHA384 ? "-sha384"
		      : x->auth == IKE_EAUTH_SHA512 ? "-sha512" : x->auth ? NULL : "";
	unsigned bits = x->keylen ? x->keylen : 128;
	if (!a)
		return false;
	switch (x->transform) {
	case IKE_ESP_DES: snprintf(out, len, "des%s", a); return true;
	case IKE_ESP_3DES: snprintf(out, len, "3des%s", a); return true;
	case IKE_ESP_NULL: snprintf(out, len, "null%s", a); return true;
	case IKE_ESP_AES: snprintf(out, len, "aes%u%s", bits, a); return true;
	case IKE_ESP_AES_GCM_8: snprintf(out, len, "aes%ugcm8", bits); return true;
	case IKE_ESP_AES_GCM_12: snprintf(out, len, "aes%ugcm12", bits); return true;
	case IKE_ESP_AES_GCM_16: snprintf(out, len, "aes%ugcm16", bits); return true;
	default: return false;
	}
}

bool self_peer_config(const struct peer_case *c, char *buf, size_t len, char *err,
		      size_t errlen)
{
	struct self_buf b = { buf, 0, len, false };
	char t1[600], t2[600];
	const char *auth = self_auth(c->auth);
	buf[0] = '\0';
	if (!auth)
		return self_fail(err, errlen, "case %s: auth method %u is not supported by the self peer",
				 c->name, c->auth);
	if (!c->np1)
		return self_fail(err, errlen, "case %s: no phase-1 proposal", c->name);
	self_put(&b, "# case %s (generated by peers/self)\n", c->name);
	self_put(&b, "role: %s\n", c->initiator ? "initiator" : "responder");
	self_put(&b, "exchange: %s\n", c->exchange == WIRE_X_AGGR ? "aggressive" : "main");
	self_put(&b, "auth: %s\n", auth);
	if (c->psk) {
		if (strchr(c->psk, '"') || strchr(c->psk, '\\') || strchr(c->psk, '\n'))
			return self_fail(err, errlen, "case %s: the PSK has a quote, backslash or newline",
					 c->name);
		self_put(&b, "psk: \"%s\"\n", c->psk);
	}
	if (c->local_id.type) {
		if (!self_id(&c->local_id, t1, sizeof(t1)))
			return self_fail(err, errlen, "case %s: local ID type %u cannot be written",
					 c->name, c->local_id.type);
		self_put(&b, "local_id: %s\n", t1);
	}
	if (c->remote_id.type) {
		if (!self_id(&c->remote_id, t1, sizeof(t1)))
			return self_fail(err, errlen, "case %s: remote ID type %u cannot be written",
					 c->name, c->remote_id.type);
		self_put(&b, "remote_id: %s\n", t1);
	}
	self_put(&b, "proposals:\n");
	for (size_t i = 0; i < c->np1; i++) {
		const struct ike_p1_xform *x = &c->p1[i];
		self_put(&b, "  - \"%s\"\n", ike_p1_str(x, t1, sizeof(t1)));
	}
	if (c->p1[0].life_sec || c->p1[0].life_kb) {
		if (c->p1[0].life_sec && c->p1[0].life_kb)
			self_put(&b, "ike_lifetime: [%" PRIu32 "s, %" PRIu32 "kb]\n", c->p1[0].life_sec,
				 c->p1[0].life_kb);
		else if (c->p1[0].life_sec)
			self_put(&b, "ike_lifetime: %" PRIu32 "s\n", c->p1[0].life_sec);
		else
			self_put(&b, "ike_lifetime: %" PRIu32 "kb\n", c->p1[0].life_kb);
	}
	if (c->np2) {
		self_put(&b, "phase2:\n  esp: [");
		for (size_t i = 0; i < c->np2; i++) {
			if (!self_esp(&c->p2[i], t1, sizeof(t1)))
				return self_fail(err, errlen, "case %s: ESP proposal %zu cannot be written",
						 c->name, i + 1);
			self_put(&b, "%s\"%s\"", i ? ", " : "", t1);
		}
		self_put(&b, "]\n");
		if (c->p2[0].group)
			self_put(&b, "  pfs: %u\n", c->p2[0].group);
		self_put(&b, "  mode: %s\n", c->transport_mode ? "transport" : "tunnel");
		if (c->p2[0].life_sec)
			self_put(&b, "  lifetime: %" PRIu32 "s\n", c->p2[0].life_sec);
	}
	if (c->rekey_margin_ms)
		self_put(&b, "rekey_margin: %" PRIu32 "ms\n", c->rekey_margin_ms);
	if (c->ts_local.set && c->ts_remote.set) {
		if (!self_ts(&c->ts_local, t1, sizeof(t1)) || !self_ts(&c->ts_remote, t2, sizeof(t2)))
			return self_fail(err, errlen, "case %s: traffic selectors must be one address or "
					 "subnet each", c->name);
		self_put(&b, "local_ts: %s\nremote_ts: %s\n", t1, t2);
	}
	if (c->cert_path)
		self_put(&b, "cert: \"%s\"\n", c->cert_path);
	if (c->key_path)
		self_put(&b, "key: \"%s\"\n", c->key_path);
	if (c->ca_path)
		self_put(&b, "ca: \"%s\"\n", c->ca_path);
	netaddr_str(&c->local, t1, sizeof(t1));
	struct netaddr l = c->local;
	l.port = 0;
	char *colon = strrchr(netaddr_str(&l, t1, sizeof(t1)), ':');
	if (colon)
		*colon = '\0';  /* the address alone: port is its own key */
	self_put(&b, "listen: \"%s\"\nport: %u\nnatt_port: %u\n", t1,
		 c->local.port ? c->local.port : 500, IKE_NATT_PORT);
	self_natt(&b, c);
	self_put(&b, "natt_force: %s\n", c->force_encap ? "true" : "false");
	if (c->keepalive_ms)
		self_put(&b, "natt_keepalive: %" PRIu32 "ms\n", c->keepalive_ms);
	if (c->life_policy_set)
		self_put(&b, "lifetime_policy: %s\n", c->life_policy == IKE_LIFE_ACCEPT ? "accept"
			 : c->life_policy == IKE_LIFE_NOT_LONGER ? "not-longer" : "notify");
	if (c->initiator) {
		struct netaddr r = c->remote;
		if (!r.port)
			r.port = 500;
		self_put(&b, "remote_address: \"%s\"\nexchanges: 1\n", netaddr_str(&r, t2, sizeof(t2)));
	}
	self_put(&b, "log_level: debug\n");
	if (b.overflow)
		return self_fail(err, errlen, "case %s: the peer config does not fit in %zu bytes",
				 c->name, len);
	return true;
}

/* ---- the process ---- */

/* Start `bin peer --config CFG --log LOG --state STATE` inside the
 * namespace; for a responder, wait for its "listening on" line. */
static pid_t self_spawn(struct self_peer *s, const char *cfg, bool wait_listen, char *err,
			size_t errlen)
{
	char nspath[600];
	snprintf(nspath, sizeof(nspath), "/run/netns/%s", s->base.ns);
	int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return self_fail(err, errlen, "namespace %s: %s", nspath, strerror(errno)), -1;
	int po[2];
	if (pipe2(po, O_CLOEXEC) != 0) {
		close(nsfd);
		return self_fail(err, errlen, "pipe: %s", strerror(errno)), -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(nsfd);
		close(po[0]);
		close(po[1]);
		return self_fail(err, errlen, "fork: %s", strerror(errno)), -1;
	}
	if (pid == 0) {
		/* the peer never outlives the harness, even when it crashes */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent || setns(nsfd, CLONE_NEWNET) != 0)
			_exit(126);
		dup2(po[1], STDOUT_FILENO);
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		execl(s->bin, s->bin, "peer", "--config", cfg, "--log", s->log, "--state", s->state,
		      "--dataplane", "user", (char *)NULL);
		_exit(127);
	}
	close(nsfd);
	close(po[1]);
	if (!wait_listen) {
		close(po[0]);
		return pid;
	}
	char line[256];
	size_t n = 0;
	uint64_t end = clock_ms() + SELF_START_MS;
	bool ok = false;
	while (n + 1 < sizeof(line)) {
		uint64_t now = clock_ms();
		struct pollfd pf = { po[0], POLLIN, 0 };
		if (now >= end || poll(&pf, 1, (int)(end - now)) <= 0)
			break;
		char ch;
		if (read(po[0], &ch, 1) != 1)
			break;
		if (ch == '\n') {
			line[n] = '\0';
			ok = strncmp(line, "listening on ", 13) == 0;
			break;
		}
		line[n++] = ch;
	}
	close(po[0]);
	if (!ok) {
		int st = 0;
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return self_fail(err, errlen, "ike-conform peer in %s did not start (exit %d); see %s",
				 s->base.ns, WIFEXITED(st) ? WEXITSTATUS(st) : -1, s->log), -1;
	}
	return pid;
}

static void self_kill(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	uint64_t end = clock_ms() + SELF_STOP_MS;
	while (waitpid(*pid, NULL, WNOHANG) == 0) {
		if (clock_ms() >= end) {
			kill(*pid, SIGKILL);
			waitpid(*pid, NULL, 0);
			break;
		}
		usleep(2000);
	}
	*pid = 0;
}

static bool self_write_cfg(struct self_peer *s, const struct peer_case *c, char *path,
			   size_t pathlen, char *err, size_t errlen)
{
	char text[8192];
	if (!self_peer_config(c, text, sizeof(text), err, errlen))
		return false;
	snprintf(path, pathlen, "%s/%s.yaml", s->base.dir, c->name);
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		return self_fail(err, errlen, "cannot write %s: %s", path, strerror(errno));
	if (c->artifacts) {  /* a copy among the case's artifacts */
		char copy[1100];
		snprintf(copy, sizeof(copy), "%s/peer-config.yaml", c->artifacts);
		f = fopen(copy, "w");
		if (!f || fputs(text, f) < 0 || fclose(f) != 0)
			return self_fail(err, errlen, "cannot write %s: %s", copy, strerror(errno));
	}
	return true;
}

static bool self_configure(struct peer *p, const struct peer_case *c, char *err, size_t errlen)
{
	struct self_peer *s = (struct self_peer *)p;
	self_kill(&s->init);
	self_kill(&s->resp);
	unlink(s->state);
	if (!self_write_cfg(s, c, s->cfg, sizeof(s->cfg), err, errlen))
		return false;
	if (c->initiator)
		return true;
	s->resp = self_spawn(s, s->cfg, true, err, errlen);
	return s->resp > 0;
}

static bool self_initiate(struct peer *p, const struct peer_case *c, char *err, size_t errlen)
{
	struct self_peer *s = (struct self_peer *)p;
	char path[640];
	if (!c->initiator)
		return self_fail(err, errlen, "case %s: configured as a responder", c->name);
	self_kill(&s->init);
	if (!self_write_cfg(s, c, path, sizeof(path), err, errlen))
		return false;
	s->init = self_spawn(s, path, false, err, errlen);
	return s->init > 0;
}

/* "key=value" out of a state line, as a number (0 when absent). */
static bool self_view(struct peer *p, const struct peer_case *c, struct peer_sa_view *out,
		      char *err, size_t errlen)
{
	struct self_peer *s = (struct self_peer *)p;
	(void)c;
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(s->state, "r");
	if (!f) {
		if (errno == ENOENT)
			return true;  /* nothing yet */
		return self_fail(err, errlen, "cannot read %s: %s", s->state, strerror(errno));
	}
	size_t n = fread(out->raw, 1, sizeof(out->raw) - 1, f);
	out->raw[n] = '\0';
	fclose(f);
	/* the last established SA, and its first live child */
	unsigned long id = 0;
	for (char *line = out->raw; line && *line;) {
		char *nl = strchr(line, '\n');
		char one[512];
		size_t l = nl ? (size_t)(nl - line) : strlen(line);
		snprintf(one, sizeof(one), "%.*s", (int)(l < sizeof(one) ? l : sizeof(one) - 1), line);
		if (!strncmp(one, "sa ", 3) && strstr(one, " state=established")) {
			id = peer_state_field(one, "id");
			out->present = true;
			out->encr = (uint16_t)peer_state_field(one, "encr");
			out->keylen = (uint16_t)peer_state_field(one, "keylen");
			out->hash = (uint16_t)peer_state_field(one, "hash");
			out->group = (uint16_t)peer_state_field(one, "group");
			out->life_sec = (uint32_t)peer_state_field(one, "life_sec");
			out->nat_known = true;
			out->nat_local = peer_state_field(one, "nat_local") != 0;
			out->nat_remote = peer_state_field(one, "nat_peer") != 0;
			bool floated = peer_state_field(one, "floated") != 0;
			out->local_port = floated ? IKE_NATT_PORT : 500;
			/* peer=ADDR:PORT, an IPv6 ADDR in brackets */
			const char *pe = strstr(one, " peer=");
			const char *sp = pe ? strchr(pe + 1, ' ') : NULL;
			const char *colon = NULL;
			for (const char *q = pe; q && sp && q < sp; q++)
				if (*q == ':')
					colon = q;
			out->remote_port = colon ? (uint16_t)strtoul(colon + 1, NULL, 10) : 0;
			memset(&out->child, 0, sizeof(out->child));
		} else if (!strncmp(one, "child ", 6) && id && peer_state_field(one, "sa") == id &&
			   !out->child.present && !peer_state_field(one, "deleted") &&
			   !peer_state_field(one, "expired")) {
			struct peer_child_view *ch = &out->child;
			ch->present = true;
			ch->transform = (uint16_t)peer_state_field(one, "transform");
			ch->keylen = (uint16_t)peer_state_field(one, "keylen");
			ch->auth = (uint16_t)peer_state_field(one, "auth");
			ch->group = (uint16_t)peer_state_field(one, "group");
			ch->encap = peer_state_field(one, "encap") >= IKE_ENCAP_UDP_TUNNEL;
			ch->life_sec = (uint32_t)peer_state_field(one, "life_sec");
			ch->natoa_known = true;
			ch->natoa = strstr(one, " natoa_i=") || strstr(one, " natoa_r=");
			ch->packets_in = peer_state_field(one, "packets_in");
			ch->packets_out = peer_state_field(one, "packets_out");
			ch->bytes_in = peer_state_field(one, "bytes_in");
			ch->bytes_out = peer_state_field(one, "bytes_out");
			peer_state_spi(one, "spi_in", ch->spi_in);
			peer_state_spi(one, "spi_out", ch->spi_out);
		}
		line = nl ? nl + 1 : NULL;
	}
	return true;
}

static bool self_alive(struct peer *p, bool *restarted, char *err, size_t errlen)
{
	struct self_peer *s = (struct self_peer *)p;
	*restarted = false;
	if (s->resp <= 0)
		return true;  /* no responder running: nothing to lose */
	int st;
	if (waitpid(s->resp, &st, WNOHANG) == 0)
		return true;
	log_warn("self peer in %s: the responder died (%s %d); restarting it", p->ns,
		 WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	s->resp = self_spawn(s, s->cfg, true, err, errlen);
	s->restarts++;
	*restarted = true;
	return s->resp > 0;
}

static void self_stop(struct peer *p)
{
	struct self_peer *s = (struct self_peer *)p;
	self_kill(&s->init);
	self_kill(&s->resp);
	free(s);
}

static const struct peer_ops self_ops = {
	.name = "self",
	.configure = self_configure,
	.initiate = self_initiate,
	.view = self_view,
	.alive = self_alive,
	.stop = self_stop,
};

struct peer *self_peer_new(const char *bin, const char *ns, const char *dir, char *err,
			   size_t errlen)
{
	if (access(bin, X_OK) != 0)
		return self_fail(err, errlen, "ike-conform binary %s: %s", bin, strerror(errno)), NULL;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return self_fail(err, errlen, "cannot make %s: %s", dir, strerror(errno)), NULL;
	struct self_peer *s = xcalloc(1, sizeof(*s));
	s->base.ops = &self_ops;
	if ((size_t)snprintf(s->base.ns, sizeof(s->base.ns), "%s", ns) >= sizeof(s->base.ns) ||
	    (size_t)snprintf(s->base.dir, sizeof(s->base.dir), "%s", dir) >= sizeof(s->base.dir) ||
	    (size_t)snprintf(s->bin, sizeof(s->bin), "%s", bin) >= sizeof(s->bin)) {
		free(s);
		return self_fail(err, errlen, "namespace, directory or binary name too long"), NULL;
	}
	snprintf(s->state, sizeof(s->state), "%s/state", dir);
	snprintf(s->log, sizeof(s->log), "%s/peer.log", dir);
	snprintf(s->base.log, sizeof(s->base.log), "%s", s->log);
	return &s->base;
}
