/* The peer-driver seam: what a case asks of the implementation it tests
 * (strongSwan, ourselves, later a vendor's device), and what that peer says
 * it negotiated, for the cross-check against the harness's own record.
 *
 * Everything is in the peer's point of view: "local" is the peer, "remote"
 * is the harness. */
#ifndef IKEC_PEERS_PEER_H
#define IKEC_PEERS_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/config.h"

/* Whether the peer sends a CERT or CR payload: its default, always,
 * never, or only when asked (a CERT after a CR). */
enum peer_send { PEER_SEND_DEFAULT, PEER_SEND_ALWAYS, PEER_SEND_NEVER, PEER_SEND_IFASKED };

/* One case, as the peer must be configured for it. */
struct peer_case {
	const char *name;                 /* connection name: [a-z0-9-] */
	bool initiator;                   /* the peer initiates */
	uint8_t exchange;                 /* WIRE_X_MAIN or WIRE_X_AGGR */
	uint16_t auth;                    /* enum ike_auth_method: PSK, RSA, ECDSA */
	const char *psk;                  /* PSK text */
	struct {                          /* more PSKs, by the harness's ID */
		struct ike_id id;         /* (the peer holds several) */
		const char *psk;
	} psks[IKE_MAX_PSKS];
	size_t npsks;
	struct ike_p1_xform p1[IKE_MAX_PROPOSALS];
	size_t np1;                       /* lifetimes in p1[0] apply to the SA */
	struct ike_p2_xform p2[IKE_MAX_PROPOSALS];
	size_t np2;                       /* group: PFS; lifetimes in p2[0] */
	struct netaddr local, remote;     /* IKE addresses (ports ignored:
					     500/4500 unless local.port set) */
	struct ike_id local_id, remote_id;/* type 0: the IKE address */
	bool remote_id_any;               /* accept any ID from the harness (%any);
					     remote_id then unused */
	bool id_checks_set;               /* how strictly the peer judges IDs */
	enum ike_id_checks id_checks;     /* (a driver without the setting refuses) */
	struct ike_ts ts_local, ts_remote;/* a single subnet each */
	bool transport_mode;
	bool force_encap;                 /* UDP-encapsulate ESP even without NAT */
	uint8_t natt;                     /* NAT-T versions announced (0: the peer's default) */
	bool no_natt;                     /* announce none (a driver that cannot refuses) */
	uint32_t keepalive_ms;            /* NAT keepalives when behind a NAT (0: the
					     peer's default) */
	bool life_policy_set;             /* how a responder treats proposed lifetimes */
	enum ike_life_policy life_policy; /* (a driver without the setting refuses) */
	uint32_t rekey_margin_ms;         /* replace child SAs the peer initiated
					     this long before they expire (0:
					     the peer's own rule) */
	/* signature auth: PEM files (the run-time test PKI). ca_path is a
	 * bundle of every CA the peer knows (roots trusted, intermediates to
	 * build chains); chain_path the intermediates it sends after its
	 * certificate (NULL: none); crl_path a CRL it loads (NULL: none). */
	const char *key_path, *cert_path, *ca_path, *chain_path, *crl_path;
	enum peer_send send_cert;         /* CERT payloads */
	enum peer_send send_cr;           /* CR payloads */
	const char *artifacts;            /* directory for logs and configs */
};

/* What the peer reports for one established SA pair, in our numbers
 * (IKE attribute values) so it compares with struct ike_result. */
struct peer_child_view {
	bool present;
	uint16_t transform;               /* enum ike_esp_id */
	uint16_t keylen;                  /* bits, 0 when the cipher has one */
	uint16_t auth;                    /* enum ike_esp_auth */
	uint16_t group;                   /* PFS group, 0 none */
	bool encap;                       /* UDP-encapsulated */
	uint8_t spi_in[4], spi_out[4];
	uint32_t life_sec;                /* life time, as installed */
	bool natoa_known, natoa;          /* NAT-OA received (when the driver can tell) */
	uint64_t bytes_in, bytes_out, packets_in, packets_out;
	bool counters_unknown;            /* a device's state without them */
};

struct peer_sa_view {
	bool unknown;                     /* the peer cannot tell (a device without a
					     state command): the harness's record stands */
	bool present;                     /* an established IKE SA */
	uint16_t encr, keylen, hash, group;  /* phase-1, our numbers */
	uint32_t life_sec;                /* reauth/life time as installed */
	/* NAT-T: who the peer thinks is behind a NAT ("local" is the peer),
	 * whether it faked one (forced encapsulation), its IKE ports */
	bool ids_known;                   /* the driver reports the IDs: */
	struct ike_id local_id, remote_id;/* its own and the harness's, as it saw them */
	bool nat_known;                   /* the driver reports the fields below */
	bool nat_local, nat_remote, nat_fake;
	uint16_t local_port, remote_port;
	struct peer_child_view child;     /* the first child SA */
	char raw[4096];                   /* the peer's own text, for reports */
};

