/* The monotonic clock in milliseconds: what every timeout and every
 * measured duration in the harness is counted in. */
#ifndef IKEC_CORE_CLOCK_H
#define IKEC_CORE_CLOCK_H

#include <stdint.h>

uint64_t clock_ms(void);

#endif
