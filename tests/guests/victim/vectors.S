/* tests/guests/victim/vectors.S: the guest-local vectors of tests/guests/hostile_common. */
#include "../hostile_common/vectors.inc.S"
