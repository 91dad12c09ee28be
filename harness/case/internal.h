/* Shared by the files of harness/case/ (internal: not for other modules).
 *
 *   case.c       one case: both sides configured, the engine driven, the
 *                peer's view awaited, then the checks, then the record
 *   config.c     the two configurations from one spec
 *   pump.c       the packet pump the checks run the data plane with
 *   echo.c       the probes' sockets: ICMP echo, the UDP token and its echo
 *   traffic.c    pings and UDP tokens through the child, counters, the wire
 *   measure.c    round trip and throughput (make bench)
 *   hold.c       the SA held: rekey, keepalives, a NAT remap
 *   cross.c      the harness's record against the peer's view
 *   artifacts.c  what the harness saw, beside the peer's files */
#ifndef IKEC_CASE_INTERNAL_H
#define IKEC_CASE_INTERNAL_H

#include <sys/socket.h>
#include <sys/types.h>

#include "case/case.h"
#include "transport/transport.h"

/* How often the peer's view is read while waiting for it. */
#define CASE_POLL_MS 2

bool case_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append to a string, silently cut at len. */
void case_add(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- config.c ---- */

/* The harness's engine configuration for the case. */
bool case_config_ours(const struct case_net *net, const struct case_spec *s,
		      struct ike_config *c, char *err, size_t errlen);
/* The peer's, with the case's artifact folder made (its path into art). */
bool case_config_theirs(const struct case_net *net, const struct case_spec *s,
			struct peer *peer, struct peer_case *pc, char *art, size_t artlen,
			char *err, size_t errlen);
/* Phase 1 only: a suite case without phase2. */
bool case_p1_only(const struct case_spec *s);

/* ---- pump.c ---- */

#define CASE_PUMP_WATCH 8

struct case_pump {
	struct ike_engine *e;
	struct transport *t;
	struct esp_user *u;            /* the userspace data plane, or */
	struct esp_xfrm *x;            /* the kernel's */
	struct live_capture *cap;      /* the harness's link, both ways: traffic.pcap */
	struct live_capture *wire[2];  /* what each end sends: the wire check */
	int watch[CASE_PUMP_WATCH];    /* the probes' sockets: a poll returns for them too */
	size_t nwatch;                 /* (they are the caller's to read) */
};
/* Move packets for up to wait_ms: ESP to the data plane, IKE to the
 * engine (it keeps answering), the TUN's packets out; back early when a
 * watched socket has something. */
void case_pump(struct case_pump *p, int wait_ms);
/* case_pump as a case_pump_fn. */
void case_pump_cb(void *ctx, int wait_ms);
/* Poll fd along with the pump's own (-1 ignored); forget them all. */
void case_pump_watch(struct case_pump *p, int fd);
void case_pump_unwatch(struct case_pump *p);
/* Pump until nothing waits to be read, the captures included (at most
 * limit_ms): what is already on its way is in before a count is taken. */
void case_pump_settle(struct case_pump *p, int limit_ms);
/* The data plane follows the engine: new children in, dead ones out. */
void case_dp_sync(struct case_pump *p);
/* The hosts the probes go between (the harness's, the peer's). */
void case_probe_hosts(const struct case_net *net, char hs[64], char ps[64]);

/* ---- echo.c ---- */

/* A UDP socket bound inside ns (non-blocking); -1 with err. Here and
 * below a namespace NULL is ours. */
int case_udp_socket(const char *ns, const char *host, uint16_t port, char *err,
		    size_t errlen);

#define CASE_ECHO_MAX 32         /* echo requests one case_ping sends at most */
#define CASE_ECHO_DATA 56        /* data bytes in each, as ping sends */
#define CASE_ECHO_WAIT_MS 2000   /* a reply not in this long after the last request is
				    lost (ping -W 2) */

/* Echo requests from a raw ICMP socket inside a namespace, replies
 * matched by id and sequence (and their data, which must come back
 * whole). */
struct case_ping {
	int fd, family;
	struct sockaddr_storage to;
	socklen_t tolen;
	uint16_t id;
	unsigned sent, replies;        /* requests sent (seq 1..sent), distinct replies */
	unsigned dups, wrong;          /* replies again, replies with other data */
	uint64_t t0_us;                /* when opened: the log's times count from here */
	uint64_t sent_us[CASE_ECHO_MAX], reply_us[CASE_ECHO_MAX];  /* 0: no reply */
	int send_errno[CASE_ECHO_MAX];
	uint8_t data[CASE_ECHO_DATA];  /* the pattern repeated */
	const char *ns;
	char src[64], dst[64];
};
/* Bound to src inside ns, towards dst; the data is fill repeated (like
 * ping -p). False with err. */
bool case_ping_open(struct case_ping *g, const char *ns, const char *src, const char *dst,
		    uint16_t id, const uint8_t *fill, size_t flen, char *err, size_t errlen);
/* The next request (seq = sent + 1); false when it could not go. */
bool case_ping_send(struct case_ping *g);
/* The replies waiting on the socket. */
void case_ping_read(struct case_ping *g);
bool case_ping_answered(const struct case_ping *g, unsigned seq);
/* The average round trip of the answered requests, in ms (0: none). */
double case_ping_rtt_ms(const struct case_ping *g);
/* Each request with its reply or its absence, then ping's summary line
 * ("N packets transmitted, M received"), into path; what says why. */
void case_ping_log(const struct case_ping *g, const char *path, const char *what);
void case_ping_close(struct case_ping *g);

#define CASE_TOKEN_RESEND_MS 500 /* the token again while it has not come back */
#define CASE_TOKEN_WAIT_MS 3000  /* for it to come back at all */
#define CASE_TOKEN_SENDS 8

/* A UDP token from a socket in one namespace to an echo socket of ours
 * in the other, and back. */
struct case_token {
	int tx, echo;                  /* the sender's socket, the echo's */
	struct sockaddr_storage to;
	socklen_t tolen;
	const uint8_t *token;
	size_t tlen;
	uint64_t t0_us, next_us;
	uint64_t sent_us[CASE_TOKEN_SENDS];
	unsigned sends;
	int send_errno;
	uint64_t echo_us, back_us;     /* the first at the echo, the token back */
	unsigned got, arrived, echoed; /* at the echo: datagrams, the token, sent back */
	bool back;
	size_t wrong_len;              /* something else came back (SIZE_MAX: empty) */
	const char *from_ns, *to_ns;
	char from[NETADDR_STRLEN], to_s[NETADDR_STRLEN];
};
/* Both sockets bound (the echo first, so the token never meets a
 * closed port). False with err. */
bool case_token_open(struct case_token *k, const char *from_ns, const char *from,
		     const char *to_ns, const char *to, uint16_t port, const uint8_t *token,
		     size_t tlen, char *err, size_t errlen);
/* Send when due, echo what arrived, see what came back. */
void case_token_run(struct case_token *k);
/* Back, or a wrong reply: nothing more to wait for. */
bool case_token_done(const struct case_token *k);
/* What became of it, in words ("echoed", "it never arrived (1 sent)"). */
void case_token_why(const struct case_token *k, char *buf, size_t len);
/* Each send, its arrival and its return with times, into path. */
void case_token_log(const struct case_token *k, const char *path);
void case_token_close(struct case_token *k);

/* ---- traffic.c ---- */

/* Whose ESP carries the harness's side (AUTO: the kernel's when it has it). */
bool case_use_xfrm(enum case_dataplane dp, bool udp);
/* The traffic check into r->traffic. */
void case_traffic_check(struct peer *peer, const struct case_net *net,
			const struct peer_case *pc, const char *art, struct ike_engine *e,
			struct transport *t, struct case_result *r, uint32_t measure_ms,
			bool xfrm);

/* ---- hold.c ---- */

/* The peer's rekey margin for the case (it rekeys what it initiated). */
void case_rekey_peer(const struct case_spec *s, struct peer_case *pc);
/* The hold into r->rekey. */
void case_hold_run(struct peer *peer, const struct case_net *net, const struct peer_case *pc,
		   const char *art, struct ike_engine *e, struct transport *t,
		   const struct case_spec *s, struct case_result *r);

/* ---- artifacts.c ---- */

/* harness.log, ike.pcap, the key tables and the seeds into art. */
void case_write_artifacts(const char *art, const struct case_spec *s, struct ike_engine *e,
			  const struct case_result *r);

#endif
