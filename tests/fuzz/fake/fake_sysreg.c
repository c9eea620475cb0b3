/* Storage behind tests/fuzz/fake/arch/sysreg.h: one 64-bit value per
 * system register, plus the hooks a harness may install. */
#include "arch/sysreg.h"

uint64_t fake_sysregs[FAKE_SR_COUNT];
int (*fake_sysreg_read_hook)(enum fake_sysreg reg, uint64_t *value);
void (*fake_sysreg_write_hook)(enum fake_sysreg reg, uint64_t value);
uint64_t fake_sysreg_barriers;

#define FAKE_SR_NAME_(name) #name,
const char *const fake_sysreg_names[FAKE_SR_COUNT] = { FAKE_SYSREGS(FAKE_SR_NAME_) };
#undef FAKE_SR_NAME_
