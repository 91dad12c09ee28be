/* Device profiles (docs/vendors.md): what a vendor's device under test is
 * configured to accept, how the harness reaches it, and the commands that
 * make it initiate, reset it and read its SA state. `ike-conform run
 * --peer remote --profile FILE` runs suites against it: a case the device
 * cannot take is skipped with the reason (profile_case_fits).
 *
 * The harness never touches anything but the device's address and the
 * selectors' hosts written here, and never sends faster than `rate`. */
#ifndef IKEC_SUITE_PROFILE_H
#define IKEC_SUITE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "ike/config.h"
#include "suite/suite.h"
#include "suite/yaml.h"

#define PROFILE_MAX_PROPOSALS 32
#define PROFILE_MAX_IDS 16

/* How the harness reaches the device. */
enum profile_reach {
	PROFILE_REACH_MACVLAN,    /* a namespace of the run with a macvlan on
				     `interface` and `address` on it (default) */
	PROFILE_REACH_VETH,       /* the same, the interface moved into that
				     namespace for the run and back after (a
				     veth end: tests, lab bridges) */
};

struct profile {
	char *file;                           /* as given, for messages */
	char *name;                           /* device: a name for reports */
	struct netaddr address;               /* the device's IKE address (port 500) */
	/* reach */
	enum profile_reach reach;
	char *interface;                      /* the host's link toward the device */
	struct netaddr local;                 /* the harness's address on it */
	unsigned prefix_len;                  /* of local (address: 198.51.100.1/24) */
	bool has_gateway;
	struct netaddr gateway;               /* when the device is not on-link */
	/* what the device accepts */
	bool role_initiator, role_responder;  /* roles the DEVICE plays */
	bool main_mode, aggressive;           /* exchanges it takes */
	uint16_t auth[8];                     /* enum ike_auth_method values */
	size_t nauth;
	char *psk;                            /* psk: or from psk_env (owned, wiped) */
	char *cert, *key, *ca;                /* harness credentials for signature auth
					         (paths, NULL when absent) */
	struct ike_id local_id, remote_id;    /* the device's and the harness's IDs
					         (type 0: the IKE addresses) */
	struct ike_id accepted_ids[PROFILE_MAX_IDS]; /* more harness IDs the device
					         takes (type 0: any; an FQDN or USER_FQDN
					         may start with '*') */
	size_t naccepted;
	struct ike_p1_xform p1[PROFILE_MAX_PROPOSALS]; /* phase-1 proposals accepted */
	size_t np1;
	struct ike_p2_xform p2[PROFILE_MAX_PROPOSALS]; /* ESP proposals (group: PFS) */
	size_t np2;
	bool mode_tunnel, mode_transport;     /* IPsec modes it takes (default tunnel) */
	uint32_t ike_life_sec, child_life_sec;/* the device's lifetimes (0: not said) */
	bool natt;                            /* it does NAT-T (RFC 3947) */
	bool natt_forced;                     /* natt: forced (it fakes a NAT of its own) */
	/* traffic: the selectors the device has for the tunnel */
	struct ike_ts ts_device, ts_harness;  /* behind the device; the harness's side */
	char *ts_device_text, *ts_harness_text; /* as written: "10.2.0.0/24" */
	bool has_ping;
	struct netaddr ping;                  /* a host behind the device that answers
					         pings (inside ts_device) */
	/* pacing */
	uint32_t rate_pps;                    /* packets per second at most (default 20) */
	uint32_t settle_ms;                   /* after each case, for the device's own
					         retransmissions (default 2000) */
	/* vendor commands, run with sh -c; NULL when absent. ${name} is the
	   case's connection name, ${harness} the harness's address */
	char *cmd_initiate;                   /* the device initiates (needs role_initiator) */
	char *cmd_reset;                      /* drop every SA (between cases) */
	char *cmd_sa_state;                   /* print key=value lines (docs/vendors.md) */
	uint32_t cmd_timeout_ms;              /* each command (default 10 s) */
};

/* Load and check a profile. False with err (file:line:col: what) at the
 * first problem; *out is then empty and profile_free on it is safe.
 * psk_env naming an unset variable is an error that names it. */
bool profile_load_file(const char *path, struct profile *out, struct yaml_error *err);
bool profile_load_string(const char *name, const char *text, struct profile *out,
			 struct yaml_error *err);
void profile_free(struct profile *p);

/* Whether the device can take the case; false with why ("the device does
 * not accept aes256-sha512-modp4096 (profile accepts: ...)") when the case
 * must be skipped. Checks the role (the device's is the opposite of the
 * harness's), the exchange, the auth method, the phase-1 proposal, the
 * ESP proposal and PFS group, and NAT-T when the case needs it. */
bool profile_case_fits(const struct profile *p, const struct suite_case *c, char *why,
		       size_t len);
/* Whether the device takes harness_id as the harness's phase-1 ID: type 0
 * (or NULL: the case names none, the harness uses remote_id) does; so do
 * remote_id itself (the harness's IKE address when remote_id is not
 * given) and whatever accepted_ids matches. False with why ("the device
 * does not accept the harness ID fqdn:x (the profile accepts ...)"): the
 * case is skipped. For identity cases; profile_case_fits calls it with
 * the case's ID once suite cases carry one. */
bool profile_id_fits(const struct profile *p, const struct ike_id *harness_id, char *why,
		     size_t len);

#endif