struct peer;

/* Function pointers at the seam: one table per implementation. */
struct peer_ops {
	const char *name;
	/* Configure for a case (fast path: reload, not restart). */
	bool (*configure)(struct peer *p, const struct peer_case *c, char *err, size_t errlen);
	/* The peer initiates the case's connection; returns at once. */
	bool (*initiate)(struct peer *p, const struct peer_case *c, char *err, size_t errlen);
	/* The peer's view of the case's SA (present false when none). */
	bool (*view)(struct peer *p, const struct peer_case *c, struct peer_sa_view *out,
		     char *err, size_t errlen);
	/* Whether the peer is still alive (restarted when it was not: *restarted). */
	bool (*alive)(struct peer *p, bool *restarted, char *err, size_t errlen);
	/* IKE and CHILD SA attempts the peer made for the case since
	 * configure, into *count; false with "peer loops: ..." when more than
	 * limit (a peer re-keying in a loop fails the case instead of being
	 * waited on). NULL: the peer is not watched. */
	bool (*calm)(struct peer *p, const struct peer_case *c, size_t limit, size_t *count,
		     char *err, size_t errlen);
	void (*stop)(struct peer *p);
};

/* Key=value state lines ("sa state=established encr=7 ..."), as the self
 * peer's --state file and a device's sa_state command print them: the
 * decimal value of " key=" in line (0 when absent), and a 4-byte SPI in
 * hex (zero when absent or short). */
unsigned long peer_state_field(const char *line, const char *key);
void peer_state_spi(const char *line, const char *key, uint8_t out[4]);
/* Whether line has " key=". */
bool peer_state_has(const char *line, const char *key);
/* The line at line into one (cut to len), and where the next starts;
 * NULL at the end of the text. */
const char *peer_state_line(const char *line, char *one, size_t len);
/* What every view's "sa" line says alike: present, encr, keylen, hash,
 * group, life_sec. */
void peer_state_sa(const char *one, struct peer_sa_view *out);
/* And a "child" line: present, transform, keylen, auth, group, life_sec,
 * both SPIs and the counters (0 when absent). */
void peer_state_child(const char *one, struct peer_child_view *ch);
/* A view as those lines (the reader's inverse): "sa ..." and, with a
 * child, "child ..."; life_sec left out when 0 (not known), the NAT
 * fields only when nat_known, natoa only when natoa_known. Empty for no
 * SA. False when buf is too small. */
bool peer_state_format(const struct peer_sa_view *v, char *buf, size_t len);

/* mkdir -p (files.c); err names the component that failed. */
bool peer_mkdirs(const char *dir, char *err, size_t errlen);

/* ---- the drivers: what the runner starts a peer with ---- */

struct profile;

/* Where a peer starts: the driver takes what it needs. */
struct peer_start {
	const char *ns;                   /* the peer namespace (a device: none) */
	const char *dir;                  /* its working directory (made by the caller) */
	const char *bin;                  /* ike-conform itself, for the self peer */
	const struct profile *profile;    /* a device's (--profile), for the remote peer */
};

/* One implementation the runner can test, as suite files name it. */
struct peer_driver {
	const char *name;
	struct peer *(*start)(const struct peer_start *s, char *err, size_t errlen);
	/* Whether it can run on this machine; why not into why (NULL: always). */
	bool (*available)(char *why, size_t len);
	/* ESP only in UDP, whatever the path: children UDP-encapsulated and
	   a NAT claimed (strongSwan on kernel-libipsec). NULL: never. */
	bool (*udp_only)(void);
	/* Its child SAs go only into the kernel's ESP (libreswan's pluto has
	   no userspace data plane): where the kernel lacks ESP, a case that
	   needs a child runs to the end of Phase 1 (run/spec.c). */
	bool kernel_esp;
	bool device;                      /* known by a profile: not ours to start in a
					     namespace, one case at a time */
};
/* The driver of that name (peers/drivers.c), NULL when none. */
const struct peer_driver *peer_driver(const char *name);
/* Its udp_only, false without one. */
bool peer_driver_udp_only(const struct peer_driver *d);

struct peer {
	const struct peer_ops *ops;
	char ns[64];                      /* the network namespace it runs in */
	char dir[512];                    /* its working directory */
	char log[600];                    /* its log over the whole run (grows; a case's
					     part is what was added during it) */
};

#endif
