/* tests/guests/rtc_irq/vectors.S: this guest's EL1 vector table, with a real IRQ
 * entry (see ../irq_common/irq_vectors.S); installed in VBAR_EL1 by guest_main. */
#include "../irq_common/irq_vectors.S"
