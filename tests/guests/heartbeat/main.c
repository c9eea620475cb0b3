/* tests/guests/heartbeat/main.c: prints HEARTBEAT n=<k> every 10 ms of virtual counter time,
 * forever, yielding while it waits (a VM that never stops on its own). */
#include "guest.h"

#define HEARTBEAT_PERIOD_US 10000u

void guest_main(unsigned vcpu, uint64_t x0)
{
    (void)x0;
    if (vcpu != 0)
        return;

    const uint64_t period = us_to_ticks(HEARTBEAT_PERIOD_US);
    const uint64_t t0 = read_cntvct();

    /* Deadlines are absolute (t0 + k * period), so slow prints do not add drift. */
    for (uint64_t k = 0;; k++) {
        const uint64_t deadline = t0 + k * period;

        while ((int64_t)(read_cntvct() - deadline) < 0)
            (void)hv_yield();
        printf("HEARTBEAT n=%lu\n", k);
    }
}
