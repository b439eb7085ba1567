// Jazzer.js is written against Code Intelligence's fork of libFuzzer, which adds entry points that
// take the caller's PC explicitly and a death-callback hook. Stock libFuzzer (Debian's
// libclang-rt-14-dev) has the plain variants; these forward to them. The PC argument only feeds
// libFuzzer's value profile (off by default), so dropping it keeps comparison feedback (TORC)
// intact.
#include <cstdint>

extern "C" {
void __sanitizer_cov_trace_const_cmp8(uint64_t arg1, uint64_t arg2);
void __sanitizer_cov_trace_pc_indir(uintptr_t callee);
void __jazzer_set_death_callback(void (*callback)());

void __sanitizer_cov_trace_const_cmp8_with_pc(uintptr_t, uint64_t arg1, uint64_t arg2) {
  __sanitizer_cov_trace_const_cmp8(arg1, arg2);
}

void __sanitizer_cov_trace_pc_indir_with_pc(void *, uintptr_t callee) { __sanitizer_cov_trace_pc_indir(callee); }

// Stock libFuzzer registers its crash dumper through the sanitizer runtime's hook, which is weak
// and absent without a sanitizer: providing it lets Jazzer.js print the crashing input.
void __sanitizer_set_death_callback(void (*callback)()) { __jazzer_set_death_callback(callback); }
}
